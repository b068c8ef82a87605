"""Lesson 2 exercises: page frames, zones and the buddy allocator.

Every answer is read off the model: a kernel is booted (fresh, or run for a while), the
operation is performed, and the pfn, order or ``nr_free`` it left is the key.  The seed
picks the RAM size, the orders, the blocks and the order of the calls.

:func:`predict_alloc` and :func:`predict_free` build the lesson's predict-then-check
questions on the student's own kernel: they run the call and return the question with
the call's :class:`~vmwidgets.timeline.Operation`, so a player can reveal it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from ..events import BuddyMerged, BuddyNotMerged, FreeBlockAdded, FreeBlockTaken
from ..model.config import Config
from ..model.constants import GFP_ATOMIC, GFP_DMA, GFP_HIGHUSER, GFP_KERNEL, GFP_USER, MAX_ORDER, PAGE_SHIFT, PAGE_SIZE
from ..model.kernel import Kernel
from ..model.page import Page
from . import register
from .core import (
    MAX_REPLY,
    ChoiceExercise,
    Exercise,
    Feedback,
    FieldsExercise,
    Lesson,
    NumberExercise,
    ok,
    parse_number,
    recorded,
    rough_distance,
    unlike_seed0,
)

__all__ = ["LESSON", "NORMAL", "PfnExercise", "RAMS_MB", "make", "predict_alloc", "predict_free"]

RAMS_MB = (256, 384, 512, 768, 1024, 1536, 2048)
NORMAL = 1  # index of ZONE_NORMAL in kernel.zones


def _events(k: Kernel) -> list[Any]:  # events.py gets one Event base class in issue 12
    """The events of the kernel's last operation."""
    tl = recorded(k)
    op = tl.operations[-1]
    return list(tl[op.start : op.end])


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _gfp_name(gfp_mask: int) -> str:
    names = {GFP_KERNEL: "GFP_KERNEL", GFP_HIGHUSER: "GFP_HIGHUSER", GFP_USER: "GFP_USER", GFP_DMA: "GFP_DMA",
             GFP_ATOMIC: "GFP_ATOMIC"}  # fmt: skip
    return names.get(gfp_mask, f"{gfp_mask:#x}")


def _frames(order: int) -> str:
    n = 1 << order
    return f"{n} frame" + ("s" if n > 1 else "")


def _lists(lo: int, hi: int) -> str:
    """free_area[lo], or free_area[lo] to free_area[hi]."""
    return f"free_area[{lo}]" if lo == hi else f"free_area[{lo}] to free_area[{hi}]"


def _empty(lo: int, hi: int) -> str:
    """'free_area[4] is empty' or 'free_area[4] to free_area[6] are all empty'."""
    return f"{_lists(lo, hi)} " + ("is empty" if lo == hi else "are all empty")


@dataclass(repr=False)
class PfnExercise(NumberExercise):
    """A pfn.  Pfns are always written in hex, so bare digits (37400) are read as hex, and a
    wrong answer's rough distance is given in frames (NumberExercise would call them pages)."""

    @staticmethod
    def _as_hex(reply: Any) -> Any:
        # not when "0x" would take it over MAX_REPLY: 499 digits would be told they are 501 characters
        if isinstance(reply, str) and re.fullmatch(r"\s*\d+\s*", reply) and len(reply.strip()) + 2 <= MAX_REPLY:
            return "0x" + reply.strip()
        return reply

    def understood(self, reply: Any) -> bool:
        if not self._own("understood"):
            return Exercise.understood(self, reply)
        if isinstance(reply, str) and len(reply) > MAX_REPLY:
            return False
        reply = self._as_hex(reply)
        return parse_number(reply) is not None or super().understood(reply)

    def page_spec(self) -> dict[str, Any] | None:
        spec = super().page_spec()
        if spec is not None:
            spec["pfn"] = True
        return spec

    def check(self, reply: Any) -> Feedback:
        if isinstance(reply, str) and len(reply) > MAX_REPLY:
            return super().check(reply)  # the shared "too long" verdict, before any reading
        reply = self._as_hex(reply)
        n = parse_number(reply)
        if n is None or n == self.value or n in self.mistakes:
            return super().check(reply)
        d = abs(n - self.value)
        return Feedback(
            False,
            f"Not yet: your answer is too {'high' if n > self.value else 'low'}, "
            f"{rough_distance(d * PAGE_SIZE).replace('page', 'frame')}. Hint: {self.hint}",
        )


