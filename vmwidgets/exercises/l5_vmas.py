"""Lesson 5 exercises: a process's VMAs, mmap/munmap/mprotect, find_vma and the mm_rb tree.

Every answer comes from the model: a seeded scenario is run on a fresh :class:`Kernel`
and the result (an address, ``map_count``, the rotations ``rb_insert_color`` emitted) is
read back.  The helpers :func:`tree_text`, :func:`rb_steps`, :func:`vma_changes`,
:func:`rotations` and :func:`rotation_exercise` are also used by the lesson notebook.
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from typing import Any

from ..errors import InvalidArgument
from ..events import RbRotatedLeft, RbRotatedRight
from ..model.kernel import Kernel
from ..model.mm_types import MAP_ANONYMOUS, MAP_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE
from ..model.rbtree import RB_BLACK, RB_RED, RbNode, RbRoot, rb_insert_color, rb_link_node
from . import register
from .core import ChoiceExercise, Exercise, Lesson, NumberExercise, ok, recorded

__all__ = [
    "ANON",
    "FILES",
    "LESSON",
    "PAGE",
    "PROGRAMS",
    "RW",
    "insert_scenario",
    "lesson_question",
    "make",
    "munmap_middle",
    "rb_events",
    "rb_steps",
    "rotation_exercise",
    "rotations",
    "tree_text",
    "vma_changes",
    "vma_ranges",
]

PAGE = 4096
ANON = MAP_PRIVATE | MAP_ANONYMOUS
RW = PROT_READ | PROT_WRITE
PROGRAMS = ("cat", "ls", "grep", "sort", "less", "head", "wc", "tail")
FILES = ("/usr/share/dict/words", "/var/log/syslog", "/etc/services", "/usr/lib/locale/locale-archive")


class _AddressExercise(NumberExercise):
    """A NumberExercise for an address a student may copy as /proc prints it (``08048000``).

    Work-around: the shared parser hands ``08048000`` (no hex letter, a leading 0) to
    ``int(text, 0)``, which raises before the eight-digit rule reads it as hex; such a reply
    is passed on as ``0x08048000`` here.
    """

    @staticmethod
    def _as_hex(reply: Any) -> Any:
        if isinstance(reply, str) and re.fullmatch(r"\s*0[0-9]{7}\s*", reply):
            return "0x" + reply.strip()
        return reply

    def understood(self, reply: Any) -> bool:
        if not self._own("understood"):
            return Exercise.understood(self, reply)
        return super().understood(self._as_hex(reply))

    def page_spec(self) -> dict[str, Any] | None:
        spec = super().page_spec()
        if spec is not None:
            spec["address"] = True
        return spec

    def check(self, reply: Any) -> Any:
        return super().check(self._as_hex(reply))


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
    for ev in recorded(kernel)[:upto]:
        _label(out, ev)
    return out


def rb_events(kernel: Kernel, op: Any) -> list[tuple[int, Any, dict[int, int]]]:
    """``(index, event, names)`` for the mm_rb link, recolour, rotation and erase steps of
    ``op``; ``names`` maps node ids to their VMA's vm_start at that step."""
    kinds = ("RbNodeLinked", "RbRecolored", "RbRotatedLeft", "RbRotatedRight", "RbNodeErased")
    names = _labels(kernel, op.start)
    out = []
    for i, ev in enumerate(recorded(kernel)[op.start : op.end], start=op.start):
        _label(names, ev)
        if ev.kind in kinds and ev.tree.startswith("mm_rb:"):
            out.append((i, ev, dict(names)))
    return out


