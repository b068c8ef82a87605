"""Binder's configuration builds an environment that runs every lesson.

The environment is made from the files in ``binder/`` alone, as repo2docker does: the
apt packages of ``apt.txt``, the Python of ``runtime.txt``, the pinned
``requirements.txt``, then ``postBuild`` run in a copy of the repository.  Every lesson
is then executed in it.  A broken Binder set-up fails here, not on mybinder.org.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.binder, pytest.mark.notebook, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][1-9]-*.ipynb"))


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def test_binder_files_alone_build_an_environment_that_runs_every_lesson(tmp_path: Path) -> None:
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-"), runtime
    want = runtime.removeprefix("python-")
    python = shutil.which(f"python{want}")
    if python is None:
        pytest.skip(f"runtime.txt asks for Python {want}, which this machine lacks")
    # apt.txt: every package is a real Debian package and is installed
    for pkg in (BINDER / "apt.txt").read_text().split():
        if subprocess.run(["dpkg", "-s", pkg], capture_output=True).returncode != 0:
            if os.geteuid() != 0:
                pytest.skip(f"apt.txt's {pkg} is not installed and this test is not root")
            _run(["apt-get", "install", "-y", "--no-install-recommends", pkg])
        assert subprocess.run(["dpkg", "-s", pkg], capture_output=True).returncode == 0, pkg
    # a copy of the repository, without the developer's environment
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", "build"))
    venv = tmp_path / "env"
    _run([python, "-m", "venv", str(venv)])
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}
    env.pop("PYTHONPATH", None)
    _run(["pip", "install", "--quiet", "-r", str(BINDER / "requirements.txt")], env=env, cwd=repo)
    _run(["bash", str(BINDER / "postBuild")], env=env, cwd=repo)
    out = _run(["python", "-c", "import vmwidgets, sys; print(vmwidgets.__file__)"], env=env, cwd=tmp_path).stdout
    assert str(venv) in out, "vmwidgets must come from the Binder environment"
    # every lesson runs top to bottom in that environment
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter-data")  # only the environment's own kernel
    assert LESSONS, "no lessons found"
    for nb in LESSONS:
        done = _run(
            ["jupyter", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=300",
             "--output-dir", str(tmp_path / "executed"), str(repo / "notebooks" / nb.name)],
            env=env, cwd=repo / "notebooks",
        )  # fmt: skip
        assert (tmp_path / "executed" / nb.name).exists(), done.stderr
    assert sys.executable not in out
