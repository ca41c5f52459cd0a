"""`sipm lab`: JupyterLab on the evaluator's own working folder, bound to this machine with
its token, started as sipm's child and stopped with it (a fake `jupyter` stands in)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from sipm_helpers.cli import main
from sipm_helpers.cli_lab import TUTORIAL, lab_command, lab_notebooks, working_folder
from sipm_helpers.paths import PROJECT_DIR, notebooks_dir


def test_lab_binds_to_localhost_keeps_its_token_and_says_what_it_does_as_root(monkeypatch, capsys):
    cmd = lab_command(8899, browser=False, is_root=False)
    assert cmd[:4] == [sys.executable, "-m", "jupyter", "lab"]  # this environment's Jupyter
    assert "--ServerApp.ip=127.0.0.1" in cmd and f"--ServerApp.root_dir={notebooks_dir()}" in cmd
    assert "--ServerApp.port=8899" in cmd and "--no-browser" in cmd
    assert not [a for a in cmd if "token" in a.lower() or a == "--allow-root"]
    assert "--allow-root" in lab_command(None, browser=True, is_root=True)
    seen = []
    monkeypatch.setattr("sipm_helpers.cli_lab.run_in_foreground", lambda c: seen.append(c) or 0)
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert main(["lab", "--no-browser"]) == 0
    assert "--allow-root" in seen[0]
    assert capsys.readouterr().err.count("\n") == 1  # one line says what it does about root


def test_lab_opens_your_folder_with_the_notebooks_copied_in_and_yours_kept(
    tmp_path, monkeypatch, capsys
):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / TUTORIAL).write_text("my own tutorial", encoding="utf-8")
    seen = []
    monkeypatch.setattr("sipm_helpers.cli_lab.run_in_foreground", lambda c: seen.append(c) or 0)
    assert main(["lab", str(folder), "--no-browser", "--lang", "zh"]) == 0
    assert f"--ServerApp.root_dir={folder.resolve()}" in seen[0]
    assert (folder / TUTORIAL).read_text(encoding="utf-8") == "my own tutorial"  # never replaced
    stages = [n for n in lab_notebooks() if n != TUTORIAL]
    assert len(stages) >= 6 and "03_self_evaluation.ipynb" in stages
    for name in stages:
        assert (folder / name).read_bytes() == (notebooks_dir() / name).read_bytes()
    out = capsys.readouterr().out
    assert "已复制到" in out and f"保持不变：{TUTORIAL}" in out
    assert working_folder(folder) == ([], lab_notebooks())  # a second time: nothing to copy


FAKE_JUPYTER = """\
import os, signal, sys, time
from pathlib import Path

out = Path(os.environ["FAKE_JUPYTER_OUT"])

def stop(signum, frame):
    (out / "stopped").write_text(str(signum))
    sys.exit(0)

for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, stop)
(out / "argv").write_text("\\n".join(sys.argv[1:]))
(out / "pid").write_text(str(os.getpid()))
while True:
    time.sleep(0.05)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopping_sipm_lab_stops_jupyterlab(tmp_path, signum):
    """`sipm lab` run as a user runs it, with a fake `jupyter` module first on the path:
    a signal to sipm alone reaches JupyterLab, and sipm waits for it to end."""
    fake, out = tmp_path / "fake", tmp_path / "out"
    fake.mkdir()
    out.mkdir()
    (fake / "jupyter.py").write_text(FAKE_JUPYTER, encoding="utf-8")
    env = {**os.environ, "FAKE_JUPYTER_OUT": str(out),
           "PYTHONPATH": os.pathsep.join([str(fake), str(PROJECT_DIR)])}  # fmt: skip
    sipm = subprocess.Popen(
        [sys.executable, "-m", "sipm_helpers.cli", "lab", str(tmp_path / "work"), "--no-browser"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(1200):  # until the fake JupyterLab is up (a minute at most)
            if (out / "pid").exists() or sipm.poll() is not None:
                break
            time.sleep(0.05)
        assert (out / "pid").exists(), "the fake jupyter never started"
        child = int((out / "pid").read_text())
        assert "lab" in (out / "argv").read_text()
        sipm.send_signal(signum)
        sipm.wait(timeout=60)
        stopped = (out / "stopped").exists() and (out / "stopped").read_text()
        alive = _alive(child)
    finally:
        if sipm.poll() is None:
            sipm.kill()
            sipm.wait()
        if (out / "pid").exists() and _alive(int((out / "pid").read_text())):
            os.kill(int((out / "pid").read_text()), signal.SIGKILL)  # never left behind
    assert stopped == str(int(signum))  # JupyterLab was told to stop
    assert not alive  # and had ended when sipm did: sipm waited for it


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
