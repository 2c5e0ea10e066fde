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