def _rb_text(ev: Any, n: Any, short: bool = False) -> str:
    """One mm_rb step in words, ``n(id)`` naming each node; ``short`` keeps only the case's name."""
    case = ev.case.split(":")[0] if short and hasattr(ev, "case") else getattr(ev, "case", "")
    if ev.kind == "RbNodeLinked":
        where = "as the root" if ev.side == "root" else f"as the {ev.side} child of {n(ev.parent)}"
        return f"link     {n(ev.node)} hangs red {where}"
    if ev.kind == "RbRecolored":
        cols = ", ".join(
            f"{n(x)}→{'red' if c == RB_RED else 'black'}" for x, c in zip(ev.nodes, ev.colors, strict=True)
        )
        return f"recolour {cols}  ({case})"
    if ev.kind == "RbNodeErased":
        return f"erase    {n(ev.node)}"
    way = "left " if ev.kind == "RbRotatedLeft" else "right"
    return f"rotate {way} at {n(ev.node)}: {n(ev.pivot)} takes its place  ({case})"


def _namer(kernel: Kernel, op: Any) -> Any:
    """``name(id, names)`` for the steps of ``op``: a node's vm_start, and for a VMA whose
    vm_start moved during ``op`` (split_vma with new_below=1), ``new (was old)``."""
    first = _labels(kernel, op.start)

    def name(x: int | None, names: dict[int, int]) -> str:
        if x is None:
            return "NULL"
        now = names.get(x, x)
        first.setdefault(x, now)  # a node linked during op is first named by its link
        return f"{now:08x}" if first[x] == now else f"{now:08x} (was {first[x]:08x})"

    return name


def rb_steps(kernel: Kernel, op: Any, short: bool = False) -> str:
    """The tree steps of ``op`` as lines naming each node by its VMA's vm_start.

    The player's narration names mm_rb nodes by their VMA's range (``08048000-0804c000``);
    these lines use the start only, and write ``new (was old)`` for a VMA whose start moved
    during ``op``.  ``step`` is the player position that shows the state just after the step.
    """
    name = _namer(kernel, op)
    lines = []
    for i, ev, names in rb_events(kernel, op):
        text = _rb_text(ev, lambda x, names=names: name(x, names), short)
        lines.append(f"step {i + 1:4}  {text}")
    return "\n".join(lines)


