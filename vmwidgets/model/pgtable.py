"""x86 page tables: ``swapper_pg_dir`` at boot, kernel PTE installs and walks.

Follows arch/x86/mm/init_32.c (kernel_physical_mapping_init, page_table_range_init),
mm/memory.c (__pte_alloc_kernel) and the two-level/three-level index splits of
asm-x86/pgtable-2level.h and pgtable-3level.h.  Page-table pages are frames: at boot
they come from the boot allocator (reserved), later from ``alloc_pages(GFP_KERNEL)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import NamedTuple

from ..errors import InvalidArgument, check_int
from ..events import PageTableAllocated, PageTableFreed, PgdCreated, PgdFreed, PteCleared, PteInstalled, TableEntryRead
from .config import Config
from .constants import (
    __GFP_REPEAT,
    __GFP_ZERO,
    __PAGE_KERNEL_EXEC,
    _PAGE_NX,
    _PAGE_PRESENT,
    _PAGE_PSE,
    _PAGE_TABLE,
    GFP_KERNEL,
    PAGE_SHIFT,
    PAGE_SIZE,
    pte_flag_names,
)
from .emit import Emitter
from .layout import Layout
from .page import Page
from .page_alloc import PageAllocator

__all__ = ["LEVELS_2", "LEVELS_3", "MMU_WALK", "Level", "PageTables", "Translation", "WalkEntry"]

# The walk is the MMU's (hardware), not a kernel function; arch/x86/mm/fault.c:dump_pagetable
# (2.6.25+) and the oops path of 2.6.24's do_page_fault read the same entries the same way.
MMU_WALK = "x86 MMU:page walk"  # the source label of a walk: translate's and every access's operation
_PTE_ALLOC = "mm/memory.c:__pte_alloc_kernel"


K__GFP_REPEAT = __GFP_REPEAT  # no name mangling inside class bodies
K__GFP_ZERO = __GFP_ZERO  # no name mangling inside class bodies
K__PAGE_KERNEL_EXEC = __PAGE_KERNEL_EXEC  # no name mangling inside class bodies


class Level(NamedTuple):
    name: str
    shift: int
    entries: int


LEVELS_2 = (Level("pgd", 22, 1024), Level("pte", 12, 1024))
LEVELS_3 = (Level("pgd", 30, 4), Level("pmd", 21, 512), Level("pte", 12, 512))


@dataclass(frozen=True, slots=True)
class WalkEntry:
    """One step of a page-table walk: which table (pfn), which index, what the entry held."""

    level: str
    table: int
    index: int
    entry: int

    def __repr__(self) -> str:
        return f"WalkEntry({self.level}, table={self.table:#x}, index={self.index}, entry={self.entry:#x})"

    @property
    def flags(self) -> tuple[str, ...]:
        return pte_flag_names(self.entry)

    @property
    def present(self) -> bool:
        return bool(self.entry & _PAGE_PRESENT)


@dataclass(frozen=True)
class Translation:
    """The result of :meth:`~vmwidgets.Kernel.translate`.

    ``phys`` is the physical address, or None when the walk stopped at a not-present
    entry; ``fault`` then names that level (``"pgd"``, ``"pmd"`` or ``"pte"``).
    """

    vaddr: int
    phys: int | None
    steps: tuple[WalkEntry, ...]
    fault: str | None
    page_size: int
    user_space_in_swapper: bool = False

    @property
    def ok(self) -> bool:
        return self.phys is not None

    def __str__(self) -> str:
        lines = [f"translate({self.vaddr:#010x}):"]
        for s in self.steps:
            lines.append(
                f"  {s.level.upper():3s}[{s.index:4d}] of table pfn {s.table:#x} = "
                f"{s.entry:#x} {' '.join(s.flags) or 'not present'}"
            )
        if self.ok:
            size = f"{self.page_size >> 20} MB" if self.page_size >= 1 << 20 else f"{self.page_size >> 10} kB"
            lines.append(f"  -> phys {self.phys:#x} ({size} page)")
        else:
            lines.append(f"  -> fault: no {(self.fault or '').upper()} entry")
            if self.user_space_in_swapper:
                lines.append(
                    "     (swapper_pg_dir maps only the kernel part; user space belongs to a process's page tables)"
                )
        return "\n".join(lines)

    def __repr__(self) -> str:
        end = f"phys={self.phys:#x}" if self.ok else f"fault={self.fault!r}"
        return f"<Translation {self.vaddr:#010x} -> {end}, {len(self.steps)} steps>"


class PageTables:
    """Page-table pages and their entries: ``swapper_pg_dir``, the processes' pgds, walks.

    State: every page-table page as ``{index: entry}`` (absent means ``pte_none``), what
    each table maps (level and first address), the boot tables, and which kernel
    addresses map each frame.  Tables come from the page allocator (below it) and are
    marked as page tables in their ``struct page``; a frame mapped by a kernel PTE
    counts it in its ``mapcount``.
    """

    def __init__(self, config: Config, layout: Layout, emitter: Emitter, page_alloc: PageAllocator) -> None:
        self.config = config
        self.layout = layout
        self._emitter = emitter
        self._page_alloc = page_alloc
        self.levels: tuple[Level, ...] = LEVELS_3 if config.pae else LEVELS_2
        self.addr_mask = 0x000FFFFFFFFFF000 if config.pae else 0xFFFFF000
        self.page_kernel = K__PAGE_KERNEL_EXEC | (_PAGE_NX if config.pae else 0)
        """PAGE_KERNEL as masked by ``__supported_pte_mask`` (NX only under PAE)."""
        self.pgd_file = "arch/x86/mm/pgtable.c" if config.era_minor >= 28 else "arch/x86/mm/pgtable_32.c"
        """Where pgd_alloc, pgd_ctor and pgd_free live: 2.6.24's arch/x86/mm/pgtable_32.c (lines
        240-, 325, 355), 2.6.32's arch/x86/mm/pgtable.c (68, 227, 268); the events' ``fn``."""
        self._pt: dict[int, dict[int, int]] = {}
        self._pt_meta: dict[int, tuple[str, int]] = {}
        self._static_pt: set[int] = set()
        self._rmap: dict[int, set[int]] = {}
        self._brk = 0
        self.swapper = -1

    # -- boot ----------------------------------------------------------------------------------
    def paging_init(self, brk: int) -> int:
        """arch/x86/mm/init_32.c:paging_init: build swapper_pg_dir from boot frames at ``brk``.

        Returns the new brk (the first frame after the boot page tables).

        Lowmem direct map, then empty PTE tables for fixmap and pkmap.  With ``pse`` (the
        default, as on any CPU since the Pentium) lowmem is mapped by large pages — no PTE
        tables, fewer TLB misses — as kernel_physical_mapping_init does.  2.6.24 maps all of
        lowmem that way and its last large page reaches past high_memory.  2.6.28+
        (init_memory_mapping) keeps the first large page's worth (fixed-size MTRRs live
        there) and a tail that is not large-page aligned on 4 KB pages, and maps nothing
        past max_low_pfn.  Without ``pse``, 4 KB PTE tables map exactly the frames below
        max_low_pfn.  ``is_kernel_text`` pages are executable, the rest NX under PAE; user
        PGD entries of a PAE swapper_pg_dir point at empty_zero_page (zap_low_mappings).
        """
        self._brk = brk
        lay, cfg = self.layout, self.config
        levels = self.levels
        pt = self._pt
        self.swapper = self._boot_table("pgd", 0)
        if cfg.pae:  # one kernel PMD page per kernel PGD entry
            first_kernel = self.pgd_index(lay.page_offset)
            for i in range(first_kernel, 4):
                pmd = self._boot_table("pmd", i << 30)
                pt[self.swapper][i] = (pmd << PAGE_SHIFT) | _PAGE_PRESENT
            zero = self._boot_table("pmd", 0)  # empty_zero_page, read as a PMD of zeros
            for i in range(first_kernel):
                pt[self.swapper][i] = (zero << PAGE_SHIFT) | _PAGE_PRESENT
        big = 1 << levels[-2].shift
        end = lay.max_low_pfn << PAGE_SHIFT
        if not cfg.pse:
            small = [(0, end)]
        elif cfg.era_minor >= 28:
            tail = max(end & ~(big - 1), big)
            small = [(0, min(big, end)), (tail, end)]
        else:
            small = []
        phys = 0
        while phys < end:
            table, idx = self.upper_slot(lay.page_offset + phys)
            spans = [(max(lo, phys), min(hi, phys + big)) for lo, hi in small if lo < phys + big and phys < hi]
            if not spans:
                prot = self._lowmem_prot(phys, phys + big - 1) | _PAGE_PSE
                pt[table][idx] = phys | prot
            else:
                pte = self._boot_table("pte", lay.page_offset + phys, static=True)
                pt[table][idx] = (pte << PAGE_SHIFT) | _PAGE_TABLE
                for lo, hi in spans:
                    for p in range(lo, hi, PAGE_SIZE):
                        pt[pte][(p - phys) >> PAGE_SHIFT] = p | self._lowmem_prot(p, p)
            phys += big
        fix_lo = (lay.fixaddr_boot_start + PAGE_SIZE) & ~(big - 1)
        ranges = [(fix_lo, 1 << 32)]
        pkmap_base, pkmap_end = lay.pkmap_base, lay.pkmap_end
        if pkmap_base is not None and pkmap_end is not None:
            ranges.append((pkmap_base, pkmap_end))
        for lo, hi in ranges:  # page_table_range_init / permanent_kmaps_init
            for va in range(lo, hi, big):
                table, idx = self.upper_slot(va)
                if idx not in pt[table]:
                    pte = self._boot_table("pte", va)
                    pt[table][idx] = (pte << PAGE_SHIFT) | _PAGE_TABLE
        return self._brk

    def _boot_table(self, level: str, vaddr: int, static: bool = False) -> int:
        pfn = self._brk
        self._brk += 1
        self._pt[pfn] = {}
        self._pt_meta[pfn] = (level, vaddr)
        if static:
            self._static_pt.add(pfn)
        return pfn

    def mark_boot_tables(self) -> None:
        """Once mem_map is set up: boot's tables are page tables in their struct page too (the model's)."""
        for pfn in self._pt:
            if pfn < self._page_alloc.nr_pages:
                self._page_alloc.mem_map.pagetable[pfn] = 1

    def _lowmem_prot(self, first: int, last: int) -> int:
        """PAGE_KERNEL, or PAGE_KERNEL_EXEC where ``is_kernel_text`` holds for either end.

        is_kernel_text counts from PAGE_OFFSET in 2.6.24 and from ``_text`` in 2.6.28+.
        """
        img = self.config.kernel_image
        lo = img.text_start if self.config.era_minor >= 28 else 0
        text = any(lo <= a <= img.init_end for a in (first, last))
        return self.page_kernel & ~_PAGE_NX if text else self.page_kernel

    def upper_slot(self, va: int) -> tuple[int, int]:
        """``pmd_offset(pud_offset(pgd_offset_k(va)))``: (table, index) of the entry above ``va``'s PTE table."""
        table = self.swapper
        for lv in self.levels[:-2]:
            table = (self._pt[table][(va >> lv.shift) & (lv.entries - 1)] & self.addr_mask) >> PAGE_SHIFT
        lv = self.levels[-2]
        return table, (va >> lv.shift) & (lv.entries - 1)

    # -- public ------------------------------------------------------------------------------
    @property
    def swapper_pg_dir(self) -> Page:
        """``pgd_t swapper_pg_dir[]`` (arch/x86/kernel/head_32.S): the kernel's master directory, ``init_mm.pgd``.

        Under PAE it is the 4-entry PDPT; its struct page is returned."""
        return self._page_alloc.page(self.swapper)

    def pgd_index(self, vaddr: int) -> int:
        """``pgd_index(unsigned long address)``: the PGD slot of ``vaddr`` (bits 22+ or, PAE, 30+)."""
        check_int("vaddr", vaddr, 0, 0xFFFFFFFF, "a 32-bit virtual address (0 to 0xffffffff)")
        return vaddr >> self.levels[0].shift

    def split(self, vaddr: int) -> dict[str, int]:
        """The index fields of ``unsigned long vaddr`` for this paging mode, plus the page offset.

        ``pgd_index``/``pmd_index``/``pte_index`` and ``vaddr & ~PAGE_MASK`` in one dict."""
        check_int("vaddr", vaddr, 0, 0xFFFFFFFF)
        out = {lv.name: (vaddr >> lv.shift) & (lv.entries - 1) for lv in self.levels}
        out["offset"] = vaddr & (PAGE_SIZE - 1)
        return out

    def translate(self, vaddr: int, pgd: Page | None = None) -> Translation:
        """Walk the page tables for ``unsigned long vaddr`` from ``pgd_t *pgd`` as the MMU does.

        No kernel function: the hardware walk (arch/x86/mm/fault.c:dump_pagetable reads the
        same entries, 2.6.25+).  ``pgd`` defaults to ``swapper_pg_dir``.  Never NULL: a walk
        that stops at a not-present entry is a :class:`Translation` with ``fault`` set.

        >>> from vmwidgets import Kernel, Config
        >>> k = Kernel(Config())
        >>> hex(k.translate(0xC0801234).phys)
        '0x801234'
        """
        check_int("vaddr", vaddr, 0, 0xFFFFFFFF, "a 32-bit virtual address (0 to 0xffffffff)")
        if pgd is not None:
            self._page_alloc.check_page(pgd, "pgd")
            if self._pt_meta.get(pgd.pfn, ("",))[0] != "pgd":
                raise InvalidArgument("pgd", pgd, "None or the struct page of a page global directory")
        root = self.swapper if pgd is None else pgd.pfn
        with self._emitter.operation("translate", f"vaddr={vaddr:#010x}", MMU_WALK) as op:
            t = self.walk(root, vaddr, emit=True)
            if not t.ok and root == self.swapper and vaddr < self.layout.page_offset:
                t = replace(t, user_space_in_swapper=True)
            op.result = f"phys {t.phys:#x}" if t.ok else f"fault at {(t.fault or '').upper()}"
            return t

    def walk(self, root: int, vaddr: int, emit: bool = False) -> Translation:
        """The MMU's walk from the table at pfn ``root``; ``emit`` reports each entry read."""
        if type(root) is not int or root not in self._pt:
            raise InvalidArgument("root", root, "the pfn of a page table of this kernel (k.swapper, mm.pgd.pfn)")
        check_int("vaddr", vaddr, 0, 0xFFFFFFFF, "a 32-bit virtual address (0 to 0xffffffff)")
        table, steps, levels = root, [], self.levels
        for depth, lv in enumerate(levels):
            idx = (vaddr >> lv.shift) & (lv.entries - 1)
            entry = self._pt[table].get(idx, 0)
            steps.append(WalkEntry(lv.name, table, idx, entry))
            if emit:
                self._emitter.emit(
                    TableEntryRead, MMU_WALK, vaddr=vaddr, level=lv.name, table=table, index=idx, entry=entry
                )
            if not entry & _PAGE_PRESENT:
                return Translation(vaddr, None, tuple(steps), lv.name, 1 << lv.shift)
            last = depth == len(levels) - 1
            if last or (depth and entry & _PAGE_PSE) or (not self.config.pae and entry & _PAGE_PSE):
                size = 1 << lv.shift
                base = entry & self.addr_mask & ~(size - 1)
                return Translation(vaddr, base | (vaddr & (size - 1)), tuple(steps), None, size)
            table = (entry & self.addr_mask) >> PAGE_SHIFT
        raise AssertionError("unreachable")

    # -- read-only views ---------------------------------------------------------------------
    @property
    def tables(self) -> Mapping[int, Mapping[int, int]]:
        """Every page-table page: pfn -> {index: ``pte_t``/``pmd_t``/``pgd_t`` value} (read-only)."""
        return MappingProxyType(self._pt)

    @property
    def table_meta(self) -> Mapping[int, tuple[str, int]]:
        """pfn -> (level, first virtual address it maps) of every page-table page (read-only)."""
        return MappingProxyType(self._pt_meta)

    @property
    def static_tables(self) -> frozenset[int]:
        """Boot's PTE tables of the direct map (never change)."""
        return frozenset(self._static_pt)

    def kernel_mappings(self, pfn: int) -> tuple[int, ...]:
        """The kernel virtual addresses whose PTE maps ``pfn`` (vmalloc, vmap, ioremap), sorted.

        The model's reverse map; the kernel keeps none for kernel mappings."""
        return tuple(sorted(self._rmap.get(pfn, ())))

    # -- entries, for the subsystems above ------------------------------------------------------
    def entry(self, table: int, index: int) -> int:
        """The entry at ``table[index]`` as ``pte_val()`` reads it (0 for ``pte_none``)."""
        return self._pt[table].get(index, 0)

    def set_entry(self, table: int, index: int, entry: int) -> None:
        """``set_pte``/``set_pmd``: write an entry (the caller accounts the mapping and reports it)."""
        self._pt[table][index] = entry

    def clear_entry(self, table: int, index: int) -> int:
        """``pte_clear``: remove an entry, returning what it held (0 if none)."""
        return self._pt[table].pop(index, 0)

    def alloc_table(self, parent: int, index: int, level: str, vaddr: int, fn: str) -> int | None:
        """mm/memory.c:__pte_alloc / __pmd_alloc: a zeroed table linked at ``parent[index]``.

        Returns its pfn, or None (the kernel's -ENOMEM) when no page is left."""
        page = self._page_alloc.alloc(GFP_KERNEL | K__GFP_ZERO, 0)
        if page is None:
            return None
        entry = (page.pfn << PAGE_SHIFT) | (_PAGE_PRESENT if level == "pmd" and self.config.pae else _PAGE_TABLE)
        self._new_table(page.pfn, level, vaddr)
        self._pt[parent][index] = entry
        self._emitter.emit(
            PageTableAllocated, fn, level=level, pfn=page.pfn, vaddr=vaddr, parent=parent, index=index, entry=entry
        )
        return page.pfn

    def free_table(self, parent: int, index: int, fn: str) -> None:
        """``pte_free``/``pmd_free``: unlink the table at ``parent[index]``, free its page.

        include/asm-x86/pgalloc_32.h in 2.6.24, arch/x86/include/asm/pgalloc.h in 2.6.32."""
        entry = self._pt[parent].pop(index)
        pfn = (entry & self.addr_mask) >> PAGE_SHIFT
        level, vaddr = self._pt_meta.pop(pfn)
        del self._pt[pfn]
        self._page_alloc.mem_map.pagetable[pfn] = 0
        self._emitter.emit(
            PageTableFreed, fn, level=level, pfn=pfn, vaddr=vaddr, parent=parent, index=index, entry=entry
        )
        self._page_alloc.free(pfn, 0)

    def pgd_alloc(self, mm_name: str) -> Page | None:
        """arch/x86/mm/pgtable_32.c:pgd_alloc/pgd_ctor (arch/x86/mm/pgtable.c in 2.6.32): a page
        directory whose kernel part is swapper_pg_dir's; None (NULL) when no page is left
        (the failed allocation is an event)."""
        page = self._page_alloc.alloc(GFP_KERNEL, 0)
        if page is None:
            return None
        self._new_table(page.pfn, "pgd", 0)
        first_kernel = self.pgd_index(self.layout.page_offset)
        pgd = self._pt[page.pfn]
        for i, entry in self._pt[self.swapper].items():
            if i >= first_kernel:
                pgd[i] = entry
        self._emitter.emit(
            PgdCreated,
            f"{self.pgd_file}:pgd_ctor",
            mm=mm_name,
            pfn=page.pfn,
        )
        return page

    def pgd_free(self, mm_name: str, pfn: int) -> None:
        """arch/x86/mm/pgtable_32.c:pgd_free (arch/x86/mm/pgtable.c in 2.6.32): the PAE user
        PMDs, then the page directory."""
        first_kernel = self.pgd_index(self.layout.page_offset)
        if self.config.pae:  # pgd_free frees the preallocated user PMDs
            for i in range(first_kernel):
                if i in self._pt[pfn]:  # all of them, unless pgd_alloc itself ran out
                    self.free_table(pfn, i, f"{self.pgd_file}:pgd_free")
        # only what differs from swapper's kernel part: the replay rebuilds the rest, as for pgd_alloc
        pgd, swapper = self._pt[pfn], self._pt[self.swapper]
        diff: list[tuple[int, int | None]] = [(i, e) for i, e in pgd.items() if i < first_kernel or swapper.get(i) != e]
        diff += [(i, None) for i in swapper if i >= first_kernel and i not in pgd]
        entries = tuple(sorted(diff))
        del self._pt[pfn], self._pt_meta[pfn]
        self._page_alloc.mem_map.pagetable[pfn] = 0
        self._emitter.emit(PgdFreed, f"{self.pgd_file}:pgd_free", mm=mm_name, pfn=pfn, entries=entries)
        self._page_alloc.free(pfn, 0)

    def is_pgd(self, pfn: int) -> bool:
        """Frame ``pfn`` is a page global directory (swapper_pg_dir or a process's)."""
        return self._pt_meta.get(pfn, ("",))[0] == "pgd"

    def _new_table(self, pfn: int, level: str, vaddr: int) -> None:
        self._pt[pfn] = {}
        self._pt_meta[pfn] = (level, vaddr)
        self._page_alloc.mem_map.pagetable[pfn] = 1

    # -- kernel mappings (vmalloc, vmap, ioremap) ----------------------------------------------
    def pte_slot(self, vaddr: int) -> tuple[int, int] | None:
        """``pte_offset_kernel``: the (PTE table, index) for ``vaddr`` in swapper_pg_dir.

        None (no table yet, or a large page maps it) where the kernel would find ``pmd_none``."""
        table = self.swapper
        for lv in self.levels[:-1]:
            entry = self._pt[table].get((vaddr >> lv.shift) & (lv.entries - 1), 0)
            if not entry & _PAGE_PRESENT or entry & _PAGE_PSE:
                return None
            table = (entry & self.addr_mask) >> PAGE_SHIFT
        lv = self.levels[-1]
        return table, (vaddr >> lv.shift) & (lv.entries - 1)

    def pte_alloc_kernel(self, vaddr: int) -> tuple[int, int] | None:
        """The PTE slot for ``vaddr`` in swapper_pg_dir, allocating the PTE table if missing.

        mm/memory.c:__pte_alloc_kernel: one zeroed GFP_KERNEL page, linked with
        ``pmd_populate_kernel`` (entry flags _PAGE_TABLE).  None if the page allocation
        fails.  Under PAE the kernel PMDs exist from boot, so only PTE tables are new.
        """
        slot = self.pte_slot(vaddr)
        if slot is not None:
            return slot
        lv_parent = self.levels[-2]
        parent = self.swapper
        for lv in self.levels[:-2]:  # PAE: PGD -> kernel PMD (present since boot)
            entry = self._pt[parent][(vaddr >> lv.shift) & (lv.entries - 1)]
            parent = (entry & self.addr_mask) >> PAGE_SHIFT
        page = self._page_alloc.alloc(GFP_KERNEL | K__GFP_REPEAT | K__GFP_ZERO, 0)
        if page is None:
            return None
        idx = (vaddr >> lv_parent.shift) & (lv_parent.entries - 1)
        base = vaddr & ~((1 << lv_parent.shift) - 1)
        entry = (page.pfn << PAGE_SHIFT) | _PAGE_TABLE
        self._new_table(page.pfn, "pte", base)
        self._pt[parent][idx] = entry
        self._emitter.emit(
            PageTableAllocated, _PTE_ALLOC, level="pte", pfn=page.pfn, vaddr=base, parent=parent, index=idx, entry=entry
        )
        return self.pte_slot(vaddr)

    def set_pte(self, slot: tuple[int, int], vaddr: int, pfn: int, prot: int, fn: str) -> None:
        """``set_pte_at(&init_mm, vaddr, pte, pfn_pte(pfn, prot))``: map ``pfn`` at kernel address ``vaddr``.

        ``prot`` is a ``pgprot_t``; the frame counts one more mapping."""
        table, idx = slot
        entry = (pfn << PAGE_SHIFT) | prot
        self._pt[table][idx] = entry
        self._rmap.setdefault(pfn, set()).add(vaddr)
        mem_map = self._page_alloc.mem_map
        if pfn < len(mem_map):
            mem_map.mapcount[pfn] += 1
        self._emitter.emit(PteInstalled, fn, table=table, index=idx, vaddr=vaddr, entry=entry)

    def unaccount_kernel_range(self, start: int, end: int) -> None:
        """The mappings in [start, end) stop counting (a lazily freed vmap area: its PTEs stay
        until the purge, but the frames behind them are no longer in use there)."""
        self._count_kernel_range(start, end, -1)

    def account_kernel_range(self, start: int, end: int) -> None:
        """The mappings in [start, end) count again (the undo of :meth:`unaccount_kernel_range`:
        a pkmap slot left mapped after its last kunmap gets a user again)."""
        self._count_kernel_range(start, end, 1)

    def _count_kernel_range(self, start: int, end: int, delta: int) -> None:
        mem_map = self._page_alloc.mem_map
        for vaddr in range(start, end, PAGE_SIZE):
            slot = self.pte_slot(vaddr)
            if slot is None or slot[1] not in self._pt[slot[0]]:
                continue
            pfn = (self._pt[slot[0]][slot[1]] & self.addr_mask) >> PAGE_SHIFT
            if pfn < len(mem_map):
                mem_map.mapcount[pfn] += delta

    def clear_pte(self, vaddr: int, fn: str, counted: bool = True) -> None:
        """``pte_clear(&init_mm, vaddr, pte)``: unmap kernel address ``vaddr`` (nothing if unmapped).

        ``counted=False``: the mapping was already uncounted (a lazily freed 2.6.28+ area)."""
        slot = self.pte_slot(vaddr)
        if slot is None or slot[1] not in self._pt[slot[0]]:
            return
        table, idx = slot
        old = self._pt[table].pop(idx)
        pfn = (old & self.addr_mask) >> PAGE_SHIFT
        maps = self._rmap.get(pfn)
        if maps is not None:
            maps.discard(vaddr)
            if not maps:
                del self._rmap[pfn]
        mem_map = self._page_alloc.mem_map
        if counted and pfn < len(mem_map):
            mem_map.mapcount[pfn] -= 1
        self._emitter.emit(PteCleared, fn, table=table, index=idx, vaddr=vaddr, old=old)
