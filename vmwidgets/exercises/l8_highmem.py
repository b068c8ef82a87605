"""Lesson 8 exercises: high memory, kmap and kmap_atomic (Linux 2.6.24 and 2.6.32).

Every answer is read off the model: a kernel is booted, the kmaps of the question are run
on it, and the address it returns, the slots its flush cleared or the TLB flushes it
made are the key.  The anticipated mistakes are the rules a student gets wrong: the
pre-increment of ``last_pkmap_nr``, a kunmap'ed slot taken as free, ``PKMAP_ADDR`` without
the ``* PAGE_SIZE`` or without ``PKMAP_BASE``, the fixmap counted upwards, a lowmem page
given a kmap slot.
"""

from __future__ import annotations

import random

from ..model.config import Config
from ..model.constants import GFP_HIGHUSER, GFP_KERNEL, PAGE_SHIFT, PAGE_SIZE
from ..model.highmem import FIX_KMAP_BEGIN
from ..model.kernel import Kernel
from ..model.page import Page
from . import register
from .core import ChoiceExercise, Exercise, Lesson, NumberExercise, ok, recorded, step_list, unlike_seed0

__all__ = ["LESSON", "atomic_question", "make", "next_kmap", "slot_list", "tlb_question"]

ERAS = ("2.6.24", "2.6.32")
NAMES = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _boot(era: str, pae: bool = False, record: bool = False) -> Kernel:
    return Kernel(Config(era=era, pae=pae), record=record)


def _machine(k: Kernel) -> str:
    lay = k.layout
    pae = ", PAE" if k.config.pae else ""
    return (
        f"Linux {k.config.era}, 1 GB of RAM{pae}: LAST_PKMAP = {lay.last_pkmap}, PKMAP_BASE = {lay.pkmap_base:#010x}."
    )


def _slot(k: Kernel, v: int) -> int:
    return (v - k.highmem.pkmap_addr(0)) >> PAGE_SHIFT


def slot_list(slots: list[int]) -> str:
    """``[0, 1, 2, 5, 7, 8]`` as ``0-2, 5, 7-8``."""
    out: list[str] = []
    run: list[int] = []
    for s in sorted(slots):
        if run and s == run[-1] + 1:
            run.append(s)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [s]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(out) if out else "none"


def _address_slips(k: Kernel, value: int, mistakes: dict[int, str]) -> None:
    """PKMAP_ADDR(nr) written wrong: the slot number alone, nr without PKMAP_BASE, nr bytes."""
    nr = _slot(k, value)
    base = k.highmem.pkmap_addr(0)
    slips = {
        nr: "That is a slot number. kmap returns a virtual address: PKMAP_ADDR(nr) = PKMAP_BASE + nr * PAGE_SIZE.",
        nr << PAGE_SHIFT: "That is nr * PAGE_SIZE alone: the pkmap band starts at PKMAP_BASE, so add it.",
        base + nr: "Each pkmap slot is a whole page: PKMAP_ADDR(nr) multiplies the slot number by PAGE_SIZE (4096).",
    }
    for v, why in slips.items():
        if v != value:
            mistakes.setdefault(v, why)


