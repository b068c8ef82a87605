"""The page-table view: PGD → (PMD) → PTE tables → frames, one column per level."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..state import ViewState
from .focus import Focus
from .scene import ROW, Item, box, curve, scene
from .tables import TableRow, all_tables, flags, frame_mask, table_names, table_rows

__all__ = [
    "COL_W",
    "FRAME_W",
    "Fold",
    "GAP_Y",
    "LEVELS",
    "SPAN",
    "TABLE_W",
    "WALK_CLS",
    "index_bits",
    "pagetable_scene",
]

COL_W, TABLE_W, FRAME_W, GAP_Y = 420, 370, 150, 18
LEVELS = {False: ("pgd", "pte"), True: ("pgd", "pmd", "pte")}
SPAN = {False: {"pgd": 1 << 22, "pte": 1 << 12}, True: {"pgd": 1 << 30, "pmd": 1 << 21, "pte": 1 << 12}}
WALK_CLS = ("walk0", "walk1", "walk2")


def index_bits(vaddr: int, pae: bool, large_at: str | None = None) -> list[tuple[str, str, int, int]]:
    """How x86 splits a linear address: (name, css class, value, width in bits), high bits first.

    ``large_at``: the level whose entry maps a large page (PSE); the bits below it are all
    offset (22 bits for a 4 MB page, 21 for a 2 MB one)."""
    parts: tuple[tuple[str, int, int], ...]
    if pae:
        parts = (("pgd", 30, 2), ("pmd", 21, 9), ("pte", 12, 9))
    else:
        parts = (("pgd", 22, 10), ("pte", 12, 10))
    out: list[tuple[str, str, int, int]] = []
    for i, (name, shift, width) in enumerate(parts):
        out.append((name, WALK_CLS[i], (vaddr >> shift) & ((1 << width) - 1), width))
        if name == large_at:
            return [*out, ("offset", "walkoff", vaddr & ((1 << shift) - 1), shift)]
    return [*out, ("offset", "walkoff", vaddr & 0xFFF, 12)]


Fold = tuple[str, int, int, int]
"""``("fold", first, last, count)``: rows of a table folded into one line."""


def _fold_rows(rows: list[TableRow], keep: set[int], limit: int) -> list[TableRow | Fold]:
    """Rows of a long table: those holding a kept index and their neighbours, the rest folded."""
    if len(rows) <= limit:
        return list(rows)
    marks = {i for i, r in enumerate(rows) if any(r.first <= k <= r.last for k in keep)}
    wanted = {0, len(rows) - 1} | {j for i in marks for j in range(i - 1, i + 2)}
    out: list[TableRow | Fold] = []
    run: list[TableRow] = []
    for i, r in enumerate(rows):
        if i in wanted:
            if run:
                out.append(("fold", run[0].first, run[-1].last, len(run)))
                run = []
            out.append(r)
        else:
            run.append(r)
    if run:
        out.append(("fold", run[0].first, run[-1].last, len(run)))
    return out


def pagetable_scene(
    state: ViewState,
    root: int,
    pae: bool,
    f: Focus | None = None,
    selected: str = "",
    title: str | None = None,
    max_rows: int = 24,
    max_children: int = 8,
    sel_range: tuple[int, int] | None = None,
    sel_pfns: frozenset[int] = frozenset(),
    named: Sequence[tuple[str, int, int]] = (),
) -> dict[str, Any]:
    """The tree under the page directory at pfn ``root``.

    Tables show only used entries (runs of consecutive frames and empty ranges folded
    into one row each, long tables folded around what the step touches); an address walk
    colours each level's index bits and the entry it reads; the step's new entries are
    ``hl``; the frame a highlighted PTE maps is drawn in the last column.  Entries that
    map the selection — virtual addresses ``sel_range`` or frames ``sel_pfns`` — are ``sel``.
    A PTE table covering a range of ``named`` (``(name, start, end)``, e.g. the kernel's
    ``pkmap_page_table``) has the name after its head: :func:`~vmwidgets.render.tables.table_names`.
    """
    f = f or Focus()
    tables = all_tables(state)
    names = table_names(state, pae, named)
    levels = LEVELS[pae]
    walk_at = {(t, i): WALK_CLS[min(levels.index(lvl) if lvl in levels else 0, 2)] for _, t, i, lvl in f.walk}
    touched_tables = {t for t, _ in f.entries} | f.tables | {t for _, t, _, _ in f.walk}
    nodes: list[Item] = []
    edges: list[Item] = []
    top = 0.0
    if f.walk:
        vaddr = f.walk[-1][0]
        x = 0.0
        last = f.walk[-1]
        entry = tables.get(last[1], {}).get(last[2], 0)
        large_at = last[3] if entry & 1 and entry & 0x80 and last[3] != "pte" else None
        for name, cls, value, width in index_bits(vaddr, pae, large_at):
            # indices in decimal as the tables, translate and the narration print them
            text = f"{name} {value}" if name != "offset" else f"offset {value:#0{2 + (width + 3) // 4}x}"
            bits = f"{value:0{width}b}"
            node = box(f"bits:{name}", x, 0, [[text], [bits]], cls, w=max(80, len(bits) * 6.7 + 12))
            nodes.append(node)
            x += node["w"] + 4
        nodes.insert(0, box("bits:addr", x + 10, 0, [[f"walk of {vaddr:#010x}"], ["bits 31 … 0"]], "label"))
        top = 2 * ROW + 6 + GAP_Y
    y_next = [top] * (len(levels) + 1)
    frames_drawn: set[int] = set()
    placed: dict[int, float] = {}

    def place(pfn: int, depth: int, want_y: float) -> float:
        if pfn in placed:  # shared (PAE's empty_zero_page as PMD, the kernel PMD): drawn once
            return placed[pfn]
        level, base = state.table_meta.get(pfn, ("pgd", 0))
        span = SPAN[pae][level]
        entries = tables.get(pfn, {})
        chosen = set()
        if sel_range is not None:
            lo, hi = sel_range
            chosen = {i for i in entries if base + i * span < hi and base + (i + 1) * span > lo}
        if sel_pfns and level == "pte":
            chosen |= {i for i, e in entries.items() if (e & frame_mask(pae)) >> 12 in sel_pfns}
        keep = {i for t, i in f.entries if t == pfn} | {w[2] for w in f.walk if w[1] == pfn}
        keep |= set(sorted(chosen)[:8])
        rows = []
        for r in table_rows(state, pfn, pae, tables, frozenset(keep)):
            inside = sorted(i for i in keep if r.kind == "empty" and r.first <= i <= r.last)
            at = r.first
            for i in inside:  # an entry the step just cleared gets a row of its own
                if i > at:
                    rows.append(r._replace(first=at, last=i - 1))
                rows.append(r._replace(first=i, last=i))
                at = i + 1
            if not inside:
                rows.append(r)
            elif at <= r.last:
                rows.append(r._replace(first=at, last=r.last))
        shown = _fold_rows(rows, keep, max_rows)
        head = f"{level.upper()} {pfn:#x}" + ("" if level == "pgd" else f"  (from {base:#010x})")
        if pfn in names:
            head += f" · {names[pfn]}"
        out_rows: list[dict[str, Any]] = [{"c": [head, "", ""], "cls": "head"}]
        links: list[tuple[int, int, str, int]] = []
        for one in shown:
            if not isinstance(one, TableRow):
                out_rows.append({"c": [f"{one[1]}–{one[2]}", f"⋯ {one[3]} rows folded", ""], "cls": "muted"})
                continue
            r = one
            index = f"{r.first}" if r.first == r.last else f"{r.first}–{r.last}"
            if r.kind == "empty":
                cleared = r.first == r.last and (pfn, r.first) in f.entries
                out_rows.append({"c": [index, "empty (just cleared)" if cleared else "empty", ""],
                                 "cls": "hl" if cleared else "muted"})  # fmt: skip
                continue
            cls = ""
            for i in range(r.first, r.last + 1):
                if (pfn, i) in walk_at:
                    cls = walk_at[(pfn, i)]
                elif (pfn, i) in f.entries and not cls:
                    cls = "hl"
                elif i in chosen and not cls:
                    cls = "sel"
            out_rows.append({"c": [index, r.what, flags(r.entry)], "cls": cls})
            if r.kind == "table" or (cls and r.kind in ("frame", "frames") and r.first == r.last):
                links.append((len(out_rows) - 1, r.child, r.kind, r.first))
        y = max(y_next[depth], want_y)
        placed[pfn] = y
        cls = "hl" if pfn in f.tables else ("sel" if selected == f"pfn:{pfn:#x}" else "")
        node = box(f"t{pfn:x}", depth * COL_W, y, out_rows, cls, cols=[0, 64, 270], w=TABLE_W, sel=f"pfn:{pfn:#x}")
        nodes.append(node)
        y_next[depth] = y + node["h"] + GAP_Y
        children = [c for c in links if c[2] == "table"]
        lit = [c for c in children if c[1] in touched_tables or out_rows[c[0]]["cls"]]
        drawn = (
            children
            if len(children) <= max_children
            else lit + [c for c in children if c not in lit][: max(0, max_children - len(lit))]
        )
        for row, child, kind, entry in links:
            row_y = y + 3 + row * ROW + ROW / 2
            if kind == "table":
                if child not in tables or (row, child, kind, entry) not in drawn:
                    continue
                cy = place(child, depth + 1, row_y - ROW)
                edges.append(
                    curve(
                        f"p{pfn:x}:{entry}",
                        (depth * COL_W + TABLE_W, row_y),
                        ((depth + 1) * COL_W, cy + ROW / 2 + 3),
                        "arrow",
                    )
                )
            elif child not in frames_drawn:
                frames_drawn.add(child)
                tone = "sel" if out_rows[row]["cls"] == "sel" else "hl"  # a selection's frames in blue
                fx = len(levels) * COL_W
                fy = max(y_next[-1], row_y - ROW)
                fn = box(
                    f"f{child:x}",
                    fx,
                    fy,
                    [[f"frame {child:#x}"], [f"phys {child << 12:#010x}"]],
                    tone,
                    w=FRAME_W,
                    sel=f"pfn:{child:#x}",
                )
                nodes.append(fn)
                y_next[-1] = fy + fn["h"] + GAP_Y
                edges.append(
                    curve(f"f{pfn:x}:{child:x}", (depth * COL_W + TABLE_W, row_y), (fx, fy + ROW), "arrow " + tone)
                )
        return y

    if root in tables:
        place(root, 0, top)
    return scene(title or f"page tables under pgd {root:#x}", nodes, edges)
