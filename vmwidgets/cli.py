"""The ``vmwidgets`` command: ``vmwidgets lessons DIR`` copies the lessons out of the package.

A wheel carries the lesson notebooks in ``vmwidgets/lessons/``; a checkout has them in
``notebooks/``.  Copying never overwrites a notebook a student may have edited unless
``--force`` is given.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from importlib.resources import as_file, files
from pathlib import Path

from . import __version__

__all__ = ["copy_lessons", "lesson_dir", "lessons", "main"]


def lesson_dir() -> Path:
    """Where the lesson notebooks are: the installed package's ``lessons/``, or a checkout's ``notebooks/``."""
    with as_file(files(__package__).joinpath("lessons")) as packaged:
        if packaged.is_dir():
            return packaged
    checkout = Path(__file__).resolve().parents[1] / "notebooks"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("this installation of vmwidgets has no lessons (neither vmwidgets/lessons nor notebooks/)")


def lessons() -> list[Path]:
    """Every lesson notebook, in order (``00-quick-start.ipynb`` … ``demo-widgets.ipynb``)."""
    return sorted(lesson_dir().glob("*.ipynb"))


def copy_lessons(dest: Path, force: bool = False) -> list[Path]:
    """Copy every lesson into ``dest`` (created if needed); returns the copies.

    Nothing is copied if a notebook of the same name is already there, unless ``force``.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise NotADirectoryError(f"{dest} exists and is not a folder")
    src = lessons()
    clash = [p.name for p in src if (dest / p.name).exists()]
    if clash and not force:
        raise FileExistsError(
            f"{dest} already has {', '.join(clash)}: nothing copied (use --force to overwrite your copies)"
        )
    dest.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copyfile(p, dest / p.name)) for p in src]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vmwidgets", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"vmwidgets {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    cp = sub.add_parser("lessons", help="copy the lesson notebooks into DIR, then open them in Jupyter")
    cp.add_argument("dir", type=Path, help="the folder to copy them into (created if missing)")
    cp.add_argument("--force", action="store_true", help="overwrite notebooks of the same name")
    args = parser.parse_args(argv)
    try:
        copied = copy_lessons(args.dir, force=args.force)
    except (OSError, FileExistsError) as exc:
        print(f"vmwidgets: {exc}", file=sys.stderr)
        return 1
    for p in copied:
        print(p)
    first = next((p for p in copied if p.name.startswith("01-")), copied[0])
    print(f"{len(copied)} notebooks copied; start with {first.name}: jupyter lab {args.dir}", file=sys.stderr)
    return 0
