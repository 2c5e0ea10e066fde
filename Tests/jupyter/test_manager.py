"""The kernel driven the way Jupyter drives it: jupyter_client's KernelManager (both interrupt
modes, manager-provisioned CurveZMQ encryption) and nbclient running a notebook."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from glassbox_harness import KERNEL_NAME, install_kernelspec


def spec_manager_with_mode(tmp_path: Path, mode: str) -> tuple[KernelSpecManager, str]:
    prefix = install_kernelspec()
    source = prefix / "share" / "jupyter" / "kernels" / KERNEL_NAME
    name = f"{KERNEL_NAME}-{mode}"
    target = tmp_path / "kernels" / name
    shutil.copytree(source, target)
    spec = json.loads((target / "kernel.json").read_text())
    spec["interrupt_mode"] = mode
    (target / "kernel.json").write_text(json.dumps(spec))
    ksm = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")])
    return ksm, name


@pytest.mark.parametrize("mode", ["message", "signal"])
def test_interrupt_through_kernel_manager(tmp_path, mode):
    ksm, name = spec_manager_with_mode(tmp_path, mode)
    km = KernelManager(kernel_name=name, kernel_spec_manager=ksm)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=30)
        msg_id = kc.execute("sleep(30)")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            msg = kc.get_iopub_msg(timeout=10)
            if msg["msg_type"] == "execute_input" and msg["parent_header"]["msg_id"] == msg_id:
                break
        time.sleep(0.3)
        t0 = time.monotonic()
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=5)
        assert reply["parent_header"]["msg_id"] == msg_id
        assert reply["content"]["status"] == "error"
        assert time.monotonic() - t0 < 1.5
        assert km.is_alive()
        reply = kc.execute_interactive("6 * 7", timeout=10)
        assert reply["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
    assert not km.is_alive()


def test_manager_provisioned_curve_encryption():
    install_kernelspec()
    km = KernelManager(kernel_name=KERNEL_NAME, transport_encryption="required")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        assert km.curve_publickey and km.curve_secretkey
        kc.wait_for_ready(timeout=30)
        outputs = []
        reply = kc.execute_interactive('print("hello, world")', output_hook=outputs.append, timeout=10)
        assert reply["content"]["status"] == "ok"
        assert any(m["msg_type"] == "stream" and "hello, world" in m["content"]["text"] for m in outputs)
        assert kc.is_alive()
    finally:
        kc.stop_channels()
        km.shutdown_kernel()


def test_restart_keeps_working():
    install_kernelspec()
    km = KernelManager(kernel_name=KERNEL_NAME)
    km.start_kernel()
    try:
        km.restart_kernel(now=False)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=30)
        assert kc.execute_interactive("6 * 7", timeout=10)["content"]["status"] == "ok"
        kc.stop_channels()
    finally:
        km.shutdown_kernel()


def test_nbclient_runs_a_notebook():
    install_kernelspec()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('print("hello, world")'),
        nbformat.v4.new_code_cell("let x = 3"),
        nbformat.v4.new_code_cell("x * 14"),
    ]
    NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=60).execute()
    assert nb.cells[0].outputs[0]["text"] == "hello, world\n"
    result = nb.cells[2].outputs[0]
    assert result["output_type"] == "execute_result" and result["data"]["text/plain"] == "42"
    assert result["execution_count"] == 3
