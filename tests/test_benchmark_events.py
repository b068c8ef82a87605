"""benchmarks/events.py runs and prints its table (figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "events.py"


def test_quick_events_benchmark_prints_every_workload() -> None:
    out = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, check=True).stdout
    for row in (
        "vmlist-heavy",
        "buddy-heavy",
        "process-heavy",
        "204,800 frames",
        "recording B/ev",
        "rec/off",
        "+build/off",
        "live/off",
    ):
        assert row in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("vmlist", "buddy", "process", "204,800"))]
    assert len(rows) == 4 and all(int(r[-7].replace(",", "")) > 0 for r in rows)  # events recorded