def vma_changes(kernel: Kernel, op: Any) -> str:
    """The list and tree changes of ``op`` (a munmap, an mprotect), grouped under the kernel
    function that makes them: each ``split_vma`` (its ``vma_adjust`` of the old VMA, then the
    new VMA's link and the red-black repair) and ``detach_vmas_to_be_unmapped`` (erase,
    unlink).  Player step numbers as in :func:`rb_steps`."""
    name = _namer(kernel, op)
    labels = _labels(kernel, op.start)
    events = list(enumerate(recorded(kernel)[op.start : op.end], start=op.start))
    lines: list[str] = []
    group = ""

    def head(text: str) -> None:
        nonlocal group
        if text != group:
            lines.append(text)
            group = text

    def span(a: int, b: int) -> str:
        return f"{a:08x}-{b:08x}"

    for j, (i, ev) in enumerate(events):
        _label(labels, ev)
        step = f"  step {i + 1:4}  "
        if ev.kind == "VmaAdjusted":
            (a, b, _), (c, d, _) = ev.old, ev.new
            split = next((e for _, e in events[j + 1 :] if e.kind in ("VmaLinked", "VmaAdjusted", "VmaUnlinked")), None)
            if split is not None and split.kind == "VmaLinked" and c == a:
                head(f"split_vma at {d:08x}, new_below=0: the old VMA keeps the part below, the new one the part above")
                lines.append(f"{step}vma_adjust       {span(a, b)} shrinks to {span(c, d)}")
            elif split is not None and split.kind == "VmaLinked" and d == b:
                head(f"split_vma at {c:08x}, new_below=1: the old VMA keeps the part above, the new one the part below")
                lines.append(f"{step}vma_adjust       {span(a, b)} shrinks to {span(c, d)}: old {a:08x}, now {c:08x}")
            else:
                head("vma_adjust")
                lines.append(f"{step}vma_adjust       {span(a, b)} now spans {span(c, d)}")
        elif ev.kind == "VmaLinked":
            if not group.startswith("split_vma"):
                head("vma_link")
            lines.append(
                f"{step}__vma_link_list  the new VMA {span(ev.vm_start, ev.vm_end)} joins the list, then the tree:"
            )
        elif ev.kind == "VmaUnlinked":
            head(ev.fn.split(":")[-1] + ": the VMAs inside the range leave the tree and the list")
            lines.append(
                f"{step}list             {span(ev.vm_start, ev.vm_end)} leaves the list (prev->vm_next skips it)"
            )
        elif ev.kind == "RbNodeErased" and ev.tree.startswith("mm_rb:"):
            gone = next((e for _, e in events[j + 1 :] if e.kind == "VmaUnlinked" and e.vma == ev.node), None)
            what = name(ev.node, labels)
            if gone is not None:
                head(gone.fn.split(":")[-1] + ": the VMAs inside the range leave the tree and the list")
                what = f"the node of {span(gone.vm_start, gone.vm_end)}"
            lines.append(f"{step}rb_erase         {what} leaves mm_rb")
        elif ev.kind in ("RbNodeLinked", "RbRecolored", "RbRotatedLeft", "RbRotatedRight") and ev.tree.startswith(
            "mm_rb:"
        ):
            lines.append(f"{step}  {_rb_text(ev, lambda x: name(x, labels), short=True)}")
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
    facts for the feedback: ``case1`` (how often case 1 moved up), ``up`` (the sentence for
    those moves), ``red`` (the red node that meets a red parent under a black uncle, after
    the moves), ``parent``, ``grand``, ``inner`` and ``side`` (where the red pair hangs)."""
    steps = rb_events(kernel, op)
    links = [ev for _, ev, _ in steps if ev.kind == "RbNodeLinked"]
    if len(links) != 1 or any(ev.kind == "RbNodeErased" for _, ev, _ in steps):
        raise InvalidArgument("op", op.name, "an operation that inserts exactly one VMA into mm_rb")
    name = steps[-1][2]

    def n(x: int | None) -> str:
        return "NULL" if x is None else f"{name.get(x, x):08x}"

    events = [ev for _, ev, _ in steps]
    link = links[0]
    side = "the root" if link.side == "root" else f"the {link.side} child of {n(link.parent)}"
    where = f"{n(link.node)} hangs red as {side}"
    parts: list[str] = []
    facts: dict[str, Any] = {"case1": 0, "parent_black": False, "inner": False, "up": "", "red": n(link.node)}
    lifted: tuple[int, int] | None = None  # case 3's recolour: (parent, grandparent)
    for ev in events:
        way = "left" if ev.kind == "RbRotatedLeft" else "right"
        if ev.kind == "RbRecolored" and ev.case.startswith("insert case 1"):
            u, p, g = ev.nodes
            facts["case1"] += 1
            facts["red"] = n(g)
            parts.append(
                f"case 1: the uncle {n(u)} is red, so {n(p)} and {n(u)} turn black and the grandparent {n(g)} "
                f"red; the check moves up to {n(g)}"
            )
            facts["up"] += (
                f"the new node's uncle {n(u)} is red, so case 1 first recolours and moves the check up to {n(g)}"
                if facts["case1"] == 1
                else f"; there the uncle {n(u)} is red again, and case 1 moves the check up to {n(g)}"
            )
        elif ev.kind == "RbRecolored" and ev.case.startswith("the root"):
            facts["root"] = True  # the check reached the root, which had turned red
            if facts["case1"]:
                parts.append(f"{n(ev.nodes[0])} is the root, so it turns black")
        elif ev.kind.startswith("RbRotated") and ev.case.startswith("insert case 2"):
            facts["inner"] = True
            facts["parent"] = n(ev.node)
            facts["shape"] = "a right child of a left child" if way == "left" else "a left child of a right child"
            parts.append(f"case 2: {n(ev.pivot)} is an inner child of {n(ev.node)}, so rotate {way} at {n(ev.node)}")
        elif ev.kind == "RbRecolored" and ev.case.startswith("insert case 3"):
            lifted = ev.nodes
        elif ev.kind.startswith("RbRotated") and ev.case.startswith("insert case 3"):
            facts["side"] = "right" if way == "left" else "left"
            facts["grand"] = n(ev.node)
            p = lifted[0] if lifted else ev.pivot
            facts.setdefault("parent", n(p))
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

    ``before`` is :func:`tree_text` of the tree just before ``op``.  Each wrong option's
    feedback follows the cases as they fire (case 1 first, when it does).
    """
    answer = rotations(kernel, op)
    where, story, facts = _insert_story(kernel, op)
    up = facts["up"]
    then = f"{up[0].upper()}{up[1:]}. Then " if up else ""  # case 1's moves, before the rotations
    but = f"{up}, but then " if up else ""
    if answer == "none":
        if facts["case1"]:
            end = (
                f"{facts['red']} is the root, which simply turns black"
                if facts.get("root")
                else f"the parent of {facts['red']} is black"
            )
            why = f"No: {up}, and there {end}. Recolouring alone fixed it: no rotation is needed."
        else:
            why = "No: the new node's parent is black, so two reds never meet and rb_insert_color has nothing to do."
        options = {o: why for o in ("left", "right", "left-right", "right-left")}
        options["none"] = ""
    else:
        red, parent, grand = facts["red"], facts["parent"], facts["grand"]
        many = "rotations are" if "-" in answer else "a rotation is"
        options = {
            "none": f"No: {but}{red}'s parent {parent} is red too and its uncle is black: recolouring alone "
            f"cannot fix that, {many} needed.",
            "left": "",
            "right": "",
            "left-right": "",
            "right-left": "",
        }
        if "-" in answer:
            one, two = answer.split("-")
            shape = facts["shape"]
            single = (
                f"Not quite: one rotation fixes an outer child. {then}{red} is red under the red {parent} with a "
                f"black uncle, and it is an inner child ({shape}), so it takes two: case 2 rotates at the parent "
                f"{parent} (making it an outer child), then case 3 at the grandparent {grand}. Which way is each?"
            )
            options["left"] = options["right"] = single
            options[f"{two}-{one}"] = (
                f"The directions are swapped. {then}{red} is {shape}: case 2's rotation at its parent {parent} "
                f"lifts {red} into the parent's place, then case 3's at the grandparent {grand} lifts it again. "
                "Which way does a rotation turn to lift a right child?"
            )
        else:
            side = facts["side"]
            options["left-right"] = options["right-left"] = (
                f"Too many: a double rotation is for an inner child. {then}{red} and its red parent {parent} lean "
                f"outward (both are {side} children), so case 3's single rotation at the grandparent {grand} does it."
            )
            options["right" if answer == "left" else "left"] = (
                f"Wrong way. {then + 'the' if then else 'The'} red pair {red}, {parent} sits on the {side} side of "
                f"the grandparent {grand}, and case 3's rotation lifts {grand}'s {side} child {parent} into its "
                "place. Which way does a rotation turn to lift a right child?"
            )
    prompt = (
        f"mm_rb before the insert, written colour start(left child, right child) with - for no child:\n{before}\n"
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
        worked="The repair, step by step (numbered as the player numbers them):\n\n"
        + "\n".join("    " + line for line in rb_steps(kernel, op).splitlines())
        + f"\n\n`mm_rb` after it: `{tree_text(_mm_of(kernel, op))}`",
    )


