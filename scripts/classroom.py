#!/usr/bin/env python3
"""A classroom on this machine: a load run (not a test) of Glassbox behind a real JupyterHub.

Starts JupyterHub on 127.0.0.1 (its proxy is configurable-http-proxy, e.g. Debian's
node-configurable-http-proxy) with the dummy authenticator and SimpleLocalProcessSpawner (users
need no system accounts; every server runs as the caller, in a temporary home), creates N users and
starts their single-user Jupyter servers, each of which sees the Glassbox kernelspec. Then every
user runs a notebook at the same time through the Jupyter server's REST API (contents, sessions)
and its kernel websocket, as JupyterLab does, one cell after the other.

Phases (--phases, default all three):
  calm     N users run the notebook (default: chapter 3.4, Integrated Gradients).
  runaway  the same N users run it again while one more user's notebook misbehaves: a 40 GB
           tensor, a string doubled without end, runaway recursion, then a printing loop that runs
           until the others are done (the script interrupts it) and a last cell that must answer.
           Reports the others' latency beside the calm phase's, how much of the flood reached
           the browser side, and whether the hub and the servers answered throughout.
  torch    up to N users run the same chapter in ipykernel with PyTorch and Captum (the kernel's
           Python is --torch-python), when torch, captum, matplotlib and ipykernel import there;
           the number of users is capped so that their expected memory fits (each ~1.5 GB).

Reports servers started, cells run, errors, p50/p95 cell latency (execute_request to the idle
status), peak total memory (RSS and PSS summed over the hub, proxy, servers and kernels, from
/proc) and memory per kernel. Bounded: at most 200 users, --deadline seconds in all, --cell-timeout
per cell. Whatever happens (errors, the deadline, Ctrl-C, SIGTERM) it stops the hub, every server
and every kernel it started, and says whether any process was left.

Usage: python scripts/classroom.py [--users 30] [--notebook PATH] [--phases calm,runaway,torch]
       [--torch-python PY] [--json result.json]       (make classroom runs it with the release build)
"""
from __future__ import annotations

import argparse
import asyncio
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent / "classroom"
DEFAULT_NOTEBOOK = ROOT / "notebooks" / "3.4 Integrated Gradients.ipynb"
TORCH_NOTEBOOK = HERE / "3.4 Integrated Gradients (PyTorch).ipynb"
RUNAWAY_NOTEBOOK = HERE / "runaway.ipynb"
MAX_USERS = 200
GIB = 1 << 30


# ---------------------------------------------------------------------------------------------
# Processes: everything this script starts descends from it (it is a child subreaper, so servers
# and kernels whose parent dies are re-parented to it rather than to init).

def become_subreaper() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def read_stat(pid: int) -> tuple[int, int, str] | None:
    """(ppid, start time in clock ticks, state) of a process, or None when it is gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[19]), fields[0]


def read_cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = data[data.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_cmdline(pid: int) -> list[str]:
    try:
        return [a for a in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0") if a]
    except OSError:
        return []


def read_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes; PSS shares each shared page among the processes mapping it."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return rss, pss


def descendants(root: int) -> dict[int, tuple[int, int, str]]:
    """pid → (ppid, start time, state) for every process below `root`."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = read_stat(int(entry))
            if stat:
                table[int(entry)] = stat
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = {}, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found[pid] = table[pid]
        todo.extend(children.get(pid, []))
    return found


def role_of(cmdline: list[str]) -> str:
    text = " ".join(cmdline)
    if any(Path(a).name == "glassbox" for a in cmdline[:1]) and "kernel" in cmdline:
        return "glassbox kernel"
    if "ipykernel_launcher" in text:
        return "ipykernel"
    if "jupyterhub-singleuser" in text:
        return "server"
    if "configurable-http-proxy" in text:
        return "proxy"
    if "jupyterhub" in text:
        return "hub"
    return "other"


@dataclass
class Proc:
    pid: int
    start: int
    role: str
    phase: str
    user: str = ""
    command: str = ""
    peak_rss: int = 0
    peak_pss: int = 0
    cpu_seconds: float = 0.0


def read_user(pid: int) -> str:
    """The JupyterHub user a server or kernel runs for (its JUPYTERHUB_USER)."""
    try:
        for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
            if item.startswith(b"JUPYTERHUB_USER="):
                return item.split(b"=", 1)[1].decode(errors="replace")
    except OSError:
        pass
    return ""


