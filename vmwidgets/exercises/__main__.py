"""``python -m vmwidgets.exercises LESSON [SEED]``: print a lesson's answer key."""

import sys

from . import LESSONS
from .lessons import load_all


def main(argv: list[str]) -> int:
    load_all()
    if not argv or not argv[0].isdigit() or int(argv[0]) not in LESSONS:
        print(f"usage: python -m vmwidgets.exercises LESSON [SEED]   (lessons: {sorted(LESSONS)})")
        return 2
    seed = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 0
    print(LESSONS[int(argv[0])].answer_key(seed))
    return 0


sys.exit(main(sys.argv[1:]))