def _mm_of(kernel: Kernel, op: Any) -> Any:
    """The mm whose tree ``op`` changed (the operation's task)."""
    from ..events import RbNodeLinked

    tree = next(e.tree for e in recorded(kernel)[op.start : op.end] if isinstance(e, RbNodeLinked))
    return next(mm for mm in kernel.mms if mm.mm_rb.name == tree)


def munmap_middle(task: Any, start: int, length: int, eid: str = "munmap_middle") -> NumberExercise:
    """Run ``task.munmap(start, length)`` strictly inside one VMA and ask how many VMAs are left."""
    mm = task.mm
    count = mm.map_count
    vma = mm.find_vma(start)
    if vma is None or not vma.vm_start < start or not start + length < vma.vm_end:
        raise InvalidArgument("start", start, "a range strictly inside one VMA (a cut on each side)")
    lo, hi = vma.vm_start, vma.vm_end
    task.munmap(start, length)
    return NumberExercise(
        eid,
        f"The process has {count} VMAs. It calls munmap({start:#x}, {length:#x}) inside the anonymous VMA "
        f"{lo:08x}-{hi:08x}. How many VMAs does it have afterwards?",
        hint="Draw the VMA as boxes, one a page, and cross out the ones that go: how many runs of boxes are left?",
        explain="Two cuts make three pieces; the middle one is detached, the lower and upper ones stay: one VMA more.",
        value=mm.map_count,
        hex=False,
        mistakes={
            count: "A VMA cannot have a hole: the part below and the part above become two VMAs.",
            count + 2: "The middle piece is unmapped: it is not a VMA any more.",
        },
    )