class Monitor:
    """Samples every process below this one once a second: role, RSS and PSS from /proc."""

    def __init__(self, interval: float = 1.0):
        self.interval = interval
        self.procs: dict[tuple[int, int], Proc] = {}
        self.phase = "start-up"
        self.peaks: dict[str, dict[str, int]] = {}
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stop_event.set()
        self.thread.join(timeout=5)

    def set_phase(self, phase: str):
        with self.lock:
            self.phase = phase

    def run(self):
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(self.interval)

    def sample(self):
        me = os.getpid()
        found = descendants(me)
        total_rss = total_pss = 0
        by_role: dict[str, int] = {}
        with self.lock:
            phase = self.phase
        for pid, (ppid, start, state) in found.items():
            if state == "Z":
                if ppid == me:
                    try:  # a re-parented orphan that ended: reap it (never our own Popen children)
                        if not any(p.pid == pid for p in _popen_children):
                            os.waitpid(pid, os.WNOHANG)
                    except ChildProcessError:
                        pass
                continue
            key = (pid, start)
            with self.lock:
                proc = self.procs.get(key)
                if proc is None:
                    cmdline = read_cmdline(pid)
                    proc = Proc(pid, start, role_of(cmdline), phase, read_user(pid),
                                " ".join([Path(cmdline[0]).name] + cmdline[1:3]) if cmdline else "")
                    self.procs[key] = proc
            rss, pss = read_memory(pid)
            proc.peak_rss = max(proc.peak_rss, rss)
            proc.peak_pss = max(proc.peak_pss, pss)
            proc.cpu_seconds = max(proc.cpu_seconds, read_cpu_seconds(pid))
            total_rss += rss
            total_pss += pss
            by_role[proc.role] = by_role.get(proc.role, 0) + pss
        with self.lock:
            peak = self.peaks.setdefault(phase, {"rss": 0, "pss": 0, "pss_by_role": {}})
            if total_pss > peak["pss"]:
                peak["pss_by_role"] = by_role
            peak["rss"] = max(peak["rss"], total_rss)
            peak["pss"] = max(peak["pss"], total_pss)

    def alive(self) -> list[Proc]:
        """Tracked processes that still exist (same pid and start time), zombies excluded."""
        out = []
        with self.lock:
            procs = list(self.procs.values())
        for proc in procs:
            stat = read_stat(proc.pid)
            if stat and stat[1] == proc.start and stat[2] != "Z":
                out.append(proc)
        return out

    def kernels(self, phase: str) -> list[Proc]:
        with self.lock:
            return [p for p in self.procs.values() if p.phase == phase and p.role in ("glassbox kernel", "ipykernel")]

    def servers(self) -> list[Proc]:
        with self.lock:
            return [p for p in self.procs.values() if p.role == "server"]


_popen_children: list[subprocess.Popen] = []


# ---------------------------------------------------------------------------------------------
# The hub

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


def node_path() -> str:
    """Debian's node modules live in /usr/share/nodejs; Debian's node finds them itself, other
    builds of node (e.g. NodeSource's) need NODE_PATH."""
    paths = [p for p in os.environ.get("NODE_PATH", "").split(os.pathsep) if p]
    for extra in ("/usr/share/nodejs", "/usr/lib/nodejs"):
        if Path(extra).is_dir() and extra not in paths:
            paths.append(extra)
    return os.pathsep.join(paths)


HUB_CONFIG = """\
# Written by scripts/classroom.py for one load run; everything lives under {tmp}.
c = get_config()  # noqa
c.JupyterHub.bind_url = "http://127.0.0.1:{public_port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {tmp!r} + "/proxy.pid"
c.JupyterHub.db_url = "sqlite:///" + {tmp!r} + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {tmp!r} + "/cookie_secret"
c.JupyterHub.pid_file = {tmp!r} + "/hub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {tmp!r} + "/home/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {server_args!r}
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 600
c.Spawner.http_timeout = 600
c.Spawner.environment = {environment!r}
c.Spawner.environment["JUPYTER_RUNTIME_DIR"] = lambda spawner: {tmp!r} + "/run/" + spawner.user.name
c.JupyterHub.concurrent_spawn_limit = 0
c.JupyterHub.services = [{{"name": "classroom-load", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "classroom-load",
    "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users"],
    "services": ["classroom-load"],
}}]
"""


# How a server talks to its kernels. Over TCP each server's jupyter_client picks a kernel's five ports
# at random on 127.0.0.1 and the kernel binds them a moment later; with thirty servers starting
# kernels at once, two servers sometimes pick the same port (in our runs 1 or 2 of 60 kernel starts
# failed with "Address already in use", the other student's kernel dropping the requests signed with
# the wrong key), and by default (cache_ports) every automatic restart reuses the same ports, so the
# kernel never comes up. Over ipc (Unix sockets in the user's runtime folder, readable by that user
# only) there are no ports to race for. Unix socket paths are limited to 107 bytes, hence a short
# runtime folder per user.
TRANSPORT_ARGS = {
    "ipc": ["--KernelManager.transport=ipc"],
    "tcp": ["--KernelManager.cache_ports=False"],  # a restart at least gets new ports
}


