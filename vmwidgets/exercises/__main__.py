"""``python -m vmwidgets.exercises LESSON [SEED]``: print a lesson's answer key (SEED 0 if left out).

A teacher's tool: it prints every answer.  An argument it cannot read is refused with a
message on stderr and exit status 2, never taken as seed 0: a mistyped seed must not
print the answers of the questions the stored lessons show.
"""

from __future__ import annotations

import sys

from . import LESSONS
from .lessons import load_all

__all__ = ["main"]


def main(argv: list[str]) -> int:
    load_all()
    usage = f"usage: python -m vmwidgets.exercises LESSON [SEED]   (lessons {sorted(LESSONS)}; SEED a whole number ≥ 0)"
    if not 1 <= len(argv) <= 2:
        print(usage, file=sys.stderr)
        return 2
    lesson = argv[0].strip()
    if not (lesson.isascii() and lesson.isdigit()) or int(lesson) not in LESSONS:
        print(f"no lesson {argv[0]!r}: the lessons are {sorted(LESSONS)}\n{usage}", file=sys.stderr)
        return 2
    seed = argv[1].strip() if len(argv) > 1 else "0"
    if not (seed.isascii() and seed.isdigit()) or len(seed) > 18:
        print(f"the seed must be a whole number ≥ 0, not {argv[1]!r} (no answers printed)\n{usage}", file=sys.stderr)
        return 2
    print(LESSONS[int(lesson)].answer_key(int(seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
