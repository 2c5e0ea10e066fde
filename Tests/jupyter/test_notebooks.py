"""Executes every notebook in notebooks/ through the installed Glassbox kernelspec (nbclient).

Checks that every code cell ran without error and that every cell tagged `figure` returned a PNG.
The kernelspec is installed into a temporary prefix found through JUPYTER_PATH, so the test never
touches the user's Jupyter set-up. The binary comes from $GLASSBOX_BIN.
"""
import base64
import os
import pathlib
import subprocess
import tempfile

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BINARY = os.environ.get("GLASSBOX_BIN", str(ROOT / ".build" / "debug" / "glassbox"))
KERNEL = "glassbox-notebook-test"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def kernel_prefix():
    with tempfile.TemporaryDirectory() as prefix:
        subprocess.run([BINARY, "install", "--prefix", prefix, "--name", KERNEL], check=True)
        old = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.path.join(prefix, "share", "jupyter")
        yield prefix
        if old is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_and_draws(path, kernel_prefix):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=1800,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"cell {index} failed: {errors}"
        if "figure" in cell.metadata.get("tags", []):
            pngs = [o.data["image/png"] for o in cell.outputs
                    if o.output_type in ("display_data", "execute_result") and "image/png" in o.data]
            assert pngs, f"cell {index} is tagged figure but returned no PNG"
            for png in pngs:
                assert base64.b64decode(png).startswith(PNG_MAGIC), f"cell {index}: not a PNG"


# The relevance chapters check their own numbers: every receipt (conservation, summation to delta,
# completeness) and every rule written in the language is asserted inside the notebook, so a receipt
# outside its tolerance fails the cell, and with it test_notebook_runs_and_draws.
RECEIPT_NOTEBOOKS = ["2.3 LRP (1).ipynb", "2.3 LRP (2).ipynb", "2.4 Deep Taylor Decomposition (1).ipynb",
                     "2.4 Deep Taylor Decomposition (2).ipynb", "2.5 DeepLIFT.ipynb"]


@pytest.mark.parametrize("name", RECEIPT_NOTEBOOKS)
def test_relevance_notebooks_assert_their_receipts(name):
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    checks = sum(source.count("assert(") + source.count("check(") for source in code)
    assert checks >= 3, f"{name}: only {checks} assert/check calls"
    # The stored outputs (executed with the bundled weights) hold no failed check.
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", f"{name}: a stored output is an error"
            assert "✗" not in output.get("text", ""), f"{name}: a stored check failed"


def test_a_receipt_outside_its_tolerance_fails_the_cell(kernel_prefix):
    """Chapter 2.5 up to its summation-to-delta assertion, with the tolerance made impossible."""
    nb = nbformat.read(ROOT / "notebooks" / "2.5 DeepLIFT.ipynb", as_version=4)
    index = next(i for i, cell in enumerate(nb.cells)
                 if cell.cell_type == "code" and "assert(e.receiptError < 1e-5" in cell.source)
    nb.cells = [cell for cell in nb.cells[:index + 1]
                if cell.cell_type == "code" and "evaluate(" not in cell.source]  # skip the test-set evaluation
    nb.cells[-1].source = nb.cells[-1].source.replace("e.receiptError < 1e-5", "e.receiptError < 1e-30")
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=600,
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    with pytest.raises(CellExecutionError) as failure:
        client.execute()
    assert "AssertionError" in str(failure.value)
    assert "summation to delta" in str(failure.value)
