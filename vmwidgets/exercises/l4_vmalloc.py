"""Lesson 4 exercises: vmalloc and vmlist (Linux 2.6.24).

Every answer is read off the model: a kernel is booted, the calls of the question are
run on it, and the address, size, page count or flag it gives is the key.  The typical
wrong answers (no guard page, appending at the end, no ioremap alignment …) are computed
the same way, with :func:`vmwidgets.model.vmalloc.first_fit` fed the wrong inputs.
"""

from __future__ import annotations

import random

from ..model.config import Config
from ..model.constants import GFP_KERNEL, PAGE_SIZE, VM_ALLOC, VM_IOREMAP, VM_MAP
from ..model.kernel import Kernel
from ..model.vmalloc import VmStruct, first_fit
from . import register
from .core import ChoiceExercise, Exercise, Lesson, NumberExercise, ok, recorded, unlike_seed0

__all__ = ["CALLERS", "LESSON", "MB", "RAMS", "machine_text", "make", "vmlist_text", "where_next"]

MB = 1 << 20
RAMS = (256 * MB, 384 * MB, 512 * MB, 768 * MB, 1024 * MB, 2048 * MB)
CALLERS = ("snd_init", "usb_probe", "net_setup", "fs_mount", "crypto_init", "video_probe", "raid_start")