class Hub:
    def __init__(self, tmp: Path, args, kernel_env: dict[str, str]):
        self.tmp = tmp
        self.token = secrets.token_hex(32)
        self.public_port, hub_port, proxy_api_port = free_ports(3)
        self.url = f"http://127.0.0.1:{self.public_port}"
        bindir = Path(sys.executable).parent
        proxy = shutil.which("configurable-http-proxy")
        if proxy is None:
            raise SystemExit("configurable-http-proxy is not installed (Debian: apt-get install "
                             "node-configurable-http-proxy; scripts/install-system-deps.sh does it)")
        singleuser = bindir / "jupyterhub-singleuser"
        if not singleuser.exists():
            raise SystemExit(f"{singleuser} is missing: pip install -r requirements.txt")
        self.config = tmp / "jupyterhub_config.py"
        self.config.write_text(HUB_CONFIG.format(
            tmp=str(tmp), public_port=self.public_port, hub_port=hub_port, proxy_api_port=proxy_api_port,
            proxy=proxy, singleuser=str(singleuser), environment=kernel_env, token=self.token,
            # every server runs as the caller; Jupyter refuses root unless told (CI runs as root)
            server_args=TRANSPORT_ARGS[args.kernel_transport] + (["--allow-root"] if os.geteuid() == 0 else [])))
        self.log_path = tmp / "jupyterhub.log"
        self.proc: subprocess.Popen | None = None

    def start(self):
        env = {**os.environ, "NODE_PATH": node_path(),
               "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
        env.pop("JUPYTERHUB_API_TOKEN", None)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(self.config)],
                                     cwd=self.tmp, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        _popen_children.append(self.proc)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 45):
        """SIGTERM: the hub stops every server (cleanup_servers) and the proxy, then exits."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()


# ---------------------------------------------------------------------------------------------
# HTTP and the kernel websocket (tornado comes with jupyter_server and jupyterhub)

def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Api:
    def __init__(self, base: str, token: str):
        from tornado.httpclient import AsyncHTTPClient
        self.client = AsyncHTTPClient()
        self.base = base
        self.token = token

    async def call(self, method: str, path: str, body=None, token: str | None = None, timeout: float = 300,
                   ok=(200, 201, 202, 204)):
        from tornado.httpclient import HTTPClientError
        headers = {"Authorization": f"token {token or self.token}"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        elif method in ("POST", "PUT", "PATCH"):
            payload = ""
        try:
            response = await self.client.fetch(self.base + path, method=method, body=payload, headers=headers,
                                               request_timeout=timeout, connect_timeout=60,
                                               allow_nonstandard_methods=True)
        except HTTPClientError as error:
            detail = error.response.body.decode(errors="replace")[:300] if error.response else ""
            raise RuntimeError(f"{method} {path}: HTTP {error.code} {detail}") from None
        if response.code not in ok:
            raise RuntimeError(f"{method} {path}: HTTP {response.code}")
        return json.loads(response.body) if response.body else None


@dataclass
class CellResult:
    index: int
    seconds: float
    status: str              # ok, error, timeout
    ename: str | None = None
    evalue: str | None = None
    stream_bytes: int = 0
    images: int = 0
    notices: int = 0         # rate-limit notices seen in the cell's output


@dataclass
class UserRun:
    user: str
    kind: str                # notebook, runaway, torch
    cells: list[CellResult] = field(default_factory=list)
    failure: str | None = None
    wall: float = 0.0
    kernel_id: str | None = None
    interrupt_seconds: float | None = None
    flood_seconds: float | None = None


class KernelSocket:
    def __init__(self, ws, session: str):
        self.ws = ws
        self.session = session

    @classmethod
    async def connect(cls, base: str, user: str, kernel_id: str, token: str) -> "KernelSocket":
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect
        session = uuid.uuid4().hex
        url = base.replace("http://", "ws://") + f"/user/{user}/api/kernels/{kernel_id}/channels?session_id={session}"
        request = HTTPRequest(url, headers={"Authorization": f"token {token}"}, connect_timeout=120,
                              request_timeout=120)
        ws = await websocket_connect(request, max_message_size=256 << 20)
        return cls(ws, session)

    def closed(self) -> str:
        return f"the kernel websocket was closed (code {self.ws.close_code}, reason {self.ws.close_reason!r})"

    def send(self, msg_type: str, content: dict, channel: str = "shell") -> str:
        from tornado.websocket import WebSocketClosedError
        msg_id = uuid.uuid4().hex
        try:
            self._write(msg_id, msg_type, content, channel)
        except WebSocketClosedError:
            raise RuntimeError(self.closed()) from None
        return msg_id

    def _write(self, msg_id: str, msg_type: str, content: dict, channel: str):
        self.ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": msg_type, "username": "student", "session": self.session,
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "version": "5.3"},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel, "buffers": []}))

    async def recv(self, timeout: float) -> dict | None:
        raw = await asyncio.wait_for(self.ws.read_message(), timeout)
        if raw is None:
            raise RuntimeError(self.closed())
        return json.loads(raw)

    async def ready(self, timeout: float = 300):
        deadline = time.monotonic() + timeout
        msg_id = self.send("kernel_info_request", {})
        last = time.monotonic()
        while time.monotonic() < deadline:
            try:
                msg = await self.recv(2.0)
            except asyncio.TimeoutError:
                if time.monotonic() - last > 5:
                    msg_id = self.send("kernel_info_request", {})
                    last = time.monotonic()
                continue
            if msg.get("msg_type") == "kernel_info_reply" and msg["parent_header"].get("msg_id") == msg_id:
                return
        raise RuntimeError("no kernel_info_reply")

    async def execute(self, index: int, code: str, timeout: float) -> CellResult:
        start = time.monotonic()
        msg_id = self.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                               "user_expressions": {}, "allow_stdin": False, "stop_on_error": False})
        result = CellResult(index, 0.0, "ok")
        replied = idle = False
        while not (replied and idle):
            remaining = timeout - (time.monotonic() - start)
            if remaining <= 0:
                result.status = "timeout"
                break
            try:
                msg = await self.recv(remaining)
            except asyncio.TimeoutError:
                result.status = "timeout"
                break
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg.get("msg_type"), msg.get("content", {})
            if kind == "execute_reply":
                replied = True
                if content.get("status") != "ok":
                    result.status = "error"
                    result.ename = result.ename or content.get("ename")
                    result.evalue = result.evalue or content.get("evalue")
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind == "stream":
                text = content.get("text", "")
                result.stream_bytes += len(text.encode())
                if "rate exceeded" in text or "rate limit" in text:
                    result.notices += 1
            elif kind == "error":
                result.ename, result.evalue = content.get("ename"), content.get("evalue")
            elif kind in ("display_data", "execute_result", "update_display_data"):
                if "image/png" in content.get("data", {}):
                    result.images += 1
        result.seconds = time.monotonic() - start
        return result

    def close(self):
        self.ws.close()


# ---------------------------------------------------------------------------------------------
# One user running one notebook

def code_cells(path: Path) -> tuple[list[dict], dict]:
    nb = json.loads(path.read_text())
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cells.append({"source": source, "meta": cell.get("metadata", {}).get("classroom", {})})
    return cells, nb


async def run_notebook(api: Api, user: str, token: str, notebook: Path, kernel_name: str, kind: str,
                       cell_timeout: float, others_done: asyncio.Event | None = None,
                       flood_limit: float = 600, flood_min: float = 5,
                       observe=None) -> UserRun:
    """observe, when given, is called once the kernel answers kernel_info and again after the
    last cell, so that the process monitor sees every kernel even when a short notebook runs in
    less than the monitor's sampling interval."""
    run = UserRun(user, kind)
    start = time.monotonic()
    cells, nb = code_cells(notebook)
    nb_name = notebook.name
    base = f"/user/{user}/api"
    session_id = None
    sock = None
    stage = "uploading the notebook"
    try:
        await api.call("PUT", f"{base}/contents/{urlquote(nb_name)}",
                       {"type": "notebook", "format": "json", "content": nb}, token=token)
        stage = "starting a session"
        session = await api.call("POST", f"{base}/sessions", {
            "path": nb_name, "name": nb_name, "type": "notebook", "kernel": {"name": kernel_name}}, token=token)
        session_id, run.kernel_id = session["id"], session["kernel"]["id"]
        stage = "connecting to the kernel"
        sock = await KernelSocket.connect(api.base, user, run.kernel_id, token)
        stage = "waiting for kernel_info"
        await sock.ready()
        if observe:
            observe()
        for index, cell in enumerate(cells):
            stage = f"running cell {index}"
            if cell["meta"].get("runaway"):
                result = await run_runaway_cell(api, sock, user, token, run, index, cell["source"], others_done,
                                                flood_limit, flood_min)
            else:
                result = await sock.execute(index, cell["source"], cell_timeout)
            run.cells.append(result)
            if result.status == "timeout":
                run.failure = f"cell {index} did not finish within {cell_timeout:.0f} s"
                await api.call("POST", f"{base}/kernels/{run.kernel_id}/interrupt", token=token)
                break
        if observe:
            observe()
    except Exception as error:  # recorded, reported, and the run goes on for the others
        run.failure = f"{stage}: {type(error).__name__}: {error}"
    finally:
        if sock:
            sock.close()
        if session_id:
            try:  # closing the notebook's session shuts its kernel down
                await api.call("DELETE", f"{base}/sessions/{session_id}", token=token)
            except Exception as error:
                run.failure = run.failure or f"could not delete the session: {error}"
    run.wall = time.monotonic() - start
    return run


