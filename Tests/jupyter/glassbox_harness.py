"""Shared helpers for the Python suites: locate the binary, install a kernelspec into a temp
JUPYTER_PATH, and start a kernel process on a connection file we write ourselves."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import zmq
from jupyter_client.session import Session

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("GLASSBOX_BIN", ROOT / ".build" / "debug" / "glassbox")).resolve()
KERNEL_NAME = os.environ.get("GLASSBOX_KERNEL_NAME", "glassbox-test")


def install_kernelspec() -> Path:
    """Installs the kernelspec under a temporary prefix (once per process) and makes sure that
    prefix is on JUPYTER_PATH (other suites may have changed it since)."""
    existing = os.environ.get("GLASSBOX_TEST_PREFIX")
    if existing:
        prefix = Path(existing)
    else:
        prefix = Path(tempfile.mkdtemp(prefix="glassbox-kernelspec-"))
        subprocess.run([str(BIN), "install", "--prefix", str(prefix), "--name", KERNEL_NAME], check=True,
                       capture_output=True)
        os.environ["GLASSBOX_TEST_PREFIX"] = str(prefix)
    share = str(prefix / "share" / "jupyter")
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if share not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([share] + paths)
    return prefix


def free_ports(n: int) -> list[int]:
    sockets = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class RawKernel:
    """A kernel process plus raw ZMQ client sockets, for tests that need to misbehave on the wire."""

    def __init__(self, key: bytes | None = None, curve: tuple[bytes, bytes] | None = None,
                 transport: str = "tcp", ports: list[int] | None = None, scheme: str = "hmac-sha256",
                 env: dict[str, str] | None = None):
        self.key = uuid.uuid4().hex.encode() if key is None else key
        ports = ports or free_ports(5)
        self.dir = Path(tempfile.mkdtemp(prefix="glassbox-conn-"))
        ip = str(self.dir / "kernel-ipc") if transport == "ipc" else "127.0.0.1"
        self.info = {
            "transport": transport, "ip": ip, "shell_port": ports[0], "iopub_port": ports[1],
            "stdin_port": ports[2], "control_port": ports[3], "hb_port": ports[4],
            "key": self.key.decode(), "signature_scheme": scheme, "kernel_name": KERNEL_NAME,
        }
        self.server_public = None
        if curve:
            self.server_public, secret = curve
            self.info["curve_publickey"] = self.server_public.decode()
            self.info["curve_secretkey"] = secret.decode()
        self.path = self.dir / "kernel.json"
        self.path.write_text(json.dumps(self.info))
        self.proc = subprocess.Popen([str(BIN), "kernel", "--connection-file", str(self.path)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=None if env is None else {**os.environ, **env})
        if 0 in ports:  # the kernel picks ports and writes them back into the file
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                written = json.loads(self.path.read_text() or "{}")
                if all(written.get(f"{c}_port") for c in ("shell", "iopub", "stdin", "control", "hb")):
                    self.info = written
                    break
                time.sleep(0.05)
        self.session = Session(key=self.key, signature_scheme=scheme)
        self.ctx = zmq.Context()
        self.sockets: list[zmq.Socket] = []
        self.shell = self.connect(zmq.DEALER, "shell_port")
        self.control = self.connect(zmq.DEALER, "control_port")
        self.stdin = self.connect(zmq.DEALER, "stdin_port")
        self.iopub = self.connect(zmq.SUB, "iopub_port")
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")

    def connect(self, kind: int, port_name: str, curve: bool = True) -> zmq.Socket:
        s = self.ctx.socket(kind)
        s.linger = 0
        if kind == zmq.DEALER:
            s.setsockopt(zmq.IDENTITY, self.session.bsession)
        if curve and self.server_public is not None:
            public, secret = zmq.curve_keypair()
            s.curve_secretkey = secret
            s.curve_publickey = public
            s.curve_serverkey = self.server_public
        s.connect(self.endpoint(port_name))
        self.sockets.append(s)
        return s

    def endpoint(self, port_name: str) -> str:
        if self.info["transport"] == "ipc":
            return f"ipc://{self.info['ip']}-{self.info[port_name]}"
        return f"tcp://127.0.0.1:{self.info[port_name]}"

    def send(self, sock: zmq.Socket, msg_type: str, content: dict | None = None) -> dict:
        msg = self.session.msg(msg_type, content or {})
        self.session.send(sock, msg)
        return msg

    def recv(self, sock: zmq.Socket, timeout: float = 10.0) -> dict | None:
        if not sock.poll(int(timeout * 1000)):
            return None
        idents, frames = self.session.feed_identities(sock.recv_multipart())
        return self.session.deserialize(frames)

    def reply(self, sock: zmq.Socket, msg_id: str, timeout: float = 10.0) -> dict | None:
        """The next message on `sock` whose parent is `msg_id` (others are skipped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.recv(sock, max(0.0, deadline - time.monotonic()))
            if msg is None:
                return None
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg
        return None

    def iopub_until_idle(self, msg_id: str, timeout: float = 10.0) -> list[dict]:
        """IOPub messages of one request, up to and including its idle status."""
        out = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.recv(self.iopub, max(0.0, deadline - time.monotonic()))
            if msg is None:
                break
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            out.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        return out

    def wait_ready(self, timeout: float = 20.0) -> dict:
        """Repeats kernel_info until both the reply and IOPub traffic arrive (as jupyter_client does)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.send(self.shell, "kernel_info_request")
            reply = self.reply(self.shell, msg["header"]["msg_id"], timeout=1.0)
            if reply is not None:
                if self.recv(self.iopub, 0.5) is not None:
                    while self.recv(self.iopub, 0.2) is not None:
                        pass
                    return reply
            if self.proc.poll() is not None:
                raise RuntimeError("kernel died: " + self.proc.stderr.read().decode())
        raise RuntimeError("kernel did not become ready")

    def execute(self, code: str, **options) -> tuple[dict | None, list[dict]]:
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}
        content.update(options)
        msg = self.send(self.shell, "execute_request", content)
        reply = self.reply(self.shell, msg["header"]["msg_id"], timeout=20)
        return reply, self.iopub_until_idle(msg["header"]["msg_id"])

    def shutdown(self) -> int:
        if self.proc.poll() is None:
            try:
                self.send(self.control, "shutdown_request", {"restart": False})
                self.proc.wait(timeout=5)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        for s in self.sockets:
            s.close(0)
        self.ctx.term()
        return self.proc.returncode