def next_kmap(
    k: Kernel,
    history: list[tuple[str, Page]],
    names: dict[int, str],
    target: Page,
    id: str = "next_kmap",
    shown: tuple[str, ...] = (),
) -> NumberExercise:
    """Run ``history`` (``("kmap"|"kunmap", page)``) on ``k``, then ask what ``kmap(target)``
    returns; the key is what the model's kmap returns (run on ``k`` last).  ``shown``: the
    prompt's lines for calls made on ``k`` before (``"  kmap(A) = 0x…"``)."""
    lines = list(shown)
    for call, page in history:
        if call == "kmap":
            v = ok(k.kmap(page), "kmap")
            lines.append(f"  kmap({names[page.pfn]}) = {v:#010x}")
        else:
            k.kunmap(page)
            lines.append(f"  kunmap({names[page.pfn]})")
    counts = k.pkmap_count
    last = k.last_pkmap_nr
    value = ok(k.kmap(target), "kmap")
    # still mapped before (page_address found it) exactly when kmap did not search: a search
    # always moves last_pkmap_nr; asking page_address here would put a call in the player
    before = value if k.last_pkmap_nr == last else None
    base = k.highmem.pkmap_addr(0)
    mistakes: dict[int, str] = {}
    if before is None:
        for nr in range(1, last + 1):  # a count-1 slot the search passed: not free until a flush
            if counts[nr] == 1:
                mistakes[base + (nr << PAGE_SHIFT)] = (
                    f"Slot {nr} has no user any more, but kunmap only lowered its count to 1: the PTE stays, and "
                    "map_new_virtual takes only a slot with count 0. A count-1 slot becomes free at the flush "
                    "when the search wraps round to 0."
                )
        if base not in mistakes:
            mistakes[base] = (
                "Slot 0 is taken only after the search wraps: map_new_virtual first increments last_pkmap_nr, "
                "then looks at that slot, so the search resumes just after the last slot it took."
            )
        mistakes.setdefault(
            base + (last << PAGE_SHIFT),
            "That is the slot the search took last (last_pkmap_nr). map_new_virtual increments last_pkmap_nr "
            "before it looks, and that slot is in use anyway.",
        )
        hint = (
            "Is the page still mapped (kmap'ed before and not flushed since)? If not, map_new_virtual goes on from "
            "last_pkmap_nr + 1 and takes the first slot whose count is 0."
        )
    else:
        mistakes[base + ((last + 1) << PAGE_SHIFT)] = (
            f"{names[target.pfn]} was kunmap'ed, but kunmap leaves its PTE and its page_address in place (count 1) "
            "until a flush. kmap_high asks page_address first and finds it still mapped: no search."
        )
        hint = "What does page_address return for this page right now? kmap_high asks it before any search."
    _address_slips(k, value, mistakes)
    mistakes.pop(value, None)
    nr = _slot(k, value)
    name = names[target.pfn]
    if before is not None:
        worked = (
            f"**What happened.** `kmap_high` asked `page_address({name})` first: {name} still had its slot {nr} "
            f"(count 1 after its `kunmap`; nothing has flushed it), so no search ran and the count went to 2: "
            f"`kmap({name})` = `{value:#010x}`."
        )
    else:
        passed = [i for i in range(last + 1, nr) if counts[i] == 1]
        worked = (
            f"**What happened.** `kmap_high` asked `page_address({name})`: NULL, so `map_new_virtual` searched on "
            f"from `last_pkmap_nr` = {last}. It looks at the next slot first and takes the first with count 0: "
            f"slot {nr}, so `kmap({name})` = `{value:#010x}`."
            + (
                f" Slots {slot_list(passed)} have count 1 after their `kunmap`: the search passes them, they are "
                "free only after the flush at the wrap."
                if passed
                else ""
            )
        )
    if k.timeline is not None:
        op = recorded(k).operations[-1]
        worked += "\n\n" + step_list(recorded(k), op.start, op.end)
    return NumberExercise(
        id,
        f"{_machine(k)} Since boot, on pages of highmem:\n" + "\n".join(lines) + "\n"
        f"Which address does kmap({names[target.pfn]}) return next?",
        hint=hint,
        explain=(
            f"{names[target.pfn]} still had its pkmap slot {nr} (count 1 after its kunmap): page_address finds it, "
            "and kmap_high just raises the count to 2."
            if before is not None
            else f"map_new_virtual moves last_pkmap_nr from {last} to {nr} and finds count 0 there: "
            f"PKMAP_BASE + {nr} * 4096 = {value:#010x}."
        ),
        value=value,
        mistakes=mistakes,
        worked=worked,
    )


def _pages(k: Kernel, n: int) -> list[Page]:
    return [ok(k.alloc_pages(GFP_HIGHUSER), "alloc_pages") for _ in range(n)]