async def run_runaway_cell(api: Api, sock: KernelSocket, user: str, token: str, run: UserRun, index: int,
                           source: str, others_done: asyncio.Event | None, flood_limit: float,
                           flood_min: float) -> CellResult:
    """Starts the endless cell, lets it run until every other user is done and at least
    flood_min seconds (at most flood_limit), then interrupts it through the REST API, as the stop
    button does."""
    execution = asyncio.ensure_future(sock.execute(index, source, flood_limit + 120))
    started = time.monotonic()
    async def others_and_minimum():
        await asyncio.sleep(flood_min)
        if others_done:
            await others_done.wait()
    waiter = asyncio.ensure_future(others_and_minimum())
    await asyncio.wait([execution, waiter], timeout=flood_limit, return_when=asyncio.FIRST_COMPLETED)
    if not waiter.done():
        waiter.cancel()
    run.flood_seconds = time.monotonic() - started
    if not execution.done():
        interrupted = time.monotonic()
        await api.call("POST", f"/user/{user}/api/kernels/{run.kernel_id}/interrupt", token=token)
        result = await execution
        run.interrupt_seconds = time.monotonic() - interrupted
        return result
    return execution.result()


def urlquote(text: str) -> str:
    from urllib.parse import quote
    return quote(text)


# ---------------------------------------------------------------------------------------------
# The run

async def start_servers(api: Api, users: list[str], timeout: float) -> dict[str, float | str]:
    """Starts every user's server at once; user → seconds until ready, or an error text."""
    async def one(user: str):
        started = time.monotonic()
        try:
            await api.call("POST", f"/hub/api/users/{user}/server")
            gone = 0
            while time.monotonic() - started < timeout:
                model = await api.call("GET", f"/hub/api/users/{user}")
                server = (model.get("servers") or {}).get("")
                if server and server.get("ready"):
                    return user, time.monotonic() - started
                gone = gone + 1 if not server or server.get("pending") is None else 0
                if gone >= 5:
                    return user, "the server stopped while starting (see the hub log)"
                await asyncio.sleep(1.0)
            return user, f"not ready after {timeout:.0f} s"
        except Exception as error:
            return user, f"{type(error).__name__}: {error}"
    return dict(await asyncio.gather(*(one(u) for u in users)))


async def watch(api: Api, paths: list[str], stop: asyncio.Event, tokens: dict[str, str]) -> dict:
    """Asks the hub and some servers whether they are up, every second, until `stop`."""
    worst: dict[str, float] = {p: 0.0 for p in paths}
    failures: dict[str, int] = {p: 0 for p in paths}
    probes = 0
    while not stop.is_set():
        probes += 1
        for path in paths:
            started = time.monotonic()
            user = path.split("/")[2] if path.startswith("/user/") else None
            try:
                await api.call("GET", path, token=tokens.get(user) if user else None, timeout=30)
                worst[path] = max(worst[path], time.monotonic() - started)
            except Exception:
                failures[path] += 1
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except asyncio.TimeoutError:
            pass
    return {"probes": probes, "worst_seconds": worst, "failures": failures}


