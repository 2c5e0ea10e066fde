"""Glassbox kernel vs ipykernel on this machine (a benchmark, not a test).

Measures (1) time from process start to the first kernel_info_reply, median of STARTS starts, and
(2) the round trip of a trivial execute_request (send → execute_reply and → IOPub idle), median of
EXECUTES runs. Usage: python bench/kernel_bench.py [--starts 10] [--executes 200]
Binary: $GLASSBOX_BIN (default .build/debug/glassbox; build release for fair numbers)."""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import zmq
from jupyter_client.session import Session

ROOT = Path(__file__).resolve().parents[1]
GLASSBOX = Path(os.environ.get("GLASSBOX_BIN", ROOT / ".build" / "debug" / "glassbox")).resolve()


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Kernel:
    def __init__(self, argv_for):
        self.key = uuid.uuid4().hex
        p = free_ports(5)
        self.info = {"transport": "tcp", "ip": "127.0.0.1", "shell_port": p[0], "iopub_port": p[1],
                     "stdin_port": p[2], "control_port": p[3], "hb_port": p[4], "key": self.key,
                     "signature_scheme": "hmac-sha256"}
        self.path = Path(tempfile.mkdtemp(prefix="kbench-")) / "conn.json"
        self.path.write_text(json.dumps(self.info))
        self.session = Session(key=self.key.encode())
        self.ctx = zmq.Context()
        # The client connects before the kernel binds; retry every 5 ms (default 100 ms) so the
        # start-up time is not rounded up to libzmq's reconnect interval.
        self.ctx.setsockopt(zmq.RECONNECT_IVL, 5)
        self.shell = self.ctx.socket(zmq.DEALER)
        self.shell.linger = 0
        self.shell.connect(f"tcp://127.0.0.1:{p[0]}")
        self.iopub = self.ctx.socket(zmq.SUB)
        self.iopub.linger = 0
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.iopub.connect(f"tcp://127.0.0.1:{p[1]}")
        self.control = self.ctx.socket(zmq.DEALER)
        self.control.linger = 0
        self.control.connect(f"tcp://127.0.0.1:{p[3]}")
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(argv_for(str(self.path)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def recv(self, sock, timeout=30.0):
        if not sock.poll(int(timeout * 1000)):
            raise TimeoutError("no message")
        _, frames = self.session.feed_identities(sock.recv_multipart())
        return self.session.deserialize(frames)

    def first_kernel_info(self) -> float:
        # DEALER queues the request until the kernel has bound its port.
        self.session.send(self.shell, "kernel_info_request", {})
        self.recv(self.shell)
        return time.perf_counter() - self.t0

    def wait_iopub(self):
        # IOPub subscriptions are asynchronous: repeat kernel_info until a status arrives.
        while True:
            self.session.send(self.shell, "kernel_info_request", {})
            self.recv(self.shell)
            if self.iopub.poll(300):
                while self.iopub.poll(100):
                    self.iopub.recv_multipart()
                return

    def execute_round_trip(self, code: str) -> tuple[float, float]:
        t = time.perf_counter()
        msg = self.session.send(self.shell, "execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})
        msg_id = msg["header"]["msg_id"]
        reply_at = idle_at = None
        while reply_at is None or idle_at is None:
            if reply_at is None and self.shell.poll(0):
                reply = self.recv(self.shell)
                if reply["parent_header"].get("msg_id") == msg_id:
                    reply_at = time.perf_counter()
                continue
            if idle_at is None and self.iopub.poll(0):
                m = self.recv(self.iopub)
                if (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                        and m["content"]["execution_state"] == "idle"):
                    idle_at = time.perf_counter()
                continue
            poller = zmq.Poller()
            poller.register(self.shell, zmq.POLLIN)
            poller.register(self.iopub, zmq.POLLIN)
            poller.poll(1000)
        return reply_at - t, idle_at - t

    def stop(self):
        self.session.send(self.control, "shutdown_request", {"restart": False})
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for s in (self.shell, self.iopub, self.control):
            s.close(0)
        self.ctx.term()


KERNELS = {
    "glassbox": lambda conn: [str(GLASSBOX), "kernel", "--connection-file", conn],
    "ipykernel": lambda conn: [sys.executable, "-m", "ipykernel_launcher", "-f", conn],
}


def bench(name, starts, executes):
    start_times = []
    for _ in range(starts):
        k = Kernel(KERNELS[name])
        start_times.append(k.first_kernel_info())
        k.stop()
    k = Kernel(KERNELS[name])
    k.first_kernel_info()
    k.wait_iopub()
    for _ in range(10):
        k.execute_round_trip("1")
    replies, idles = [], []
    for _ in range(executes):
        r, i = k.execute_round_trip("1")
        replies.append(r)
        idles.append(i)
    k.stop()
    return statistics.median(start_times), statistics.median(replies), statistics.median(idles)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--executes", type=int, default=200)
    args = parser.parse_args()
    results = {name: bench(name, args.starts, args.executes) for name in KERNELS}
    print(f"binary: {GLASSBOX}")
    print(f"{'':12}{'start→kernel_info':>20}{'execute→reply':>16}{'execute→idle':>16}")
    for name, (s, r, i) in results.items():
        print(f"{name:12}{s * 1000:17.1f} ms{r * 1000:13.2f} ms{i * 1000:13.2f} ms")
    g, p = results["glassbox"], results["ipykernel"]
    print(f"{'ipykernel/glassbox':12}{p[0] / g[0]:18.1f}x{p[1] / g[1]:14.1f}x{p[2] / g[2]:14.1f}x")


if __name__ == "__main__":
    main()