def _next_kmap(rng: random.Random) -> Exercise:
    """A few kmaps and kunmaps after boot; what does the next kmap return?"""
    k = _boot(rng.choice(ERAS), rng.random() < 0.3)
    pages = _pages(k, 8)
    names = {p.pfn: NAMES[i] for i, p in enumerate(pages)}
    n = rng.randint(3, 5)
    history: list[tuple[str, Page]] = [("kmap", p) for p in pages[:n]]
    unmapped = rng.sample(pages[:n], rng.randint(1, min(3, n - 1)))
    history += [("kunmap", p) for p in unmapped]
    target = rng.choice(unmapped) if rng.random() < 0.3 else pages[n]
    return next_kmap(k, history, names, target)


def _wrap_state(rng: random.Random, era: str, pae: bool, record: bool = False) -> tuple[Kernel, list[int], int]:
    """A kernel whose search stands at the last slot: slots ``held`` in use (count 2), every other
    slot at 1 except slot 0 at 0 after the first round.  Returns (kernel, held slots, rounds)."""
    k = _boot(era, pae, record)
    last = k.layout.last_pkmap
    rounds = rng.choice((1, 2))
    slots: dict[int, Page] = {}

    def fill() -> None:
        while k.last_pkmap_nr != last - 1 or not slots:
            page = ok(k.alloc_pages(GFP_HIGHUSER), "alloc_pages")
            slots[_slot(k, ok(k.kmap(page), "kmap"))] = page

    fill()
    if rounds == 2:
        for page in slots.values():
            k.kunmap(page)
        slots.clear()
        fill()
    # in the second round a run of slots from 0 has users, so the wrap's slot is further on
    low = list(range(rng.randint(1, 40))) if rounds == 2 else rng.sample(range(1, 6), rng.randint(1, 3))
    held = sorted(set(low + rng.sample(range(6, last), 3)))
    for nr, page in slots.items():
        if nr not in held:
            k.kunmap(page)
    return k, held, rounds


def _counts_text(k: Kernel, held: list[int], rounds: int) -> str:
    rest = "slot 0 has count 0 (never used since boot); all the other slots" if rounds == 1 else "all the other slots"
    second = "" if rounds == 1 else " The search is in its second round since boot."
    return (
        f"{_machine(k)} last_pkmap_nr = {k.last_pkmap_nr}. pkmap_count: slots {slot_list(held)} have count 2 "
        f"(one user each); {rest} have count 1 (kunmap'ed, not flushed yet).{second}"
    )


def _wrap_kmap(rng: random.Random) -> Exercise:
    """The search stands at the last slot; where does the next kmap of a new page land?"""
    k, held, rounds = _wrap_state(rng, rng.choice(ERAS), rng.random() < 0.3)
    text = _counts_text(k, held, rounds)
    base = k.highmem.pkmap_addr(0)
    last = k.layout.last_pkmap
    value = ok(k.kmap(ok(k.alloc_pages(GFP_HIGHUSER), "alloc_pages")), "kmap")
    free = [nr for nr in range(last) if nr not in held]  # free after the flush, in search order from 0
    mistakes: dict[int, str] = {
        k.highmem.pkmap_addr(last): (
            "That is PKMAP_ADDR(LAST_PKMAP), one page past the band: the slot number is masked with "
            "LAST_PKMAP_MASK, so after the last slot the search wraps round."
        ),
    }
    if len(free) > 1:
        mistakes.setdefault(
            base + (free[1] << PAGE_SHIFT),
            "The search skips a slot that is free after the flush. When last_pkmap_nr wraps round, "
            "flush_all_zero_pkmaps runs first, then the search looks at that very slot.",
        )
    if 0 in held:  # the likeliest slip after the lesson's own wrap, which took slot 0
        mistakes[base] = (
            "Slot 0 has a user (count 2): the flush frees only the count-1 slots, so the search goes on from 0 "
            "to the first slot whose count is now 0."
        )
    _address_slips(k, value, mistakes)
    mistakes.pop(value, None)
    nr = _slot(k, value)
    return NumberExercise(
        "wrap_kmap",
        f"{text}\nA driver calls kmap on a highmem page that has no pkmap slot. Which address does it return?",
        hint="Where does last_pkmap_nr go next, and what does map_new_virtual do before it looks at that slot? "
        "Which counts survive that?",
        explain=f"last_pkmap_nr wraps to 0, so flush_all_zero_pkmaps sets every count-1 slot to 0 first; the "
        f"search then takes the first slot from 0 whose count is 0, slot {nr}: {value:#010x}.",
        value=value,
        mistakes=mistakes,
    )


