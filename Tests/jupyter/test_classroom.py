"""A classroom behind a real JupyterHub, small: `scripts/classroom.py` (what `make classroom` runs
with thirty students) with three students and one short notebook.

The hub runs on 127.0.0.1 with the dummy authenticator and SimpleLocalProcessSpawner; its proxy is
Debian's configurable-http-proxy (scripts/install-system-deps.sh installs it) and jupyterhub comes
from requirements.txt. Every student's server must start, every cell of every student must succeed
(through the Jupyter server's REST API and kernel websocket), every kernel must be shut down when
the students close their notebooks, and nothing the run started may be left running.

Binary: $GLASSBOX_BIN (default .build/debug/glassbox); MNIST: $GLASSBOX_DATA."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from glassbox_harness import BIN, ROOT

SCRIPT = ROOT / "scripts" / "classroom.py"
SHORT = ROOT / "scripts" / "classroom" / "short.ipynb"


def start_time(pid: int) -> int | None:
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(data[data.rindex(")") + 2:].split()[19])


def test_three_students_run_a_notebook_behind_jupyterhub(tmp_path):
    assert shutil.which("configurable-http-proxy"), \
        "configurable-http-proxy is missing: scripts/install-system-deps.sh installs node-configurable-http-proxy"
    out = tmp_path / "classroom.json"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--users", "3", "--notebook", str(SHORT), "--phases", "calm",
         "--glassbox", str(BIN), "--cell-timeout", "120", "--deadline", "200", "--json", str(out)],
        capture_output=True, text=True, timeout=300)
    report = run.stdout + run.stderr
    assert out.exists(), report
    result = json.loads(out.read_text())
    assert run.returncode == 0, report

    assert result["servers"]["requested"] == 3 and result["servers"]["started"] == 3, result["servers"]
    calm = result["phases"]["calm"]
    cells = len([c for c in json.loads(SHORT.read_text())["cells"] if c["cell_type"] == "code"])
    assert calm["users"] == 3
    assert calm["cells_expected"] == 3 * cells
    assert calm["cells_run"] == calm["cells_ok"] == 3 * cells, calm["errors"]
    assert calm["errors"] == []
    # one kernel per student, each shut down when its notebook's session was closed
    assert calm["kernels_started"] == 3, report
    assert calm["kernels_left_in_servers"] == 0
    assert calm["kernel_processes_left"] == 0
    assert calm["memory"]["kernel_peak_rss"]["count"] == 3

    # everything the run started (hub, proxy, servers, kernels) is gone, by pid and start time
    roles = [p["role"] for p in result["processes_started"]]
    assert roles.count("hub") == 1 and roles.count("proxy") == 1, roles
    assert roles.count("server") == 3 and roles.count("glassbox kernel") == 3, roles
    assert result["processes_left"] == []
    still = [p for p in result["processes_started"] if start_time(p["pid"]) == p["start"]]
    assert still == [], still
