"""Lesson 1 exercises: the 3G/1G split and the kernel's 3G–4G layout.

Every answer is read off a booted :class:`~vmwidgets.Kernel` (its ``layout``, ``pa``/``va``
and a real ``vmalloc`` call), so it is right by construction; the seed picks the machine
(RAM, PAE, era, ``vmalloc=``) and the addresses asked about.
"""

from __future__ import annotations

import random

from ..model.config import Config
from ..model.constants import MB, PAGE_SIZE, VMALLOC_OFFSET
from ..model.kernel import Kernel
from . import register
from .core import ChoiceExercise, Exercise, Lesson, NumberExercise, ok, unlike_seed0

__all__ = [
    "LESSON",
    "PHRASE",
    "REGION_OPTIONS",
    "RESERVE",
    "first_vmalloc",
    "high_memory_exercise",
    "lowmem_exercise",
    "machine",
    "make",
    "pa_exercise",
    "region_exercise",
    "va_exercise",
]

RESERVE = 128 * MB  # __VMALLOC_RESERVE without vmalloc=
REGION_OPTIONS = ("user space", "lowmem (direct map)", "VMALLOC_OFFSET gap", "vmalloc", "pkmap", "fixmap")
PHRASE = {
    "user space": "user space",
    "lowmem (direct map)": "lowmem, the direct map,",
    "VMALLOC_OFFSET gap": "the VMALLOC_OFFSET gap",
    "vmalloc": "the vmalloc area",
    "pkmap": "the pkmap area",
    "fixmap": "the fixmap area",
}


def _add(mistakes: dict[int, str], wrong: int, message: str, answer: int) -> None:
    """Record a typical wrong answer, unless it happens to be the answer (or is taken)."""
    if wrong != answer and wrong not in mistakes:
        mistakes[wrong] = message


def machine(cfg: Config) -> str:
    """``cfg`` in words, for prompts: "Linux 2.6.24, non-PAE, 1024 MB of RAM"."""
    ram = cfg.ram >> 20 if cfg.ram % MB == 0 else cfg.ram / MB
    text = f"Linux {cfg.era}, {'PAE' if cfg.pae else 'non-PAE'}, {ram} MB of RAM"
    if cfg.vmalloc_reserve is not None:
        text += f", vmalloc={cfg.vmalloc_reserve >> 20}M on the kernel command line"
    return text


def _maxmem_rule(cfg: Config) -> str:
    if cfg.era_minor >= 28:
        return "from 2.6.28 MAXMEM = VMALLOC_END - PAGE_OFFSET - __VMALLOC_RESERVE"
    return "up to 2.6.27 MAXMEM = 4 GB - PAGE_OFFSET - __VMALLOC_RESERVE"