def _alloc_story(order: int, m: int, taken: int, pfn: int) -> str:
    """How alloc_pages(order) went when the head ``taken`` of free_area[m] served it."""
    if m == order:
        return f"free_area[{order}] has a block, so its head {pfn:#x} is handed out without a split."
    halves = (
        f"puts the upper half, {taken + (1 << order):#x}, on free_area[{order}]"
        if m == order + 1
        else f"puts one upper half on each of {_lists(order, m - 1)}"
    )
    return (
        f"{_empty(order, m - 1)}, so __rmqueue_smallest takes the head of free_area[{m}], {taken:#x}. "
        f"expand halves it {_times(m - order)}, {halves}, and returns the lower half, which starts where "
        f"the order-{m} block starts: {pfn:#x}."
    )


def _used_machine(rng: random.Random) -> tuple[Kernel, int]:
    """A fresh machine after a few seeded alloc_pages/free_pages calls in ZONE_NORMAL."""
    ram_mb = rng.choice(RAMS_MB)
    k = Kernel(Config(ram=ram_mb << 20))
    got = []
    for _ in range(rng.randint(3, 8)):
        order = rng.choice((0, 0, 1, 1, 2, 3))
        got.append((ok(k.alloc_pages(GFP_KERNEL, order), "alloc_pages"), order))
    rng.shuffle(got)
    for page, order in got[: rng.randint(0, 3)]:
        k.free_pages(page, order)
    return k, ram_mb


def _first_nonempty(nr: list[int], order: int) -> int | None:
    return next((o for o in range(order, MAX_ORDER) if nr[o]), None)


def _lists_text(zone: Any, orders: range, skip_empty: bool = False) -> str:
    """One line per list: '  free_area[3]: 2 blocks: 0x37c08, 0x37c18' (head first)."""
    parts = []
    for o in orders:
        fl = zone.free_area[o].free_list
        if not fl:
            if not skip_empty:
                parts.append(f"  free_area[{o:2}]: empty")
            continue
        heads = ", ".join(f"{p:#x}" for p in fl[:3]) + (f" and {len(fl) - 3} more" if len(fl) > 3 else "")
        parts.append(f"  free_area[{o:2}]: {len(fl)} block{'s' if len(fl) > 1 else ''}: {heads}")
    return "\n".join(parts)


# -- 1. which zone --------------------------------------------------------------------------
def _zone(rng: random.Random) -> Exercise:
    ram_mb = rng.choice((*RAMS_MB, 3072))
    k = Kernel(Config(ram=ram_mb << 20), record=False)
    lay = k.layout
    zone = rng.choice([z for z in k.zones if z.spanned_pages])
    pfn = rng.randrange(zone.zone_start_pfn, zone.end_pfn)
    phys = (pfn << PAGE_SHIFT) | rng.randrange(0, 1 << PAGE_SHIFT)
    page = k.page(phys >> PAGE_SHIFT)
    answer = page.zone
    mlp, dma_end = lay.max_low_pfn, k.zones[0].end_pfn
    shift = f"{phys:#x} >> 12 = pfn {pfn:#x}"
    no_high = lay.max_pfn <= mlp
    why = {
        "DMA": f"No: {shift}, and ZONE_DMA ends at pfn {dma_end:#x} (16 MB).",
        "Normal": (
            f"No: {shift} is below {dma_end:#x}, the first 16 MB: ZONE_DMA."
            if answer == "DMA"
            else f"No: {shift} is at or above max_low_pfn {mlp:#x}: the direct map does not reach it."
        ),
        "HighMem": (
            f"No: {shift} is below max_low_pfn {mlp:#x}, so the frame is lowmem."
            + (f" This machine has no HighMem at all: its {ram_mb} MB fit below 896 MB." if no_high else "")
            + " Did you compare the address itself with pfn limits? Shift it right by 12 first."
        ),
    }
    z = k.zones[[zz.name for zz in k.zones].index(answer)]
    return ChoiceExercise(
        "zone",
        f"A 32-bit x86 machine with {ram_mb} MB of RAM runs Linux 2.6.24 without PAE. ZONE_DMA holds the "
        f"frames below pfn {dma_end:#x} (16 MB), ZONE_NORMAL the rest of lowmem, up to max_low_pfn = {mlp:#x} "
        f"(not included), and ZONE_HIGHMEM the frames from max_low_pfn to the end of RAM (pfn {lay.max_pfn:#x}). "
        f"Which zone holds the frame that contains physical address {phys:#010x}?",
        hint="First turn the address into a page frame number: pfn = phys >> 12 (drop the 12 offset bits). "
        "Then compare the pfn with the zone limits.",
        explain=f"{shift}, and ZONE_{answer.upper()} holds pfns {z.zone_start_pfn:#x} to {z.end_pfn - 1:#x}.",
        options={o: why[o] for o in ("DMA", "Normal", "HighMem")},
        correct=answer,
    )