async def phase(name: str, monitor: Monitor, api: Api, tokens: dict[str, str], users: list[str], notebook: Path,
                kernel: str, args, runaway_user: str | None = None, kind: str = "notebook") -> dict:
    monitor.set_phase(name)
    print(f"== {name}: {len(users)} users run {notebook.name}"
          + (f" while {runaway_user} runs {RUNAWAY_NOTEBOOK.name}" if runaway_user else ""), flush=True)
    started = time.monotonic()
    others_done = asyncio.Event()
    stop_watch = asyncio.Event()
    watch_paths = ["/hub/api/"] + [f"/user/{u}/api/status" for u in ([runaway_user] if runaway_user else []) + users[:1]]
    watcher = asyncio.ensure_future(watch(api, watch_paths, stop_watch, tokens))
    tasks = [asyncio.ensure_future(run_notebook(api, u, tokens[u], notebook, kernel, kind, args.cell_timeout,
                                                     observe=monitor.sample))
             for u in users]
    runaway_task = None
    if runaway_user:
        runaway_task = asyncio.ensure_future(run_notebook(
            api, runaway_user, tokens[runaway_user], RUNAWAY_NOTEBOOK, "glassbox", "runaway", args.cell_timeout,
            others_done=others_done, flood_limit=args.cell_timeout, flood_min=args.flood_min,
            observe=monitor.sample))
    runs = await asyncio.gather(*tasks)
    others_done.set()
    runaway = await runaway_task if runaway_task else None
    stop_watch.set()
    health = await watcher
    wall = time.monotonic() - started
    # every kernel of the phase must be gone: in the servers' API, then from /proc
    kernels_left = 0
    for user in users + ([runaway_user] if runaway_user else []):
        try:
            kernels_left += len(await api.call("GET", f"/user/{user}/api/kernels", token=tokens[user]))
        except Exception:
            kernels_left += 1
    deadline = time.monotonic() + 20
    alive: list[Proc] = []
    while time.monotonic() < deadline:
        monitor.sample()
        alive = [p for p in monitor.alive() if p.role in ("glassbox kernel", "ipykernel")]
        if not alive:
            break
        await asyncio.sleep(0.5)
    monitor.sample()
    return summarise_phase(name, runs, runaway, monitor, wall, kernels_left, len(alive), health, notebook)


def summarise_phase(name, runs: list[UserRun], runaway: UserRun | None, monitor: Monitor, wall: float,
                    kernels_left: int, kernel_processes_left: int, health: dict, notebook: Path) -> dict:
    cells = [c for r in runs for c in r.cells]
    latencies = [c.seconds for c in cells]
    by_cell: dict[int, list[float]] = {}
    for c in cells:
        by_cell.setdefault(c.index, []).append(c.seconds)
    expected_cells = len(code_cells(notebook)[0])
    errors = [f"{r.user} cell {c.index}: {c.ename}: {(c.evalue or '')[:160]}" for r in runs for c in r.cells
              if c.status != "ok"] + [f"{r.user}: {r.failure}" for r in runs if r.failure]
    runaway_kernels = [k for k in monitor.kernels(name) if runaway and k.user == runaway.user]
    kernels = [k for k in monitor.kernels(name) if k not in runaway_kernels]
    with monitor.lock:
        peak = dict(monitor.peaks.get(name, {"rss": 0, "pss": 0, "pss_by_role": {}}))
    out = {
        "notebook": notebook.name, "users": len(runs), "wall_seconds": round(wall, 1),
        "cells_expected": expected_cells * len(runs), "cells_run": len(cells),
        "cells_ok": sum(1 for c in cells if c.status == "ok"), "errors": errors,
        "latency_seconds": {"p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95),
                            "max": max(latencies) if latencies else None},
        "latency_by_cell_p50": {str(i): percentile(v, 0.5) for i, v in sorted(by_cell.items())},
        "notebook_seconds": {"p50": percentile([r.wall for r in runs], 0.5), "max": max((r.wall for r in runs), default=None)},
        "kernels_started": len(kernels), "kernels_left_in_servers": kernels_left,
        "kernel_processes_left": kernel_processes_left,
        "memory": {
            "peak_total_rss": peak["rss"], "peak_total_pss": peak["pss"],
            "pss_by_role_at_peak": peak.get("pss_by_role", {}),
            "kernel_peak_rss": stats([k.peak_rss for k in kernels]),
            "kernel_peak_pss": stats([k.peak_pss for k in kernels]),
            "server_peak_rss": stats([s.peak_rss for s in monitor.servers()]),
            "server_peak_pss": stats([s.peak_pss for s in monitor.servers()]),
        },
        "kernel_cpu_seconds": stats([k.cpu_seconds for k in kernels]),
        "health": health,
    }
    if runaway:
        out["runaway"] = {
            "user": runaway.user, "failure": runaway.failure,
            "cells": [{"index": c.index, "status": c.status, "ename": c.ename, "evalue": (c.evalue or "")[:200],
                       "seconds": round(c.seconds, 2), "stream_bytes": c.stream_bytes, "notices": c.notices}
                      for c in runaway.cells],
            "flood_seconds": runaway.flood_seconds, "interrupt_to_reply_seconds": runaway.interrupt_seconds,
            "expected": runaway_expectations(runaway),
            "kernel_peak_rss": max((k.peak_rss for k in runaway_kernels), default=0),
        }
    return out


def runaway_expectations(run: UserRun) -> list[str]:
    """Each cell of the runaway notebook says how it must end (metadata classroom.expect)."""
    cells, _ = code_cells(RUNAWAY_NOTEBOOK)
    problems = []
    for index, cell in enumerate(cells):
        want = cell["meta"].get("expect", "ok")
        got = next((c for c in run.cells if c.index == index), None)
        if got is None:
            problems.append(f"cell {index} did not run")
        elif want == "ok" and got.status != "ok":
            problems.append(f"cell {index}: expected ok, got {got.ename}: {got.evalue}")
        elif want != "ok" and got.ename != want:
            problems.append(f"cell {index}: expected {want}, got {got.status} {got.ename}")
    return problems