# -- seeded scenarios ------------------------------------------------------------------------
def _spawn(rng: random.Random) -> tuple[Kernel, Any]:
    k = Kernel()
    return k, ok(k.spawn(rng.choice(PROGRAMS)), "spawn")


def _vma_count(rng: random.Random) -> Exercise:
    _, task = _spawn(rng)
    mm = task.mm
    for _ in range(rng.randint(0, 3)):  # a few more files mapped top-down: the count varies
        task.mmap(0, rng.randint(1, 6) * PAGE, PROT_READ, MAP_PRIVATE, file=rng.choice(FILES))
    pages = rng.randint(6, 16)
    start = task.mmap(rng.randrange(0x20000, 0x90000) * PAGE, pages * PAGE, RW, ANON)
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
        task.munmap(addr, length)
        text = f"munmap({addr:#x}, {length:#x})"
    else:
        task.mprotect(addr, length, PROT_READ)
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
        mine.append((task.mmap(0, size, RW if i % 2 == 0 else PROT_READ, ANON), size))
    base, size = rng.choice(mine)
    pages = size // PAGE
    lo = rng.randint(1, pages - 3)
    hole = rng.randint(1, min(8, pages - lo - 1))
    task.munmap(base + lo * PAGE, hole * PAGE)
    hole_lo, hole_hi = base + lo * PAGE, base + (lo + hole) * PAGE
    fits = rng.random() < 0.5
    n = rng.randint(1, hole) if fits else rng.randint(hole + 1, hole + 6)
    ranges = ", ".join(reversed(vma_ranges(mm, mm.mmap_base)))
    lowest = min(v.vm_start for v in mm if v.vm_start >= 0x10000000)
    cache = mm.free_area_cache  # the munmap above left it at the top of the hole
    addr = task.mmap(0, n * PAGE, RW, ANON)
    pl = "s" * (n > 1)
    small = (
        f"The hole {hole_lo:08x}-{hole_hi:08x} is only {hole} page{'s' * (hole > 1)}: {n} pages do not fit. The "
        f"first try, just below free_area_cache, fails, so the search starts again at mmap_base and goes on down."
    )
    mistakes = {
        lowest - n * PAGE: f"The search first tries the {n} page{pl} just below free_area_cache ({cache:#010x}), "
        "and they are free: the hole there is big enough, so the search stops at once.",
        hole_hi - n * PAGE: small,
        hole_lo: small
        if n > hole
        else "Top-down puts the new mapping at the top of the hole: it ends where the VMA above the hole starts.",
        mm.mmap_base - n * PAGE: "That range is taken: ld.so's text ends exactly at mmap_base.",
        cache: "That is where the free space ends: the new mapping ends there, so it starts the length below it.",
        lowest: "The new mapping ends where the lowest VMA starts: subtract the length.",
    }
    mistakes.pop(addr, None)
    prompt = (
        f"A process's mmap_base is {mm.mmap_base:#010x}, its free_area_cache is {cache:#010x} and its "
        f"cached_hole_size is {mm.cached_hole_size:#x}.\n"
        f"Its VMAs below mmap_base, from the top down: {ranges}; nothing is mapped between 0804d000 and "
        f"{lowest:08x}.\n"
        f"It calls mmap(NULL, {n * PAGE:#x}, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS) ({n} page{pl}). "
        "At which address does the new mapping start?"
    )
    if addr == hole_hi - n * PAGE:
        where = (
            f"arch_get_unmapped_area_topdown first tries the {n} page{pl} just below free_area_cache ({cache:#010x}, "
            f"the top of the hole {hole_lo:08x}-{hole_hi:08x}: the munmap that made the hole moved it there). "
            f"Nothing is mapped there, so the mapping goes there"
        )
    else:
        where = (
            f"arch_get_unmapped_area_topdown first tries the {n} page{pl} just below free_area_cache "
            f"({cache:#010x}), but the hole {hole_lo:08x}-{hole_hi:08x} is only {hole} page{'s' * (hole > 1)}: the "
            f"VMA below it is in the way. So the search starts again at mmap_base and walks down; no gap is big "
            f"enough until the free space below {lowest:08x}"
        )
    return _AddressExercise(
        "mmap_topdown",
        prompt,
        hint="arch_get_unmapped_area_topdown first tries the length just below free_area_cache: if nothing is "
        "mapped there, it takes it. Otherwise it starts again just below mmap_base and walks down to the first "
        "gap between two VMAs that is at least the length. Either way the mapping ends where the free space ends "
        "(it touches the VMA above).",
        explain=f"{where}. {addr:#010x} + {n * PAGE:#x} = {addr + n * PAGE:#010x}.",
        value=addr,
        mistakes=mistakes,
    )


