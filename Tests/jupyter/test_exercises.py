"""The autograded exercises in notebooks/exercises/ through nbgrader (from PyPI, requirements.txt),
with the course settings of notebooks/exercises/nbgrader_config.py:

- `generate_assignment` strips every solution region (`// BEGIN SOLUTION` … `// END SOLUTION`)
  down to the Glassbox stub and every hidden test region (`// BEGIN HIDDEN TESTS` …), keeping the
  visible tests;
- `autograde` of a student who pasted the solutions into the released notebooks scores full marks
  (the hidden tests, restored by nbgrader from its gradebook, pass too);
- `autograde` of the unanswered notebooks scores zero on every graded cell;
- `autograde` of wrong answers that pass the visible tests scores zero on every graded cell, each
  ended by an AssertionError from `assert` or `check` that says what was expected.

Binary: $GLASSBOX_BIN (default .build/debug/glassbox); MNIST: $GLASSBOX_DATA."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from glassbox_harness import BIN, ROOT

EXERCISES = ROOT / "notebooks" / "exercises"
NOTEBOOKS = sorted(EXERCISES.glob("*.ipynb"))
BEGIN, END = "// BEGIN SOLUTION", "// END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "// BEGIN HIDDEN TESTS", "// END HIDDEN TESTS"

# Answers that pass each visible test but are wrong, by solution cell.
WRONG = {
    "gradient-times-input": 'let g = saliency(net, xs, target: "label", absolute: false)\nlet mine = g.values   // forgot × input',
    "completeness": "let sums = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\nlet logits = sums",
    "lrp-epsilon-dense": "    var z = matmul(a, transpose(layer.weights)) + layer.bias\n"
                         "    return matmul(r / (z + epsilon), layer.weights)   // no a ⊙ …, no sign",
    "lrp-epsilon-net": "    let run = forward(net, xs)\n"
                       "    // only the first layer, from the wrong place\n"
                       "    return lrpEpsilonDense(a: run.input(\"fc1\"), layer: net.layer(\"fc1\"), r: run.input(\"fc2\"), epsilon: epsilon).reshaped(xs.values.shape)",
    "ink-share": "    let m = abs(e.values).reshaped([xs.count, -1])\n"
                 "    let background = (xs.values <= threshold).reshaped([xs.count, -1])\n"
                 "    return (sum(m * background, axis: 1) / sum(m, axis: 1)).toList()",
    "worst": "let worst = 0",
}


def code(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def region(source: str, begin: str, end: str) -> list[str]:
    """The lines strictly between the delimiters (one region per cell here)."""
    lines = source.split("\n")
    starts = [i for i, line in enumerate(lines) if begin in line]
    stops = [i for i, line in enumerate(lines) if end in line]
    assert len(starts) == len(stops) == 1, source
    return lines[starts[0] + 1:stops[0]]


def fill(release: dict, answers: dict[str, str]) -> dict:
    """A released notebook with each solution cell's stub replaced by an answer, as a student
    types it (the stub's two lines are replaced, the rest of the cell is kept)."""
    nb = json.loads(json.dumps(release))
    for cell in nb["cells"]:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if cell["cell_type"] != "code" or grade_id not in answers:
            continue
        lines = code(cell).split("\n")
        at = next(i for i, line in enumerate(lines) if "YOUR CODE HERE" in line)
        assert "assert(false" in lines[at + 1]
        cell["source"] = "\n".join(lines[:at] + answers[grade_id].split("\n") + lines[at + 2:])
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory with the exercises as assignment 'exercises', generated and released."""
    root = tmp_path_factory.mktemp("course")
    (root / "source" / "exercises").mkdir(parents=True)
    for path in NOTEBOOKS:
        shutil.copy(path, root / "source" / "exercises" / path.name)
    shutil.copy(EXERCISES / "nbgrader_config.py", root / "nbgrader_config.py")
    prefix = tmp_path_factory.mktemp("kernelspec")
    # the notebooks name the kernelspec 'glassbox'; a temporary one comes first on JUPYTER_PATH
    subprocess.run([str(BIN), "install", "--prefix", str(prefix), "--name", "glassbox"], check=True,
                   capture_output=True)
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",  # nbgrader runs alembic
           "JUPYTER_PATH": str(prefix / "share" / "jupyter")}
    run_nbgrader(root, env, "generate_assignment", "exercises", "--force")
    return root, env


def run_nbgrader(root: Path, env: dict, *args: str):
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_there_are_exercises():
    assert len(NOTEBOOKS) >= 2
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        assert nb["metadata"]["kernelspec"]["language"] == "glassbox"
        kinds = [nbgrader_meta(c) for c in nb["cells"] if c["cell_type"] == "code"]
        assert any(k.get("solution") for k in kinds), path.name
        assert any(k.get("grade") and k.get("points") for k in kinds), path.name
        assert any(BEGIN_HIDDEN in code(c) for c in nb["cells"]), f"{path.name} has no hidden tests"
        assert {k["grade_id"] for k in kinds if k.get("solution")} <= set(WRONG), "a solution cell has no wrong answer"


def test_generate_assignment_strips_solutions_and_hidden_tests(course):
    root, _ = course
    for path in NOTEBOOKS:
        source = json.loads(path.read_text())
        release = json.loads((root / "release" / "exercises" / path.name).read_text())
        assert len(source["cells"]) == len(release["cells"])
        for before, after in zip(source["cells"], release["cells"]):
            text, released = code(before), code(after)
            for marker in (BEGIN, END, BEGIN_HIDDEN, END_HIDDEN):
                assert marker not in released, f"{path.name}: {marker!r} left in\n{released}"
            if BEGIN in text:
                assert "// YOUR CODE HERE" in released and "assert(false" in released
                for line in distinctive(text, BEGIN, END):
                    assert line not in released.split("\n"), f"{path.name}: solution line left: {line!r}"
            if BEGIN_HIDDEN in text:
                for line in distinctive(text, BEGIN_HIDDEN, END_HIDDEN):
                    assert line not in released.split("\n"), f"{path.name}: hidden test left: {line!r}"
                lines = text.split("\n")
                visible = [line for line in lines[:next(i for i, l in enumerate(lines) if BEGIN_HIDDEN in l)]
                           if line.strip()]
                assert visible and all(line in released.split("\n") for line in visible), path.name


def distinctive(source: str, begin: str, end: str) -> list[str]:
    """The lines of a region that occur nowhere else in the cell (a closing brace may)."""
    lines = source.split("\n")
    start = next(i for i, line in enumerate(lines) if begin in line)
    stop = next(i for i, line in enumerate(lines) if end in line)
    inside, outside = lines[start + 1:stop], lines[:start] + lines[stop + 1:]
    found = [line for line in inside if line.strip() and line not in outside]
    assert found, source
    return found


def grades(root: Path, student: str) -> dict[str, dict[str, tuple[float, float]]]:
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission("exercises", student)
        return {nb.name: {g.name: (g.score, g.max_score) for g in nb.grades} for nb in submission.notebooks}


def test_autograde_gives_full_marks_zero_and_zero(course):
    root, env = course
    solutions = {}
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            if BEGIN in code(cell):
                solutions[nbgrader_meta(cell)["grade_id"]] = "\n".join(region(code(cell), BEGIN, END))
    for student, answers in (("solver", solutions), ("blank", {}), ("wrong", WRONG)):
        folder = root / "submitted" / student / "exercises"
        folder.mkdir(parents=True)
        for path in NOTEBOOKS:
            release = json.loads((root / "release" / "exercises" / path.name).read_text())
            (folder / path.name).write_text(json.dumps(fill(release, answers)))
    run_nbgrader(root, env, "autograde", "exercises", "--create", "--force")

    solver, blank, wrong = grades(root, "solver"), grades(root, "blank"), grades(root, "wrong")
    assert set(solver) == {p.stem for p in NOTEBOOKS}
    for notebook, cells in solver.items():
        assert cells, notebook
        for cell, (score, most) in cells.items():
            assert most > 0 and score == most, f"solver: {notebook} {cell} scored {score} of {most}"
    for name, result in (("blank", blank), ("wrong", wrong)):
        for notebook, cells in result.items():
            for cell, (score, most) in cells.items():
                assert score == 0, f"{name}: {notebook} {cell} scored {score} of {most}"

    # the wrong answers passed the visible tests; what failed each graded cell is the AssertionError
    # of an assert or check (hidden or visible), with its message in the notebook
    for path in NOTEBOOKS:
        graded = json.loads((root / "autograded" / "wrong" / "exercises" / path.name).read_text())
        for cell in graded["cells"]:
            if cell["cell_type"] != "code" or not nbgrader_meta(cell).get("grade"):
                continue
            errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
            assert [e["ename"] for e in errors] == ["AssertionError"], (path.name, cell["outputs"])
            assert errors[0]["evalue"], (path.name, errors)
        blank_graded = json.loads((root / "autograded" / "blank" / "exercises" / path.name).read_text())
        for cell in blank_graded["cells"]:
            if cell["cell_type"] == "code" and nbgrader_meta(cell).get("grade"):
                assert any(o["output_type"] == "error" for o in cell["outputs"]), (path.name, cell)