# -- the exercises, one builder each (the notebook reuses them with fixed machines) ------------
def lowmem_exercise(cfg: Config, id: str = "lowmem") -> NumberExercise:
    """The size on the boot log's ``lowmem`` line, in MB."""
    lay = Kernel(cfg).layout
    po, ram_mb = lay.page_offset, cfg.ram >> 20
    value = (lay.high_memory - po) >> 20  # mem_init prints it with >> 20 (truncating)
    maxmem_mb = lay.maxmem >> 20
    end = f" In this build VMALLOC_END is {lay.vmalloc_end:#010x}." if cfg.era_minor >= 28 else ""
    mistakes: dict[int, str] = {}
    if ram_mb < maxmem_mb:
        small = ("That is MAXMEM, the most lowmem can ever be, not what this machine has: lowmem is the smaller "
                 "of RAM and MAXMEM. Compare the two.")  # fmt: skip
        _add(mistakes, maxmem_mb, small, value)
        _add(mistakes, 896, small, value)
    else:
        _add(mistakes, ram_mb, "That is all of the RAM. The direct map stops at MAXMEM, the kernel's gigabyte "
             "minus the 128 MB kept for vmalloc, pkmap and fixmap; the RAM above it is highmem.", value)  # fmt: skip
        if cfg.era_minor >= 28:
            _add(mistakes, 896, "896 MB is the rule up to 2.6.27 (1 GB - 128 MB). From 2.6.28 MAXMEM is "
                 "measured from VMALLOC_END: VMALLOC_END - PAGE_OFFSET - 128 MB.", value)  # fmt: skip
            _add(mistakes, (lay.vmalloc_end - po) >> 20, "That is VMALLOC_END - PAGE_OFFSET: the 128 MB "
                 "__VMALLOC_RESERVE still has to come off.", value)  # fmt: skip
        _add(mistakes, ram_mb - value, "That is the highmem part: the RAM above lowmem.", value)
    _add(mistakes, 1024, "1024 MB is the whole kernel gigabyte, but 128 MB of it (__VMALLOC_RESERVE) is kept "
         "for vmalloc, pkmap and fixmap, so the direct map cannot use it.", value)  # fmt: skip
    _add(mistakes, 962, "962 MB is not what a default kernel gives: lowmem is at most MAXMEM, the kernel's gigabyte "
         "minus the 128 MB __VMALLOC_RESERVE (measured from VMALLOC_END from 2.6.28 on).", value)  # fmt: skip
    if ram_mb > maxmem_mb:
        why = f"RAM ({ram_mb} MB) is more than MAXMEM ({maxmem_mb} MB), so lowmem stops at MAXMEM"
    else:
        why = f"RAM ({ram_mb} MB) fits under MAXMEM ({maxmem_mb} MB), so all of it is lowmem and there is no highmem"
    return NumberExercise(
        id,
        f"A 32-bit x86 machine boots: {machine(cfg)}, CONFIG_HIGHMEM on, no vmalloc= option.{end} "
        "How many MB does its boot log print on the 'lowmem' line? (The log truncates to whole MB.)",
        hint=f"Lowmem is the smaller of RAM and MAXMEM; {_maxmem_rule(cfg)}, and __VMALLOC_RESERVE is 128 MB.",
        explain=f"{_maxmem_rule(cfg)}; {why}: {value} MB.",
        value=value,
        hex=False,
        units=True,
        unit=MB,  # "887", "887 MB" and "908288 kB" all read as 887
        mistakes=mistakes,
    )


def high_memory_exercise(cfg: Config, id: str = "high_memory") -> NumberExercise:
    """``high_memory`` for a machine booted with ``vmalloc=`` (``cfg.vmalloc_reserve``)."""
    lay = Kernel(cfg).layout
    po, value = lay.page_offset, lay.high_memory
    v = cfg.vmalloc_reserve or 0
    new = cfg.era_minor >= 28
    base = (lay.vmalloc_end - po) if new else (1 << 32) - po  # MAXMEM before the reserve comes off
    mistakes: dict[int, str] = {}
    default = Kernel(Config(ram=cfg.ram, pae=cfg.pae, era=cfg.era)).layout.high_memory
    _add(mistakes, default, "That is high_memory without vmalloc=: the option changes __VMALLOC_RESERVE, "
         "and MAXMEM is measured after taking the reserve off.", value)  # fmt: skip
    if new:
        _add(mistakes, po + base - v, "Almost: from 2.6.28 parse_vmalloc adds VMALLOC_OFFSET (8 MB) to the "
             "vmalloc= size, so the reserve is 8 MB more than asked.", value)  # fmt: skip
    else:
        _add(mistakes, po + base - v - VMALLOC_OFFSET, "That adds VMALLOC_OFFSET to vmalloc=, which only "
             "2.6.28 and later do; in 2.6.24 the reserve is exactly the vmalloc= size.", value)  # fmt: skip
    _add(mistakes, value - po, "That is the physical address where lowmem ends (max_low_pfn << 12). "
         "high_memory is a virtual address: add PAGE_OFFSET.", value)  # fmt: skip
    _add(mistakes, lay.vmalloc_start, "That is VMALLOC_START, the start of the vmalloc area above the 8 MB "
         "gap; high_memory is the end of lowmem, below the gap.", value)  # fmt: skip
    end = f" In this build VMALLOC_END is {lay.vmalloc_end:#010x}." if new else ""
    reserve = v + (VMALLOC_OFFSET if new else 0)
    return NumberExercise(
        id,
        f"A 32-bit x86 machine boots: {machine(cfg)}, CONFIG_HIGHMEM on. PAGE_OFFSET is {po:#010x}.{end} "
        "What is high_memory, the first virtual address after lowmem? Answer in hex.",
        hint=f"{_maxmem_rule(cfg)}. vmalloc=<size> sets __VMALLOC_RESERVE"
        + (" to size + VMALLOC_OFFSET (8 MB)." if new else " to exactly that size.")
        + " RAM is larger than MAXMEM here, so high_memory = PAGE_OFFSET + MAXMEM.",
        explain=f"__VMALLOC_RESERVE = {reserve >> 20} MB, so MAXMEM = "
        + (
            f"VMALLOC_END - PAGE_OFFSET - reserve = {lay.vmalloc_end:#010x} - {po:#010x}"
            if new
            else f"4 GB - PAGE_OFFSET - reserve = {base >> 20} MB"
        )
        + f" - {reserve >> 20} MB = {lay.maxmem:#x} ({lay.maxmem >> 20} MB); RAM is larger, so high_memory = "
        f"{po:#010x} + {lay.maxmem:#x} = {value:#010x}. A bigger vmalloc area means less lowmem.",
        value=value,
        mistakes=mistakes,
    )


