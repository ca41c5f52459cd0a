"""`sipm lab`: JupyterLab on the evaluator's working folder, started as sipm's child and
stopped with it.

The folder is the evaluator's own: the stage notebooks and the tutorial are copied into it
where they are not there yet, and a file already there (the evaluator's edited copy) is
never replaced. JupyterLab runs in sipm's process group (a terminal's Ctrl-C reaches
both); a signal that stops sipm alone (SIGTERM, SIGHUP, or SIGINT sent to it) is passed
on to JupyterLab, and sipm waits for it to end: JupyterLab never outlives ``sipm lab``.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from sipm_helpers.paths import notebooks_dir
from sipm_helpers.stages.registry import stages

TUTORIAL = "00_explore.ipynb"
# The signals that stop sipm lab and are passed on to JupyterLab.
FORWARDED = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def lab_notebooks() -> list[str]:
    """The notebooks a working folder gets: the tutorial, then each stage's."""
    return [TUTORIAL, *dict.fromkeys(s.notebook for s in stages().values())]


def working_folder(folder: Path) -> tuple[list[str], list[str]]:
    """Make ``folder`` a working folder: copy into it each of :func:`lab_notebooks` it
    does not hold. Returns the notebooks copied and those kept as they were."""
    folder.mkdir(parents=True, exist_ok=True)
    copied, kept = [], []
    for name in lab_notebooks():
        target = folder / name
        if target.exists():
            kept.append(name)
            continue
        shutil.copyfile(notebooks_dir() / name, target)
        copied.append(name)
    return copied, kept


def lab_command(
    port: int | None, browser: bool, is_root: bool, root: Path | None = None
) -> list[str]:
    """JupyterLab on ``root`` (default: the project's notebooks/) with this environment's
    Python, bound to this machine only and protected by its random token (Jupyter's
    default, never turned off); as root, with --allow-root (JupyterLab refuses root
    otherwise)."""
    cmd = [sys.executable, "-m", "jupyter", "lab", "--ServerApp.ip=127.0.0.1"]
    cmd.append(f"--ServerApp.root_dir={root or notebooks_dir()}")
    if port:
        cmd.append(f"--ServerApp.port={port}")
    if not browser:
        cmd.append("--no-browser")
    if is_root:
        cmd.append("--allow-root")
    return cmd


def run_in_foreground(cmd: Sequence[str]) -> int:
    """Run ``cmd`` as this process's child until it ends, passing on the signals that
    would stop this process (:data:`FORWARDED`); returns its exit status. Should this
    process stop all the same, the child is stopped first."""
    child = subprocess.Popen(list(cmd))

    def forward(signum, frame) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in FORWARDED}
    try:
        return child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if child.poll() is None:
            child.terminate()
            child.wait()
