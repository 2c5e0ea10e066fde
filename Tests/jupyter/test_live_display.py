"""Images that update in place while a search runs, on the wire: `classPrototypes` and `visualize`
publish one `display_data` with a `transient.display_id`, then `update_display_data` messages under
the same id (Jupyter replaces the output in place, nbclient rewrites the stored output), beside the
progress bar's own display. An interrupt keeps the best prototypes so far, bound to their variable.

Uses only the bundled weights (no MNIST)."""
from __future__ import annotations

import base64
import time

import pytest

from glassbox_harness import RawKernel

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def kernel():
    k = RawKernel()
    k.wait_ready()
    yield k
    k.shutdown()


def display_id(msg: dict) -> str | None:
    return (msg["content"].get("transient") or {}).get("display_id")


def run(k: RawKernel, code: str, timeout: float = 120) -> tuple[dict, list[dict]]:
    msg = k.send(k.shell, "execute_request", {"code": code, "silent": False, "store_history": True,
                                              "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    reply = k.reply(k.shell, msg["header"]["msg_id"], timeout=timeout)
    return reply, k.iopub_until_idle(msg["header"]["msg_id"], timeout=timeout)


def live_messages(outputs: list[dict]) -> list[dict]:
    return [m for m in outputs if m["msg_type"] in ("display_data", "update_display_data")
            and "live" in (display_id(m) or "")]


def test_prototypes_update_in_place_under_one_display_id(kernel):
    k = kernel
    reply, outputs = run(k, 'let net = model("mlp-a")\n'
                            'let p = classPrototypes(net, classes: [0, 1, 2], steps: 3000, reportEvery: 500, liveEvery: 100)')
    assert reply["content"]["status"] == "ok", reply["content"]
    live = live_messages(outputs)
    assert live, [m["msg_type"] for m in outputs]
    assert live[0]["msg_type"] == "display_data"
    ids = {display_id(m) for m in live}
    assert len(ids) == 1
    updates = [m for m in live if m["msg_type"] == "update_display_data"]
    assert updates, "the images were never updated in place"
    for m in live:
        data = m["content"]["data"]
        assert base64.b64decode(data["image/png"]).startswith(PNG_MAGIC)
        assert "data:image/png;base64," in data["text/html"]
        assert m["content"]["metadata"]["image/png"]["width"] > 0
    assert live[0]["content"]["data"]["text/plain"].startswith("classPrototypes · step 0/3000 · cost ")
    assert updates[-1]["content"]["data"]["text/plain"].startswith("classPrototypes · done: step 3000/3000 · cost ")
    # The steps shown only move forward.
    steps = [int(m["content"]["data"]["text/plain"].split("step ")[1].split("/")[0]) for m in live]
    assert steps == sorted(steps)
    # The progress bar is another display, and the cost lines are printed as the reference does.
    progress = [m for m in outputs if m["msg_type"] == "display_data" and "progress" in (display_id(m) or "")]
    assert progress and display_id(progress[0]) not in ids
    printed = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
    assert "step 0 cost " in printed and "step 2500 cost " in printed
    # A second call gets a display of its own.
    _, again = run(k, "classPrototypes(net, classes: [3], steps: 200, liveEvery: 50);")
    assert {display_id(m) for m in live_messages(again)}.isdisjoint(ids)


def test_visualize_updates_in_place_too(kernel):
    k = kernel
    reply, outputs = run(k, 'let cnn = model("cnn-max-nb")\n'
                            'let vis = visualize(cnn, layer: "conv1", channel: [0, 1, 2], steps: 200, liveEvery: 20)')
    assert reply["content"]["status"] == "ok", reply["content"]
    live = live_messages(outputs)
    assert live[0]["msg_type"] == "display_data" and len({display_id(m) for m in live}) == 1
    assert live[-1]["msg_type"] == "update_display_data"
    assert live[-1]["content"]["data"]["text/plain"].startswith("visualize · done: 200 steps")


def test_an_interrupt_keeps_the_best_prototypes_bound_to_their_variable(kernel):
    k = kernel
    run(k, 'let net = model("mlp-a")')
    msg = k.send(k.shell, "execute_request", {
        "code": "let p = classPrototypes(net, steps: 10000000, liveEvery: 50)\nlet after = 1",
        "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    # Interrupt once the images have been updated in place at least once.
    deadline = time.monotonic() + 60
    seen = []
    while time.monotonic() < deadline:
        m = k.recv(k.iopub, 5)
        if m is None or m["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        seen.append(m)
        if m["msg_type"] == "update_display_data" and "live" in (display_id(m) or ""):
            break
    else:
        pytest.fail("no live update within a minute")
    t0 = time.monotonic()
    k.send(k.control, "interrupt_request")
    reply = k.reply(k.shell, msg["header"]["msg_id"], timeout=10)
    assert reply is not None and time.monotonic() - t0 < 3
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
    outputs = seen + k.iopub_until_idle(msg["header"]["msg_id"])
    errors = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
    assert "classPrototypes: interrupted at step" in errors and "kept the prototypes of lowest cost so far" in errors
    final = live_messages(outputs)[-1]
    assert "interrupted at step" in final["content"]["data"]["text/plain"]
    # The prototypes are bound; the statement after them did not run.
    reply, outputs = run(k, "p.stoppedAt > 50 && p.count == 10")
    result = [m for m in outputs if m["msg_type"] == "execute_result"]
    assert result and result[0]["content"]["data"]["text/plain"] == "true", outputs
    reply, _ = run(k, "after")
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "NameError"