def _flush_count(rng: random.Random) -> Exercise:
    """The same state: how many slots does the wrap's flush set back to 0?"""
    k, held, rounds = _wrap_state(rng, rng.choice(ERAS), rng.random() < 0.3, record=True)
    text = _counts_text(k, held, rounds)
    last = k.layout.last_pkmap
    tl = recorded(k)
    n0 = len(tl)
    ok(k.kmap(ok(k.alloc_pages(GFP_HIGHUSER), "alloc_pages")), "kmap")
    cleared = sum(1 for e in tl[n0:] if e.kind == "PkmapCountChanged" and e.new == 0)
    mistakes = {
        last: "That is every slot. flush_all_zero_pkmaps leaves alone a slot that still has users (count 2 and "
        "up) and one whose count is already 0.",
        last - len(held): "That clears every slot without a user. A slot whose count is already 0 has no PTE to "
        "clear: flush_all_zero_pkmaps touches only the slots whose count is exactly 1.",
        last - 1: "Slots with users keep their count and their PTE: the flush takes only the count-1 slots.",
        1: "One TLB flush, yes: but the question asks how many slots the flush sets back to 0 first.",
        len(held): "Those are the slots that keep their users; the flush clears the others with count 1.",
    }
    mistakes.pop(cleared, None)
    return NumberExercise(
        "flush_count",
        f"{text}\nThe next kmap of a new page makes the search wrap round. How many pkmap slots does "
        "flush_all_zero_pkmaps set back to count 0?",
        hint="flush_all_zero_pkmaps looks at every slot and clears only those with count exactly 1.",
        explain=f"Of the {last} slots, {len(held)} have users and "
        + ("slot 0 has count 0 already" if rounds == 1 else "none has count 0")
        + f": {cleared} slots have count 1, and each loses its PTE and its page_address.",
        value=cleared,
        hex=False,
        mistakes=mistakes,
    )


_ONE = "one TLB flush of the whole pkmap band"
_EACH = "one TLB flush per slot it clears"
_NONE_FREE = "no flush: it finds a free slot first"
_NONE_WRAP = "no flush: it wraps, but no slot needed clearing"
_TLB_WHY = {
    _ONE: "flush_all_zero_pkmaps ends with one flush_tlb_kernel_range over the whole band",
    _EACH: "the flush clears the PTEs one by one but flushes the TLB once, after the loop",
    _NONE_FREE: "Without a wrap there is no flush: the search took a free slot",
    _NONE_WRAP: "2.6.32 flushes only when the loop cleared a slot (need_flush); 2.6.24 flushes on every wrap",
}


def _tlb_flush(seed: int, rng: random.Random) -> Exercise:
    """Does this kmap flush the TLB?  No wrap; a wrap with count-1 slots; a wrap with none (era!)."""
    case = seed % 3
    era = rng.choice(ERAS)
    if case == 0:
        k = _boot(era, record=True)
        pages = _pages(k, 12)
        n = rng.randint(4, 10)
        for p in pages[:n]:
            k.kmap(p)
        for p in rng.sample(pages[:n], rng.randint(1, n - 1)):
            k.kunmap(p)
        counts = k.pkmap_count
        text = (
            f"{_machine(k)} Since boot {n} pages were kmap'ed, some kunmap'ed: pkmap_count[0..{n + 1}] = "
            f"{', '.join(str(c) for c in counts[: n + 2])}; every later slot has count 0. last_pkmap_nr = "
            f"{k.last_pkmap_nr}."
        )
    else:
        k = _boot(era, record=True)
        last = k.layout.last_pkmap
        with recorded(k).paused():
            while k.last_pkmap_nr != last - 1:
                k.kmap(ok(k.alloc_pages(GFP_HIGHUSER), "alloc_pages"))
        if case == 1:
            held = sorted(rng.sample(range(1, last), rng.randint(2, 6)))
            text = _counts_text(k, held, 1)
            kept = {h: None for h in held}
            for nr in range(1, last):
                if nr not in kept:
                    k.kunmap(_page_at(k, nr))
        else:
            text = (
                f"{_machine(k)} last_pkmap_nr = {k.last_pkmap_nr}. pkmap_count: slot 0 has count 0 (never used "
                f"since boot); slots 1-{last - 1} have count 2 (every one has a user)."
            )
    return tlb_question(k, text)