def first_vmalloc(cfg: Config, pages: int = 2, id: str = "first_vmalloc") -> tuple[Kernel, NumberExercise]:
    """Boot ``cfg``, run ``vmalloc(pages * 4096)`` once, and ask where it landed.

    Returns the kernel (its timeline holds the call, for a player to reveal) and the
    exercise, whose answer is the address the call returned."""
    k = Kernel(cfg)
    lay = k.layout
    hm = lay.high_memory
    value = ok(k.vmalloc(pages * PAGE_SIZE, caller="my_driver_init"), "vmalloc")
    new = cfg.era_minor >= 28
    rounded = (hm + 2 * VMALLOC_OFFSET - 1) & ~(VMALLOC_OFFSET - 1)
    mistakes: dict[int, str] = {}
    _add(mistakes, hm, "That is high_memory itself. The kernel leaves an unmapped gap of VMALLOC_OFFSET (8 MB) "
         "after lowmem, so a stray access past the end of the direct map faults.", value)  # fmt: skip
    if new:
        _add(mistakes, rounded, "That rounds to an 8 MB boundary as 2.6.24 did. From 2.6.28 VMALLOC_START is "
             "exactly high_memory + 8 MB.", value)  # fmt: skip
    else:
        _add(mistakes, hm + VMALLOC_OFFSET, "Close: 2.6.24 also rounds up to an 8 MB boundary. VMALLOC_START = "
             "(high_memory + 2*8 MB - 1) & ~(8 MB - 1), which is high_memory + 8 MB rounded up to a multiple "
             "of 8 MB, so the gap is 8 to 16 MB.", value)  # fmt: skip
    _add(mistakes, value + PAGE_SIZE, "The guard page comes after the area, not before it: the first area "
         "starts right at VMALLOC_START.", value)  # fmt: skip
    _add(mistakes, lay.vmalloc_end - (pages + 1) * PAGE_SIZE, "vmalloc searches first-fit from the bottom "
         "(VMALLOC_START) up, not from the top.", value)  # fmt: skip
    rule = (
        "VMALLOC_START = high_memory + 8 MB"
        if new
        else "VMALLOC_START = (high_memory + 2*8 MB - 1) & ~(8 MB - 1): high_memory + 8 MB, rounded up to 8 MB"
    )
    ex = NumberExercise(
        id,
        f"A 32-bit x86 machine has just booted: {machine(cfg)}. All of its RAM is lowmem, so high_memory = "
        f"{hm:#010x}. Nothing is in the vmalloc area yet. A driver calls vmalloc({pages * PAGE_SIZE}). "
        "What address does it return? Answer in hex.",
        hint="The first area starts at VMALLOC_START. In "
        + (
            "2.6.28 and later VMALLOC_START is high_memory + 8 MB."
            if new
            else "2.6.24 it is high_memory + 8 MB, rounded up to a multiple of 8 MB."
        ),
        explain=f"In {cfg.era}, {rule} = {lay.vmalloc_start:#010x}; the vmalloc area is empty, so first fit "
        f"takes its very start ({value:#010x}).",
        value=value,
        mistakes=mistakes,
    )
    other = "2.6.24" if new else "2.6.32"
    other_start = rounded if new else hm + VMALLOC_OFFSET
    ex.worked = (
        f"`high_memory` + 8 MB = `{hm + VMALLOC_OFFSET:#010x}`"
        + (
            " is where `VMALLOC_START` lies from 2.6.28 on: no rounding."
            if new
            else (
                f" is {'already' if rounded == hm + VMALLOC_OFFSET else 'not'} a multiple of 8 MB, so 2.6.24's "
                f"`VMALLOC_START` is `{rounded:#010x}` and the gap is {(rounded - hm) >> 20} MB."
            )
        )
        + f" The vmalloc area is empty, so the first area starts right there, at `{value:#010x}`. A {other} kernel "
        f"with the same RAM starts vmalloc at `{other_start:#010x}`"
        + (" (it rounds up to 8 MB)." if new else " (its search is `mm/vmalloc.c:alloc_vmap_area`).")
    )
    return k, ex


