"""The bad-input figures: N hostile calls over every public call, as tests/test_hostile.py makes them.

    PYTHONPATH=$PWD python benchmarks/hostile.py [N] [SEED]

prints ``calls N, non-VmError X, partial changes Y`` and, for each call that had any, which.
"""

from __future__ import annotations

import collections
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import test_hostile as th


def main(n: int = 5000, seed: int = 0) -> collections.Counter[str]:
    rng = random.Random(seed)
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
    return t


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