def stats(values: list[float]) -> dict:
    values = [v for v in values if v]
    if not values:
        return {"count": 0}
    return {"count": len(values), "median": statistics.median(values), "max": max(values), "min": min(values)}


def torch_ready(python: str) -> str | None:
    """None when torch, captum, matplotlib and ipykernel import in `python`, else why not."""
    if not python or not Path(python).exists():
        return f"no Python at {python!r}"
    probe = subprocess.run([python, "-c", "import torch, captum, matplotlib, ipykernel, numpy; print(torch.__version__)"],
                           capture_output=True, text=True, timeout=300)
    if probe.returncode != 0:
        return f"not importable from {python}: {probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else '?'}"
    return None


def mem_available() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def install_kernelspecs(tmp: Path, glassbox: Path, torch_python: str | None, threads: int, weights: Path) -> Path:
    prefix = tmp / "prefix"
    subprocess.run([str(glassbox), "install", "--prefix", str(prefix), "--name", "glassbox"], check=True,
                   capture_output=True)
    share = prefix / "share" / "jupyter"
    if torch_python:
        spec = share / "kernels" / "python-torch"
        spec.mkdir(parents=True, exist_ok=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [torch_python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python (PyTorch)", "language": "python",
            "env": {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
                    "CLASSROOM_WEIGHTS": str(weights)},
        }))
    return share


def export_weights(glassbox: Path, tmp: Path, env: dict[str, str]) -> Path:
    """The bundled cnn-max-b weights in PyTorch layouts, for the PyTorch version of chapter 3.4."""
    out = tmp / "weights"
    out.mkdir()
    script = tmp / "export.gbx"
    script.write_text(f'save(model("cnn-max-b"), to: "{out}/cnn-max-b.safetensors")\n')
    subprocess.run([str(glassbox), "run", str(script)], check=True, capture_output=True, env=env, cwd=tmp)
    return out


async def main_async(args, tmp: Path, monitor: Monitor, state: dict) -> dict:
    from tornado.httpclient import AsyncHTTPClient
    AsyncHTTPClient.configure(None, max_clients=4 * args.users + 32)
    result: dict = {"users": args.users, "notebook": str(args.notebook), "kernel_transport": args.kernel_transport,
                    "phases": {}}
    state["result"] = result
    data = os.environ.get("GLASSBOX_DATA") or ""
    if not data and (Path.home() / ".cache" / "glassbox" / "mnist").is_dir():
        data = str(Path.home() / ".cache" / "glassbox")
    if not data:
        raise SystemExit("set GLASSBOX_DATA to a folder holding mnist/ (shared by every kernel; see docs/data.md)")

    phases = args.phases
    torch_reason = torch_ready(args.torch_python) if "torch" in phases else None
    torch_wanted = min(args.users, args.torch_users or args.users)
    result["torch"] = {"python": args.torch_python, "skipped_because": torch_reason}

    base_env = {"GLASSBOX_DATA": data, "GLASSBOX_THREADS": str(args.threads), "GLASSBOX_MEMORY_LIMIT": args.memory_limit,
                "OPENBLAS_NUM_THREADS": str(args.threads)}
    torch_on = "torch" in phases and torch_reason is None
    weights = export_weights(args.glassbox, tmp, {**os.environ, **base_env}) if torch_on else tmp
    share = install_kernelspecs(tmp, args.glassbox, args.torch_python if torch_on else None, args.threads, weights)
    kernel_env = {**base_env, "JUPYTER_PATH": str(share)}
    hub = Hub(tmp, args, kernel_env)
    state["hub"] = hub
    hub.start()
    api = Api(hub.url, hub.token)
    started = time.monotonic()
    while True:
        if hub.proc.poll() is not None:
            raise RuntimeError("JupyterHub exited:\n" + hub.log_tail())
        try:
            version = await api.call("GET", "/hub/api/", timeout=5)
            break
        except Exception:
            if time.monotonic() - started > 120:
                raise RuntimeError("JupyterHub did not answer within 120 s:\n" + hub.log_tail())
            await asyncio.sleep(0.5)
    result["jupyterhub"] = version.get("version")
    print(f"JupyterHub {result['jupyterhub']} at {hub.url} (log: {hub.log_path}); kernels over {args.kernel_transport}",
          flush=True)

    users = [f"student{i:02d}" for i in range(1, args.users + 1)]
    runaway_user = "runaway" if "runaway" in phases else None
    everyone = users + ([runaway_user] if runaway_user else [])
    state["users"] = everyone
    await api.call("POST", "/hub/api/users", {"usernames": everyone})
    monitor.set_phase("servers")
    print(f"starting {len(everyone)} servers…", flush=True)
    spawned = await start_servers(api, everyone, timeout=args.cell_timeout)
    ready = {u: s for u, s in spawned.items() if isinstance(s, float)}
    result["servers"] = {
        "requested": len(everyone), "started": len(ready),
        "start_seconds": {"p50": percentile(list(ready.values()), 0.5), "max": max(ready.values(), default=None)},
        "failures": {u: s for u, s in spawned.items() if not isinstance(s, float)},
    }
    print(f"servers started: {len(ready)}/{len(everyone)} (p50 {fmt_s(result['servers']['start_seconds']['p50'])}, "
          f"max {fmt_s(result['servers']['start_seconds']['max'])})", flush=True)
    tokens = {}
    for user in ready:
        tokens[user] = (await api.call("POST", f"/hub/api/users/{user}/tokens",
                                       {"note": "classroom load run", "expires_in": 4 * 3600}))["token"]
    users = [u for u in users if u in ready]
    if runaway_user and runaway_user not in ready:
        runaway_user = None
    if not users:
        raise RuntimeError("no server started:\n" + hub.log_tail())

    if "calm" in phases:
        result["phases"]["calm"] = await phase("calm", monitor, api, tokens, users, args.notebook, "glassbox", args)
        print_phase("calm", result["phases"]["calm"])
    if runaway_user:
        result["phases"]["runaway"] = await phase("runaway", monitor, api, tokens, users, args.notebook, "glassbox",
                                                  args, runaway_user=runaway_user)
        print_phase("runaway", result["phases"]["runaway"])
    if runaway_user and "calm" in result["phases"]:
        calm, wild = result["phases"]["calm"]["latency_seconds"], result["phases"]["runaway"]["latency_seconds"]
        if calm["p50"] and wild["p50"]:
            result["runaway_vs_calm"] = {"p50_ratio": wild["p50"] / calm["p50"], "p95_ratio": wild["p95"] / calm["p95"]}
            print(f"== the other students' cell latency beside the runaway: p50 {wild['p50']:.2f} s vs {calm['p50']:.2f} s "
                  f"calm (×{wild['p50'] / calm['p50']:.2f}), p95 {wild['p95']:.2f} s vs {calm['p95']:.2f} s "
                  f"(×{wild['p95'] / calm['p95']:.2f})", flush=True)
    torch_users = 0
    if torch_on:
        # decided now, with the Glassbox kernels gone: about 1.5 GB each must fit in half of what is free
        fit = int(0.5 * mem_available() / (1.5 * GIB))
        torch_users = max(0, min(torch_wanted, fit, len(users)))
        result["torch"]["users"] = torch_users
        if torch_users < torch_wanted:
            result["torch"]["note"] = (f"{torch_users} of {torch_wanted} users: capped so that ~1.5 GB each fits in "
                                       f"half of the {mem_available() / GIB:.1f} GB available")
            print(f"== torch: {result['torch']['note']}", flush=True)
        if torch_users == 0:
            torch_reason = result["torch"]["skipped_because"] = "not enough memory available for one PyTorch kernel"
    if torch_users:
        result["phases"]["torch"] = await phase("torch", monitor, api, tokens, users[:torch_users], TORCH_NOTEBOOK,
                                                "python-torch", args, kind="torch")
        print_phase("torch", result["phases"]["torch"])
    elif "torch" in phases:
        print(f"== torch: ipykernel + PyTorch not measured: {torch_reason}", flush=True)
    monitor.set_phase("shutdown")
    return result