def tlb_question(k: Kernel, text: str, page: Page | None = None, id: str = "tlb_flush") -> ChoiceExercise:
    """Ask what ``kmap`` of a new highmem page (``page``, or a fresh one) does to the TLB on
    ``k``, whose state ``text`` describes; the key is the TlbFlushed events of the model's kmap
    (run on ``k``, a recording kernel)."""
    era = k.config.era
    tl = recorded(k)
    n0 = len(tl)
    last = k.last_pkmap_nr
    got = ok(k.kmap(page if page is not None else ok(k.alloc_pages(GFP_HIGHUSER), "alloc_pages")), "kmap")
    flushes = sum(1 for e in tl[n0:] if e.kind == "TlbFlushed")
    wrapped = any(e.kind == "PkmapSlotVisited" and e.verdict == "wrap" for e in tl[n0:])
    correct = _ONE if flushes == 1 else (_NONE_WRAP if wrapped else _NONE_FREE)
    options = {o: "Right: " + why + "." for o, why in _TLB_WHY.items()}
    options[_EACH] = "The flush clears the PTEs one by one, but flushes the TLB after the loop, once at most."
    if correct != _ONE:
        options[_ONE] = (
            "That would be 2.6.24, which flushes on every wrap. In this era, was any slot cleared?"
            if wrapped
            else "Only a wrap of the search round to slot 0 runs flush_all_zero_pkmaps. Does this search wrap?"
        )
    if correct != _NONE_FREE:
        options[_NONE_FREE] = "Does the search find a count-0 slot before last_pkmap_nr wraps round to 0?"
    if correct != _NONE_WRAP:
        if not wrapped:
            options[_NONE_WRAP] = "Does this search reach the end of the band? Look at last_pkmap_nr and the counts."
        elif era == "2.6.24":
            options[_NONE_WRAP] = "That is the later rule: 2.6.32 flushes only when a slot was cleared. This is 2.6.24."
        else:
            options[_NONE_WRAP] = "2.6.32 skips the flush only when no slot had count 1. Look at the counts again."
    return ChoiceExercise(
        id,
        f"{text}\nA driver calls kmap on a highmem page that has no pkmap slot. What does that kmap do to the TLB?",
        hint="Where does the search start, does it wrap round to slot 0, and if it does, which slots does "
        "flush_all_zero_pkmaps clear in this era?",
        explain=_TLB_WHY[correct] + ".",
        options=options,
        correct=correct,
        worked=f"**What happened.** {_TLB_WHY[correct]}. The search started after `last_pkmap_nr` = {last}"
        + (", wrapped round to slot 0" if wrapped else "")
        + f", and `kmap` returned `{got:#010x}`.\n\n"
        + step_list(tl, tl.operations[-1].start, tl.operations[-1].end),
    )


