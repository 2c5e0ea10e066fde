"""The kernel against hostile or careless peers: replayed messages, other HMAC schemes and unsigned
kernels, garbage TCP connections on every port, and an IOPub that nobody reads.

Binary: $GLASSBOX_BIN (default .build/debug/glassbox)."""
from __future__ import annotations

import os
import random
import socket
import time

import pytest
import zmq
from jupyter_client.session import Session

from glassbox_harness import RawKernel


def replies_to(k: RawKernel, sock: zmq.Socket, msg_id: str, wait: float) -> int:
    """How many messages on `sock` answer `msg_id` within `wait` seconds."""
    count = 0
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        msg = k.recv(sock, max(0.0, deadline - time.monotonic()))
        if msg is None:
            break
        if msg["parent_header"].get("msg_id") == msg_id:
            count += 1
    return count


def execute_content(code: str) -> dict:
    return {"code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": False}


def test_replayed_messages_are_dropped_on_every_socket():
    k = RawKernel()
    try:
        k.wait_ready()
        msg = k.session.msg("execute_request", execute_content("6 * 7"))
        frames = k.session.serialize(msg)
        for _ in range(3):
            k.shell.send_multipart(frames)
        assert replies_to(k, k.shell, msg["header"]["msg_id"], 3.0) == 1
        # the same frames from another socket identity, and on another channel, are replays too
        other = k.ctx.socket(zmq.DEALER)
        other.linger = 0
        other.setsockopt(zmq.IDENTITY, b"another-peer")
        other.connect(k.endpoint("shell_port"))
        k.sockets.append(other)
        other.send_multipart(frames)
        assert replies_to(k, other, msg["header"]["msg_id"], 2.0) == 0
        info = k.session.msg("kernel_info_request", {})
        info_frames = k.session.serialize(info)
        k.control.send_multipart(info_frames)
        assert replies_to(k, k.control, info["header"]["msg_id"], 2.0) == 1
        k.shell.send_multipart(info_frames)
        assert replies_to(k, k.shell, info["header"]["msg_id"], 2.0) == 0
        # the execution count moved once: the cell ran once
        reply, _ = k.execute("1")
        assert reply["content"]["execution_count"] == 2
    finally:
        k.shutdown()
    log = k.proc.stderr.read().decode()
    assert log.count("replayed") == 4, log


@pytest.mark.parametrize("scheme", ["hmac-sha512", "hmac-sha384", "hmac-sha1"])
def test_other_hmac_schemes(scheme):
    k = RawKernel(scheme=scheme)
    try:
        k.wait_ready()
        reply, outputs = k.execute("6 * 7")
        assert reply["content"]["status"] == "ok"
        assert [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"] == ["42"]
        # a client signing with SHA-256 is rejected by a kernel told to use another scheme
        wrong = Session(key=k.key, signature_scheme="hmac-sha256", session=k.session.session)
        msg = wrong.msg("kernel_info_request", {})
        wrong.send(k.shell, msg)
        assert replies_to(k, k.shell, msg["header"]["msg_id"], 1.5) == 0
    finally:
        k.shutdown()
    assert "signature does not match" in k.proc.stderr.read().decode()


def test_empty_key_means_unsigned():
    k = RawKernel(key=b"")
    try:
        k.wait_ready()
        reply, outputs = k.execute("6 * 7")
        assert reply["content"]["status"] == "ok"
        assert reply["header"] and k.session.auth is None
        # unsigned kernels have no signatures to remember: the same message twice runs twice
        msg = k.session.msg("execute_request", execute_content("1 + 1"))
        frames = k.session.serialize(msg)
        assert frames[1] == b""
        k.shell.send_multipart(frames)
        k.shell.send_multipart(frames)
        assert replies_to(k, k.shell, msg["header"]["msg_id"], 3.0) == 2
    finally:
        k.shutdown()


def garbage_connection(port: int, rng: random.Random) -> None:
    """A plain TCP connection that writes 1–4,096 random bytes and closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(rng.randbytes(rng.randint(1, 4096)))


def test_heartbeat_answers_every_ping_after_garbage_connections():
    k = RawKernel()
    rng = random.Random(16)
    try:
        k.wait_ready()
        for round_ in range(20):
            garbage_connection(k.info["hb_port"], rng)
            ping = k.ctx.socket(zmq.REQ)
            ping.linger = 0
            ping.connect(k.endpoint("hb_port"))
            payload = f"ping {round_}".encode()
            ping.send(payload)
            answered = ping.poll(5000)
            echo = ping.recv() if answered else None
            ping.close(0)
            assert echo == payload, f"no echo for ping {round_}"
    finally:
        k.shutdown()


@pytest.mark.parametrize("port_name", ["shell_port", "control_port", "stdin_port", "iopub_port"])
def test_other_channels_work_after_garbage_connections(port_name):
    k = RawKernel()
    rng = random.Random(port_name)
    try:
        k.wait_ready()
        for _ in range(10):
            garbage_connection(k.info[port_name], rng)
        reply, outputs = k.execute("6 * 7")
        assert reply is not None and reply["content"]["status"] == "ok"
        assert any(m["msg_type"] == "execute_result" for m in outputs)
        info = k.send(k.control, "kernel_info_request")
        assert k.reply(k.control, info["header"]["msg_id"]) is not None
    finally:
        k.shutdown()


def resident_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def test_unread_iopub_stays_bounded_and_the_cell_gets_one_notice():
    k = RawKernel()
    try:
        k.wait_ready()
        k.execute('var line = "x"\nfor i in 0..<17 { line = line + line }')  # 131,072 characters
        before = resident_bytes(k.proc.pid)
        msg = k.send(k.shell, "execute_request", execute_content("while true { print(line) }"))
        # nobody reads IOPub for 8 seconds
        peak = before
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            time.sleep(0.5)
            peak = max(peak, resident_bytes(k.proc.pid))
        interrupt = k.send(k.control, "interrupt_request")
        assert k.reply(k.control, interrupt["header"]["msg_id"], timeout=5) is not None
        reply = k.reply(k.shell, msg["header"]["msg_id"], timeout=10)
        assert reply is not None and reply["content"]["status"] == "error"
        growth = peak - before
        assert growth < 250 * 1024 * 1024, f"the kernel grew by {growth / 1e6:.0f} MB"
        notices = []
        streamed = 0
        while (m := k.recv(k.iopub, 2.0)) is not None:
            if m["msg_type"] == "stream" and m["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                text = m["content"]["text"]
                assert len(text.encode()) <= 64 * 1024 + 200
                streamed += len(text)
                if "IOPub output rate exceeded" in text:
                    notices.append(text)
        assert len(notices) == 1, f"{len(notices)} notices in {streamed} characters of output"
        assert k.proc.poll() is None
        reply, _ = k.execute("6 * 7")
        assert reply["content"]["status"] == "ok"
    finally:
        k.shutdown()
