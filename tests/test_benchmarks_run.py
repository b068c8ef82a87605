"""The benchmark script runs (figures are printed, never asserted: see benchmarks/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def test_quick_benchmark_prints_every_figure() -> None:
    out = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, check=True)
    for figure in ("boot time (median)", "slowdown on/off", "seek, random (worst)", "bytes/event, total"):
        assert figure in out.stdout
