"""Colab's Python stack, emulated: the wheel installs without changing a preinstalled package,
and every lesson runs, on ipywidgets 7.7.1, traitlets 5.7.1 and anywidget 0.9.21.

Colab's versions come from ``tests/colab-constraints.txt``, taken from Colab's published
``pip-freeze.txt`` (the public GitHub repository googlecolab/backend-info, commit a724079 of
2026-08-19, "Upgrade to Python 3.13"; its ``os-info.txt`` says Python 3.13.15 on Ubuntu
22.04): ipywidgets 7.7.1, traitlets 5.7.1, anywidget 0.9.21, ipykernel 6.17.1, IPython
7.34.0, jupyter_client 7.4.9, widgetsnbextension 3.6.10, jupyterlab_widgets 3.0.16,
nbclient 0.10.4, and no ``comm`` package (ipykernel 6.17 predates it).  Every pin installs
and runs on this machine's Python 3.13.0 (same minor version as Colab's 3.13.15): IPython
7.34 is pure Python and imports on 3.13; nothing had to be emulated more loosely.  The one
difference: IPython 7.34 requires ``jedi``, which Colab's list lacks (its runtime does without
it), so pip installs it here; nothing in the lessons uses it.

As in Colab, the stack is installed first (pinned by the constraints file), then the student's
``pip install vmwidgets`` (here: the wheel) runs with no constraint at all: if it upgraded,
downgraded or removed anything, Colab would need a runtime restart, and the test fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from dist_helpers import ROOT, Dists, Venv, failures, norm, run_notebooks, summary

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

CONSTRAINTS = Path(__file__).with_name("colab-constraints.txt")
PINNED = {
    norm(name): version.split("#")[0].strip()
    for name, _, version in (
        line.partition("==") for line in CONSTRAINTS.read_text().splitlines() if line and not line.startswith("#")
    )
}
# what a Colab runtime has before the student installs anything (as far as these tests reach)
PREINSTALLED = "pip ipywidgets traitlets anywidget ipykernel ipython jupyter-client nbclient nbformat pytest".split()
NOT_IN_COLAB = {"jedi"}  # required by IPython 7.34, absent from Colab's list: see the docstring
# (add a name here only for a package Colab's list lacks and the stack itself needs)
# the widget tests, run again on ipywidgets 7.7.1 (they read nothing of the checkout)
WIDGET_TESTS = ["test_compat.py", "test_views.py", "test_exercises.py"]


def colab_python() -> str:
    """A Python 3.13 (Colab's minor version), or skip; CI must have one."""
    candidates = [*sorted(Path.home().glob(".pyenv/versions/3.13*/bin/python3.13")), shutil.which("python3.13")]
    for python in filter(None, candidates):
        probe = subprocess.run([python, "-c", "import sys, venv; print(*sys.version_info[:2])"], capture_output=True)
        if probe.returncode == 0 and probe.stdout.split() == [b"3", b"13"]:  # a pyenv shim may not run
            return str(python)
    why = "Colab runs Python 3.13 and this machine has no python3.13 that runs (e.g. pyenv install 3.13)"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="module")
def colab(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """A Python 3.13 environment with Colab's stack, then the wheel installed as a student would."""
    venv = Venv(tmp_path_factory.mktemp("colab"), colab_python())
    version = venv.run(venv.python, "-c", "import sys; print(*sys.version_info[:2])").stdout.split()
    assert version == ["3", "13"], version
    venv.pip("install", "--quiet", "--constraint", CONSTRAINTS, *PREINSTALLED)
    before = venv.installed()
    venv.pip("install", dists.wheel)  # `pip install vmwidgets` in a Colab cell: nothing pinned
    return SimpleNamespace(venv=venv, before=before, after=venv.installed())


def test_installing_the_wheel_changes_no_package_colab_has(colab: SimpleNamespace) -> None:
    before, after = colab.before, colab.after
    changed = {n: f"{v} -> {after.get(n, 'removed')}" for n, v in before.items() if after.get(n) != v}
    assert not changed, f"pip changed Colab's packages (in Colab: a runtime restart): {changed}"
    new = sorted(set(after) - set(before) - {"vmwidgets"})
    assert not new, f"vmwidgets brought in {new}: if Colab has them, add its versions to {CONSTRAINTS.name}"
    assert "vmwidgets" in after
    wrong = {n: f"{v}, Colab has {PINNED[n]}" for n, v in after.items() if n in PINNED and v != PINNED[n]}
    assert not wrong, wrong
    unknown = set(after) - set(PINNED) - NOT_IN_COLAB - {"vmwidgets"}
    assert not unknown, f"not in {CONSTRAINTS.name}: add Colab's versions of {sorted(unknown)}"
    stack = {n: after[n] for n in ("ipywidgets", "traitlets", "anywidget", "ipykernel", "ipython", "jupyter-client")}
    assert stack == {n: PINNED[n] for n in stack}, stack
    assert "comm" not in after, "Colab's ipykernel 6.17 has no comm package; neither may vmwidgets need one"


def test_every_lesson_runs_on_colabs_stack(colab: SimpleNamespace) -> None:
    venv = colab.venv
    lessons = venv.home / "lessons"
    venv.run(venv.bin("vmwidgets"), "lessons", lessons)
    results = run_notebooks(venv, sorted(lessons.glob("*.ipynb")))
    stack = " ".join(f"{n} {colab.after[n]}" for n in ("ipywidgets", "traitlets", "anywidget", "ipython"))
    print(f"\nevery lesson on Colab's stack ({stack}, Python 3.13):\n{summary(results)}")
    assert not failures(results), "\n".join(failures(results))


def test_the_widget_tests_pass_on_ipywidgets_7(colab: SimpleNamespace) -> None:
    venv = colab.venv
    here = venv.home / "widget-tests"
    here.mkdir()
    for name in WIDGET_TESTS:
        shutil.copy(ROOT / "tests" / name, here / name)
    (here / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    done = venv.run(venv.python, "-m", "pytest", "-q", "-W", "ignore::DeprecationWarning", *WIDGET_TESTS, cwd=here)
    print(done.stdout.splitlines()[-1])