def atomic_question(k: Kernel, page: Page, km_type: int, held: int, id: str = "km_user1") -> NumberExercise:
    """Run ``kmap_atomic(page, km_type)`` on ``k`` (CPU 0) while another type's slot maps ``held``,
    and ask which address it returns; the key is the model's."""
    types = k.km_types
    top = k.layout.fixaddr_top
    value = ok(k.kmap_atomic(page, km_type), "kmap_atomic")
    idx = FIX_KMAP_BEGIN + km_type
    mistakes = {
        held + PAGE_SIZE: "That counts upwards. The fixmap grows down from FIXADDR_TOP: a higher index is a lower "
        "address.",
        top - (km_type << PAGE_SHIFT): f"That forgets FIX_KMAP_BEGIN: the KM slots start at fixmap index "
        f"{FIX_KMAP_BEGIN}.",
        held: f"That is the slot another km_type still holds ({held:#010x}): each km_type has its own slot.",
    }
    mistakes.pop(value, None)
    worked = (
        f"**What happened.** idx = {km_type} + {len(types)} × 0 = {km_type} (CPU 0), fixmap index "
        f"{FIX_KMAP_BEGIN} + {km_type} = {idx}, so {top:#010x} − {idx} × 4096 = `{value:#010x}`: "
        + ("one page **below** the held slot." if value == held - PAGE_SIZE else "its own slot.")
    )
    if k.timeline is not None:
        op = recorded(k).operations[-1]
        worked += "\n\n" + step_list(recorded(k), op.start, op.end)
    return NumberExercise(
        id,
        f"Linux {k.config.era}, CPU 0: FIXADDR_TOP = {top:#010x}, FIX_KMAP_BEGIN = {FIX_KMAP_BEGIN}, "
        f"{types[km_type]} = {km_type}. Which address does kmap_atomic(dst, {types[km_type]}) return?",
        hint="idx = type + KM_TYPE_NR * cpu; the address is FIXADDR_TOP - (FIX_KMAP_BEGIN + idx) * 4096.",
        explain=f"FIX_KMAP_BEGIN + {types[km_type]} is fixmap index {idx}, and fixmap addresses count down from "
        "FIXADDR_TOP.",
        value=value,
        mistakes=mistakes,
        worked=worked,
    )


def _page_at(k: Kernel, nr: int) -> Page:
    """The page mapped in pkmap slot ``nr`` (a walk of its PTE)."""
    t = k.translate(k.highmem.pkmap_addr(nr))
    if t.phys is None:  # pragma: no cover - the set-up maps every slot it asks about
        raise RuntimeError(f"pkmap slot {nr} is not mapped")
    return k.page(t.phys >> PAGE_SHIFT)


def _atomic_addr(rng: random.Random) -> Exercise:
    """kmap_atomic(highmem page, type) on CPU 0: FIXADDR_TOP - (FIX_KMAP_BEGIN + type) pages."""
    era = rng.choice(ERAS)
    k = _boot(era)
    types = k.km_types
    t = rng.choice([i for i in range(1, len(types)) if types[i] != "KM_USER0"])  # the lesson shows KM_USER0's
    page = ok(k.alloc_pages(GFP_HIGHUSER), "alloc_pages")
    value = k.kmap_atomic(page, t)
    top = k.layout.fixaddr_top
    mistakes = {
        top - (FIX_KMAP_BEGIN << PAGE_SHIFT) + (t << PAGE_SHIFT): (
            "That counts the types upwards from the first KM slot. The fixmap grows down from FIXADDR_TOP: "
            "__fix_to_virt(idx) = FIXADDR_TOP - (idx << PAGE_SHIFT), so a higher index is a lower address."
        ),
        top - (t << PAGE_SHIFT): "That forgets FIX_KMAP_BEGIN: the KM slots start at that fixmap index.",
        top - ((FIX_KMAP_BEGIN + t) << PAGE_SHIFT) + PAGE_SIZE: (
            "One page too high: idx = FIX_KMAP_BEGIN + type exactly, and __fix_to_virt subtracts "
            "(idx << PAGE_SHIFT) from FIXADDR_TOP."
        ),
        k.layout.fixaddr_start + ((FIX_KMAP_BEGIN + t) << PAGE_SHIFT): (
            "Fixmap indices count down from FIXADDR_TOP, not up from FIXADDR_START."
        ),
    }
    mistakes.pop(value, None)
    return NumberExercise(
        "atomic_addr",
        f"Linux {era} on one CPU (CPU 0), FIXADDR_TOP = {top:#010x}, FIX_KMAP_BEGIN = {FIX_KMAP_BEGIN}. "
        f"enum km_type has KM_TYPE_NR = {len(types)} members; {types[t]} = {t}. "
        f"Which address does kmap_atomic(page, {types[t]}) return for a highmem page?",
        hint="idx = type + KM_TYPE_NR * cpu, and the address is __fix_to_virt(FIX_KMAP_BEGIN + idx): "
        "FIXADDR_TOP minus that many pages.",
        explain=f"idx = {t} + {len(types)} * 0 = {t}; FIX_KMAP_BEGIN + idx = {FIX_KMAP_BEGIN + t}; "
        f"{top:#010x} - {FIX_KMAP_BEGIN + t} * 4096 = {value:#010x}.",
        value=value,
        mistakes=mistakes,
    )