def _page_align(n: int) -> int:
    return (n + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def _pages(n: int) -> str:
    return f"{n} page" + ("" if n == 1 else "s")


def vmlist_text(k: Kernel) -> str:
    """vmlist as the prompts show it: one ``start-end (size bytes)`` line per area."""
    if k.vmlist is None:
        return "vmlist is empty."
    lines = (f"  {a.addr:#010x}-{a.addr + a.size:#010x} ({a.size} bytes)" for a in k.vmlist)
    return "vmlist, sorted by address (each size includes the area's guard page):\n" + "\n".join(lines)


def machine_text(k: Kernel) -> str:
    """The prompt's first line: the RAM, and so where lowmem ends and VMALLOC_START lies.

    The questions boot machines with different RAM, so VMALLOC_START moves from one
    question to the next; the prompt says why."""
    lay = k.layout
    return (
        f"Linux 2.6.24 on a machine with {k.config.ram >> 20} MB of RAM: lowmem ends at "
        f"{lay.high_memory:#010x}, so VMALLOC_START = {lay.vmalloc_start:#010x} "
        f"({(lay.vmalloc_start - lay.high_memory) >> 20} MB above it)."
    )


def _boot(ram: int) -> Kernel:
    return Kernel(Config(ram=ram), record=False)


def _first_fit_no_guard(k: Kernel, size: int) -> int:
    """Where first fit would put ``size`` bytes if it forgot the guard page (a typical mistake)."""
    areas = list(k.vmlist) if k.vmlist is not None else []
    lay = k.layout
    return first_fit(
        [a.addr for a in areas], [a.size for a in areas], lay.vmalloc_start, _page_align(size), lay.vmalloc_end, 1
    )[2]


def _where_mistakes(areas: list[VmStruct], addr: int, n: int, no_guard: int) -> dict[int, str]:
    """Feedback for the usual wrong starts of a new ``n``-page area that really went to ``addr``."""
    mistakes: dict[int, str] = {}
    if areas:
        mistakes[areas[-1].addr + areas[-1].size] = (
            "That is the end of the last area. vmalloc does not simply append: __get_vm_area_node walks vmlist "
            "from VMALLOC_START and takes the first hole that is big enough (first fit)."
        )
    before = [a for a in areas if a.addr + a.size <= addr]
    if before:
        prev = before[-1]
        mistakes[prev.addr + prev.size - PAGE_SIZE] = (
            f"That is the guard page of the area at {prev.addr:#010x}: its size ({prev.size} bytes) already includes "
            "the guard page, so the next area can start at addr + size at the earliest."
        )
    if no_guard != addr:
        mistakes[no_guard] = (
            f"A hole there has room for the {_pages(n)} asked for, but not for the guard page: "
            f"__get_vm_area_node adds one page to every request, so the area needs {n + 1} pages."
        )
    _guard_slips(mistakes, addr)
    mistakes.pop(addr, None)
    return mistakes


def _guard_slips(mistakes: dict[int, str], addr: int) -> None:
    """A start one page off the right one: the guard page put in the wrong place (when no
    more specific mistake has that value)."""
    mistakes.setdefault(
        addr - PAGE_SIZE,
        "One page too low: the page below the area's start is not free. Every size on vmlist includes the "
        "area's guard page, its last page, so the area before ends at its addr + size, guard page and all "
        "(and nothing starts below VMALLOC_START).",
    )
    mistakes.setdefault(
        addr + PAGE_SIZE,
        "One page too high: the guard page comes after an area, not before it. It is the last page of the "
        "new area's own size, so nothing is skipped in front of the area.",
    )


def where_next(k: Kernel, size: int, caller: str = "my_module_init", id: str = "next_vmalloc") -> NumberExercise:
    """Ask where ``vmalloc(size)`` puts its area on ``k``, then run it on ``k`` for the key.

    The kernel's timeline (if it records) then ends with that vmalloc, so a player can
    reveal the search.  The prompt shows vmlist as it was before the call.
    """
    areas = list(k.vmlist) if k.vmlist is not None else []
    no_guard = _first_fit_no_guard(k, size)
    listing = machine_text(k) + "\n" + vmlist_text(k)
    addr = k.vmalloc(size, caller=caller)
    if addr is None:  # pragma: no cover - the scenarios stay far from VMALLOC_END
        raise RuntimeError("the scenario ran out of vmalloc space")
    n = _page_align(size) // PAGE_SIZE
    return NumberExercise(
        id,
        f"{listing}\nWhere does vmalloc({size}) put its new area? Give the start address.",
        worked=_search_story(k, n, addr),
        hint=f"The area needs {_pages(n)} plus one guard page. Walk the list from VMALLOC_START and look at the "
        "gap before each area: the first gap that is big enough wins.",
        explain=f"The request becomes {n + 1} pages with the guard page ({(n + 1) * PAGE_SIZE} bytes); the first "
        f"hole of at least that size from VMALLOC_START begins at {addr:#010x}.",
        value=addr,
        mistakes=_where_mistakes(areas, addr, n, no_guard),
    )


def _search_story(k: Kernel, n: int, addr: int) -> str:
    """The worked answer of :func:`where_next`: the rule, then the search as the player numbers
    its steps (empty when ``k`` does not record)."""
    from ..render.narration import explain  # the words the player's narration uses

    head = (
        f"The request is {_pages(n)}, so the area needs {n + 1} pages with its guard page. First fit walks "
        "`vmlist` from `VMALLOC_START`: an area in the way moves the candidate to its end, and the first gap "
        f"big enough wins. Here that gap starts at `{addr:#010x}`."
    )
    if k.timeline is None:
        return head
    timeline = recorded(k)
    call = timeline.operations[-1]
    steps = []
    for i in range(call.start + 1, call.end):
        ev = timeline[i]
        steps.append(f"    step {i + 1:3} {ev.fn:34} {explain(ev)}")
        if ev.kind == "VmStructLinked":
            break
    return (
        head + " The steps of the search, numbered as the player numbers them (at step n the player shows "
        "the state after that step):\n\n" + "\n".join(steps)
    )


def _holes(k: Kernel) -> list[tuple[int, int]]:
    """The gaps ``(start, bytes)`` between VMALLOC_START and the areas of vmlist, in order."""
    holes, at = [], k.layout.vmalloc_start
    for a in k.vmlist or ():
        if a.addr > at:
            holes.append((at, a.addr - at))
        at = a.addr + a.size
    return holes


def _next_vmalloc(rng: random.Random) -> Exercise:
    """vmlist with holes (two areas vfree'd); where does the next vmalloc go?

    The request is either exactly what the first hole holds with the guard page, or one
    page more, so forgetting the guard page gives a wrong answer half the time.
    """
    k = _boot(rng.choice(RAMS))
    addrs = [
        ok(k.vmalloc(rng.randint(1, 4) * PAGE_SIZE, caller=c), "vmalloc")
        for c in rng.sample(CALLERS, rng.randint(4, 6))
    ]
    for a in rng.sample(addrs[:-1], 2):
        k.vfree(a)
    first = _holes(k)[0][1] // PAGE_SIZE
    n = rng.choice((first - 1, first)) if first > 1 else first
    return where_next(k, n * PAGE_SIZE, caller="new_driver")


def _size_field(rng: random.Random) -> Exercise:
    """area->size of vmalloc(n): page-aligned, plus the guard page."""
    n = rng.randint(1, 9) * PAGE_SIZE - rng.choice((0, 0, rng.randint(1, PAGE_SIZE - 1)))
    k = _boot(rng.choice(RAMS))
    area = ok(k.find_vm_area(ok(k.vmalloc(n), "vmalloc")), "find_vm_area")
    aligned = _page_align(n)
    mistakes = {
        n + PAGE_SIZE: "The guard page is there, but the request is first rounded up to whole pages (PAGE_ALIGN).",
        n: "That is the size asked for; the vm_struct counts whole pages, plus one guard page.",
        aligned: "That is PAGE_ALIGN(size): you forgot the guard page that __get_vm_area_node adds.",
    }
    mistakes.pop(area.size, None)
    return NumberExercise(
        "size_field",
        f"A driver calls vmalloc({n}) on Linux 2.6.24. How many bytes does the size field of the new vm_struct "
        "hold (the number /proc/vmallocinfo prints after the address range)?",
        hint="Round the request up to whole 4096-byte pages, then add the guard page.",
        explain=f"PAGE_ALIGN({n}) = {aligned}, plus one guard page of 4096 bytes gives {area.size}. The guard page "
        "is never mapped, so running off the end of the buffer faults instead of hitting the next area.",
        value=area.size,
        hex=False,
        units=True,
        mistakes=mistakes,
    )


def _nr_pages(rng: random.Random) -> Exercise:
    """area->nr_pages of vmalloc(n): the mapped pages, without the guard page."""
    n = rng.randint(2, 40) * PAGE_SIZE - rng.choice((0, rng.randint(1, PAGE_SIZE - 1)))
    k = _boot(rng.choice(RAMS))
    area = ok(k.find_vm_area(ok(k.vmalloc(n), "vmalloc")), "find_vm_area")
    nr = area.nr_pages
    mistakes = {
        nr + 1: "That counts the guard page too. nr_pages = (size - PAGE_SIZE) >> PAGE_SHIFT: the guard page gets "
        "no frame.",
        n // PAGE_SIZE: "That rounds down: the last, partly used page needs a frame too (PAGE_ALIGN rounds up).",
        n: "That is the size in bytes; nr_pages counts 4096-byte pages.",
    }
    mistakes.pop(nr, None)
    return NumberExercise(
        "nr_pages",
        f"On Linux 2.6.24, vmalloc({n}) succeeds. What is nr_pages in its vm_struct (how many frames did "
        "__vmalloc_area_node allocate)?",
        hint="One frame per 4096-byte page of the rounded-up request; the guard page gets none.",
        explain=f"PAGE_ALIGN({n}) is {nr} pages, so {nr} frames are allocated one by one (alloc_page) and stored "
        f"in pages[0..{nr - 1}]; the guard page, the last page of the {area.size}-byte area, stays unmapped.",
        value=nr,
        hex=False,
        units=True,
        unit=PAGE_SIZE,  # "40", "40 pages" and "160 kB" all read as 40
        mistakes=mistakes,
    )


def _after_vfree(rng: random.Random) -> Exercise:
    """Back-to-back areas; one is vfree'd; does the next vmalloc fit into its hole?"""
    k = _boot(rng.choice(RAMS))
    callers = rng.sample(CALLERS, rng.randint(3, 5))
    addrs = [ok(k.vmalloc(rng.randint(1, 4) * PAGE_SIZE, caller=c), "vmalloc") for c in callers]
    listing = machine_text(k) + "\n" + vmlist_text(k)
    i = rng.randrange(len(addrs) - 1)
    hole = ok(k.find_vm_area(addrs[i]), "find_vm_area").size
    n = rng.choice((hole // PAGE_SIZE - 1, hole // PAGE_SIZE, rng.randint(1, 4)))
    k.vfree(addrs[i])
    areas = list(k.vmlist) if k.vmlist is not None else []
    no_guard = _first_fit_no_guard(k, n * PAGE_SIZE)
    addr = ok(k.vmalloc(n * PAGE_SIZE, caller="new_driver"), "vmalloc")
    fits = addr == addrs[i]
    mistakes = _where_mistakes(areas, addr, n, no_guard)
    if fits:
        mistakes[areas[-1].addr + areas[-1].size] = (
            "First fit: the hole left by vfree comes before the end of the list and is big enough "
            f"({hole} bytes for the {n + 1} pages needed with the guard page)."
        )
    else:
        mistakes[addrs[i]] = (
            f"The hole is {hole} bytes ({hole // PAGE_SIZE} pages: the freed area's size, its guard page included), "
            f"but vmalloc({n * PAGE_SIZE}) needs {n + 1} pages with its own guard page: it does not fit."
        )
    mistakes.pop(addr, None)
    return NumberExercise(
        "after_vfree",
        f"{listing}\nA driver calls vfree({addrs[i]:#010x}), then vmalloc({n * PAGE_SIZE}). "
        "Where does the new area start?",
        hint="vfree unlinks the area and leaves a hole as big as its size field (guard page included). The new "
        f"area needs {n + 1} pages with its guard page: does it fit into that hole?",
        explain=(
            f"The hole of {hole} bytes has room for {n + 1} pages, so first fit takes it."
            if fits
            else f"The hole of {hole} bytes is smaller than the {(n + 1) * PAGE_SIZE} bytes needed, so the search "
            "moves past every area and the new one goes after the last."
        ),
        value=addr,
        mistakes=mistakes,
    )


_KIND_OPTIONS = {
    "VM_ALLOC": "vmalloc areas have VM_ALLOC: their pages[] array lists the frames vmalloc allocated, and "
    "phys_addr stays 0.",
    "VM_MAP": "vmap areas have VM_MAP: the frames belong to the caller, and in 2.6.24 vmap fills in neither pages[] "
    "nor nr_pages, nor phys_addr.",
    "VM_IOREMAP": "ioremap areas have VM_IOREMAP: phys_addr holds the device's physical address, and there is no "
    "pages[] array because no RAM frames were allocated.",
    "VM_USERMAP": "VM_USERMAP is added only by vmalloc_user (memory a process may map), and always on top of "
    "VM_ALLOC, with a pages[] array.",
}
_KIND_WRONG = {  # what a wrong option gets: why that flag does not fit, without naming the right one
    "VM_ALLOC": "vmalloc areas have VM_ALLOC, and vmalloc fills pages[] with the frames it allocated.",
    "VM_MAP": "vmap areas have VM_MAP: the caller's frames, with neither pages[] nor phys_addr filled in (2.6.24).",
    "VM_IOREMAP": "ioremap areas have VM_IOREMAP, and only ioremap stores a device's physical address in phys_addr.",
    "VM_USERMAP": "VM_USERMAP is added only by vmalloc_user (memory a process may map), and always on top of the "
    "flag of an ordinary vmalloc area.",
}


def _kind_nudge(area: VmStruct, pages: str) -> str:
    """A wrong option's hint: the fields to look at, as this area has them, not what they mean."""
    return (
        f"This area has pages = {pages} and phys_addr = {area.phys_addr:#x}: who filled in (or left empty) "
        "each of them?"
    )


def _kind_clue(correct: str, area: VmStruct, pages: str) -> str:
    """The field that decides the flag, said for the area of the question."""
    if correct == "VM_IOREMAP":
        return (
            f"The deciding field is phys_addr = {area.phys_addr:#x}: only ioremap stores a physical address in a "
            "vm_struct (pages = NULL alone does not decide it: a vmap area has no pages[] either)."
        )
    if correct == "VM_MAP":
        return (
            "The deciding fields are pages = NULL and phys_addr = 0 together: no frames of its own (vmalloc would "
            "have filled pages[]) and no device address (ioremap would have set phys_addr), so the frames belong "
            "to whoever called vmap."
        )
    return (
        f"The deciding field is pages = {pages} (nr_pages = {area.nr_pages}): only vmalloc fills pages[], with "
        "frames it allocated itself; phys_addr = 0 rules out ioremap."
    )


def _area_kind(seed: int, rng: random.Random) -> Exercise:
    """Which flag does a vm_struct with these fields have?"""
    k = _boot(rng.choice(RAMS))
    kind = ("ioremap", "vmap", "vmalloc")[seed % 3]
    if kind == "ioremap":
        phys = 0xFE000000 + rng.randrange(0, 0x100) * PAGE_SIZE
        addr = ok(k.ioremap(phys, rng.choice((1, 2, 4)) * PAGE_SIZE, caller="mydev_probe"), "ioremap")
    elif kind == "vmap":
        addr = ok(
            k.vmap(
                [ok(k.alloc_pages(GFP_KERNEL, 0), "alloc_pages") for _ in range(rng.randint(2, 5))],
                caller="mydev_probe",
            ),
            "vmap",
        )
    else:
        addr = ok(k.vmalloc(rng.randint(2, 5) * PAGE_SIZE, caller="mydev_probe"), "vmalloc")
    area = ok(k.find_vm_area(addr & ~(PAGE_SIZE - 1)), "find_vm_area")
    correct = next(f for f, bit in (("VM_IOREMAP", VM_IOREMAP), ("VM_ALLOC", VM_ALLOC), ("VM_MAP", VM_MAP))
                   if area.flags & bit)  # fmt: skip
    pages = "NULL" if area.pages is None else f"an array of {len(area.pages)} struct page pointers"
    clue = _kind_clue(correct, area, pages)
    nudge = _kind_nudge(area, pages)
    options = {
        o: ("Right: " + why) if o == correct else f"No: {_KIND_WRONG[o]} {nudge}" for o, why in _KIND_OPTIONS.items()
    }
    return ChoiceExercise(
        "area_kind",
        f"Linux 2.6.24. A vm_struct on vmlist has\n  addr = {area.addr:#010x}, size = {area.size}, "
        f"pages = {pages},\n  nr_pages = {area.nr_pages}, phys_addr = {area.phys_addr:#x}.\n"
        "Which flag is set in its flags field?",
        hint="Who owns the memory behind the area: frames vmalloc allocated (pages[]), frames the caller passed in, "
        "or a device's physical addresses (phys_addr)? Look at pages and phys_addr together.",
        explain=_KIND_OPTIONS[correct] + " " + clue,
        options=options,
        correct=correct,
    )


def _ioremap_addr(rng: random.Random) -> Exercise:
    """Where does ioremap put a device's registers? Page rounding, alignment, and the offset in the page."""
    k = _boot(rng.choice(RAMS))
    for c in rng.sample(CALLERS, rng.randint(1, 3)):
        k.vmalloc(rng.randint(1, 4) * PAGE_SIZE, caller=c)
    lay = k.layout
    listing = machine_text(k) + "\n" + vmlist_text(k)
    areas = list(k.vmlist) if k.vmlist is not None else []
    offset = rng.choice((0, 0x20, 0x100, 0x800))
    phys = 0xFE000000 + rng.randrange(0x10, 0x400) * PAGE_SIZE + offset
    size = rng.choice((0x20, 0x100, 0x1000, 0x2000, 0x3000))
    last = phys + size - 1
    mapped = _page_align(offset + size)  # PAGE_ALIGN(last_addr + 1) - (phys_addr & PAGE_MASK)
    bit = min(max(mapped.bit_length(), 12), 19)
    align = 1 << bit
    addr = ok(k.ioremap(phys, size, caller="mydev_probe"), "ioremap")
    base = ok(k.find_vm_area(addr & ~(PAGE_SIZE - 1)), "find_vm_area").addr

    def fit(nbytes: int, a: int) -> int:
        return first_fit(
            [x.addr for x in areas], [x.size for x in areas], lay.vmalloc_start, nbytes + PAGE_SIZE,
            lay.vmalloc_end, a,
        )[2]  # fmt: skip

    pages = (
        f"the registers run from {phys:#x} to {last:#x} (phys_addr + size - 1), so the mapping covers the whole "
        f"pages {phys & ~(PAGE_SIZE - 1):#x}-{(last | (PAGE_SIZE - 1)):#x}: {_pages(mapped // PAGE_SIZE)}, "
        f"{mapped:#x} bytes"
    )
    mistakes = {}
    unaligned = fit(mapped, 1)
    if unaligned != base:
        mistakes[unaligned] = "That forgets both the alignment of ioremap areas and the offset within the page."
        mistakes[unaligned + offset] = (
            f"That skips the alignment: an ioremap area starts at a multiple of 1 << fls({mapped:#x}) = {align:#x}, "
            f"the smallest power of two above its {mapped:#x}-byte mapping (at least one page, at most 512 kB)."
        )
    rounded = _page_align(size)  # forgetting that the offset can push the end into one more page
    if rounded != mapped:
        short = fit(rounded, 1 << min(max(rounded.bit_length(), 12), 19))
        if short != base:
            mistakes[short + offset] = (
                f"That maps only PAGE_ALIGN({size:#x}) = {rounded:#x} bytes. But phys_addr starts {offset:#x} into "
                f"its page: {pages}."
            )
    mistakes[base] = (
        "That is where the area starts; ioremap returns that address plus the offset of phys_addr within its "
        f"page ({offset:#x}), so the pointer lands on the register itself."
    )
    mistakes.pop(addr, None)
    return NumberExercise(
        "ioremap_addr",
        f"{listing}\nA driver calls ioremap({phys:#x}, {size:#x}) for a device's registers. "
        "Which virtual address does ioremap return?",
        hint="The mapping covers every page from the one holding phys_addr to the one holding the last byte, "
        "phys_addr + size - 1; the area adds a guard page. For VM_IOREMAP, __get_vm_area_node aligns the start to "
        "1 << fls(mapped size) (at least 4 kB, at most 512 kB). Then add the offset of phys_addr within its page.",
        explain=f"{pages[0].upper()}{pages[1:]}. With the guard page the area needs {(mapped + PAGE_SIZE):#x} "
        f"bytes, at a multiple of 1 << fls({mapped:#x}) = {align:#x}: the first such hole starts at "
        f"{base:#010x}; adding the offset {offset:#x} gives {addr:#010x}.",
        value=addr,
        mistakes=mistakes,
    )


def make(seed: int) -> list[Exercise]:
    """The lesson's exercises for ``seed``: every number comes from ``random.Random(seed)``."""
    rng = random.Random(seed)
    return [
        _next_vmalloc(rng),
        _size_field(rng),
        unlike_seed0(seed, make, lambda _: _nr_pages(rng)),  # vmalloc(n) from about 80 sizes
        _after_vfree(rng),
        _area_kind(seed, rng),
        _ioremap_addr(rng),
    ]


LESSON = register(Lesson(4, "vmalloc and vmlist", make))