def pa_exercise(cfg: Config, vaddr: int, id: str = "pa") -> NumberExercise:
    """``__pa(vaddr)`` for a lowmem address."""
    k = Kernel(cfg)
    po, value = k.layout.page_offset, k.pa(vaddr)
    mistakes: dict[int, str] = {}
    _add(mistakes, (vaddr + po) & 0xFFFFFFFF, "That adds PAGE_OFFSET, which is what __va does. __pa goes "
         "the other way: physical = virtual - PAGE_OFFSET.", value)  # fmt: skip
    _add(mistakes, vaddr, "That is the virtual address unchanged: subtract PAGE_OFFSET to get the physical one.",
         value)  # fmt: skip
    _add(mistakes, value >> 12, "That is the page frame number (pfn = physical >> 12); the question asks for "
         "the whole physical address, offset in the page included.", value)  # fmt: skip
    return NumberExercise(
        id,
        f"A 32-bit x86 machine: {machine(cfg)}; PAGE_OFFSET = {po:#010x}, high_memory = "
        f"{k.layout.high_memory:#010x}. What is __pa({vaddr:#010x}), the physical address behind this lowmem address? "
        "Answer in hex.",
        hint="Lowmem is a direct map: virtual = physical + PAGE_OFFSET.",
        explain=f"{vaddr:#010x} is in lowmem (between PAGE_OFFSET and high_memory), so __pa subtracts "
        f"PAGE_OFFSET: {vaddr:#010x} - {po:#010x} = {value:#x}. The page-table walk of swapper_pg_dir "
        "reaches the same frame.",
        value=value,
        mistakes=mistakes,
    )


def va_exercise(cfg: Config, paddr: int, id: str = "va") -> NumberExercise:
    """``__va(paddr)`` for a physical address in lowmem."""
    k = Kernel(cfg)
    po, value = k.layout.page_offset, k.va(paddr)
    mistakes: dict[int, str] = {}
    _add(mistakes, (paddr - po) & 0xFFFFFFFF, "That subtracts PAGE_OFFSET, which is what __pa does. __va goes "
         "the other way: virtual = physical + PAGE_OFFSET.", value)  # fmt: skip
    _add(mistakes, paddr, "That is the physical address unchanged: the kernel reaches it at PAGE_OFFSET + "
         "physical.", value)  # fmt: skip
    return NumberExercise(
        id,
        f"A 32-bit x86 machine: {machine(cfg)}; PAGE_OFFSET = {po:#010x}. A driver knows the physical address "
        f"{paddr:#x} of a buffer in lowmem. What is __va({paddr:#x}), the virtual address the kernel uses "
        "to reach it? Answer in hex.",
        hint="Lowmem is a direct map: virtual = physical + PAGE_OFFSET.",
        explain=f"{paddr:#x} is below the end of lowmem ({k.layout.max_low_pfn << 12:#x}), so __va adds "
        f"PAGE_OFFSET: {paddr:#x} + {po:#010x} = {value:#010x}.",
        value=value,
        mistakes=mistakes,
    )