# -- 2. the buddy's pfn ------------------------------------------------------------------
def _buddy(rng: random.Random) -> Exercise:
    ram_mb = rng.choice((512, 768, 1024))
    k = Kernel(Config(ram=ram_mb << 20, aged=True, seed=rng.randrange(1 << 16)))
    order = rng.choice((0, 1, 1, 2, 2, 3, 4, 5))
    upper = rng.random() < 0.5  # ask about an upper half (bit `order` set) about half the time
    pages = [ok(k.alloc_pages(GFP_KERNEL, order), "alloc_pages") for _ in range(6)]
    page = next((p for p in pages if bool(p.pfn >> order & 1) == upper), pages[0])
    pfn = page.pfn
    k.free_pages(page, order)
    first = next(e for e in _events(k) if isinstance(e, (BuddyMerged, BuddyNotMerged)))
    buddy, size, bit = first.buddy, 1 << order, pfn >> order & 1
    mistakes = {
        pfn + size: f"That adds 2^{order}, but bit {order} of {pfn:#x} is already 1: this block is the upper half, "
        f"so its buddy lies below it. XOR flips the bit: {pfn:#x} ^ {size:#x}.",
        pfn - size: f"That subtracts 2^{order}, but bit {order} of {pfn:#x} is 0: this block is the lower half, "
        f"so its buddy lies above it. XOR flips the bit: {pfn:#x} ^ {size:#x}.",
        pfn: "That is the block itself; its buddy is the other half of the pair.",
        buddy << PAGE_SHIFT: "That is the buddy's physical address (pfn << 12); the question asks for its pfn.",
    }
    for wrong in (order + 1, order - 1, order + 2, order - 2):  # the wrong bit flipped: the buddy of another order
        if wrong >= 0:
            mistakes.setdefault(
                pfn ^ (1 << wrong),
                f"You flipped bit {wrong}, which gives the buddy of an order-{wrong} block; the buddy of an "
                f"order-{order} block differs from it in bit {order}: pfn ^ (1 << {order}).",
            )
    if order:
        mistakes.setdefault(
            pfn ^ order, f"That XORs with the order itself ({order}); the mask is 1 << order = {size:#x}."
        )
    mistakes = {v: m for v, m in mistakes.items() if v != buddy and v >= 0}
    where = "after" if buddy > pfn else "before"
    return PfnExercise(
        "buddy",
        f"A machine that has been running for a while frees a block of {_frames(order)} (order {order}) that "
        f"starts at pfn {pfn:#x}. __free_one_page first looks at the block's buddy: the other half of the "
        f"order-{order + 1} block it belongs to. At which pfn does the buddy start?",
        hint="buddy = pfn ^ (1 << order): flip bit `order` of the pfn.",
        explain=f"{pfn:#x} ^ {size:#x} = {buddy:#x}. Bit {order} of {pfn:#x} is {bit}, so the buddy lies right "
        f"{where} the block; together they make the order-{order + 1} block at {pfn & ~size:#x}.",
        value=buddy,
        mistakes=mistakes,
    )


