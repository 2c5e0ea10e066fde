"""Resident memory per chapter notebook, Glassbox kernel vs ipykernel + PyTorch (a benchmark, not a test).

For each notebook: a fresh kernel runs every code cell in order, one after the other, while the kernel's
memory is read from /proc every 50 ms. Reported per notebook: RSS and PSS (proportional set size: a page
shared with other processes, such as a memory-mapped MNIST file or a shared library, counts 1/n) at
start, their peaks while the cells ran (the peak RSS is the kernel's own high-water mark, VmHWM), and
after the last cell (after 1 s of rest), the anonymous part of the RSS after (heap and stacks: what
the kernel alone holds; the rest are file pages, libraries and mapped MNIST, that kernels share),
plus the cells' wall time and any cell error. Then the same for
ipykernel + PyTorch + Captum doing chapter 3.4 (scripts/classroom/3.4 Integrated Gradients (PyTorch).ipynb,
the only chapter written for PyTorch here) when --torch-python names a Python that imports them.

Usage: python bench/memory_bench.py --glassbox .build/release/glassbox [--torch-python PY]
       [--json out.json] [notebooks...]        (default: every notebooks/*.ipynb)
MNIST comes from $GLASSBOX_DATA/mnist (the checkout's ../shared/data when unset)."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import zmq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kernel_bench  # noqa: E402  (the Kernel class: connection file, sockets, first kernel_info)

ROOT = Path(__file__).resolve().parents[1]


def read_memory(pid: int) -> dict[str, int]:
    """RSS and PSS (smaps_rollup), the peak RSS (VmHWM) and the anonymous (private: heap, stacks)
    part of the RSS (RssAnon; the rest is file pages such as libraries and mapped MNIST, which other
    processes can share), in bytes."""
    out = {"rss": 0, "pss": 0, "hwm": 0, "anon": 0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                out["rss"] = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                out["pss"] = int(line.split()[1]) * 1024
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                out["hwm"] = int(line.split()[1]) * 1024
            elif line.startswith("RssAnon:"):
                out["anon"] = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return out


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_pss, self.running = pid, 0, True

    def run(self):
        while self.running:
            self.peak_pss = max(self.peak_pss, read_memory(self.pid)["pss"])
            time.sleep(0.05)


def execute(kernel: kernel_bench.Kernel, code: str, timeout: float) -> str | None:
    """Runs one cell; None when it succeeded, else the error's name and value."""
    msg = kernel.session.send(kernel.shell, "execute_request", {
        "code": code, "silent": False, "store_history": True, "user_expressions": {},
        "allow_stdin": False, "stop_on_error": True})
    msg_id, deadline = msg["header"]["msg_id"], time.monotonic() + timeout
    reply = None
    idle = False
    while reply is None or not idle:
        poller = zmq.Poller()
        poller.register(kernel.shell, zmq.POLLIN)
        poller.register(kernel.iopub, zmq.POLLIN)
        if not poller.poll(1000) and time.monotonic() > deadline:
            return f"timeout after {timeout:.0f} s"
        while kernel.shell.poll(0):
            m = kernel.recv(kernel.shell)
            if m["parent_header"].get("msg_id") == msg_id:
                reply = m
        while kernel.iopub.poll(0):
            m = kernel.recv(kernel.iopub)
            if (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                    and m["content"]["execution_state"] == "idle"):
                idle = True
    content = reply["content"]
    return None if content["status"] == "ok" else f"{content.get('ename')}: {content.get('evalue', '')[:200]}"


