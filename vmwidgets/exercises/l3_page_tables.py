"""Lesson 3 exercises: page tables, walking an address.

Every answer comes from the model: the index split from ``Kernel.split``, physical
addresses and the level where a walk stops from ``Kernel.translate``, the number of new
PTE tables from the ``PageTableAllocated`` events a recorded ``vmalloc`` emitted, and flag
bits from ``pte_flag_names`` of an entry the model really holds.  The seed picks the
machine (RAM, PAE or not), the addresses and the sizes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..events import PageTableAllocated
from ..model.config import Config
from ..model.constants import pte_flag_names
from ..model.kernel import Kernel
from ..timeline import Operation
from . import register
from .core import ChoiceExercise, Exercise, Feedback, FieldsExercise, Lesson, NumberExercise, _pairs, ok, recorded

__all__ = ["LESSON", "MB", "PAGE", "STOPS", "SlipFieldsExercise", "make", "new_tables_exercise"]

PAGE = 4096
MB = 1 << 20
_PTE_ALLOC = "mm/memory.c:__pte_alloc_kernel"


@dataclass(repr=False)
class SlipFieldsExercise(FieldsExercise):
    """A :class:`FieldsExercise` whose wrong fields can name the slip behind them.

    ``slips`` maps a field to {wrong value: what it means}; the generic per-field verdict
    of :class:`FieldsExercise` comes first, then the specific notes.
    """

    slips: Mapping[str, Mapping[int, str]] = field(default_factory=dict, repr=False)

    def understood(self, reply: Any) -> bool:
        return super().understood(reply)  # the same fields are read; defined here to match check

    def page_spec(self) -> dict[str, Any] | None:
        spec = super().page_spec()
        if spec is not None:
            spec["slips"] = {k: _pairs(m) for k, m in self.slips.items()}
        return spec

    def check(self, reply: Any) -> Feedback:
        fb = super().check(reply)
        if fb.correct:
            return fb
        got = self.parse(reply)
        notes = []
        for k, right in self.fields.items():
            v = got.get(k)
            if v is not None and v != right and v in self.slips.get(k, {}):
                notes.append(f"{k}: {self.slips[k][v]}")
        return Feedback(False, " ".join([fb.message, *notes])) if notes else fb


def _add(slips: dict[int, str], right: int, value: int, text: str, merge: bool = True) -> None:
    """Record a typical wrong answer unless it happens to be the right one.

    Two slips that lead to the same number share it: both explanations are given (with
    ``merge``; otherwise a number already explained keeps its first explanation).
    """
    if value == right or (value in slips and not merge):
        return
    slips[value] = f"{slips[value]} Or perhaps: {text[0].lower()}{text[1:]}" if value in slips else text


def _bits(addr: int, widths: tuple[int, ...]) -> str:
    out, shift = [], 32
    for w in widths:
        shift -= w
        out.append(format((addr >> shift) & ((1 << w) - 1), f"0{w}b"))
    return " ".join(out)


def _region(base: int, size: int) -> str:
    return f"{base:#010x}-{base + size - 1:#010x}"


# -- 1. the non-PAE split ---------------------------------------------------------------------
def _walk(rng: random.Random, k: Kernel) -> Exercise:
    lay = k.layout
    if rng.random() < 0.5:
        where, addr = "a vmalloc address", rng.randrange(lay.vmalloc_start, lay.vmalloc_end)
    else:
        where, addr = "a user-space address", rng.randrange(0x08048000, 0xB8000000)
    parts = k.split(addr)
    pgd, pte, off = parts["pgd"], parts["pte"], parts["offset"]
    slips: dict[str, dict[int, str]] = {"pgd": {}, "pte": {}, "offset": {}}
    _add(slips["pgd"], pgd, addr >> 20, "that is addr >> 20, a count of 1 MB blocks; a PGD entry covers 4 MB.")
    _add(slips["pgd"], pgd, addr >> 30, "that is the PAE split (2 bits); without PAE the PGD index has 10 bits.")
    if addr >= lay.page_offset:
        _add(
            slips["pgd"],
            pgd,
            (addr - lay.page_offset) >> 22,
            "the index counts from address 0, not from PAGE_OFFSET: the kernel's entries start at 768.",
        )
    _add(slips["pte"], pte, addr >> 12, "that is the whole virtual page number; keep only its low 10 bits.")
    _add(slips["pte"], pte, (addr >> 12) & 0x1FF, "9 bits is the PAE PTE index; without PAE it has 10 bits.")
    _add(slips["pte"], pte, (addr >> 22) & 0x3FF, "that is the PGD index again.")
    _add(slips["offset"], off, addr & 0x3FFFFF, "that is the offset in a 4 MB page; a 4 kB page needs 12 bits.")
    _add(slips["offset"], off, addr & 0xFFFF, "the offset is the low 12 bits (a page is 4096 bytes), not 16.")
    return SlipFieldsExercise(
        id="walk",
        prompt=(
            f"On 32-bit x86 without PAE, the MMU walks {where}, {addr:#010x}, through a PGD and a PTE table "
            "to a 4 kB page. Which PGD entry does it read, which entry of the PTE table, and which byte "
            "of the page? Reply as pgd=... pte=... offset=... (decimal or 0x hex)."
        ),
        hint="Without PAE the 32 bits split 10 + 10 + 12: pgd = addr >> 22, pte = (addr >> 12) & 0x3ff, "
        "offset = addr & 0xfff.",
        explain=(
            f"{addr:#010x} = {_bits(addr, (10, 10, 12))} in binary: pgd = {pgd} ({pgd:#x}), pte = {pte} ({pte:#x}), "
            f"offset = {off:#x}. PGD entry {pgd} covers the 4 MB from {_region(pgd << 22, 4 * MB)}, PTE {pte} "
            "the 4 kB page inside it."
        ),
        fields={"pgd": pgd, "pte": pte, "offset": off},
        why={
            "pgd": "the top 10 bits: addr >> 22",
            "pte": "the next 10 bits: (addr >> 12) & 0x3ff",
            "offset": "the low 12 bits: addr & 0xfff",
        },
        slips=slips,
    )


# -- 2. the PAE split -------------------------------------------------------------------------
def _walk_pae(rng: random.Random, k: Kernel) -> Exercise:
    lay = k.layout
    addr = rng.randrange(lay.vmalloc_start, lay.vmalloc_end)
    parts = k.split(addr)
    pgd, pmd, pte, off = parts["pgd"], parts["pmd"], parts["pte"], parts["offset"]
    slips: dict[str, dict[int, str]] = {"pgd": {}, "pmd": {}, "pte": {}, "offset": {}}
    _add(slips["pgd"], pgd, addr >> 22, "that is the non-PAE PGD index; under PAE the PGD has 4 entries: addr >> 30.")
    _add(slips["pmd"], pmd, (addr >> 22) & 0x3FF, "that is the non-PAE split; the PMD index is bits 29-21.")
    _add(slips["pmd"], pmd, addr >> 21, "keep only 9 bits of addr >> 21 (mask with 0x1ff): bits 31-30 are the PGD.")
    _add(slips["pte"], pte, (addr >> 12) & 0x3FF, "under PAE a PTE table has 512 entries: mask with 0x1ff, not 0x3ff.")
    _add(slips["pte"], pte, addr >> 12, "that is the whole virtual page number; keep only its low 9 bits.")
    _add(slips["offset"], off, addr & 0x1FFFFF, "that is the offset in a 2 MB page; a 4 kB page needs 12 bits.")
    return SlipFieldsExercise(
        id="walk_pae",
        prompt=(
            f"On a PAE kernel the MMU walks the vmalloc address {addr:#010x} through three levels to a 4 kB page. "
            "Which entry does it read in the PGD, in the PMD and in the PTE table, and which byte of the page? "
            "Reply as pgd=... pmd=... pte=... offset=..."
        ),
        hint="PAE splits the 32 bits 2 + 9 + 9 + 12: pgd = addr >> 30, pmd = (addr >> 21) & 0x1ff, "
        "pte = (addr >> 12) & 0x1ff, offset = addr & 0xfff.",
        explain=(
            f"{addr:#010x} = {_bits(addr, (2, 9, 9, 12))}: pgd = {pgd}, pmd = {pmd} ({pmd:#x}), pte = {pte} "
            f"({pte:#x}), offset = {off:#x}. 64-bit entries fill a 4 kB table with only 512 of them, so each "
            "middle level uses 9 bits, and a PMD entry covers 2 MB."
        ),
        fields={"pgd": pgd, "pmd": pmd, "pte": pte, "offset": off},
        why={
            "pgd": "the top 2 bits: addr >> 30",
            "pmd": "bits 29-21: (addr >> 21) & 0x1ff",
            "pte": "bits 20-12: (addr >> 12) & 0x1ff",
            "offset": "the low 12 bits: addr & 0xfff",
        },
        slips=slips,
    )


# -- 3. a lowmem address through a large page -------------------------------------------------
def _lowmem_phys(rng: random.Random) -> Exercise:
    pae = rng.random() < 0.5
    ram = rng.choice([512 * MB, 768 * MB, 1024 * MB, 2048 * MB])
    k = Kernel(Config(ram=ram, pae=pae))
    lay = k.layout
    addr = lay.page_offset + rng.randrange(8 * MB, lay.high_memory - lay.page_offset)
    addr |= rng.randrange(1, PAGE)  # never page aligned, so the offset matters
    t = k.translate(addr)
    phys = ok(t.phys, "translate")  # lowmem is always mapped
    leaf = t.steps[-1]
    size, mask = t.page_size, (0x000FFFFFFFFFF000 if pae else 0xFFFFF000)
    steps = "; then ".join(f"{s.level.upper()}[{s.index}] = {s.entry:#x} ({' '.join(s.flags)})" for s in t.steps)
    base = leaf.entry & mask & ~(size - 1)
    mistakes: dict[int, str] = {}
    _add(
        mistakes,
        phys,
        (leaf.entry & mask) | (addr & 0xFFF),
        "That treats the entry as a 4 kB page. PSE is set: the entry maps a whole "
        f"{size >> 20} MB page, so the offset is the low {size.bit_length() - 1} bits of the address.",
    )
    _add(mistakes, phys, base, f"That is where the {size >> 20} MB page starts; add the offset inside it.")
    _add(mistakes, phys, addr, "That is the virtual address itself: the walk turns it into a physical one.")
    _add(mistakes, phys, phys >> 12, "That is the page frame number (pfn); give the byte address.")
    _add(mistakes, phys, addr & (size - 1), "That is only the offset inside the large page; add the page's base.")
    if pae:
        _add(
            mistakes,
            phys,
            leaf.entry & ~0xFFF & ~(size - 1) | (addr & (size - 1)),
            "Bit 63 of the entry is NX, a flag: it is not part of the physical address.",
        )
    return NumberExercise(
        id="lowmem_phys",
        prompt=(
            f"A 2.6.24 kernel {'with PAE' if pae else 'without PAE'} on a machine with {ram >> 20} MB of RAM "
            f"walks swapper_pg_dir for the lowmem address {addr:#010x} and reads {steps}. "
            "Which physical address does the walk give?"
        ),
        hint=(
            f"PSE in the last entry means a {size >> 20} MB page: physical = (entry's address bits, "
            f"{'bits 51-21, NX dropped' if pae else 'bits 31-22'}) + (addr & {size - 1:#x})."
        ),
        explain=(
            f"The {size >> 20} MB page starts at {base:#x}; the offset is {addr:#x} & {size - 1:#x} = "
            f"{addr & (size - 1):#x}; so {phys:#x}. That is also __pa({addr:#x}) = {addr:#x} - 0xc0000000: "
            "the direct map puts lowmem at PAGE_OFFSET + physical address."
        ),
        value=phys,
        mistakes=mistakes,
    )


# -- 4. how many PTE tables a vmalloc adds ----------------------------------------------------
def _tables_before(k: Kernel, op: Operation) -> list[int]:
    """Start addresses of the PTE tables vmalloc-type calls linked before ``op``."""
    return sorted(e.vaddr for e in recorded(k)[: op.start] if isinstance(e, PageTableAllocated) and e.fn == _PTE_ALLOC)


def new_tables_exercise(k: Kernel, op: Operation, id: str = "new_tables", context: str = "") -> tuple[Exercise, int]:
    """A question on a recorded ``vmalloc`` call ``op`` of kernel ``k``: how many PTE tables it allocates.

    Returns the exercise and the player position that shows the answer: just after the
    last new table is linked (or the end of the call when it needs none).
    """
    size = int(ok(re.search(r"size=(\d+)", op.args), "the size in op.args").group(1))
    addr = int(op.result, 16)
    span = 1 << k.levels[-2].shift  # what one PTE table maps: 4 MB, or 2 MB under PAE
    events = [(i, e) for i, e in enumerate(recorded(k)[op.start : op.end], op.start)]
    new = [i for i, e in events if isinstance(e, PageTableAllocated) and e.fn == _PTE_ALLOC]
    answer = len(new)
    before = _tables_before(k, op)
    pages = -(-size // PAGE)
    last = addr + pages * PAGE - 1  # the last mapped byte: the guard page is not mapped
    blocks = range(addr // span, last // span + 1)
    have = {b // span for b in before}
    guard_block = (last + 1) // span
    mistakes: dict[int, str] = {}
    _add(
        mistakes,
        answer,
        len(blocks),
        "That counts every block the pages touch, but a table already covers part of the area: "
        "the earlier allocation left it there (page tables are never freed).",
    )
    if guard_block not in have and guard_block not in blocks:
        _add(
            mistakes,
            answer,
            answer + 1,
            f"The guard page at {last + 1:#010x} is never mapped, so it needs no PTE and no table.",
        )
    if answer:
        _add(
            mistakes,
            answer,
            answer - 1,
            f"Look at the last mapped page, {last & ~(PAGE - 1):#010x}: which {span >> 20} MB block is it in, "
            "and does that block have a table yet?",
        )
    other = 4 * MB if span == 2 * MB else 2 * MB
    other_blocks = {b for b in range(addr // other, last // other + 1)} - {b // other for b in before}
    _add(
        mistakes,
        answer,
        len(other_blocks),
        f"A PTE table here covers {span >> 20} MB ({span // PAGE} entries), not {other >> 20} MB.",
        merge=False,
    )
    have_text = ", ".join(_region(b, span) for b in before) or "none in the vmalloc area"
    needed = [b * span for b in blocks if b not in have]
    mode = "With PAE" if k.config.pae else "Without PAE"
    ex = NumberExercise(
        id=id,
        prompt=(
            f"{context}{mode}, a PTE table maps {span >> 20} MB. Before the call, PTE tables in the vmalloc area "
            f"cover {have_text}. Now vmalloc({size}) returns {addr:#010x}. How many new PTE tables does "
            "this call allocate?"
        ),
        hint=(
            f"The call maps {pages} page(s), {addr:#010x} to {last:#010x}; the guard page after them is not "
            f"mapped. Which {span >> 20} MB blocks do they touch, and which of those have no table yet?"
        ),
        explain=(
            f"The pages run from {addr:#010x} to {last:#010x} and touch {len(blocks)} block(s) of "
            f"{span >> 20} MB; "
            + (
                "those without a table: " + ", ".join(_region(b, span) for b in needed) + ". "
                if needed
                else "every one already has a table. "
            )
            + "vmap_pte_range asks pte_alloc_kernel for the table, and __pte_alloc_kernel allocates one only "
            "where the entry above is empty."
        ),
        value=answer,
        hex=False,
        mistakes=mistakes,
    )
    return ex, (new[-1] + 1 if new else op.end)


def _new_tables(rng: random.Random) -> Exercise:
    pae = rng.random() < 0.5
    k = Kernel(Config(pae=pae))
    span = 1 << k.levels[-2].shift
    start = k.layout.vmalloc_start
    first = rng.randrange(span // PAGE // 2, 1024)  # pages; at most 1024 keeps pages[] in kmalloc
    k.vmalloc(first * PAGE, caller="first")
    b = start + (first + 1) * PAGE
    if rng.random() < 0.3:  # the guard page falls exactly on a block boundary
        second = (-(-(b + 1) // span) * span - b) // PAGE
    else:
        second = rng.randrange(1, 1025)
    k.vmalloc(second * PAGE, caller="second")
    context = (
        f"A freshly booted 2.6.24 kernel (1 GB of RAM) has one vmalloc area, from vmalloc({first * PAGE}) at "
        f"{start:#010x}. "
    )
    return new_tables_exercise(k, recorded(k).operations[-1], context=context)[0]


# -- 5. reading an entry's bits ---------------------------------------------------------------
_FLAG_FIELDS = ("present", "rw", "user", "pse", "global")


def _entry(rng: random.Random, pae: bool) -> tuple[str, str, int]:
    """A real entry of a small seeded scenario: (kind, what it is, value).

    kind is "kernel" (maps a kernel page), "table" (points to a PTE table) or "user"
    (maps a process's page)."""
    k = Kernel(Config(pae=pae, ram=rng.choice([512, 1024, 2048]) * MB, aged=True, seed=rng.randrange(1 << 16)))
    lay = k.layout
    kind = rng.choice(["lowmem", "text", "table", "vmalloc", "heap", "code"])
    if kind in ("lowmem", "text"):
        if kind == "text":
            what, addr = "the kernel text", lay.page_offset + rng.randrange(0x100000, 0x400000)
        else:
            what, addr = "lowmem", lay.page_offset + rng.randrange(64 * MB, lay.high_memory - lay.page_offset)
        entry = k.translate(addr).steps[-1].entry
        return "kernel", f"the entry that maps {what} at {addr:#010x} (the last entry of its walk)", entry
    if kind in ("table", "vmalloc"):
        n = rng.randrange(1, 9)
        addr = ok(k.vmalloc(n * PAGE, caller="drv"), "vmalloc") + rng.randrange(n) * PAGE
        steps = k.translate(addr).steps
        if kind == "table":
            upper = steps[-2]
            return (
                "table",
                f"the {upper.level.upper()} entry on the walk of the vmalloc address {addr:#010x} "
                f"(a {k.config.ram >> 20} MB machine: its vmalloc area starts at {lay.vmalloc_start:#010x})",
                upper.entry,
            )
        where = f"(a {k.config.ram >> 20} MB machine: its vmalloc area starts at {lay.vmalloc_start:#010x})"
        return "kernel", f"the PTE for the vmalloc address {addr:#010x} {where}", steps[-1].entry
    task = ok(k.spawn("cat"), "spawn")
    if kind == "heap":
        addr = task.mmap(0, PAGE, 3, 0x22)  # PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS
        write = rng.random() < 0.6
        task.access(addr, write=write)
        how = "a write" if write else "a read"
        what = f"the PTE of a process's anonymous page (from mmap) at {addr:#010x}, after {how}"
    else:
        addr = 0x08048000 + rng.randrange(4) * PAGE
        task.access(addr)
        what = f"the PTE of a process's program text at {addr:#010x}, after a read"
    return "user", what, k.translate(addr, pgd=task.mm.pgd).steps[-1].entry


def _flags(rng: random.Random) -> Exercise:
    pae = rng.random() < 0.4
    kind, what, entry = _entry(rng, pae)
    names = pte_flag_names(entry)
    fields = {f: int(f.upper() in names) for f in _FLAG_FIELDS}
    if pae:
        fields["nx"] = int("NX" in names)
    bit = {"present": 0, "rw": 1, "user": 2, "pse": 7, "global": 8, "nx": 63}
    why = {f: f"{f.upper()} is bit {b} (value {1 << b:#x}): is it set in {entry:#x}?" for f, b in bit.items()}
    width = 16 if pae else 8
    if kind == "table":
        user = (
            "USER set, yet this entry only points to a PTE table: the kernel links every PTE table with "
            "_PAGE_TABLE (0x67, which includes USER). The CPU allows an access only if every level allows "
            "it, so the PTE below decides, and a vmalloc PTE has USER clear: user mode still cannot touch "
            "the page. "
        )
    elif "USER" in names:
        user = "USER set: user mode may use this page. "
    else:
        user = "USER clear: kernel only. "
    if kind != "user":
        preset = "ACCESSED and DIRTY are preset by the kernel in its own entries; the CPU does not need to set them. "
    else:
        used = " and ".join(n for n in ("ACCESSED", "DIRTY") if n in names)
        preset = f"{used} came with the PTE: the page-fault handler installed it with them set. " if used else ""
    slips: dict[str, dict[int, str]] = {}
    if kind == "table":
        slips["user"] = {
            0: "a kernel table entry still has USER: _PAGE_TABLE is 0x67 = PRESENT RW USER ACCESSED DIRTY; "
            "the PTE below keeps user mode out."
        }
    return SlipFieldsExercise(
        id="flags",
        prompt=(
            f"A {'PAE (64-bit)' if pae else 'non-PAE (32-bit)'} page-table entry holds {entry:#0{width + 2}x}: "
            f"{what}. Which flag bits are set? Reply 1 (set) or 0 (clear) for each, as "
            + " ".join(f"{f}=..." for f in fields)
            + "."
        ),
        hint="The flags are the low 12 bits (plus bit 63, NX, under PAE). PRESENT = 0x1, RW = 0x2, USER = 0x4, "
        "ACCESSED = 0x20, DIRTY = 0x40, PSE = 0x80, GLOBAL = 0x100.",
        explain=(
            f"{entry:#x} & 0xfff = {entry & 0xFFF:#x}: {' '.join(names)}. "
            + ("PSE set: this entry maps a large page itself. " if "PSE" in names else "")
            + user
            + ("GLOBAL: the TLB keeps it across process switches. " if "GLOBAL" in names else "")
            + preset
        ).strip(),
        fields=fields,
        why={f: why[f] for f in fields},
        slips=slips,
    )


# -- 6. where a walk stops --------------------------------------------------------------------
STOPS = ("PGD entry: not present", "PGD entry: a 4 MB page", "PTE entry: not present", "PTE entry: a 4 kB page")


def _stop(rng: random.Random) -> Exercise:
    k = Kernel()
    lay = k.layout
    n = rng.randrange(2, 13)
    a = ok(k.vmalloc(n * PAGE, caller="drv"), "vmalloc")
    kind = rng.choice(["lowmem", "mapped", "guard", "beyond", "user"])
    addr = {
        "lowmem": lay.page_offset + rng.randrange(0, lay.high_memory - lay.page_offset),
        "mapped": a + rng.randrange(0, n * PAGE),
        "guard": a + n * PAGE + rng.randrange(0, PAGE),
        "beyond": rng.randrange(a + 4 * MB, lay.vmalloc_end - 8 * MB) & ~0x3FFFFF | rng.randrange(0, 4 * MB),
        "user": rng.randrange(0x08048000, 0xB8000000),
    }[kind]
    t = k.translate(addr)
    first = t.steps[0]
    if t.ok:
        correct = STOPS[1] if t.page_size == 4 * MB else STOPS[3]
    else:
        correct = STOPS[0] if t.fault == "pgd" else STOPS[2]
    pgd = first.index
    why = {
        STOPS[0]: f"PGD entry {pgd} is present ({first.entry:#x}: {' '.join(first.flags)})"
        + (": it maps a 4 MB page itself." if "PSE" in first.flags else ": it points to a PTE table."),
        STOPS[1]: "Only lowmem (0xc0000000 up to high_memory, "
        f"{lay.high_memory:#x}) is mapped with 4 MB pages; {addr:#010x} is not in lowmem.",
        STOPS[2]: f"PGD entry {pgd} has PSE set: it maps a whole 4 MB page, so there is no PTE table to read.",
        STOPS[3]: f"PGD entry {pgd} has PSE set: it maps a whole 4 MB page, so there is no PTE table to read.",
    }
    if kind == "mapped":
        why[STOPS[2]] = f"{addr:#010x} is in page {(addr - a) // PAGE} of the {n} mapped pages: its PTE is installed."
    elif kind == "guard":
        why[STOPS[3]] = (
            f"{addr:#010x} is in the guard page after the {n} pages: map_vm_area stops one page short of "
            "the area's end, so that PTE stays empty."
        )
    elif kind in ("beyond", "user"):
        empty = f"PGD entry {pgd} is empty, so the walk stops at the PGD: there is no PTE table to read."
        why[STOPS[2]] = why[STOPS[3]] = empty
        if kind == "user":
            why[STOPS[2]] = why[STOPS[3]] = (
                empty + " swapper_pg_dir maps only the kernel's part (entries 768-1023); user space is in "
                "each process's own page tables."
            )
    explain = {
        "lowmem": f"{addr:#010x} is lowmem: boot mapped it with a 4 MB PSE page in PGD entry {pgd}.",
        "mapped": f"vmalloc linked a PTE table into PGD entry {pgd} and one PTE per page; "
        f"{addr:#010x} is in page {(addr - a) // PAGE}.",
        "guard": f"The PTE table exists (PGD entry {pgd}), but {addr:#010x} is in the guard page, never mapped.",
        "beyond": f"Nothing in the vmalloc area needed a PTE table at {addr:#010x} yet: PGD entry {pgd} is empty.",
        "user": f"{addr:#010x} is a user address: swapper_pg_dir leaves PGD entries 0-767 empty.",
    }[kind]
    options = {o: ("" if o == correct else why[o]) for o in STOPS}
    return ChoiceExercise(
        id="stop",
        prompt=(
            f"A freshly booted 2.6.24 kernel (1 GB of RAM, no PAE, lowmem mapped with 4 MB pages, "
            f"high_memory = {lay.high_memory:#x}) has one vmalloc area: vmalloc({n * PAGE}) returned "
            f"{a:#010x}, and its size with the guard page is {(n + 1) * PAGE} bytes. The kernel walks "
            f"swapper_pg_dir for {addr:#010x}. Where does the walk end?"
        ),
        hint="Lowmem uses 4 MB pages; vmalloc maps 4 kB pages through PTE tables it allocates as needed; "
        "the guard page is never mapped; swapper_pg_dir has no user entries.",
        explain=explain,
        options=options,
        correct=correct,
    )


def make(seed: int) -> list[Exercise]:
    rng = random.Random(seed)
    plain = Kernel()
    pae = Kernel(Config(pae=True))
    return [
        _walk(rng, plain),
        _walk_pae(rng, pae),
        _lowmem_phys(rng),
        _new_tables(rng),
        _flags(rng),
        _stop(rng),
    ]


LESSON = register(Lesson(3, "Page tables: walking an address", make))
