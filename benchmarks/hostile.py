"""The bad-input figures: N hostile calls over every public call, as tests/test_hostile.py makes them.

    PYTHONPATH=$PWD python benchmarks/hostile.py [N] [SEED]

prints ``calls N, non-VmError X, partial changes Y`` and, for each call that had any, which.
The calls include the timeline and its cursors, Kernel(...), event_from_json/dict, subscribers
that raise, the widget constructors and export_html (which writes into a temporary folder).
"""

from __future__ import annotations

import collections
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import test_hostile as th


def main(n: int = 5000, seed: int = 0) -> collections.Counter[str]:
    rng = random.Random(seed)
    th.scratch_dir(tempfile.mkdtemp(prefix="hostile-"))  # where export_html may write
    warnings.simplefilter("ignore")  # the SubscriberWarning of each failing subscriber
    bad: collections.Counter[str] = collections.Counter()
    th.TALLY.clear()
    for i in range(n):
        call = th.PRESENT[i % len(th.PRESENT)]
        outcome, _ = th.one_call(call, rng)
        if outcome in ("crash", "partial"):
            bad[f"{call.name} {outcome}"] += 1
    t = th.TALLY
    print(f"calls {t['calls']}, non-VmError {t['crash']}, partial changes {t['partial']} "
          f"(ok {t['ok']}, refused {t['refused']})")  # fmt: skip
    for what, count in sorted(bad.items()):
        print(f"  {what}: {count}")
    slowest = max(_check_ms(e, reply) for e in th.EXERCISES for reply in th.LONG)
    print(f"slowest exercise check of a hostile long reply: {slowest:.2f} ms (the 40,000-character case took 7 s once)")
    return t


def _check_ms(exercise: object, reply: str) -> float:
    start = time.perf_counter()
    th._checked(exercise, reply)
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