# -- 3. nr_free after a split ---------------------------------------------------------------
def _split(rng: random.Random) -> Exercise:
    for _ in range(50):
        k, ram_mb = _used_machine(rng)
        nr = [fa.nr_free for fa in k.zones[NORMAL].free_area]
        cands = [(o, m) for o in range(6) if (m := _first_nonempty(nr, o)) is not None and 1 <= m - o <= 3]
        if cands:
            break
    else:  # pragma: no cover - 50 tries always found one in testing
        cands = [(o, m) for o in range(6) if (m := _first_nonempty(nr, o)) is not None]
    d = rng.choice(sorted({m - o for o, m in cands}))  # how many halvings: each as likely
    order, m = rng.choice([(o, m) for o, m in cands if m - o == d])
    before = " ".join(str(n) for n in nr)
    k.alloc_pages(GFP_KERNEL, order)
    after = [fa.nr_free for fa in k.zones[NORMAL].free_area]
    shown = range(order, order + 4)
    why = {}
    for o in shown:
        if o == m:
            why[f"o{o}"] = f"free_area[{o}] is the first non-empty list from order {order} up: its head is taken"
        elif order <= o < m:
            why[f"o{o}"] = f"each halving puts one upper half on the list one order lower, down to order {order}"
        else:
            why[f"o{o}"] = "a list above the one the block was taken from does not change"
    return FieldsExercise(
        "split",
        f"A {ram_mb} MB machine (Linux 2.6.24) has been running a little. The Normal line of /proc/buddyinfo "
        f"(nr_free of free_area[0] up to free_area[10]) reads: Node 0, zone Normal {before}. A driver calls "
        f"alloc_pages(GFP_KERNEL, {order}), served from ZONE_NORMAL. What is nr_free of free_area[{order}] "
        f"to free_area[{order + 3}] afterwards? Answer like " + " ".join(f"o{o}=…" for o in shown),
        hint=f"__rmqueue_smallest takes the head of the first non-empty list from order {order} up; expand then "
        "halves that block until it has the requested order, putting each upper half on the list one order lower.",
        explain=(
            f"The smallest non-empty list at or above order {order} is free_area[{m}]: it loses one block"
            + (
                f", and expand leaves one upper half on free_area[{order}]."
                if m == order + 1
                else f", and expand leaves one upper half on each of free_area[{order}] to free_area[{m - 1}]."
                if m > order
                else "; no split is needed."
            )
        ),
        fields={f"o{o}": after[o] for o in shown},
        why=why,
    )


# -- 4. which pfn alloc_pages returns ---------------------------------------------------------
def _alloc_mistakes(before: list[list[int]], order: int, m: int, pfn: int) -> dict[int, str]:
    """Wrong pfns a student often predicts for alloc_pages(order) when free_area[m] served it."""
    out: dict[int, str] = {}
    if m == order + 1:
        out[pfn + (1 << order)] = (
            f"That is the upper half, which expand puts on free_area[{order}]. The caller gets the lower half, "
            f"which starts where the order-{m} block starts."
        )
    elif m > order:
        out[pfn + (1 << (m - 1))] = (
            f"That is the upper half of the first split, which expand puts on free_area[{m - 1}]. expand keeps "
            f"the lower half every time, so the caller's block starts where the order-{m} block starts."
        )
        out[pfn + (1 << order)] = (
            f"That is the upper half of the last split, which expand puts on free_area[{order}]; the caller "
            "gets the lower half."
        )
    for p in before[m][1:3]:
        out.setdefault(
            p, f"That block is further down free_area[{m}]: __rmqueue_smallest takes the first block, the head."
        )
    low = min(before[m][:3])
    out.setdefault(
        low, "That is the lowest pfn on the list, but the allocator does not look for the lowest: it takes the head."
    )
    for o in range(m + 1, MAX_ORDER):
        if before[o]:
            out.setdefault(
                before[o][0],
                f"free_area[{o}] is only used when {_empty(order, o - 1)}, but free_area[{m}] has a block.",
            )
    return {v: msg for v, msg in out.items() if v != pfn}


