"""benchmarks/lessons.py runs and prints a row per lesson (figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from vmwidgets.exercises import LESSONS
from vmwidgets.exercises.lessons import load_all

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "lessons.py"


def test_quick_lessons_benchmark_prints_every_lesson() -> None:
    out = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, check=True).stdout
    assert "median ms" in out and "median/target" in out and "targets:" in out
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    load_all()
    assert [int(r[0]) for r in rows] == sorted(LESSONS)
    assert all(int(r[1]) == 2 and int(r[2]) > 0 for r in rows)  # 2 seeds, exercises made
