"""Lesson 5 exercises: a process's VMAs, mmap/munmap/mprotect, find_vma and the mm_rb tree.

Every answer comes from the model: a seeded scenario is run on a fresh :class:`Kernel`
and the result (an address, ``map_count``, the rotations ``rb_insert_color`` emitted) is
read back.  The helpers :func:`tree_text`, :func:`rb_steps`, :func:`rotations` and
:func:`rotation_exercise` are also used by the lesson notebook.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from ..errors import InvalidArgument
from ..events import RbRotatedLeft, RbRotatedRight
from ..model.kernel import Kernel
from ..model.mm_types import MAP_ANONYMOUS, MAP_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE
from ..model.rbtree import RB_BLACK, RB_RED, RbNode, RbRoot, rb_insert_color, rb_link_node
from . import register
from .core import ChoiceExercise, Exercise, Lesson, NumberExercise

PAGE = 4096
ANON = MAP_PRIVATE | MAP_ANONYMOUS
RW = PROT_READ | PROT_WRITE
PROGRAMS = ("cat", "ls", "grep", "sort", "less", "head", "wc", "tail")
FILES = ("/usr/share/dict/words", "/var/log/syslog", "/etc/services", "/usr/lib/locale/locale-archive")


# -- helpers shared with the notebook ---------------------------------------------------------
def tree_text(mm: Any) -> str:
    """``mm->mm_rb`` on one line: ``B start(left, right)``, ``-`` for an empty child, leaves bare."""

    def node(n: Any) -> str:
        if n is None:
            return "-"
        s = f"{'R' if n.rb_color == RB_RED else 'B'} {n.owner.vm_start:08x}"
        if n.rb_left is None and n.rb_right is None:
            return s
        return f"{s}({node(n.rb_left)}, {node(n.rb_right)})"

    return node(mm.mm_rb.rb_node)


def vma_ranges(mm: Any, top: int | None = None) -> list[str]:
    """The VMAs as ``start-end`` strings, in address order (only those ending at or below ``top``)."""
    return [f"{v.vm_start:08x}-{v.vm_end:08x}" for v in mm if top is None or v.vm_end <= top]


def _label(labels: dict[int, int], ev: Any) -> None:
    """Update node id -> vm_start with one event (mm_rb nodes share their VMA's id)."""
    if ev.kind == "RbNodeLinked" and ev.tree.startswith("mm_rb:"):
        labels[ev.node] = int(ev.label.split("-")[0], 16)
    elif ev.kind == "VmaAdjusted":
        labels[ev.vma] = ev.new[0]


def _labels(kernel: Kernel, upto: int) -> dict[int, int]:
    """Node id -> vm_start for every mm_rb node, as the events before ``upto`` leave them."""
    out: dict[int, int] = {}
    for ev in kernel.timeline[:upto]:
        _label(out, ev)
    return out


def rb_events(kernel: Kernel, op: Any) -> list[tuple[int, Any, dict[int, int]]]:
    """``(index, event, names)`` for the mm_rb link, recolour, rotation and erase steps of
    ``op``; ``names`` maps node ids to their VMA's vm_start at that step."""
    kinds = ("RbNodeLinked", "RbRecolored", "RbRotatedLeft", "RbRotatedRight", "RbNodeErased")
    names = _labels(kernel, op.start)
    out = []
    for i, ev in enumerate(kernel.timeline[op.start : op.end], start=op.start):
        _label(names, ev)
        if ev.kind in kinds and ev.tree.startswith("mm_rb:"):
            out.append((i, ev, dict(names)))
    return out


def rb_steps(kernel: Kernel, op: Any) -> str:
    """The tree steps of ``op`` as lines naming each node by its VMA's vm_start.

    The player's narration names mm_rb nodes by an internal id; this prints the same
    steps with the addresses the VmaView shows.  ``step`` is the player position that
    shows the state just after the step.
    """
    lines = []
    for i, ev, name in rb_events(kernel, op):

        def n(x: int | None, name: dict[int, int] = name) -> str:
            return "NULL" if x is None else f"{name.get(x, x):08x}"

        if ev.kind == "RbNodeLinked":
            where = "as the root" if ev.side == "root" else f"as the {ev.side} child of {n(ev.parent)}"
            text = f"link     {n(ev.node)} hangs red {where}"
        elif ev.kind == "RbRecolored":
            cols = ", ".join(f"{n(c[0])}→{'red' if c[2][3] == RB_RED else 'black'}" for c in ev.changes)
            text = f"recolour {cols}  ({ev.case})"
        elif ev.kind == "RbNodeErased":
            text = f"erase    {n(ev.node)}"
        else:
            way = "left " if ev.kind == "RbRotatedLeft" else "right"
            text = f"rotate {way} at {n(ev.node)}: {n(ev.pivot)} takes its place  ({ev.case})"
        lines.append(f"step {i + 1:4}  {text}")
    return "\n".join(lines)


def rotations(kernel: Kernel, op: Any) -> str:
    """The rotations rb_insert_color made in ``op``: none, left, right, left-right or right-left."""
    dirs = [
        "left" if ev.kind == "RbRotatedLeft" else "right"
        for _, ev, _ in rb_events(kernel, op)
        if ev.kind.startswith("RbRotated") and ev.case.startswith("insert")
    ]
    return "-".join(dirs) or "none"


def _insert_story(kernel: Kernel, op: Any) -> tuple[str, str, dict[str, Any]]:
    """What rb_insert_color did in ``op`` (one insert), in words; where the node hung; and
    facts for the feedback."""
    steps = rb_events(kernel, op)
    links = [ev for _, ev, _ in steps if ev.kind == "RbNodeLinked"]
    if len(links) != 1 or any(ev.kind == "RbNodeErased" for _, ev, _ in steps):
        raise InvalidArgument("op", op.name, "an operation that inserts exactly one VMA into mm_rb")
    name = steps[-1][2]

    def n(x: int | None) -> str:
        return f"{name.get(x, x):08x}"

    events = [ev for _, ev, _ in steps]
    link = links[0]
    side = "the root" if link.side == "root" else f"the {link.side} child of {n(link.parent)}"
    where = f"{n(link.node)} hangs red as {side}"
    parts: list[str] = []
    facts: dict[str, Any] = {"case1": 0, "parent_black": False, "inner": False}
    lifted: tuple[int, int] | None = None  # case 3's recolour: (parent, grandparent)
    for ev in events:
        way = "left" if ev.kind == "RbRotatedLeft" else "right"
        if ev.kind == "RbRecolored" and ev.case.startswith("insert case 1"):
            u, p, g = ev.nodes
            facts["case1"] += 1
            parts.append(
                f"case 1: the uncle {n(u)} is red, so {n(p)} and {n(u)} turn black and the grandparent {n(g)} "
                f"red; the check moves up to {n(g)}"
            )
        elif ev.kind.startswith("RbRotated") and ev.case.startswith("insert case 2"):
            facts["inner"] = True
            parts.append(f"case 2: {n(ev.pivot)} is an inner child of {n(ev.node)}, so rotate {way} at {n(ev.node)}")
        elif ev.kind == "RbRecolored" and ev.case.startswith("insert case 3"):
            lifted = ev.nodes
        elif ev.kind.startswith("RbRotated") and ev.case.startswith("insert case 3"):
            facts["side"] = "right" if way == "left" else "left"
            p = lifted[0] if lifted else ev.pivot
            parts.append(
                f"case 3: {n(p)} turns black and {n(ev.node)} red, and a {way} rotation at {n(ev.node)} lifts "
                f"{n(ev.pivot)} into its place"
            )
    if not parts:
        facts["parent_black"] = True
        parts.append(
            "it is the root, which only turns black"
            if link.side == "root"
            else f"its parent {n(link.parent)} is black, so no rule is broken"
        )
    return where, "; ".join(parts) + ".", facts


def rotation_exercise(kernel: Kernel, op: Any, before: str, eid: str = "rb_rotation") -> ChoiceExercise:
    """ "Which rotations fix this insert?" for the mmap (or other insert) ``op``.

    ``before`` is :func:`tree_text` of the tree just before ``op``.
    """
    answer = rotations(kernel, op)
    where, story, facts = _insert_story(kernel, op)
    if answer == "none":
        if facts["case1"]:
            why = "No: the uncle is red, so case 1 fixes it by recolouring alone (moving up); no rotation is needed."
        else:
            why = "No: the new node's parent is black, so two reds never meet and rb_insert_color has nothing to do."
        options = {o: why for o in ("left", "right", "left-right", "right-left")}
        options["none"] = ""
    elif "-" in answer:
        first, second = answer.split("-")
        single = (
            "Not quite: one rotation fixes an outer child, but the red node here is an inner child (a right child "
            "of a left child, or the mirror), so case 2 first rotates at the parent and case 3 then at the "
            "grandparent."
        )
        options = {
            "none": "No: a red node ends up under a red parent whose sibling (the uncle) is black, and recolouring "
            "alone cannot fix that: rotations are needed.",
            "left": single,
            "right": single,
            "left-right": "",
            "right-left": "",
        }
        options["-".join((second, first))] = (
            f"The directions are swapped: the inner child is lifted with a {first} rotation at its parent, then "
            f"the grandparent turns {second}."
        )
    else:
        side = facts.get("side", "left")
        options = {
            "none": "No: a red node ends up under a red parent whose sibling (the uncle) is black, and recolouring "
            "alone cannot fix that: a rotation is needed.",
            "left": "",
            "right": "",
            "left-right": "Too many: a double rotation is for an inner child; here the red pair leans outward "
            f"(both on the {side}), so case 3's single rotation at the grandparent does it.",
            "right-left": "Too many: a double rotation is for an inner child; here the red pair leans outward "
            f"(both on the {side}), so case 3's single rotation at the grandparent does it.",
        }
        other = "right" if answer == "left" else "left"
        options[other] = (
            f"Wrong way: the red pair sits on the grandparent's {side} side, so the grandparent rotates towards "
            f"the other side ({answer}), lifting its {side} child."
        )
    prompt = (
        f"mm_rb before the insert, written colour start(left child, right child) with - for no child: {before}. "
        f"A new VMA is inserted: {where}. Which rotations does rb_insert_color make to restore the red-black "
        "rules? (none, left, right, left-right = left then right, right-left = right then left)"
    )
    return ChoiceExercise(
        eid,
        prompt,
        hint="Look at the new node's parent: black means nothing to do. Red: look at the uncle. A red uncle "
        "means recolour and move up to the grandparent (then ask again). A black uncle means rotate: once if the "
        "red node is an outer child, twice if it is an inner child.",
        explain=f"{where}: {story}",
        options=options,
        correct=answer,
    )


# -- seeded scenarios ------------------------------------------------------------------------
def _spawn(rng: random.Random) -> tuple[Kernel, Any]:
    k = Kernel()
    return k, k.spawn(rng.choice(PROGRAMS))


def _vma_count(rng: random.Random) -> Exercise:
    _, task = _spawn(rng)
    mm = task.mm
    for _ in range(rng.randint(0, 3)):  # a few more files mapped top-down: the count varies
        mm.mmap(0, rng.randint(1, 6) * PAGE, PROT_READ, MAP_PRIVATE, file=rng.choice(FILES))
    pages = rng.randint(6, 16)
    start = mm.mmap(rng.randrange(0x20000, 0x90000) * PAGE, pages * PAGE, RW, ANON)
    end = start + pages * PAGE
    before = mm.map_count
    call, where = rng.choice(("munmap", "mprotect")), rng.choice(("middle", "low", "high", "whole"))
    if where == "middle":
        lo = rng.randint(1, pages - 3)
        n = rng.randint(1, pages - lo - 1)
    elif where == "low":
        lo, n = 0, rng.randint(1, pages - 2)
    elif where == "high":
        n = rng.randint(1, pages - 2)
        lo = pages - n
    else:
        lo, n = 0, pages
    addr, length = start + lo * PAGE, n * PAGE
    if call == "munmap":
        mm.munmap(addr, length)
        text = f"munmap({addr:#x}, {length:#x})"
    else:
        mm.mprotect(addr, length, PROT_READ)
        text = f"mprotect({addr:#x}, {length:#x}, PROT_READ)"
    after = mm.map_count
    c = before
    if call == "munmap":
        why = {
            "middle": "munmap of the middle cuts the VMA twice (split_vma at the start and at the end of the range) "
            "and detaches the middle piece: one VMA below the hole, one above, so one more than before.",
            "low": "the range starts at the VMA's start, so one cut (at the end of the range) is enough; the "
            "lower piece is detached and the VMA that is left is smaller: the count does not change.",
            "high": "the range ends at the VMA's end, so one cut (at the start of the range) is enough; the "
            "upper piece is detached and the VMA that is left is smaller: the count does not change.",
            "whole": "the range covers the whole VMA, so no cut is needed: the VMA is detached and freed, one "
            "fewer than before.",
        }[where]
        mistakes = {
            c: "A VMA is one range [vm_start, vm_end): a hole in the middle cannot be inside it. do_munmap splits "
            "it, so the pieces below and above become two VMAs.",
            c + 1: "Only one cut is needed here: the range reaches an edge of the VMA, so the VMA simply gets smaller.",
            c - 1: "Part of the VMA stays mapped, so a (smaller) VMA stays on the list.",
            c + 2: "The hole is not a VMA: of the three pieces, the middle one is detached and freed.",
        }
    else:
        why = {
            "middle": "all pages of a VMA share one vm_flags, so mprotect_fixup splits the VMA at both ends of the "
            "range: below, the read-only middle, above: two more than before.",
            "low": "the range starts at the VMA's start, so mprotect_fixup splits once: the read-only lower "
            "part and the unchanged upper part, one more than before.",
            "high": "the range ends at the VMA's end, so mprotect_fixup splits once: the unchanged lower part and "
            "the read-only upper part, one more than before.",
            "whole": "the whole VMA changes, so mprotect_fixup just sets its new vm_flags: no split, and no "
            "neighbour with the same flags to merge with.",
        }[where]
        mistakes = {
            c: "A VMA has one vm_flags for all its pages, so changing part of it needs a split (split_vma).",
            c + 1: "The range is strictly inside the VMA: it is cut at both ends, three VMAs where there was one."
            if where == "middle"
            else "The range covers the whole VMA: no split is needed, only the flags change.",
            c + 2: "Only one cut is needed when the range reaches an edge of the VMA."
            if where in ("low", "high")
            else "mprotect never adds VMAs when the range covers a whole VMA.",
            c - 1: "mprotect does not unmap anything: the pages stay mapped, read-only now.",
        }
    mistakes.pop(after, None)
    prompt = (
        f"A process has {before} VMAs. One of them is the anonymous mapping {start:08x}-{end:08x} rw-p "
        f"({pages} pages); no other VMA touches it. The process calls {text}. How many VMAs "
        "(map_count) does it have afterwards?"
    )
    return NumberExercise(
        "vma_count",
        prompt,
        hint="Draw the VMA as a bar and mark the range on it. Every VMA is one contiguous range with one set of "
        "flags: how many pieces are left, and which of them are still VMAs?",
        explain=f"{why} {before} → {after}.",
        value=after,
        hex=False,
        mistakes=mistakes,
    )


def _mmap_topdown(rng: random.Random) -> Exercise:
    _, task = _spawn(rng)
    mm = task.mm
    mine = []
    for i in range(rng.randint(1, 3)):  # alternate protections so that they stay separate VMAs
        size = rng.randint(4, 16) * PAGE
        mine.append((mm.mmap(0, size, RW if i % 2 == 0 else PROT_READ, ANON), size))
    base, size = rng.choice(mine)
    pages = size // PAGE
    lo = rng.randint(1, pages - 3)
    hole = rng.randint(1, min(8, pages - lo - 1))
    mm.munmap(base + lo * PAGE, hole * PAGE)
    hole_lo, hole_hi = base + lo * PAGE, base + (lo + hole) * PAGE
    fits = rng.random() < 0.5
    n = rng.randint(1, hole) if fits else rng.randint(hole + 1, hole + 6)
    ranges = ", ".join(reversed(vma_ranges(mm, mm.mmap_base)))
    lowest = min(v.vm_start for v in mm if v.vm_start >= 0x10000000)
    addr = mm.mmap(0, n * PAGE, RW, ANON)
    small = (
        f"The hole {hole_lo:08x}-{hole_hi:08x} is only {hole} page{'s' * (hole > 1)}: {n} pages do not fit, so the "
        "search goes on down."
    )
    mistakes = {
        lowest - n * PAGE: "There is a hole higher up that is big enough: the top-down search starts at mmap_base "
        "and takes the first (highest) hole that fits.",
        hole_hi - n * PAGE: small,
        hole_lo: small
        if n > hole
        else "Top-down puts the new mapping at the top of the hole: it ends where the VMA above the hole starts.",
        mm.mmap_base - n * PAGE: "That range is taken: ld.so's text ends exactly at mmap_base.",
        lowest: "The new mapping ends where the lowest VMA starts: subtract the length.",
    }
    mistakes.pop(addr, None)
    prompt = (
        f"A process's mmap_base is {mm.mmap_base:#010x}. Its VMAs below mmap_base, from the top down: {ranges}; "
        f"nothing is mapped between 0804d000 and {lowest:08x}. It calls "
        f"mmap(NULL, {n * PAGE:#x}, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS) ({n} page{'s' * (n > 1)}). "
        "At which address does the new mapping start?"
    )
    where = (
        f"the hole {hole_lo:08x}-{hole_hi:08x} is the highest one with room for {n} page{'s' * (n > 1)}"
        if addr == hole_hi - n * PAGE
        else f"the only hole, {hole_lo:08x}-{hole_hi:08x}, is too small, so it goes just below {lowest:08x}"
    )
    return NumberExercise(
        "mmap_topdown",
        prompt,
        hint="Walk down from mmap_base: look for the first gap between two VMAs that is at least the length. The "
        "mapping is placed at the top of that gap (its end touches the VMA above).",
        explain=f"arch_get_unmapped_area_topdown searches down from mmap_base: {where}. "
        f"{addr:#010x} + {n * PAGE:#x} = {addr + n * PAGE:#010x}.",
        value=addr,
        mistakes=mistakes,
    )


def _find_vma(rng: random.Random) -> Exercise:
    _, task = _spawn(rng)
    mm = task.mm
    mm.brk(int(mm.brk) + rng.randint(1, 40) * PAGE)
    for _ in range(rng.randint(0, 2)):
        mm.mmap(rng.randrange(0x10000, 0xA0000) * PAGE, rng.randint(1, 8) * PAGE, PROT_READ, MAP_PRIVATE,
                file=rng.choice(FILES))  # fmt: skip
    vmas = list(mm)
    kind = rng.choice(("inside", "hole", "hole", "null"))
    if kind == "inside":
        v = rng.choice(vmas)
        addr = rng.randrange(v.vm_start, v.vm_end) & ~0xF
    elif kind == "hole":
        gaps = [(a.vm_end, b.vm_start) for a, b in itertools.pairwise(vmas) if a.vm_end < b.vm_start]
        lo, hi = rng.choice(gaps)
        addr = rng.randrange(lo, hi) & ~0xF
    else:
        addr = rng.randrange(mm.task_size, 0xFFFFF000) & ~0xFFF
    vma = mm.find_vma(addr)
    value = 0 if vma is None else vma.vm_start
    below = [v for v in vmas if v.vm_end <= addr]
    mistakes: dict[int, str] = {}
    if kind == "hole":
        mistakes[0] = (
            "find_vma does not return NULL for an address in a hole: it returns the first VMA that ends above "
            "the address, and the caller checks vm_start <= addr itself."
        )
    if below:
        mistakes[below[-1].vm_start] = (
            f"The VMA {below[-1].vm_start:08x}-{below[-1].vm_end:08x} ends at or below {addr:#010x} "
            "(vm_end <= addr), so find_vma goes right, past it."
        )
    if vma is not None:
        mistakes[vma.vm_end] = "That is its vm_end: answer with the vm_start of the VMA find_vma returns."
        if vma.vm_next is not None:
            mistakes[vma.vm_next.vm_start] = (
                f"That VMA is not the first one ending above {addr:#010x}: {vma.vm_start:08x}-{vma.vm_end:08x} "
                "comes before it."
            )
    mistakes.pop(value, None)
    ranges = ", ".join(vma_ranges(mm))
    prompt = (
        f"A process has these VMAs: {ranges}. What does find_vma(mm, {addr:#010x}) return? Give the vm_start of "
        "the VMA it returns, or 0 for NULL."
    )
    if kind == "null":
        explain = (
            f"no VMA ends above {addr:#010x} (the stack ends at TASK_SIZE, {mm.task_size:#010x}), so find_vma "
            "returns NULL."
        )
    elif vma.vm_start <= addr:
        explain = (
            f"{addr:#010x} lies inside {value:08x}-{vma.vm_end:08x}: the walk stops there (vm_start <= addr < vm_end)."
        )
    else:
        explain = (
            f"{addr:#010x} is in a hole; find_vma returns the first VMA with addr < vm_end, the one just above the "
            f"hole, {value:08x}-{vma.vm_end:08x}, even though it does not contain the address."
        )
    return NumberExercise(
        "find_vma",
        prompt,
        hint="find_vma returns the first VMA (lowest address) with addr < vm_end. It need not contain addr.",
        explain=explain,
        value=value,
        mistakes=mistakes,
    )


_CATEGORIES = ("none", "left", "right", "left-right", "right-left")


def _insert_base(seed: int, attempt: int) -> tuple[Kernel, Any, list[tuple[int, int]]]:
    """A process with a few extra file mappings (at seeded hints), and the holes between its VMAs."""
    rng = random.Random(seed * 1009 + attempt)
    k, task = _spawn(rng)
    mm = task.mm
    for _ in range(rng.randint(0, 6)):
        mm.mmap(rng.randrange(0x10000, 0xB0000) * PAGE, rng.randint(1, 4) * PAGE, PROT_READ | PROT_EXEC,
                MAP_PRIVATE, file=rng.choice(FILES))  # fmt: skip
    vmas = list(mm)
    holes = [(0x01000000, vmas[0].vm_start)]
    holes += [(a.vm_end, b.vm_start) for a, b in itertools.pairwise(vmas) if b.vm_start - a.vm_end >= PAGE]
    return k, mm, holes


def _dry_insert(mm: Any, key: int) -> tuple[str, int, int]:
    """Insert ``key`` into a copy of mm_rb with the model's rb_link_node/rb_insert_color:
    the rotations made, the root's key and the new node's colour afterwards (the real mm
    is not touched)."""

    def copy(n: Any, parent: Any) -> Any:
        if n is None:
            return None
        c = RbNode(n.owner.vm_start, n.id)
        c.rb_color, c.rb_parent = n.rb_color, parent
        c.rb_left, c.rb_right = copy(n.rb_left, c), copy(n.rb_right, c)
        return c

    root = RbRoot("copy")
    root.rb_node = copy(mm.mm_rb.rb_node, None)
    parent, left, cur = None, False, root.rb_node
    while cur is not None:
        parent, left = cur, key < cur.owner
        cur = cur.rb_left if left else cur.rb_right
    dirs: list[str] = []

    def emit(cls: type, *_: Any) -> None:
        if cls in (RbRotatedLeft, RbRotatedRight):
            dirs.append("left" if cls is RbRotatedLeft else "right")

    node = RbNode(key, -1)
    rb_link_node(node, parent, left, root, emit)
    rb_insert_color(node, root, emit)
    return "-".join(dirs) or "none", root.rb_node.owner, node.rb_color


def insert_scenario(seed: int) -> tuple[Kernel, Any, Any, str]:
    """A seeded one-page file mmap into a process: ``(kernel, mm, op, tree before)``.

    The seed picks the rotations to aim for (and, for two rotations, whether the new node
    itself is lifted, ending black); seeded processes and holes are tried on a copy of the
    tree until one gives them, then the mmap runs for real on a fresh kernel, whose events
    are the answer.
    """
    rng = random.Random(seed)
    target = _CATEGORIES[rng.randrange(len(_CATEGORIES))]
    want = RB_BLACK if "-" in target and rng.random() < 0.5 else RB_RED
    offset = rng.randint(0, 15)
    choice = fallback = None
    for attempt in range(12):
        _, mm, holes = _insert_base(seed, attempt)
        order = list(range(len(holes)))
        rng.shuffle(order)
        for i in order:
            lo, hi = holes[i]
            addr = lo + min(offset, (hi - lo) // PAGE - 1) * PAGE
            rot, _, colour = _dry_insert(mm, addr)
            if rot == target and colour == want:
                choice = (attempt, addr)
                break
            if fallback is None or (rot == target and fallback[2] != target):
                fallback = (attempt, addr, rot)
        if choice is not None:
            break
    attempt, addr = choice if choice is not None else fallback[:2]
    k, mm, _ = _insert_base(seed, attempt)
    before = tree_text(mm)
    mm.mmap(addr, PAGE, PROT_READ, MAP_PRIVATE, file=FILES[seed % len(FILES)])
    return k, mm, k.timeline.operations[-1], before


def _rb_exercises(seed: int) -> list[Exercise]:
    k, mm, op, before = insert_scenario(seed)
    rot = rotation_exercise(k, op, before)
    events = [ev for _, ev, _ in rb_events(k, op)]
    new = mm.find_vma(int(events[0].label.split("-")[0], 16))
    colour = new.vm_rb.color
    where, story, facts = _insert_story(k, op)
    lifted = facts["inner"] and not facts["case1"]
    if lifted:
        end = (
            "The new node itself was lifted: after case 2 it plays the parent's role, so case 3 colours it "
            "black and it takes the grandparent's place."
        )
        wrong = {"red": "Not this time: the double rotation lifted the new node into its grandparent's place, "
                 "and case 3 colours the node it lifts black."}  # fmt: skip
    else:
        end = "The new node is never recoloured: rb_link_node made it red, and only nodes above it changed."
        wrong = {"black": "New nodes start red (rb_link_node). Only a node lifted by case 3 turns black, and here "
                 "that was not the new node: look at which nodes the cases recolour."}  # fmt: skip
    options = {"red": "", "black": "", **wrong}
    prompt = (
        f"mm_rb before the insert, written colour start(left child, right child) with - for no child: {before}. "
        f"A new VMA is inserted: {where}. After rb_insert_color has restored the rules, what colour is the new "
        "VMA's node?"
    )
    colour_ex = ChoiceExercise(
        "rb_colour",
        prompt,
        hint="Follow rb_insert_color from the new node: which nodes does each case recolour? In case 2 the node "
        "and its parent swap roles before case 3 runs.",
        explain=f"{story} {end}",
        options=options,
        correct=colour,
    )
    return [rot, colour_ex]


def make(seed: int) -> list[Exercise]:
    rng = random.Random(seed)
    sub = [rng.randrange(1 << 30) for _ in range(3)]
    return [
        _vma_count(random.Random(sub[0])),
        _mmap_topdown(random.Random(sub[1])),
        _find_vma(random.Random(sub[2])),
        *_rb_exercises(seed),
    ]


LESSON = register(Lesson(5, "A process's address space: VMAs and the red-black tree", make))