def _lowmem(rng: random.Random) -> Exercise:
    """kmap or kmap_atomic of a lowmem page: its direct-map address, no slot."""
    era = rng.choice(ERAS)
    k = _boot(era)
    for _ in range(rng.randint(0, 3)):
        k.kmap(ok(k.alloc_pages(GFP_HIGHUSER), "alloc_pages"))
    for _ in range(rng.randint(0, 40)):
        k.alloc_pages(GFP_KERNEL, rng.randint(0, 2))
    page = ok(k.alloc_pages(GFP_KERNEL, rng.randint(0, 4)), "alloc_pages")
    next_slot = k.highmem.pkmap_addr(k.last_pkmap_nr + 1)
    atomic = rng.random() < 0.5
    call = "kmap_atomic(page, KM_USER0)" if atomic else "kmap(page)"
    value = ok(k.kmap_atomic(page, 3) if atomic else k.kmap(page), call)
    phys = page.pfn << PAGE_SHIFT
    mistakes = {
        phys: "That is the physical address. kmap returns a kernel virtual address: lowmem is direct-mapped at "
        "PAGE_OFFSET + physical address.",
        0: "page_address is NULL only for a highmem page without a pkmap slot; a lowmem page always has its "
        "direct-map address.",
        next_slot: "A lowmem page needs no pkmap slot: kmap returns page_address(page), which is already mapped.",
        k.highmem.kmap_atomic_addr(3): "A lowmem page needs no fixmap slot: kmap_atomic returns page_address(page) "
        "(it still disables page faults until kunmap_atomic).",
        k.layout.page_offset + page.pfn: "The direct map adds the physical address (pfn * 4096), not the pfn.",
    }
    mistakes.pop(value, None)
    return NumberExercise(
        "lowmem_kmap",
        f"Linux {era}, 1 GB of RAM: lowmem is direct-mapped from PAGE_OFFSET = {k.layout.page_offset:#010x} up to "
        f"high_memory = {k.layout.high_memory:#010x}; PKMAP_BASE = {k.layout.pkmap_base:#010x}, last_pkmap_nr = "
        f"{k.last_pkmap_nr}, and KM_USER0's fixmap slot is {k.highmem.kmap_atomic_addr(3):#010x}. A driver calls "
        f"{call} on the page of pfn {page.pfn:#x}. Which address does it return?",
        hint=f"Is pfn {page.pfn:#x} below max_low_pfn ({k.layout.max_low_pfn:#x})? If so, what does page_address "
        "give for it?",
        explain=f"pfn {page.pfn:#x} is lowmem, so {call} returns page_address(page) = PAGE_OFFSET + "
        f"{phys:#x} = {value:#010x}: no slot, no PTE.",
        value=value,
        mistakes=mistakes,
    )


def make(seed: int) -> list[Exercise]:
    """The lesson's exercises for ``seed``: every number comes from ``random.Random(seed)``."""
    rng = random.Random(seed)
    return [
        _next_kmap(rng),
        _wrap_kmap(rng),
        _flush_count(rng),
        _tlb_flush(seed, rng),
        unlike_seed0(seed, make, lambda _: _atomic_addr(rng)),  # 12 or 18 types, two eras
        _lowmem(rng),
    ]


LESSON = register(Lesson(8, "High memory and temporary mappings", make))