def fmt_s(value) -> str:
    return "—" if value is None else f"{value:.2f} s"


def fmt_mb(value) -> str:
    return "—" if not value else f"{value / 1e6:.0f} MB"


def print_phase(name: str, p: dict):
    lat = p["latency_seconds"]
    mem = p["memory"]
    print(f"   cells ok {p['cells_ok']}/{p['cells_expected']} (run {p['cells_run']}), errors {len(p['errors'])}, "
          f"wall {p['wall_seconds']:.0f} s")
    for error in p["errors"][:5]:
        print(f"     {error}")
    print(f"   cell latency p50 {fmt_s(lat['p50'])}, p95 {fmt_s(lat['p95'])}, max {fmt_s(lat['max'])}; "
          f"per cell p50: " + ", ".join(f"{i}: {v:.2f}" for i, v in p["latency_by_cell_p50"].items()))
    print(f"   peak total memory: RSS {fmt_mb(mem['peak_total_rss'])}, PSS {fmt_mb(mem['peak_total_pss'])} "
          f"(at the PSS peak: " + ", ".join(f"{r} {fmt_mb(v)}" for r, v in sorted(mem["pss_by_role_at_peak"].items())) + ")")
    kr, kp = mem["kernel_peak_rss"], mem["kernel_peak_pss"]
    if kr.get("count"):
        print(f"   per kernel ({kr['count']} kernels) peak RSS median {fmt_mb(kr['median'])}, max {fmt_mb(kr['max'])}; "
              f"peak PSS median {fmt_mb(kp['median'])}, max {fmt_mb(kp['max'])}; CPU per kernel median "
              f"{p['kernel_cpu_seconds']['median']:.1f} s, max {p['kernel_cpu_seconds']['max']:.1f} s")
    sr, sp = mem["server_peak_rss"], mem["server_peak_pss"]
    if sr.get("count"):
        print(f"   per Jupyter server ({sr['count']}) peak RSS median {fmt_mb(sr['median'])}, peak PSS median {fmt_mb(sp['median'])}")
    print(f"   kernels left in the servers: {p['kernels_left_in_servers']}, kernel processes left: {p['kernel_processes_left']}")
    health = p["health"]
    print("   health: " + ", ".join(f"{path} worst {w:.2f} s, {health['failures'][path]} failures"
                                    for path, w in health["worst_seconds"].items()) + f" ({health['probes']} probes)")
    if "runaway" in p:
        r = p["runaway"]
        for c in r["cells"]:
            print(f"   runaway cell {c['index']}: {c['status']} {c['ename'] or ''} {c['seconds']:.1f} s"
                  + (f", {c['stream_bytes'] / 1e6:.1f} MB of output reached the client ({c['stream_bytes'] / 1e6 / max(c['seconds'], 1e-9):.2f} MB/s), {c['notices']} rate-limit notice(s)" if c["stream_bytes"] > 10000 else ""))
        print(f"   runaway: flooded for {fmt_s(r['flood_seconds'])}, interrupt answered in {fmt_s(r['interrupt_to_reply_seconds'])}; "
              + ("every cell ended as expected" if not r["expected"] else "UNEXPECTED: " + "; ".join(r["expected"])))
    sys.stdout.flush()


