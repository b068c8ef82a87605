"""Page tables as the textbook draws them: used entries only, runs and empty ranges folded.

Shared by the DOT export and the interactive page-table view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..model.constants import pte_flag_names
from ..state import ViewState

__all__ = [
    "ENTRIES",
    "TableRow",
    "all_tables",
    "flags",
    "frame_mask",
    "mapped_frames",
    "table_names",
    "table_rows",
    "walk_path",
]

_SHORT = {
    "PRESENT": "P",
    "RW": "RW",
    "USER": "U",
    "PWT": "PWT",
    "PCD": "PCD",
    "ACCESSED": "A",
    "DIRTY": "D",
    "PSE": "PSE",
    "GLOBAL": "G",
    "SPECIAL": "S",
    "NX": "NX",
}
ENTRIES = {False: {"pgd": 1024, "pte": 1024}, True: {"pgd": 4, "pmd": 512, "pte": 512}}


def flags(entry: int) -> str:
    """An entry's flag bits, short: ``P RW U A D``."""
    return " ".join(_SHORT[f] for f in pte_flag_names(entry))


def frame_mask(pae: bool) -> int:
    return 0x000FFFFFFFFFF000 if pae else 0xFFFFF000


class TableRow(NamedTuple):
    """One drawn row of a table: entries ``first..last`` (``entry`` is the first one's value).

    ``kind`` is ``"empty"``, ``"table"`` (points to a lower table ``child``),
    ``"large"`` (large pages), ``"frames"`` (consecutive 4 kB frames) or ``"frame"``.
    """

    first: int
    last: int
    entry: int
    kind: str
    child: int
    what: str


def all_tables(state: ViewState) -> dict[int, dict[int, int]]:
    return {**state.static_tables, **state.tables}


def _runs(
    entries: dict[int, int], mask: int, big: int, leaf: bool, alone: frozenset[int] = frozenset()
) -> list[list[int]]:
    """Consecutive entries mapping consecutive frames with the same flags: [first, last, entry, step].

    A run only grows when the next entry points ``step`` bytes further: one page each
    (``big`` for large pages, else 4 kB).  Above the PTE level only large pages join runs:
    each pointer to a lower table keeps its own row and arrow."""
    runs: list[list[int]] = []
    for i in sorted(entries):
        e = entries[i]
        if runs:
            first, last, e0, step = runs[-1]
            joins = (leaf or e & 0x80) and i not in alone and last not in alone
            if (
                joins
                and i == last + 1
                and (e & ~mask) == (e0 & ~mask)
                and (e & mask) == (e0 & mask) + (i - first) * step
            ):
                runs[-1][1] = i
                continue
        runs.append([i, i, e, big if e & 0x80 else 4096])  # _PAGE_PSE: a large page
    return runs


def table_rows(
    state: ViewState,
    pfn: int,
    pae: bool,
    tables: dict[int, dict[int, int]] | None = None,
    alone: frozenset[int] = frozenset(),
) -> list[TableRow]:
    """The rows of page table ``pfn``: its used entries, runs joined, empty ranges between.

    Indices in ``alone`` (an entry being read or written) keep a row of their own."""
    tables = all_tables(state) if tables is None else tables
    level = state.table_meta.get(pfn, ("pgd", 0))[0]
    mask = frame_mask(pae)
    big = 1 << (21 if pae else 22)
    rows: list[TableRow] = []
    idx = 0
    for first, last, entry, step in _runs(tables.get(pfn, {}), mask, big, level == "pte", alone):
        if first > idx:
            rows.append(TableRow(idx, first - 1, 0, "empty", 0, "empty"))
        child = (entry & mask) >> 12
        n = last - first + 1
        if child in tables and not entry & 0x80 and level != "pte":
            rows.append(TableRow(first, last, entry, "table", child, f"table {child:#x}"))
        elif entry & 0x80:
            end = (child << 12) + n * step - 1
            what = f"{n} × {step >> 20} MB → {child << 12:#x}–{end:#x}"
            rows.append(TableRow(first, last, entry, "large", child, what))
        elif n > 1:
            rows.append(TableRow(first, last, entry, "frames", child, f"frames {child:#x}–{child + n - 1:#x}"))
        else:
            rows.append(TableRow(first, last, entry, "frame", child, f"frame {child:#x}"))
        idx = last + 1
    n = ENTRIES[pae].get(level, 1024)
    if idx < n:
        rows.append(TableRow(idx, n - 1, 0, "empty", 0, "empty"))
    return rows


def mapped_frames(state: ViewState, pgd: int, start: int, end: int, pae: bool) -> list[int]:
    """Frames the tables under ``pgd`` map for virtual addresses ``start..end`` (4 kB pages only)."""
    tables = all_tables(state)
    mask = frame_mask(pae)
    shifts = (30, 21, 12) if pae else (22, 12)
    out: list[int] = []

    def visit(pfn: int, depth: int, base: int) -> None:
        shift = shifts[depth]
        span = 1 << shift
        for i, e in sorted(tables.get(pfn, {}).items()):
            lo = base + i * span
            if lo >= end or lo + span <= start or not e & 1:
                continue
            child = (e & mask) >> 12
            if depth == len(shifts) - 1:
                out.append(child)
            elif not e & 0x80 and child in tables:
                visit(child, depth + 1, lo)

    visit(pgd, 0, 0)
    return out


def walk_path(state: ViewState, root: int, vaddr: int, pae: bool) -> list[tuple[int, int, int, str]]:
    """The entries an MMU walk of ``vaddr`` reads from ``root``: (vaddr, table, index, level),
    as :class:`~vmwidgets.render.focus.Focus` holds a recorded walk; it stops at an entry
    that is not present or maps a large page."""
    tables = all_tables(state)
    mask = frame_mask(pae)
    levels = (("pgd", 30, 3), ("pmd", 21, 511), ("pte", 12, 511)) if pae else (("pgd", 22, 1023), ("pte", 12, 1023))
    out: list[tuple[int, int, int, str]] = []
    table = root
    for name, shift, bits in levels:
        index = (vaddr >> shift) & bits
        out.append((vaddr, table, index, name))
        entry = tables.get(table, {}).get(index, 0)
        child = (entry & mask) >> 12
        if not entry & 1 or entry & 0x80 or name == "pte" or child not in tables:
            break
        table = child
    return out


def table_names(state: ViewState, pae: bool, named: Sequence[tuple[str, int, int]]) -> dict[int, str]:
    """The names of PTE tables, by pfn: each ``(name, start, end)`` of ``named`` names the PTE
    tables covering any address of ``[start, end)``; a table in several ranges gets each name.

    The kernel's (:attr:`~vmwidgets.widgets.source.Source.named_tables`): ``pkmap_page_table``
    for the pkmap band, ``fixmap`` for the fixmap's tables.

    >>> from vmwidgets.state import ViewState
    >>> s = ViewState(table_meta={1: ("pgd", 0), 2: ("pte", 0xFF800000), 3: ("pte", 0xFFC00000)})
    >>> table_names(s, False, [("pkmap_page_table", 0xFF800000, 0xFFC00000), ("fixmap", 0xFFF4B000, 0xFFFFF000)])
    {2: 'pkmap_page_table', 3: 'fixmap'}
    """
    span = ENTRIES[pae]["pte"] << 12
    out: dict[int, str] = {}
    for pfn, (level, base) in state.table_meta.items():
        if level != "pte":
            continue
        names = [name for name, lo, hi in named if lo < base + span and base < hi]
        if names:
            out[pfn] = " · ".join(names)
    return out
