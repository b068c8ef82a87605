"""The layout view: the 4 GB virtual space, its top gigabyte (the kernel's) enlarged."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from ..model.highmem import FIX_KMAP_BEGIN, KM_TYPES_2_6_32
from ..model.layout import Region
from ..state import ViewState
from .focus import Focus
from .incremental import Memo
from .scene import ROW, Item, Scene, box, label, line, mb, scene
from .selection import parse_key

__all__ = [
    "AREA_X",
    "BAND_W",
    "BAND_X",
    "FULL_W",
    "FULL_X",
    "GB",
    "HEIGHT",
    "LOWMEM_H",
    "MIN_H",
    "Scale",
    "VMALLOC_H",
    "band_heights",
    "highmem_marks",
    "layout_scene",
]

GB = 1 << 30
FULL_X, FULL_W, BAND_X, BAND_W, HEIGHT = 0, 56, 170, 180, 620
MIN_H, VMALLOC_H, LOWMEM_H = 28, 250, 190
AREA_X = BAND_X + BAND_W + 84  # vm_struct labels, right of the boundary addresses


def band_heights(regions: Sequence[Region]) -> list[float]:
    """Pixel height of each kernel band: to scale (620 px for 1 GB) where that reads well;
    the vmalloc band at least 250 px so areas show, lowmem at most 190 px, none under 28."""
    out = []
    for r in regions:
        h = max(MIN_H, HEIGHT * r.size / GB)
        if r.kind == "vmalloc":
            h = max(h, VMALLOC_H)
        elif r.kind == "lowmem":
            h = min(h, LOWMEM_H)
        out.append(h)
    return out


class Scale:
    """Address → y for the enlarged kernel column: linear inside each band, high addresses on top."""

    def __init__(self, regions: Sequence[Region], top: float) -> None:
        self.starts = [r.start for r in regions]
        self.regions = list(regions)
        heights = band_heights(regions)
        self.bottom = top + sum(heights)
        self.y0: list[float] = []  # y of each band's start (its bottom edge)
        y = self.bottom
        for h in heights:
            self.y0.append(y)
            y -= h
        self.heights = heights

    def y(self, addr: int) -> float:
        i = max(0, bisect_right(self.starts, addr) - 1)
        r = self.regions[i]
        return self.y0[i] - self.heights[i] * (min(addr, r.end) - r.start) / r.size


def highmem_marks(kernel: Sequence[Region], sc: Scale, state: ViewState, f: Focus) -> list[Item]:
    """The pkmap slots with a non-zero count (kmap) and the fixmap pages mapped (kmap_atomic) as
    ticks inside their bands, slots sharing a pixel row drawn as one; unused slots (count 1,
    mapped until the next wrap's flush) dashed like a lazily freed area; a summary label."""
    out: list[Item] = []
    pk = next((r for r in kernel if r.kind == "pkmap"), None)
    fx = next((r for r in kernel if r.kind == "fixmap"), None)
    span = f.span[0] if f.span else None
    x, w = BAND_X + 72, 50  # between the band's name and its size
    if pk is not None and state.pkmap_count:
        rows: dict[int, list[int]] = {}
        for nr in sorted(state.pkmap_count):
            rows.setdefault(int(sc.y(pk.start + (nr << 12))), []).append(nr)
        for row, nrs in rows.items():
            used = [nr for nr in nrs if state.pkmap_count[nr] >= 2]
            cls = "k-area" + ("" if used else " k-lazy")
            if span is not None and any(pk.start + (nr << 12) == span for nr in nrs):
                cls += " hl"
            counts = ", ".join(f"{nr}: {state.pkmap_count[nr]}" for nr in nrs[:8]) + (" …" if len(nrs) > 8 else "")
            tip = f"pkmap slots (pkmap_count) {counts}"
            out.append(box(f"pk:{nrs[0]}", x, row - 1.5, [], cls, w=w, h=3, tip=tip))
        used_n = sum(1 for c in state.pkmap_count.values() if c >= 2)
        text = f"kmap: {used_n} in use, {len(state.pkmap_count) - used_n} unused (last_pkmap_nr {state.last_pkmap_nr})"
        out.append(label("pk:sum", AREA_X, sc.y(pk.start) - ROW - 3, text))
    if fx is not None:
        mapped: list[tuple[int, int, int]] = []  # (vaddr, table, index)
        for pfn, (level, base) in state.table_meta.items():
            if level == "pte" and fx.start - (4 << 20) <= base < fx.end:
                for idx in state.tables.get(pfn, {}):
                    vaddr = base + (idx << 12)
                    if fx.start <= vaddr < fx.end:
                        mapped.append((vaddr, pfn, idx))
        for vaddr, pfn, idx in sorted(mapped):
            km = ((fx.end - vaddr) >> 12) - FIX_KMAP_BEGIN
            name = KM_TYPES_2_6_32[km] if 0 <= km < len(KM_TYPES_2_6_32) else f"fixmap index {km + FIX_KMAP_BEGIN}"
            cls = "k-area" + (" hl" if (pfn, idx) in f.entries or vaddr == span else "")
            out.append(
                box(
                    f"fx:{vaddr:x}",
                    x,
                    sc.y(vaddr) - 1.5,
                    [],
                    cls,
                    w=w,
                    h=3,
                    tip=f"{name} at {vaddr:#010x} (kmap_atomic)",
                )
            )
        if mapped:
            names = sorted({((fx.end - v) >> 12) - FIX_KMAP_BEGIN for v, _, _ in mapped})
            text = "kmap_atomic: " + ", ".join(KM_TYPES_2_6_32[k] if 0 <= k < 19 else "?" for k in names[:4])
            out.append(label("fx:sum", AREA_X, sc.y(fx.end) + 2, text + (" …" if len(names) > 4 else "")))
    return out


BIG = 255  # records past which the layout's kept part carries no highlights


def _overlay(base: list[Item], over: list[Item]) -> list[Item]:
    """``base`` with each item of ``over`` in place of the one of its id, or after them all."""
    if not over:
        return base
    at = {n["id"]: i for i, n in enumerate(base)}
    out = base[:]
    for item in over:
        if item["id"] in at:
            out[at[item["id"]]] = item
        else:
            out.append(item)
    return out


def layout_scene(
    regions: Sequence[Region],
    state: ViewState,
    f: Focus | None = None,
    selected: str = "",
    mark: int | None = None,
    mm: str | None = None,
    area_labels: int = 20,
    memo: Memo | None = None,
) -> Scene:
    """Left: all 4 GB to scale (user space below PAGE_OFFSET, the kernel above); right: the
    kernel's bands with their boundaries in hex and sizes, vm_structs inside the vmalloc
    band as they are created, and ``mark`` (an address) pointed at.  With ``mm`` its VMAs
    are drawn inside user space (to scale, at least 2 px each).

    ``memo`` (a view's :class:`~vmwidgets.render.incremental.Memo`) keeps the boxes of the
    vm_structs and of the VMAs from one step to the next until a step changes them.  Past
    ``BIG`` records those kept boxes carry no highlight, and the step's and the selection's
    records are drawn over them, so a step that only moves the highlight reads no record."""
    f = f or Focus()
    user = [r for r in regions if r.kind == "user"]
    kernel = [r for r in regions if r.kind != "user"]
    top = ROW + 10
    sc = Scale(kernel, top)
    bottom = sc.bottom
    full_h = bottom - top
    page_offset = kernel[0].start if kernel else 3 * GB

    def full_y(addr: int) -> float:
        return bottom - full_h * addr / (4 * GB)

    nodes: list[Item] = [label("t:full", FULL_X, 0, "all 4 GB"), label("t:kern", BAND_X, 0, "3G–4G enlarged")]
    edges: list[Item] = []
    for r in user:
        y1, y0 = full_y(r.end), full_y(r.start)
        nodes.append(box("full:user", FULL_X, y1, [["user"], [mb(r.size)]], "k-user", w=FULL_W, h=y0 - y1))
    ky = full_y(page_offset)
    nodes.append(
        box("full:kernel", FULL_X, top, [["kernel"], [mb(4 * GB - page_offset)]], "k-kernel", w=FULL_W, h=ky - top)
    )
    for addr, text in ((0, "0x00000000"), (page_offset, f"{page_offset:#010x}")):
        nodes.append(label(f"fb:{addr:x}", FULL_X + FULL_W + 2, full_y(addr) - ROW - 3, text))
    edges.append(line("zoom:top", [(FULL_X + FULL_W, top), (BAND_X, top)], "prev"))
    edges.append(line("zoom:bottom", [(FULL_X + FULL_W, ky), (BAND_X, bottom)], "prev"))
    for i, r in enumerate(kernel):
        y0, h = sc.y0[i], sc.heights[i]
        scaled = abs(h - HEIGHT * r.size / GB) < 0.5
        tip = f"{r.name}: {r.start:#010x}–{r.end:#010x}, {mb(r.size)}" + ("" if scaled else " (height not to scale)")
        rows = [[r.name, mb(r.size)]] if h >= ROW + 6 else []
        nodes.append(
            box(
                f"band:{r.kind}:{r.start:x}", BAND_X, y0 - h, rows, f"k-{r.kind}", cols=[0, 130], w=BAND_W, h=h, tip=tip
            )
        )
        nodes.append(label(f"b:{r.start:x}", BAND_X + BAND_W + 4, y0 - ROW / 2 - 3, f"{r.start:#010x}"))
    nodes.append(label("b:top", BAND_X + BAND_W + 4, top - ROW / 2 - 3, "0xffffffff"))

    def area_box(addr: int, lit: bool, chosen: bool) -> Item:
        a = state.areas[addr]
        y1, y0 = sc.y(addr + a.size), sc.y(addr)
        h = max(3.0, y0 - y1)
        area_cls = ["k-area"]
        if addr in state.vmap_lazy:
            area_cls.append("k-lazy")
        if lit:
            area_cls.append("hl")
        if chosen:
            area_cls.append("sel")
        tip = f"vm_struct {addr:#010x}–{addr + a.size:#010x} ({mb(a.size)}), caller {a.caller or 'NULL'}"
        return box(
            f"a:{addr:x}", BAND_X + 24, y0 - h, [], " ".join(area_cls), w=BAND_W - 48, h=h, sel=f"vm:{addr:#x}", tip=tip
        )

    def area_boxes(lit: set[int], chosen: int | None) -> tuple[list[Item], list[Item]]:
        nodes: list[Item] = []
        edges: list[Item] = []
        # vm_structs inside the vmalloc band, labelled on the right while there is room
        label_y = -1e9
        shown = 0
        special = lit | {chosen, *state.vmap_lazy}
        group: list[int] = []

        def flush() -> None:  # areas sharing a pixel row are drawn as one box
            if not group:
                return
            lo, hi = group[0], group[-1] + state.areas[group[-1]].size
            y1, y0 = sc.y(hi), sc.y(lo)
            tip = f"{len(group)} vm_structs {lo:#010x}–{hi:#010x}"
            nodes.append(
                box(
                    f"ag:{lo:x}",
                    BAND_X + 24,
                    y0 - max(3.0, y0 - y1),
                    [],
                    "k-area",
                    w=BAND_W - 48,
                    h=max(3.0, y0 - y1),
                    tip=tip,
                )
            )
            group.clear()

        for addr in state.vmlist:
            a = state.areas[addr]
            y1, y0 = sc.y(addr + a.size), sc.y(addr)
            if len(state.vmlist) > area_labels and addr not in special and y0 - y1 < 3:
                if group and sc.y(group[0]) - y1 >= 3:
                    flush()
                group.append(addr)
                continue
            flush()
            h = max(3.0, y0 - y1)
            nodes.append(area_box(addr, addr in lit, addr == chosen))
            if shown < area_labels:
                ly = max(y0 - h / 2 - ROW / 2 - 3, label_y + ROW)
                text = f"{addr:#010x} {mb(a.size)} {a.caller or ''}".rstrip()
                nodes.append(label(f"al:{addr:x}", AREA_X, ly, text))
                edges.append(line(f"al:{addr:x}", [(BAND_X + BAND_W - 24, y0 - h / 2), (AREA_X, ly + ROW / 2 + 3)]))
                label_y = ly
                shown += 1
        flush()
        if shown < len(state.vmlist):
            nodes.append(label("al:more", AREA_X, label_y + ROW, f"⋯ {len(state.vmlist) - shown} more"))
        return nodes, edges

    def vma_box(vma: int, start: int, end: int, lit: bool, key: str, chosen: bool) -> Item:
        y1, y0 = full_y(end), full_y(start)
        cls = "k-vma" + (" hl" if lit else "") + (" sel" if chosen else "")
        tip = f"VMA {start:#010x}–{end:#010x}"
        return box(f"v:{vma}", FULL_X + 8, y1, [], cls, w=FULL_W - 16, h=max(2.0, y0 - y1), sel=key, tip=tip)

    def vma_boxes(touched: set[int], selected: str | None) -> list[Item]:
        nodes: list[Item] = []
        # VMAs inside user space, to scale; those sharing a pixel row (and not touched or
        # selected) are drawn as one box, so 1,000 small mappings stay a few boxes
        vmas = sorted(state.vmas.get(mm, {}).items(), key=lambda kv: kv[1][0]) if mm else []
        vmas = [kv for kv in vmas if kv[1][1] <= 1 << 32]  # a 64-bit process's mappings lie outside this picture
        run: list[tuple[int, int, int]] = []

        def flush_vmas() -> None:
            if not run:
                return
            lo, hi = run[0][1], run[-1][2]
            y1, y0 = full_y(hi), full_y(lo)
            tip = f"{len(run)} VMAs {lo:#010x}–{hi:#010x}"
            nodes.append(
                box(f"vg:{run[0][0]}", FULL_X + 8, y1, [], "k-vma", w=FULL_W - 16, h=max(2.0, y0 - y1), tip=tip)
            )
            run.clear()

        for vma, (start, end, *_rest) in vmas:
            key = f"vma:{mm}:{vma}"
            y1, y0 = full_y(end), full_y(start)
            if vma not in touched and key != selected and y0 - y1 < 2:
                if run and full_y(run[0][1]) - y1 >= 2:
                    flush_vmas()
                run.append((vma, start, end))
                continue
            flush_vmas()
            nodes.append(vma_box(vma, start, end, vma in touched, key, selected == key))
        flush_vmas()
        return nodes

    # The parts that read every vm_struct and VMA are kept until a step changes them (issue 15).
    # Past BIG records the kept part has no highlights: the step's and the selection's records
    # are drawn over it (in place of their own box, if it has one), so it survives the step.
    memo = memo or Memo()
    kind, value = parse_key(selected)
    sel_vm = value if kind == "vm" else None
    lit_areas: set[int] = {a for a in (*f.areas, f.visiting) if a is not None and a in state.areas}
    if len(state.vmlist) <= BIG:
        parts = memo.get("areas", (frozenset(lit_areas), sel_vm), lambda: area_boxes(lit_areas, sel_vm))
    else:
        parts = memo.get("areas", None, lambda: area_boxes(set(), None))
        picked = lit_areas | ({sel_vm} if sel_vm in state.areas else set())
        over = [area_box(a, a in lit_areas, a == sel_vm) for a in sorted(picked)]
        parts = (_overlay(parts[0], over), parts[1])
    nodes += parts[0]
    edges += parts[1]
    nodes += highmem_marks(kernel, sc, state, f)
    if mm:
        recs = state.vmas.get(mm, {})
        touched = set(f.vmas.get(mm, ())) & recs.keys()
        sel_vma = selected if kind == "vma" and value[0] == mm and value[1] in recs else None
        if len(recs) <= BIG:
            nodes += memo.get("vmas:" + mm, (frozenset(touched), sel_vma), lambda: vma_boxes(touched, sel_vma))
        else:
            base = memo.get("vmas:" + mm, None, lambda: vma_boxes(set(), None))
            picks = sorted(touched | ({value[1]} if sel_vma else set()))
            over = [
                vma_box(v, *recs[v][:2], v in touched, f"vma:{mm}:{v}", f"vma:{mm}:{v}" == sel_vma)
                for v in picks
                if recs[v][1] <= 1 << 32
            ]
            nodes += _overlay(base, over)
    taken: list[tuple[bool, float]] = []  # labels drawn so far (side, y): the second moves a row down
    for what, at, mark_cls in (("mark", mark, "k-mark"), ("span", f.span[0] if f.span else None, "k-mark hl")):
        if at is None:
            continue
        y = sc.y(at) if at >= page_offset else full_y(at)
        kernel_side = at >= page_offset
        ly = y - ROW / 2 - 3
        if any(side == kernel_side and abs(ly - other) < ROW for side, other in taken):
            ly += ROW + 2
        taken.append((kernel_side, ly))
        x = BAND_X - 4 if kernel_side else FULL_X + FULL_W + 2
        text = f"{at:#010x} ▶" if what == "mark" else "this step ▶"
        if not kernel_side:
            text = "◀ " + text[:-2]
        nodes.append(box(what, x - 2, y - 2, [], mark_cls, w=6, h=4))
        tx = x - len(text) * 6.7 - 14 if kernel_side else x + 4
        nodes.append(label(f"{what}:t", tx, ly, text, mark_cls))
    return scene("virtual address space (3G/1G split)", nodes, edges)