def _next_pfn(rng: random.Random) -> Exercise:
    k, ram_mb = _used_machine(rng)
    zone = k.zones[NORMAL]
    nr = [fa.nr_free for fa in zone.free_area]
    split = rng.random() < 0.65
    orders = [o for o in range(7) if (_first_nonempty(nr, o) != o) == split] or list(range(7))
    order = rng.choice(orders)
    m = ok(_first_nonempty(nr, order), "_first_nonempty")
    lists = _lists_text(zone, range(order, min(MAX_ORDER, max(m + 1, order + 3) + 1)))
    before = [fa.free_list[:3] for fa in zone.free_area]
    pfn = ok(k.alloc_pages(GFP_KERNEL, order), "alloc_pages").pfn
    taken = next(e for e in _events(k) if isinstance(e, FreeBlockTaken))
    return PfnExercise(
        "next-pfn",
        f"On a {ram_mb} MB machine (Linux 2.6.24) the free lists of ZONE_NORMAL are (head first):\n{lists}\n"
        f"Which pfn does alloc_pages(GFP_KERNEL, {order}) return? (in hex, like 0x37c00)",
        hint=f"Start at free_area[{order}] and go up to the first list that is not empty; take its head. "
        "If it is bigger than asked for, expand keeps the lower half.",
        explain=_alloc_story(order, taken.order, taken.pfn, pfn),
        value=pfn,
        mistakes=_alloc_mistakes(before, order, m, pfn),
    )


# -- 5. how far a free merges ---------------------------------------------------------------
def _free_verdict(k: Kernel, label: str, pfn: int, order: int) -> tuple[int, dict[int, str], str]:
    """After free_pages ran on ``k``: the final order, the mistakes and the explanation."""
    evs = _events(k)
    merged = {e.order: e for e in evs if isinstance(e, BuddyMerged)}
    stop = next((e for e in evs if isinstance(e, BuddyNotMerged)), None)
    added = next(e for e in evs if isinstance(e, FreeBlockAdded))
    final = added.order
    mistakes: dict[int, str] = {}
    for v in range(order, MAX_ORDER):
        if v < final:
            e = merged[v]
            mistakes[v] = (
                f"That would mean no merge, but the buddy of {label} at pfn {e.buddy:#x} is a free block of order {v}."
                if v == order
                else f"Merging does not stop at order {v}: the order-{v} buddy at pfn {e.buddy:#x} is free too."
            )
        elif v > final and stop is not None:
            mistakes[v] = (
                f"Merging stops before order {v}: on the way up, one buddy is not a free block of the same order. "
                "Check the buddies one order at a time, from the block's own order up: buddy = pfn ^ (1 << order)."
            )
    steps = ", then with ".join(f"{e.buddy:#x} (order {o})" for o, e in sorted(merged.items()))
    why = f" It merges with its buddy {steps}." if merged else ""
    end = (
        f" {'It stops' if merged else 'It cannot merge'}: the buddy at pfn {stop.buddy:#x} "
        f"(= {stop.pfn:#x} ^ {1 << stop.order:#x}) {stop.reason}."
        if stop is not None
        else " It stops at order 10, the largest order (MAX_ORDER - 1)."
    )
    explain = f"{label} (pfn {pfn:#x}, order {order}) goes back as the order-{final} block at {added.pfn:#x}.{why}{end}"
    return final, mistakes, explain