def region_exercise(cfg: Config, addr: int, id: str = "region") -> ChoiceExercise:
    """Which band of the 4 GB virtual space ``addr`` falls in."""
    lay = Kernel(cfg).layout
    bands = {r.name: r for r in lay.regions() if r.name in REGION_OPTIONS}
    (here,) = [r for r in lay.regions() if r.start <= addr < r.end]
    if here.name not in REGION_OPTIONS:
        raise ValueError(f"{addr:#x} is in the {here.name}, not one of the options")
    options: dict[str, str] = {}
    for name in REGION_OPTIONS:
        r = bands.get(name)
        if r is None:
            options[name] = f"No: this kernel has no {name} band."
            continue
        side = "below" if addr < r.start else "above"
        options[name] = (
            f"No: {PHRASE[name]} runs from {r.start:#010x} up to {r.end:#010x} (not included); "
            f"{addr:#010x} is {side} it."
        )
    if here.name == "VMALLOC_OFFSET gap":
        options["lowmem (direct map)"] = (
            f"No: lowmem ends at high_memory = {lay.high_memory:#010x}, which is not included. The boot log's "
            "lowmem and vmalloc lines leave a hole between them, and the address is in it: which band is that?"
        )
    shown = {"fixmap": "fixmap", "pkmap": "pkmap", "vmalloc": "vmalloc", "lowmem (direct map)": "lowmem"}
    log = "; ".join(f"{shown[n]} {bands[n].start:#010x}-{bands[n].end:#010x}" for n in shown if n in bands)
    return ChoiceExercise(
        id,
        f"A 32-bit x86 machine ({machine(cfg)}) printed this layout at boot: {log}. In which part of the 4 GB virtual "
        f"address space is the address {addr:#010x}?",
        hint="Each boot-log range is [start, end): the end address itself is not in it. User space is everything "
        "below PAGE_OFFSET (0xc0000000), and the log does not print the gap between lowmem and vmalloc.",
        explain=f"{addr:#010x} lies in {PHRASE[here.name]}, {here.start:#010x} up to {here.end:#010x}."
        + (" Nothing is mapped there: a stray access past lowmem faults." if here.kind == "gap" else ""),
        options=options,
        correct=here.name,
    )


# -- the seeded set -------------------------------------------------------------------------
def _config(rng: random.Random, ram_mb: list[int], vmalloc_reserve: int | None = None) -> Config:
    era = rng.choice(["2.6.24", "2.6.32"])
    pae = rng.random() < 0.4
    return Config(ram=rng.choice(ram_mb) << 20, pae=pae, era=era, vmalloc_reserve=vmalloc_reserve)


def make(seed: int) -> list[Exercise]:
    rng = random.Random(seed)
    out: list[Exercise] = []
    # 32 machines for lowmem: seed 7 drew seed 0's, so a question equal to seed 0's is drawn again
    out.append(
        unlike_seed0(seed, make, lambda _: lowmem_exercise(_config(rng, [384, 512, 640, 768, 1024, 1536, 2048, 3072])))
    )
    out.append(
        unlike_seed0(
            seed,
            make,
            lambda _: high_memory_exercise(
                _config(
                    rng, [1024, 1536, 2048, 3072], vmalloc_reserve=rng.choice([64, 96, 160, 192, 256, 320, 384]) << 20
                )
            ),
        )
    )
    # RAM below MAXMEM and not a multiple of 8 MB in 2.6.24, so the rounding shows
    era = rng.choice(["2.6.24", "2.6.32"])
    ram_mb = rng.randrange(200, 860)
    if era == "2.6.24" and ram_mb % 8 == 0:
        ram_mb += rng.randrange(1, 8)
    out.append(first_vmalloc(Config(ram=ram_mb << 20, era=era, pae=rng.random() < 0.3), pages=rng.randrange(1, 9))[1])
    cfg = _config(rng, [512, 768, 1024, 2048])
    lay = Kernel(cfg).layout
    low = lay.max_low_pfn << 12
    out.append(pa_exercise(cfg, lay.page_offset + rng.randrange(0x100000, low)))
    out.append(va_exercise(cfg, rng.randrange(0x100000, low)))
    cfg = _config(rng, [512, 1024, 2048], vmalloc_reserve=rng.choice([None, None, 192 << 20]))
    lay = Kernel(cfg).layout
    band = rng.choice((*REGION_OPTIONS, "VMALLOC_OFFSET gap", "lowmem (direct map)"))  # the subtle ones twice
    (r,) = [r for r in lay.regions() if r.name == band]
    if band == "user space":
        addr = rng.randrange(0x08048000, r.end)
    else:  # near one of its edges half of the time: that is where the boundaries matter
        span = min(r.size, 0x40000)
        near_start, near_end = r.start + rng.randrange(span), r.end - 1 - rng.randrange(span)
        addr = rng.choice([near_start, near_end, rng.randrange(r.start, r.end)])
    out.append(region_exercise(cfg, addr))
    return out


LESSON = register(Lesson(1, "The 3G/1G split and the kernel's 3G–4G layout", make))
