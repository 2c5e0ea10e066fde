"""What a student sees through the kernel: exit/quit ask the frontend to close (ask_exit), help is
Markdown with a text/plain fallback, the Help menu only links to pages a browser opens, the console
banner, an interrupt during a 2,000,000-character identifier is answered at once, and the receipt
of a relevance map or of integrated gradients is in the HTML JupyterLab shows.

Binary: $GLASSBOX_BIN (default .build/debug/glassbox)."""
from __future__ import annotations

import time

import pytest

from glassbox_harness import RawKernel


@pytest.fixture
def kernel():
    k = RawKernel(env={"GLASSBOX_DOCS_URL": ""})
    try:
        k.wait_ready()
        yield k
    finally:
        k.shutdown()


def ask_exit(reply: dict) -> list[dict]:
    return [p for p in reply["content"].get("payload", []) if p.get("source") == "ask_exit"]


@pytest.mark.parametrize("code, keep", [
    ("exit", False), ("quit", False), ("exit()", False), ("quit()", False),
    ("exit(keepKernel: true)", True), ('print("bye")\nexit()', False),
])
def test_exit_and_quit_send_the_ask_exit_payload(kernel, code, keep):
    reply, outputs = kernel.execute(code)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert ask_exit(reply) == [{"source": "ask_exit", "keepkernel": keep}]
    # the kernel itself goes on (the frontend decides), and other cells send no such payload
    reply, _ = kernel.execute("6 * 7")
    assert reply["content"]["status"] == "ok" and ask_exit(reply) == []
    assert kernel.proc.poll() is None


def test_help_is_markdown_with_a_text_fallback(kernel):
    for code, markdown_start in [("help(print)", "```swift\nprint("), ('help("language")', "# The Glassbox language"),
                                 ("help()", None)]:
        reply, outputs = kernel.execute(code)
        assert reply["content"]["status"] == "ok", (code, reply["content"])
        displays = [m for m in outputs if m["msg_type"] == "display_data"]
        assert len(displays) == 1, (code, [m["msg_type"] for m in outputs])
        data = displays[0]["content"]["data"]
        assert set(data) >= {"text/markdown", "text/plain"}, (code, list(data))
        assert data["text/plain"].strip(), code
        if markdown_start:
            assert data["text/markdown"].startswith(markdown_start), (code, data["text/markdown"][:80])
        assert not [m for m in outputs if m["msg_type"] == "stream"], f"{code}: help is a display, not printed text"


def kernel_info(env: dict[str, str]) -> dict:
    k = RawKernel(env=env)
    try:
        return k.wait_ready()["content"]
    finally:
        k.shutdown()


@pytest.mark.parametrize("url, expected", [
    ("", []),
    ("file:///usr/share/doc/glassbox/language.md", []),
    ("docs/language.md", []),
    ("javascript:alert(1)", []),
    ("https://example.org/glassbox/language", ["https://example.org/glassbox/language"]),
])
def test_help_links_are_only_pages_a_browser_opens(url, expected):
    info = kernel_info({"GLASSBOX_DOCS_URL": url})
    links = [link["url"] for link in info["help_links"]]
    assert links == expected
    assert all(link.startswith(("http://", "https://")) for link in links)


def test_console_banner_names_what_works_in_a_console(kernel):
    info = kernel.send(kernel.shell, "kernel_info_request")
    banner = kernel.reply(kernel.shell, info["header"]["msg_id"])["content"]["banner"]
    assert "Shift-Tab" not in banner, banner
    assert "help()" in banner and "exit" in banner, banner


@pytest.mark.parametrize("code", [
    "a" * 2_000_000,
    "let " + "b" * 2_000_000 + " = 1",
    "print(" + "c" * 2_000_000 + ")",
])
def test_interrupt_during_a_long_identifier_is_answered_promptly(kernel, code):
    start = time.monotonic()
    msg = kernel.send(kernel.shell, "execute_request", {
        "code": code, "silent": False, "store_history": True, "user_expressions": {},
        "allow_stdin": False, "stop_on_error": False})
    interrupt = kernel.send(kernel.control, "interrupt_request")
    assert kernel.reply(kernel.control, interrupt["header"]["msg_id"], timeout=5) is not None
    reply = kernel.reply(kernel.shell, msg["header"]["msg_id"], timeout=10)
    elapsed = time.monotonic() - start
    assert reply is not None, "no execute_reply"
    assert elapsed < 5, f"answered after {elapsed:.1f} s"
    content = reply["content"]
    assert content["status"] == "error"
    # either the interrupt arrived first, or the cell had already failed with a clear SyntaxError
    assert content["ename"] in ("KeyboardInterrupt", "SyntaxError"), content
    if content["ename"] == "SyntaxError":
        assert "characters long" in content["evalue"], content["evalue"][:200]
        assert len(content["evalue"]) < 2000, "the error does not echo the whole name"
    reply, _ = kernel.execute("6 * 7")
    assert reply["content"]["status"] == "ok"


@pytest.mark.parametrize("call, expected", [
    ("lrpEpsilon(net, xs)", "Σ map = f(x) within"),
    ("deepTaylor(net, xs)", "Σ map = f(x) within"),
    ("integratedGradients(net, xs, steps: 8)", "Σ map = f(x) − f(b) within"),
])
def test_the_receipt_is_in_the_html_jupyterlab_shows(kernel, call, expected):
    """JupyterLab renders only the richest part of a display (text/html before image/png), so the
    HTML carries the figure itself and the receipt under it; text/plain keeps it for the console."""
    reply, _ = kernel.execute('let net = model("mlp-nb")\nlet xs = zeros([3, 1, 28, 28]) + 0.5')
    assert reply["content"]["status"] == "ok", reply["content"]
    for code, kind in [(call, "execute_result"), (f"show({call})", "display_data")]:
        reply, outputs = kernel.execute(code)
        assert reply["content"]["status"] == "ok", (code, reply["content"])
        figures = [m["content"]["data"] for m in outputs if m["msg_type"] == kind and "image/png" in m["content"]["data"]]
        assert len(figures) == 1, (code, [m["msg_type"] for m in outputs])
        data = figures[0]
        assert set(data) >= {"text/html", "image/png", "text/plain"}, (code, list(data))
        html = data["text/html"]
        assert f'src="data:image/png;base64,{data["image/png"]}"' in html, code
        assert expected in html and "<table" in html, html[-800:]
        assert html.count("<tr>") == 1 + 3, "a header and one row per image"
        assert expected in data["text/plain"], data["text/plain"]
