"""Memory exhaustion fails the cell, not the kernel: under a small GLASSBOX_MEMORY_LIMIT, cells that
grow a string, a list or a list of tensors without bound, and methods asked for absurd batches,
end with a MemoryError (or finish within the budget); the kernel process lives, every variable
survives and the next cell runs.

Binary: $GLASSBOX_BIN (default .build/debug/glassbox)."""
from __future__ import annotations

import pytest

from glassbox_harness import RawKernel


@pytest.fixture
def kernel():
    k = RawKernel(env={"GLASSBOX_MEMORY_LIMIT": "400M"})
    try:
        k.wait_ready()
        yield k
    finally:
        k.shutdown()


def status(reply):
    return reply["content"]["status"], reply["content"].get("ename")


@pytest.mark.parametrize("code", [
    'var s = "ab"\nwhile true { s = s + s }',
    "var l = [1, 2]\nwhile true { l = l + l }",
    "var ts = []\nfor i in 0..<1000 { ts = ts + [zeros([4096, 4096])] }",
])
def test_runaway_cells_end_with_a_memory_error_and_the_session_lives(kernel, code):
    reply, _ = kernel.execute("let keep = 41 + 1")
    assert status(reply) == ("ok", None)
    reply, outputs = kernel.execute(code, stop_on_error=False)
    assert status(reply) == ("error", "MemoryError"), reply["content"]
    assert "GLASSBOX_MEMORY_LIMIT" in reply["content"]["evalue"]
    assert kernel.proc.poll() is None, "the kernel died"
    reply, outputs = kernel.execute("keep")
    assert status(reply) == ("ok", None)
    texts = [o["content"]["data"]["text/plain"] for o in outputs if o["header"]["msg_type"] == "execute_result"]
    assert texts == ["42"]


def test_methods_with_absurd_batches_stay_within_the_budget(kernel):
    reply, _ = kernel.execute('let net = model("mlp-nb", untrained: true)\nlet xs = zeros([2, 1, 28, 28]) + 0.5')
    assert status(reply) == ("ok", None)
    reply, _ = kernel.execute("let e = integratedGradients(net, xs, steps: 200, batchSize: 1000000000, target: 1)")
    assert status(reply) == ("ok", None), reply["content"]
    assert kernel.proc.poll() is None
    reply, _ = kernel.execute("e.count")
    assert status(reply) == ("ok", None)