def _merge(rng: random.Random) -> Exercise:
    ram_mb = rng.choice(RAMS_MB)
    k = Kernel(Config(ram=ram_mb << 20))
    boot = _lists_text(k.zones[NORMAL], range(MAX_ORDER), skip_empty=True)
    names = "abcd"[: rng.randint(3, 4)]
    blocks: dict[str, tuple[Page, int]] = {}
    calls = []
    for name in names:
        order = rng.choice((0, 0, 1, 2))
        page = ok(k.alloc_pages(GFP_KERNEL, order), "alloc_pages")
        blocks[name] = (page, order)
        calls.append(f"{name} = alloc_pages(GFP_KERNEL, {order}) returns pfn {page.pfn:#x}")
    target = rng.choice(names)
    others = [n for n in names if n != target]
    rng.shuffle(others)
    for name in others[: rng.randint(0, len(others))]:
        page, order = blocks[name]
        k.free_pages(page, order)
        calls.append(f"free_pages({name}, {order})")
    page, order = blocks[target]
    pfn = page.pfn
    k.free_pages(page, order)
    final, mistakes, explain = _free_verdict(k, target, pfn, order)
    return NumberExercise(
        "merge",
        f"A {ram_mb} MB machine (Linux 2.6.24) has just booted. The free lists of ZONE_NORMAL that are not "
        f"empty are (head first):\n{boot}\nThese calls run in order:\n"
        + "".join(f"  {c}\n" for c in calls)
        + f"Then free_pages({target}, {order}) runs. What is the order of the block that __free_one_page "
        "finally puts on a free list?",
        hint="Work out what each split left free (expand frees the upper halves), then merge from "
        f"{target}'s order up: buddy = pfn ^ (1 << order); stop at the first buddy that is not a free block "
        "of the same order.",
        explain=explain,
        value=final,
        hex=False,
        mistakes=mistakes,
    )


# -- predict-then-check questions for the lesson ------------------------------------------
def predict_alloc(kernel: Kernel, gfp_mask: int, order: int) -> tuple[PfnExercise, Any]:
    """Run ``kernel.alloc_pages(gfp_mask, order)`` and return the question "which pfn?"
    with the call's operation (``.start``: before it, ``.end``: after it)."""
    before = {z.index: [fa.free_list[:3] for fa in z.free_area] for z in kernel.zones}
    page = kernel.alloc_pages(gfp_mask, order)
    op = recorded(kernel).operations[-1]
    if page is None:
        raise ValueError(f"alloc_pages(order={order}) failed on this kernel: nothing to predict")
    taken = next(e for e in _events(kernel) if isinstance(e, FreeBlockTaken))
    m = taken.order
    lists = "; ".join(  # the state to reason from is in the question, not only in an output above it
        f"free_area[{o}] " + (f"head pfn {fl[0]:#x}" if fl else "empty")
        for o, fl in enumerate(before[taken.zone])
        if o >= order
    )
    ex = PfnExercise(
        "predict-alloc",
        f"Which pfn does alloc_pages({_gfp_name(gfp_mask)}, {order}) return? It is served from "
        f"ZONE_{page.zone.upper()}, whose free lists from order {order} up are: {lists}. "
        "(Answer in hex, like 0x37c00.)",
        hint=f"Go up from free_area[{order}] to the first list that is not empty and take its head; "
        "expand keeps the lower half.",
        explain=_alloc_story(order, m, taken.pfn, page.pfn),
        value=page.pfn,
        mistakes=_alloc_mistakes(before[taken.zone], order, m, page.pfn),
    )
    return ex, op


def predict_free(kernel: Kernel, page: Page, order: int, label: str = "the block") -> tuple[NumberExercise, Any]:
    """Run ``kernel.free_pages(page, order)`` and return the question "which order goes back
    on a free list?" with the call's operation."""
    pfn = page.pfn
    kernel.free_pages(page, order)
    op = recorded(kernel).operations[-1]
    final, mistakes, explain = _free_verdict(kernel, label, pfn, order)
    ex = NumberExercise(
        "predict-free",
        f"free_pages({label}, {order}) frees the order-{order} block at pfn {pfn:#x}. What is the order of the "
        "block that __free_one_page finally puts on a free list?",
        hint="buddy = pfn ^ (1 << order). Merge while the buddy is a free block of the same order, one order "
        "at a time; the merged block starts at pfn & ~(1 << order).",
        explain=explain,
        value=final,
        hex=False,
        mistakes=mistakes,
    )
    return ex, op


def make(seed: int) -> list[Exercise]:
    rng = random.Random(seed)
    return [_zone(rng), _buddy(rng), _split(rng), unlike_seed0(seed, make, lambda _: _next_pfn(rng)), _merge(rng)]


LESSON = register(Lesson(2, "Page frames, zones and the buddy allocator", make))
