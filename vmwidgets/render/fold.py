"""Folding long sequences: keep what the step is about in view, fold the rest."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["keep_indices"]


def keep_indices(n: int, focus: Iterable[int], limit: int, around: int = 2) -> list[int | tuple[int, int]]:
    """Indices 0..n-1 to draw, with folded runs as ``(first, last)`` tuples.

    Everything is kept when ``n <= limit``; otherwise the first two, the last one and
    ``around`` neighbours of each focus index stay, and each run between folds into one.
    """
    if n <= limit:
        return list(range(n))
    keep = {0, 1, n - 1}
    for i in focus:
        keep.update(range(max(0, i - around), min(n, i + around + 1)))
    out: list[int | tuple[int, int]] = []
    i = 0
    for j in sorted(keep):
        if j > i + 1:
            out.append((i, j - 1))
        elif j == i + 1:
            out.append(i)
        out.append(j)
        i = j + 1
    if i < n:
        out.append((i, n - 1))
    return out