def run_notebook(argv_for, notebook: Path, env: dict[str, str], cwd: Path, timeout: float,
                 per_cell: bool = False) -> dict:
    cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # kernel_bench.Kernel starts the process with this environment
    old_cwd = os.getcwd()
    os.chdir(cwd)
    try:
        kernel = kernel_bench.Kernel(argv_for)
    finally:
        os.chdir(old_cwd)
        os.environ.clear()
        os.environ.update(saved)
    result = {"notebook": notebook.name, "cells": len(cells), "errors": []}
    try:
        kernel.first_kernel_info()
        kernel.wait_iopub()
        pid = kernel.proc.pid
        result["start"] = read_memory(pid)
        sampler = Sampler(pid)
        sampler.start()
        t = time.perf_counter()
        for number, cell in enumerate(cells):
            code = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            error = execute(kernel, code, timeout)
            if error:
                result["errors"].append(f"cell {number}: {error}")
            if per_cell:
                now = read_memory(pid)
                first = code.strip().splitlines()[0][:60] if code.strip() else ""
                print(f"    cell {number:2}: RSS {now['rss'] / 1e6:5.0f}  PSS {now['pss'] / 1e6:5.0f}  "
                      f"anon {now['anon'] / 1e6:5.0f} MB   {first}", flush=True)
        result["seconds"] = time.perf_counter() - t
        time.sleep(1.0)
        result["after"] = read_memory(pid)
        sampler.running = False
        sampler.join()
        result["peak_rss"] = result["after"]["hwm"]
        result["peak_pss"] = max(sampler.peak_pss, result["after"]["pss"])
    finally:
        kernel.stop()
    return result


def mb(n: int) -> str:
    return f"{n / 1e6:7.0f}"


def report(name: str, r: dict):
    errors = f"  {len(r['errors'])} error(s): {r['errors'][0].splitlines()[0]}" if r["errors"] else ""
    print(f"{name:44}{mb(r['start']['rss'])}{mb(r['peak_rss'])}{mb(r['after']['rss'])}"
          f"{mb(r['start']['pss'])}{mb(r['peak_pss'])}{mb(r['after']['pss'])}{mb(r['after']['anon'])}"
          f"{r['seconds']:8.1f}{errors}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--glassbox", type=Path, default=ROOT / ".build" / "release" / "glassbox")
    parser.add_argument("--torch-python", help="a Python with torch, captum, safetensors, matplotlib and ipykernel")
    parser.add_argument("--cell-timeout", type=float, default=900)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--per-cell", action="store_true", help="print the memory after every cell")
    args = parser.parse_args()
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    env = dict(os.environ)
    if not env.get("GLASSBOX_DATA") and (ROOT.parent / "shared" / "data" / "mnist").is_dir():
        env["GLASSBOX_DATA"] = str(ROOT.parent / "shared" / "data")
    glassbox = args.glassbox.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    print(f"binary: {glassbox}; MNIST: {env.get('GLASSBOX_DATA', '(not set)')}/mnist")
    print(f"{'MB':44}{'RSS':>7}{'peak':>7}{'after':>7}{'PSS':>7}{'peak':>7}{'after':>7}{'anon':>7}{'s':>8}")
    results = {"glassbox": [], "torch": []}
    for notebook in notebooks:
        r = run_notebook(lambda conn: [str(glassbox), "kernel", "--connection-file", conn], notebook, env,
                         notebook.parent, args.cell_timeout, args.per_cell)
        results["glassbox"].append(r)
        report(f"glassbox  {notebook.stem}", r)
    torch_python = args.torch_python
    if torch_python and os.sep in torch_python:
        torch_python = str(Path(torch_python).absolute())  # the kernels run in other folders
    if torch_python:
        check = subprocess.run([torch_python, "-c", "import torch, captum, safetensors, matplotlib, ipykernel"],
                               capture_output=True, text=True)
        if check.returncode != 0:
            print(f"ipykernel + PyTorch not measured: {torch_python} cannot import them ({check.stderr.strip()[-200:]})")
            torch_python = None
    else:
        print("ipykernel + PyTorch not measured: pass --torch-python (a Python with torch, captum, ipykernel)")
    if torch_python:
        weights = tmp / "weights"
        weights.mkdir()
        script = tmp / "export.gbx"
        script.write_text(f'save(model("cnn-max-b"), to: "{weights}/cnn-max-b.safetensors")\n')
        subprocess.run([str(glassbox), "run", str(script)], check=True, capture_output=True, env=env, cwd=tmp)
        torch_env = dict(env, CLASSROOM_WEIGHTS=str(weights), OMP_NUM_THREADS=env.get("OMP_NUM_THREADS", "2"))
        notebook = ROOT / "scripts" / "classroom" / "3.4 Integrated Gradients (PyTorch).ipynb"
        r = run_notebook(lambda conn: [torch_python, "-m", "ipykernel_launcher", "-f", conn], notebook, torch_env,
                         tmp, args.cell_timeout)
        results["torch"].append(r)
        report(f"ipykernel+PyTorch  {notebook.stem.replace(' (PyTorch)', '')}", r)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
