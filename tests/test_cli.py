"""`vmwidgets lessons DIR` copies the lessons out of the package, and never overwrites a student's copy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vmwidgets import InvalidArgument, data
from vmwidgets.cli import copy_lessons, lessons, main

ROOT = Path(__file__).resolve().parents[1]


def test_lessons_are_the_repositorys_notebooks() -> None:
    assert [p.name for p in lessons()] == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def test_copy_refuses_to_overwrite_and_copies_nothing(tmp_path: Path, capsys) -> None:
    assert main(["lessons", str(tmp_path / "mine")]) == 0
    copied = sorted(p.name for p in (tmp_path / "mine").iterdir())
    assert copied == [p.name for p in lessons()] and "01-layout.ipynb" in capsys.readouterr().err
    edited = tmp_path / "mine" / "01-layout.ipynb"
    edited.write_text("my answers")
    (tmp_path / "mine" / "02-buddy.ipynb").unlink()
    assert main(["lessons", str(tmp_path / "mine")]) == 1
    err = capsys.readouterr().err
    assert "01-layout.ipynb" in err and "--force" in err and "nothing copied" in err
    assert edited.read_text() == "my answers" and not (tmp_path / "mine" / "02-buddy.ipynb").exists()
    copy_lessons(tmp_path / "mine", force=True)
    assert edited.read_text() != "my answers" and (tmp_path / "mine" / "02-buddy.ipynb").exists()


def test_a_file_in_the_way_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    assert main(["lessons", str(tmp_path / "f")]) == 1


def test_python_dash_m(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "vmwidgets", "lessons", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == len(lessons())
    version = subprocess.run([sys.executable, "-m", "vmwidgets", "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"vmwidgets {__import__('vmwidgets').__version__}"


def test_boot_logs_ship_as_package_data() -> None:
    logs = data.bootlogs()
    assert len(logs) == 19 and all(t.startswith("# source:") for t in logs.values())
    assert "virtual kernel memory layout:" in data.bootlog("00g-ubuntu-2.6.24-19-1GB.txt")
    with pytest.raises(InvalidArgument, match=r"name=.nope\.txt.: expected one of the stored boot logs"):
        data.bootlog("nope.txt")
