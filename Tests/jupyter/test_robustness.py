"""Robustness of the Glassbox kernel on the wire: bad input, interrupts, CURVE, stop_on_error, stdin.

Talks ZMQ directly (pyzmq + jupyter_client.Session) to a kernel started on a connection file
written here. Binary: $GLASSBOX_BIN (default .build/debug/glassbox)."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import sys
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import zmq

from glassbox_harness import BIN, KERNEL_NAME, ROOT, RawKernel, free_ports


@pytest.fixture
def kernel():
    k = RawKernel()
    k.wait_ready()
    yield k
    k.shutdown()


def signed_frames(k: RawKernel, header: bytes, parent: bytes = b"{}", metadata: bytes = b"{}",
                  content: bytes = b"{}") -> list[bytes]:
    mac = hmac.new(k.key, digestmod=hashlib.sha256)
    for part in (header, parent, metadata, content):
        mac.update(part)
    return [b"<IDS|MSG>", mac.hexdigest().encode(), header, parent, metadata, content]


def assert_alive_and_working(k: RawKernel):
    msg = k.send(k.shell, "kernel_info_request")
    reply = k.reply(k.shell, msg["header"]["msg_id"])
    assert reply is not None and reply["content"]["status"] == "ok"
    assert reply["content"]["protocol_version"] == "5.3"
    reply, outputs = k.execute("6 * 7")
    assert reply["content"]["status"] == "ok"
    results = [m for m in outputs if m["msg_type"] == "execute_result"]
    assert results and results[0]["content"]["data"]["text/plain"] == "42"
    assert k.proc.poll() is None


def test_bad_input_is_dropped_and_kernel_keeps_working(kernel):
    k = kernel
    good = k.session.msg("kernel_info_request", {})
    frames = k.session.serialize(good)
    # bad signature
    tampered = list(frames)
    tampered[1] = b"0" * 64
    k.shell.send_multipart(tampered)
    # missing signature
    unsigned = list(frames)
    unsigned[1] = b""
    k.shell.send_multipart(unsigned)
    # garbage frames, no delimiter
    k.shell.send_multipart([b"garbage", b"\x00\xff\xfe"])
    k.shell.send_multipart([b"a", b"b", b"c", b"d", b"e", b"f"])
    # delimiter but too few frames
    k.shell.send_multipart([b"<IDS|MSG>", b"x"])
    # invalid JSON, non-object JSON, missing header fields (all correctly signed)
    k.shell.send_multipart(signed_frames(k, b"{not json"))
    k.shell.send_multipart(signed_frames(k, b"[1, 2, 3]"))
    k.shell.send_multipart(signed_frames(k, json.dumps({"msg_type": "kernel_info_request"}).encode()))
    k.control.send_multipart(signed_frames(k, b"\xff\xfe"))
    # unknown message types on shell and control
    unknown = k.send(k.shell, "no_such_request", {"x": 1})
    k.send(k.control, "no_such_request", {})
    # a 100 MB message with a wrong signature, and one correctly signed (unknown type, huge content)
    big = b"x" * (100 * 1024 * 1024)
    k.shell.send_multipart([b"<IDS|MSG>", b"0" * 64, b"{}", b"{}", b"{}", big])
    header = json.dumps({"msg_id": "big", "msg_type": "big_request", "session": "s", "username": "u",
                         "date": "2026-01-01T00:00:00Z", "version": "5.3"}).encode()
    k.shell.send_multipart(signed_frames(k, header, content=b'{"data": "' + big + b'"}'))
    del big
    # no reply for the unknown type, but busy/idle around it
    statuses = [m["content"]["execution_state"] for m in k.iopub_until_idle(unknown["header"]["msg_id"])]
    assert statuses == ["busy", "idle"]
    assert_alive_and_working(k)
    k.shutdown()
    log = k.proc.stderr.read().decode()
    assert "signature does not match" in log
    assert "missing signature" in log
    assert "no <IDS|MSG> delimiter" in log
    assert "not valid JSON" in log
    assert "not a JSON object" in log
    assert "msg_id" in log
    assert "no_such_request" in log


def write_connection(text: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix="glassbox-badconn-")) / "kernel.json"
    path.write_text(text)
    return path


def run_kernel_expecting_failure(path: Path) -> str:
    proc = subprocess.run([str(BIN), "kernel", "--connection-file", str(path)], capture_output=True, timeout=20)
    assert proc.returncode != 0
    return proc.stderr.decode()


def valid_info() -> dict:
    ports = free_ports(5)
    return {"transport": "tcp", "ip": "127.0.0.1", "shell_port": ports[0], "iopub_port": ports[1],
            "stdin_port": ports[2], "control_port": ports[3], "hb_port": ports[4], "key": "k",
            "signature_scheme": "hmac-sha256"}


def test_missing_connection_file():
    err = run_kernel_expecting_failure(Path("/nonexistent/glassbox/kernel.json"))
    assert "/nonexistent/glassbox/kernel.json" in err


@pytest.mark.parametrize("mutate, field", [
    (lambda i: i.pop("key"), "key"),
    (lambda i: i.pop("shell_port"), "shell_port"),
    (lambda i: i.update(hb_port="nine"), "hb_port"),
    (lambda i: i.update(iopub_port=70000), "iopub_port"),
    (lambda i: i.update(signature_scheme="hmac-md5"), "signature_scheme"),
    (lambda i: i.update(transport="udp"), "transport"),
    (lambda i: i.update(curve_publickey="short"), "curve"),
])
def test_malformed_connection_file_names_the_field(mutate, field):
    info = valid_info()
    mutate(info)
    path = write_connection(json.dumps(info))
    err = run_kernel_expecting_failure(path)
    assert str(path) in err and field in err


def test_connection_file_not_json():
    path = write_connection("{ this is not json")
    err = run_kernel_expecting_failure(path)
    assert str(path) in err and "JSON" in err


def test_port_in_use_fails_cleanly():
    info = valid_info()
    blocker = zmq.Context.instance().socket(zmq.ROUTER)
    blocker.bind(f"tcp://127.0.0.1:{info['control_port']}")
    try:
        path = write_connection(json.dumps(info))
        err = run_kernel_expecting_failure(path)
        assert "control" in err
        # nothing stayed bound: the shell port is free again
        probe = zmq.Context.instance().socket(zmq.ROUTER)
        probe.bind(f"tcp://127.0.0.1:{info['shell_port']}")
        probe.close(0)
    finally:
        blocker.close(0)


def start_sleep(k: RawKernel) -> dict:
    msg = k.send(k.shell, "execute_request", {"code": "sleep(30)", "silent": False, "store_history": True,
                                              "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    # wait until it runs
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        m = k.recv(k.iopub, 10)
        if m and m["msg_type"] == "execute_input" and m["parent_header"]["msg_id"] == msg["header"]["msg_id"]:
            break
    time.sleep(0.3)
    return msg


def test_interrupt_message_during_sleep(kernel):
    k = kernel
    msg = start_sleep(k)
    t0 = time.monotonic()
    interrupt = k.send(k.control, "interrupt_request")
    ireply = k.reply(k.control, interrupt["header"]["msg_id"], timeout=5)
    assert ireply is not None and ireply["content"]["status"] == "ok"
    reply = k.reply(k.shell, msg["header"]["msg_id"], timeout=5)
    assert reply is not None and time.monotonic() - t0 < 1.5
    assert reply["content"]["status"] == "error"
    outputs = k.iopub_until_idle(msg["header"]["msg_id"])
    assert outputs[-1]["content"]["execution_state"] == "idle"
    assert any(m["msg_type"] == "error" for m in outputs)
    assert_alive_and_working(k)


def test_sigint_during_sleep(kernel):
    k = kernel
    msg = start_sleep(k)
    t0 = time.monotonic()
    k.proc.send_signal(signal.SIGINT)
    reply = k.reply(k.shell, msg["header"]["msg_id"], timeout=5)
    assert reply is not None and time.monotonic() - t0 < 1.5
    assert reply["content"]["status"] == "error"
    assert k.proc.poll() is None
    # SIGINT while idle must not kill the kernel or poison the next cell
    k.proc.send_signal(signal.SIGINT)
    time.sleep(0.2)
    assert_alive_and_working(k)


def test_control_answers_while_a_cell_runs(kernel):
    k = kernel
    msg = start_sleep(k)
    t0 = time.monotonic()
    info = k.send(k.control, "kernel_info_request")
    assert k.reply(k.control, info["header"]["msg_id"], timeout=2) is not None
    assert time.monotonic() - t0 < 1
    hb = k.ctx.socket(zmq.REQ)
    hb.linger = 0
    hb.connect(f"tcp://127.0.0.1:{k.info['hb_port']}")
    hb.send(b"ping")
    assert hb.poll(2000) and hb.recv() == b"ping"
    hb.close(0)
    k.send(k.control, "interrupt_request")
    assert k.reply(k.shell, msg["header"]["msg_id"], timeout=5)["content"]["status"] == "error"


def test_curve_encryption():
    public, secret = zmq.curve_keypair()
    k = RawKernel(curve=(public, secret))
    try:
        reply = k.wait_ready()
        assert reply["content"]["implementation"] == "glassbox"
        # a client without CURVE gets nothing
        plain = k.connect(zmq.DEALER, "shell_port", curve=False)
        msg = k.send(plain, "kernel_info_request")
        assert k.reply(plain, msg["header"]["msg_id"], timeout=2) is None
        # the encrypted client still works
        assert_alive_and_working(k)
    finally:
        k.shutdown()


def test_stop_on_error_aborts_queued_cells(kernel):
    k = kernel
    opts = {"silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False}
    first = k.send(k.shell, "execute_request", {"code": "sleep(1)", "stop_on_error": True, **opts})
    failing = k.send(k.shell, "execute_request", {"code": "undefinedName", "stop_on_error": True, **opts})
    queued = k.send(k.shell, "execute_request", {"code": "6 * 7", "stop_on_error": True, **opts})
    assert k.reply(k.shell, first["header"]["msg_id"])["content"]["status"] == "ok"
    assert k.reply(k.shell, failing["header"]["msg_id"])["content"]["status"] == "error"
    aborted = k.reply(k.shell, queued["header"]["msg_id"])
    assert aborted["content"]["status"] == "aborted"
    outputs = k.iopub_until_idle(queued["header"]["msg_id"])
    assert not any(m["msg_type"] == "execute_result" for m in outputs)
    # without stop_on_error, the queued cell runs
    first = k.send(k.shell, "execute_request", {"code": "sleep(1)", "stop_on_error": False, **opts})
    failing = k.send(k.shell, "execute_request", {"code": "undefinedName", "stop_on_error": False, **opts})
    queued = k.send(k.shell, "execute_request", {"code": "6 * 7", "stop_on_error": True, **opts})
    assert k.reply(k.shell, failing["header"]["msg_id"])["content"]["status"] == "error"
    assert k.reply(k.shell, queued["header"]["msg_id"])["content"]["status"] == "ok"
    assert_alive_and_working(k)


def test_input_request_round_trip(kernel):
    k = kernel
    msg = k.send(k.shell, "execute_request", {"code": 'readLine(prompt: "Name? ")', "silent": False,
                                              "store_history": True, "user_expressions": {},
                                              "allow_stdin": True, "stop_on_error": True})
    request = k.recv(k.stdin, 10)
    assert request["msg_type"] == "input_request"
    assert request["content"] == {"prompt": "Name? ", "password": False}
    assert request["parent_header"]["msg_id"] == msg["header"]["msg_id"]
    # heartbeat and control keep answering while the kernel waits for input
    info = k.send(k.control, "kernel_info_request")
    assert k.reply(k.control, info["header"]["msg_id"], timeout=2) is not None
    k.session.send(k.stdin, "input_reply", {"value": "Ada"}, parent=request["header"])
    reply = k.reply(k.shell, msg["header"]["msg_id"])
    assert reply["content"]["status"] == "ok"
    outputs = k.iopub_until_idle(msg["header"]["msg_id"])
    result = [m for m in outputs if m["msg_type"] == "execute_result"][0]
    assert "Ada" in result["content"]["data"]["text/plain"]


def test_interrupt_while_waiting_for_input(kernel):
    k = kernel
    msg = k.send(k.shell, "execute_request", {"code": 'readLine(prompt: "Name? ")', "silent": False,
                                              "store_history": True, "user_expressions": {},
                                              "allow_stdin": True, "stop_on_error": True})
    assert k.recv(k.stdin, 10)["msg_type"] == "input_request"
    t0 = time.monotonic()
    k.send(k.control, "interrupt_request")
    reply = k.reply(k.shell, msg["header"]["msg_id"], timeout=5)
    assert reply["content"]["status"] == "error" and time.monotonic() - t0 < 1.5
    assert_alive_and_working(k)


def test_input_without_stdin_is_an_error(kernel):
    reply, outputs = kernel.execute('readLine(prompt: "Name? ")', allow_stdin=False)
    assert reply["content"]["status"] == "error"


def test_silent_execution(kernel):
    k = kernel
    before, _ = k.execute("6 * 7")
    reply, outputs = k.execute("6 * 7", silent=True)
    assert reply["content"]["status"] == "ok"
    assert [m["msg_type"] for m in outputs] == ["status", "status"]
    after, _ = k.execute("6 * 7")
    assert after["content"]["execution_count"] == before["content"]["execution_count"] + 1
    nostore, _ = k.execute("6 * 7", store_history=False)
    again, _ = k.execute("6 * 7")
    assert again["content"]["execution_count"] == after["content"]["execution_count"] + 1


def test_message_order_and_parents(kernel):
    k = kernel
    reply, outputs = k.execute('print("hello, world")')
    assert reply["parent_header"]["msg_type"] == "execute_request"
    types = [m["msg_type"] for m in outputs]
    assert types[0] == "status" and outputs[0]["content"]["execution_state"] == "busy"
    assert types[1] == "execute_input" and types[-1] == "status"
    assert {"name": "stdout", "text": "hello, world\n"} in [m["content"] for m in outputs if m["msg_type"] == "stream"]
    assert reply["content"]["user_expressions"] == {} and reply["content"]["payload"] == []
    date = reply["header"]["date"]
    assert reply["header"]["version"] == "5.3"


def test_comms(kernel):
    k = kernel
    info = k.send(k.shell, "comm_info_request", {})
    assert k.reply(k.shell, info["header"]["msg_id"])["content"] == {"status": "ok", "comms": {}}
    opened = k.send(k.shell, "comm_open", {"comm_id": "c1", "target_name": "nobody", "data": {}})
    outputs = k.iopub_until_idle(opened["header"]["msg_id"])
    closes = [m for m in outputs if m["msg_type"] == "comm_close"]
    assert closes and closes[0]["content"]["comm_id"] == "c1"
    k.send(k.shell, "comm_msg", {"comm_id": "c1", "data": {}})
    assert_alive_and_working(k)


@pytest.mark.parametrize("channel", ["control", "shell"])
def test_shutdown(channel):
    k = RawKernel()
    k.wait_ready()
    sock = getattr(k, channel)
    msg = k.send(sock, "shutdown_request", {"restart": True})
    reply = k.reply(sock, msg["header"]["msg_id"], timeout=5)
    assert reply is not None and reply["content"] == {"status": "ok", "restart": True}
    assert k.proc.wait(timeout=5) == 0
    k.shutdown()


def test_install_writes_kernelspec():
    prefix = Path(tempfile.mkdtemp(prefix="glassbox-install-"))
    subprocess.run([str(BIN), "install", "--prefix", str(prefix), "--name", "gb-x", "--display-name", "GB X"],
                   check=True, capture_output=True)
    spec_dir = prefix / "share" / "jupyter" / "kernels" / "gb-x"
    spec = json.loads((spec_dir / "kernel.json").read_text())
    # the kernel finds the documentation pages help("language") shows in the kernelspec's own copy
    assert spec["argv"] == [str(BIN), "kernel", "--connection-file", "{connection_file}",
                            "--docs-dir", str(spec_dir / "docs")]
    assert (spec_dir / "docs" / "language.md").read_bytes() == (ROOT / "docs" / "language.md").read_bytes()
    assert spec["display_name"] == "GB X" and spec["language"] == "glassbox"
    assert spec["interrupt_mode"] in ("message", "signal")
    assert spec["metadata"] == {"supported_encryption": ["curve"]}
    for name in ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg"):
        assert (spec_dir / name).read_bytes() == (ROOT / "kernelspec" / name).read_bytes()
    # --user honours JUPYTER_DATA_DIR; conflicting flags are refused
    data_dir = Path(tempfile.mkdtemp(prefix="glassbox-data-"))
    env = {"JUPYTER_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "HOME": str(data_dir)}
    subprocess.run([str(BIN), "install", "--user"], check=True, capture_output=True, env=env)
    assert (data_dir / "kernels" / "glassbox" / "kernel.json").exists()
    venv = Path(tempfile.mkdtemp(prefix="glassbox-venv-"))
    subprocess.run([str(BIN), "install", "--sys-prefix", "--name", "gb-venv"], check=True, capture_output=True,
                   env={**env, "VIRTUAL_ENV": str(venv)})
    assert (venv / "share" / "jupyter" / "kernels" / "gb-venv" / "kernel.json").exists()
    bad = subprocess.run([str(BIN), "install", "--user", "--sys-prefix"], capture_output=True, env=env)
    assert bad.returncode != 0
    # jupyter itself finds the installed spec
    listed = subprocess.run([sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"], capture_output=True,
                            text=True, env={**os.environ, "JUPYTER_PATH": str(prefix / "share" / "jupyter")}, check=True)
    specs = json.loads(listed.stdout)["kernelspecs"]
    assert specs["gb-x"]["spec"]["display_name"] == "GB X"


def test_ipc_transport():
    k = RawKernel(transport="ipc")
    try:
        k.wait_ready()
        assert_alive_and_working(k)
        assert Path(f"{k.info['ip']}-{k.info['shell_port']}").exists()
    finally:
        k.shutdown()


def test_port_zero_is_chosen_and_written_back():
    k = RawKernel(ports=[0, 0, 0, 0, 0])
    try:
        assert all(k.info[f"{c}_port"] > 0 for c in ("shell", "iopub", "stdin", "control", "hb"))
        assert k.info["key"] == k.key.decode()
        k.wait_ready()
        assert_alive_and_working(k)
    finally:
        k.shutdown()


def test_execute_without_code_is_an_error_reply(kernel):
    k = kernel
    msg = k.send(k.shell, "execute_request", {"code": 42, "silent": False})
    reply = k.reply(k.shell, msg["header"]["msg_id"])
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "InvalidRequest"
    assert_alive_and_working(k)


def test_shutdown_while_a_cell_runs():
    k = RawKernel()
    k.wait_ready()
    start_sleep(k)
    t0 = time.monotonic()
    msg = k.send(k.control, "shutdown_request", {"restart": False})
    assert k.reply(k.control, msg["header"]["msg_id"], timeout=5) is not None
    assert k.proc.wait(timeout=5) == 0
    assert time.monotonic() - t0 < 3
    k.shutdown()


def test_kernel_exits_when_its_parent_dies():
    info = valid_info()
    path = write_connection(json.dumps(info))
    # sh starts the kernel with JPY_PARENT_PID=<sh>, prints its pid, and exits soon after.
    script = f'JPY_PARENT_PID=$$ "{BIN}" kernel --connection-file "{path}" 2>/dev/null & echo $!; sleep 0.5'
    out = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=10).stdout
    pid = int(out.strip())
    deadline = time.monotonic() + 5
    alive = True
    while time.monotonic() < deadline and alive:
        try:
            os.kill(pid, 0)
            time.sleep(0.1)
        except ProcessLookupError:
            alive = False
    assert not alive
