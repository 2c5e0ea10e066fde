#!/usr/bin/env python3
"""Executes notebooks headless through an installed Jupyter kernel (nbclient).

Every code cell must run without error. Executed copies go to `out/notebooks/` unless `--inplace`
is given (which refreshes the outputs stored in the committed notebooks). Prints, per notebook,
how many cells ran, how many PNG figures came back and how long it took; exits non-zero if any
notebook failed.
"""
import argparse
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def count_pngs(nb):
    return sum(
        1
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path)
    parser.add_argument("--kernel", default="glassbox", help="kernelspec name")
    parser.add_argument("--inplace", action="store_true", help="write outputs into the notebooks")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("out/notebooks"))
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args()

    failures = 0
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb, kernel_name=args.kernel, timeout=args.timeout,
            resources={"metadata": {"path": str(path.parent)}})
        start = time.monotonic()
        try:
            client.execute()
            status = "ok"
        except CellExecutionError as error:
            failures += 1
            status = "FAILED\n" + str(error)
        elapsed = time.monotonic() - start
        cells = sum(1 for c in nb.cells if c.cell_type == "code")
        print(f"{path}: {cells} code cells, {count_pngs(nb)} figures, {elapsed:.1f} s: {status}")
        target = path if args.inplace else args.out / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