def _find_vma(rng: random.Random) -> Exercise:
    _, task = _spawn(rng)
    mm = task.mm
    task.brk(mm.brk + rng.randint(1, 40) * PAGE)
    for _ in range(rng.randint(0, 2)):
        task.mmap(rng.randrange(0x10000, 0xA0000) * PAGE, rng.randint(1, 8) * PAGE, PROT_READ, MAP_PRIVATE,
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
                f"That VMA is not the first one ending above {addr:#010x}: another VMA, lower in the list, "
                "ends above it too."
            )
    mistakes.pop(value, None)
    ranges = ", ".join(vma_ranges(mm))
    prompt = (
        f"A process has these VMAs: {ranges}.\nWhat does find_vma(mm, {addr:#010x}) return? Give the vm_start of "
        "the VMA it returns, in hex as in the list (b7ea2000 or 0xb7ea2000 are both fine), or 0 for NULL."
    )
    if kind == "null":
        explain = (
            f"No VMA ends above {addr:#010x} (the stack ends at TASK_SIZE, {mm.task_size:#010x}), so find_vma "
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
    return _AddressExercise(
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
        task.mmap(rng.randrange(0x10000, 0xB0000) * PAGE, rng.randint(1, 4) * PAGE, PROT_READ | PROT_EXEC,
                MAP_PRIVATE, file=rng.choice(FILES))  # fmt: skip
    vmas = list(mm)
    holes = [(0x01000000, vmas[0].vm_start)]
    holes += [(a.vm_end, b.vm_start) for a, b in itertools.pairwise(vmas) if b.vm_start - a.vm_end >= PAGE]
    return k, mm, holes


def _dry_insert(mm: Any, key: int) -> tuple[str, int, int, tuple[int, bool]]:
    """Insert ``key`` into a copy of mm_rb with the model's rb_link_node/rb_insert_color:
    the rotations made, the root's key and the new node's colour afterwards, and where the
    node hung (the parent's key, whether on the left); the real mm is not touched."""

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

    def emit(cls: type, *_: Any, **__: Any) -> None:
        if cls in (RbRotatedLeft, RbRotatedRight):
            dirs.append("left" if cls is RbRotatedLeft else "right")

    node = RbNode(key, -1)
    hung = (parent.owner if parent is not None else 0, left)
    rb_link_node(node, parent, left, root, emit)
    rb_insert_color(node, root, emit)
    return "-".join(dirs) or "none", root.rb_node.owner, node.rb_color, hung


@functools.cache
def lesson_question() -> tuple[str, tuple[int, bool]]:
    """The insert the lesson itself asks about (§4: the first anonymous mmap after spawn):
    the tree before it and where the new node hangs.  The seeded questions avoid it, since
    the lesson reveals its answer."""
    k = Kernel()
    task = ok(k.spawn("cat"), "spawn")
    mm = task.mm
    before = tree_text(mm)
    task.mmap(0, 3 * PAGE, RW, ANON)
    _, link, names = next(x for x in rb_events(k, recorded(k).operations[-1]) if x[1].kind == "RbNodeLinked")
    return before, (names[link.parent], link.side == "left")


def insert_scenario(seed: int) -> tuple[Kernel, Any, Any, str]:
    """A seeded one-page file mmap into a process: ``(kernel, mm, op, tree before)``.

    The seed picks the rotations to aim for (and, for two rotations, whether the new node
    itself is lifted, ending black); seeded processes and holes are tried on a copy of the
    tree until one gives them, then the mmap runs for real on a fresh kernel, whose events
    are the answer.  The lesson's own question (same tree, node hung at the same place) is
    never chosen.
    """
    rng = random.Random(seed)
    target = _CATEGORIES[rng.randrange(len(_CATEGORIES))]
    want = RB_BLACK if "-" in target and rng.random() < 0.5 else RB_RED
    offset = rng.randint(0, 15)
    shown_tree, shown_hung = lesson_question()
    choice = fallback = None
    for attempt in range(12):
        _, mm, holes = _insert_base(seed, attempt)
        bare = tree_text(mm) == shown_tree
        order = list(range(len(holes)))
        rng.shuffle(order)
        for i in order:
            lo, hi = holes[i]
            addr = lo + min(offset, (hi - lo) // PAGE - 1) * PAGE
            rot, _, colour, hung = _dry_insert(mm, addr)
            if bare and hung == shown_hung:
                continue
            if rot == target and colour == want:
                choice = (attempt, addr)
                break
            if fallback is None or (rot == target and fallback[2] != target):
                fallback = (attempt, addr, rot)
        if choice is not None:
            break
    attempt, addr = choice if choice is not None else ok(fallback, "a fallback insert")[:2]
    k, mm, _ = _insert_base(seed, attempt)
    before = tree_text(mm)
    k.tasks[0].mmap(addr, PAGE, PROT_READ, MAP_PRIVATE, file=FILES[seed % len(FILES)])
    return k, mm, recorded(k).operations[-1], before


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
        f"mm_rb before the insert, written colour start(left child, right child) with - for no child:\n{before}\n"
        f"A new VMA is inserted: {where}. After rb_insert_color has restored the rules, what colour is the new "
        "VMA's node?"
    )
    colour_ex = ChoiceExercise(
        "rb_colour",
        prompt,
        hint="Follow rb_insert_color from the new node: which nodes does each case recolour? In case 2 the node "
        "and its parent swap roles before case 3 runs.",
        explain=f"{story[0].upper()}{story[1:]} {end}",
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
