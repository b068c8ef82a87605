"""The release artefacts: what ``python -m build`` makes passes ``twine check``, and the wheel
alone, in a fresh environment with no checkout on ``sys.path``, gives a student every lesson
(``vmwidgets lessons DIR``) and runs each of them.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from dist_helpers import NOTEBOOKS, ROOT, Dists, Venv, failures, run, run_notebooks, summary

import vmwidgets

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def test_sdist_and_wheel_pass_twine_check(dists: Dists) -> None:
    done = run([sys.executable, "-m", "twine", "check", "--strict", dists.sdist, dists.wheel])
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_the_wheel_holds_the_package_its_lessons_and_data_and_nothing_else(dists: Dists) -> None:
    names = dists.wheel_names()
    dist_info = f"vmwidgets-{vmwidgets.__version__}.dist-info"
    assert dists.wheel.name == f"vmwidgets-{vmwidgets.__version__}-py3-none-any.whl"  # one version, in one place
    assert {n.split("/")[0] for n in names} == {"vmwidgets", dist_info}, "only the package and its metadata"
    assert "vmwidgets/py.typed" in names
    assert f"{dist_info}/licenses/LICENSE" in names
    with zipfile.ZipFile(dists.wheel) as z:
        assert z.read(f"{dist_info}/licenses/LICENSE").decode().startswith("MIT License")
        meta = Parser().parsestr(z.read(f"{dist_info}/METADATA").decode())
    assert meta["License-Expression"] == "MIT"
    assert tuple(map(int, meta["Metadata-Version"].split("."))) >= (2, 4), "License-Expression needs metadata 2.4"
    lessons = sorted(n.removeprefix("vmwidgets/lessons/") for n in names if n.startswith("vmwidgets/lessons/"))
    assert lessons == [p.name for p in NOTEBOOKS], "the lessons are every notebook of notebooks/, and only those"
    logs = sorted(n.removeprefix("vmwidgets/data/bootlogs/") for n in names if n.startswith("vmwidgets/data/bootlogs/"))
    assert logs and logs == sorted(p.name for p in (ROOT / "vmwidgets" / "data" / "bootlogs").glob("*.txt"))
    assert {"vmwidgets/data/proc-maps-i386.txt", "vmwidgets/data/proc-maps-chromium.txt.gz"} <= set(names)
    assert not [n for n in names if n.startswith("tests/") or "/src/" in n or "notebooks/" in n]
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".ipynb_checkpoints"))]
    with tarfile.open(dists.sdist) as t:  # the sdist can rebuild everything and run the tests
        top = f"vmwidgets-{vmwidgets.__version__}"
        assert {f"{top}/LICENSE", f"{top}/pyproject.toml", f"{top}/tests/test_wheel.py"} <= set(t.getnames())


def test_the_wheel_alone_copies_out_and_runs_every_lesson(dists: Dists, tmp_path: Path) -> None:
    venv = Venv(tmp_path)
    venv.pip("install", "--quiet", dists.wheel, "ipykernel", "nbclient")
    where = venv.run(venv.python, "-c", "import vmwidgets; print(vmwidgets.__file__)").stdout.strip()
    assert Path(where).is_relative_to(venv.dir), f"vmwidgets came from {where}, not the wheel"
    # both ways in: the command, and python -m
    venv.run(venv.bin("vmwidgets"), "lessons", tmp_path / "lessons")
    venv.run(venv.python, "-m", "vmwidgets", "lessons", tmp_path / "lessons2")
    for copy in ("lessons", "lessons2"):
        copied = sorted((tmp_path / copy).iterdir())
        assert [p.name for p in copied] == [p.name for p in NOTEBOOKS]
        assert all(c.read_bytes() == n.read_bytes() for c, n in zip(copied, NOTEBOOKS, strict=True))
    results = run_notebooks(venv, sorted((tmp_path / "lessons").glob("*.ipynb")))
    print(f"\nthe wheel's lessons, run in a fresh environment:\n{summary(results)}")
    assert not failures(results), "\n".join(failures(results))