def cleanup(state: dict, monitor: Monitor) -> list[dict]:
    """Stops the hub (which stops every server and, through them, every kernel), then ends any
    process this run started that is still there. Returns those that could not be ended."""
    hub = state.get("hub")
    monitor.sample()
    if hub:
        hub.stop()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and monitor.alive():
        time.sleep(0.5)
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        alive = monitor.alive()
        if not alive:
            break
        for proc in alive:
            try:
                os.kill(proc.pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and monitor.alive():
            time.sleep(0.2)
    for proc in list(monitor.procs.values()):  # reap re-parented orphans
        try:
            os.waitpid(proc.pid, os.WNOHANG)
        except (ChildProcessError, OSError):
            pass
    return [{"pid": p.pid, "role": p.role} for p in monitor.alive()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=30, help=f"students (1…{MAX_USERS}; default 30)")
    parser.add_argument("--notebook", type=Path, default=DEFAULT_NOTEBOOK, help="the Glassbox notebook each runs")
    parser.add_argument("--phases", default="calm,runaway,torch", help="any of calm, runaway, torch (comma-separated)")
    parser.add_argument("--torch-python", default=os.environ.get("TORCH_PYTHON", sys.executable),
                        help="a Python with torch, captum, matplotlib and ipykernel (default: $TORCH_PYTHON, else this one)")
    parser.add_argument("--torch-users", type=int, default=0, help="at most this many PyTorch users (default: --users, "
                        "capped by the memory available)")
    parser.add_argument("--glassbox", type=Path, default=Path(os.environ.get("GLASSBOX_BIN", ROOT / ".build" / "release" / "glassbox")))
    parser.add_argument("--kernel-transport", choices=sorted(TRANSPORT_ARGS), default="ipc",
                        help="how each server talks to its kernels (default ipc: no TCP ports to race for)")
    parser.add_argument("--threads", type=int, default=1, help="threads per kernel (GLASSBOX_THREADS, OMP_NUM_THREADS)")
    parser.add_argument("--memory-limit", default="1G", help="GLASSBOX_MEMORY_LIMIT of every Glassbox kernel")
    parser.add_argument("--cell-timeout", type=float, default=900, help="seconds per cell (and per server start)")
    parser.add_argument("--deadline", type=float, default=2400, help="seconds for the whole run; then everything stops")
    parser.add_argument("--flood-min", type=float, default=5, help="the runaway's printing loop runs at least this long")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (hub log, homes)")
    args = parser.parse_args()
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(args.phases) - {"calm", "runaway", "torch"}
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    if not 1 <= args.users <= MAX_USERS:
        parser.error(f"--users must be between 1 and {MAX_USERS}")
    args.glassbox = args.glassbox.resolve()
    if not args.glassbox.exists():
        parser.error(f"no glassbox binary at {args.glassbox} (swift build -c release --product glassbox)")
    args.notebook = args.notebook.resolve()
    # measured here: a Glassbox kernel after chapter 3.4 ~0.4 GB, a single-user server ~0.15 GB
    need = (args.users + ("runaway" in args.phases)) * (0.40 + 0.15) * GIB
    if need > 0.85 * mem_available():
        parser.error(f"{args.users} users need about {need / GIB:.1f} GB (a kernel and a server each); only "
                     f"{mem_available() / GIB:.1f} GB are available")

    become_subreaper()
    tmp = Path(tempfile.mkdtemp(prefix="glassbox-classroom-"))
    monitor = Monitor()
    monitor.start()
    state: dict = {}
    status = 0

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    result: dict = {}
    try:
        result = asyncio.run(asyncio.wait_for(main_async(args, tmp, monitor, state), args.deadline))
    except asyncio.TimeoutError:
        print(f"stopped: the run exceeded --deadline {args.deadline:.0f} s", file=sys.stderr)
        result = state.get("result", {})
        result["stopped"] = "deadline"
        status = 2
    except KeyboardInterrupt:
        print("interrupted: stopping everything this run started…", file=sys.stderr)
        result = state.get("result", {})
        result["stopped"] = "interrupted"
        status = 130
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
        result = state.get("result", {})
        result["stopped"] = f"error: {error}"
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        left = cleanup(state, monitor)
        monitor.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        result["processes_started"] = [{"pid": p.pid, "start": p.start, "role": p.role, "command": p.command}
                                       for p in monitor.procs.values()]
        result["processes_left"] = left
        counts: dict[str, int] = {}
        for p in monitor.procs.values():
            counts[p.role] = counts.get(p.role, 0) + 1
        print("stopped everything: " + ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))
              + (f"; STILL RUNNING: {left}" if left else "; nothing left running"), flush=True)
        troubled = status != 0 or any(p.get("errors") for p in result.get("phases", {}).values())
        if troubled and not args.keep and (tmp / "jupyterhub.log").exists():
            # the hub's log holds every server's log too: keep it for a look at what went wrong
            saved = (args.json.with_suffix(".hub.log") if args.json else Path.cwd() / "classroom-hub.log")
            shutil.copy(tmp / "jupyterhub.log", saved)
            print(f"the hub's log (with every server's) is in {saved}")
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(result, indent=2, default=str))
    if left:
        status = status or 3
    return status


if __name__ == "__main__":
    sys.exit(main())
