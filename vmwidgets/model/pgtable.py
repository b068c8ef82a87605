"""x86 page tables: ``swapper_pg_dir`` at boot, kernel PTE installs and walks.

Follows arch/x86/mm/init_32.c (kernel_physical_mapping_init, page_table_range_init),
mm/memory.c (__pte_alloc_kernel) and the two-level/three-level index splits of
asm-x86/pgtable-2level.h and pgtable-3level.h.  Page-table pages are frames: at boot
they come from the boot allocator (reserved), later from ``alloc_pages(GFP_KERNEL)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

from ..errors import InvalidArgument, check_int
from ..events import PageTableAllocated, PteCleared, PteInstalled, TableEntryRead
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
from .page import Page

if TYPE_CHECKING:
    from .kernel import Kernel

# The walk is the MMU's (hardware), not a kernel function; arch/x86/mm/fault.c:dump_pagetable
# (2.6.25+) and the oops path of 2.6.24's do_page_fault read the same entries the same way.
_WALK = "x86 MMU:page walk"
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


class WalkEntry(NamedTuple):
    """One step of a page-table walk: which table, which index, what the entry held."""

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
            lines.append(f"  -> fault: no {self.fault.upper()} entry")
            if self.user_space_in_swapper:
                lines.append(
                    "     (swapper_pg_dir maps only the kernel part; user space belongs to a process's page tables)"
                )
        return "\n".join(lines)

    def __repr__(self) -> str:
        end = f"phys={self.phys:#x}" if self.ok else f"fault={self.fault!r}"
        return f"<Translation {self.vaddr:#010x} -> {end}, {len(self.steps)} steps>"


class PageTables:
    """Mixin of :class:`~vmwidgets.Kernel`: page-table state is ``_pt`` (pfn → {index: entry})."""

    @property
    def levels(self: Kernel) -> tuple[Level, ...]:
        return LEVELS_3 if self.config.pae else LEVELS_2

    @property
    def _addr_mask(self: Kernel) -> int:
        return 0x000FFFFFFFFFF000 if self.config.pae else 0xFFFFF000

    @property
    def page_kernel(self: Kernel) -> int:
        """PAGE_KERNEL as masked by ``__supported_pte_mask`` (NX only under PAE)."""
        return K__PAGE_KERNEL_EXEC | (_PAGE_NX if self.config.pae else 0)

    @property
    def swapper_pg_dir(self: Kernel) -> Page:
        """The kernel's master page directory (``init_mm.pgd``)."""
        return Page(self, self._swapper)

    def pgd_index(self: Kernel, vaddr: int) -> int:
        return vaddr >> self.levels[0].shift

    def split(self: Kernel, vaddr: int) -> dict[str, int]:
        """The index fields of ``vaddr`` for this paging mode, plus the page offset."""
        check_int("vaddr", vaddr, 0, 0xFFFFFFFF)
        out = {lv.name: (vaddr >> lv.shift) & (lv.entries - 1) for lv in self.levels}
        out["offset"] = vaddr & (PAGE_SIZE - 1)
        return out

    def translate(self: Kernel, vaddr: int, pgd: Page | None = None) -> Translation:
        """Walk the page tables for ``vaddr`` (default: ``swapper_pg_dir``), as the MMU does.

        >>> from vmwidgets import Kernel, Config
        >>> k = Kernel(Config())
        >>> hex(k.translate(0xC0801234).phys)
        '0x801234'
        """
        check_int("vaddr", vaddr, 0, 0xFFFFFFFF, "a 32-bit virtual address (0 to 0xffffffff)")
        if pgd is not None:
            self._check_page(pgd, "pgd")
            if self._pt_meta.get(pgd.pfn, ("",))[0] != "pgd":
                raise InvalidArgument("pgd", pgd, "None or the struct page of a page global directory")
        root = self._swapper if pgd is None else pgd.pfn
        with self._operation("translate", f"vaddr={vaddr:#010x}", _WALK) as op:
            t = self._walk(root, vaddr, emit=True)
            if not t.ok and root == self._swapper and vaddr < self.layout.page_offset:
                t = replace(t, user_space_in_swapper=True)
            op.result = f"phys {t.phys:#x}" if t.ok else f"fault at {t.fault.upper()}"
            return t

    def _walk(self: Kernel, root: int, vaddr: int, emit: bool = False) -> Translation:
        table, steps, levels = root, [], self.levels
        for depth, lv in enumerate(levels):
            idx = (vaddr >> lv.shift) & (lv.entries - 1)
            entry = self._pt[table].get(idx, 0)
            steps.append(WalkEntry(lv.name, table, idx, entry))
            if emit:
                self._emit(TableEntryRead, _WALK, vaddr, lv.name, table, idx, entry)
            if not entry & _PAGE_PRESENT:
                return Translation(vaddr, None, tuple(steps), lv.name, 1 << lv.shift)
            last = depth == len(levels) - 1
            if last or (depth and entry & _PAGE_PSE) or (not self.config.pae and entry & _PAGE_PSE):
                size = 1 << lv.shift
                base = entry & self._addr_mask & ~(size - 1)
                return Translation(vaddr, base | (vaddr & (size - 1)), tuple(steps), None, size)
            table = (entry & self._addr_mask) >> PAGE_SHIFT
        raise AssertionError("unreachable")

    def _pte_slot(self: Kernel, vaddr: int) -> tuple[int, int] | None:
        """The (PTE table, index) for ``vaddr`` in swapper_pg_dir, or None if no table yet."""
        table = self._swapper
        for lv in self.levels[:-1]:
            entry = self._pt[table].get((vaddr >> lv.shift) & (lv.entries - 1), 0)
            if not entry & _PAGE_PRESENT or entry & _PAGE_PSE:
                return None
            table = (entry & self._addr_mask) >> PAGE_SHIFT
        lv = self.levels[-1]
        return table, (vaddr >> lv.shift) & (lv.entries - 1)

    def _pte_alloc_kernel(self: Kernel, vaddr: int) -> tuple[int, int] | None:
        """The PTE slot for ``vaddr`` in swapper_pg_dir, allocating the PTE table if missing.

        mm/memory.c:__pte_alloc_kernel: one zeroed GFP_KERNEL page, linked with
        ``pmd_populate_kernel`` (entry flags _PAGE_TABLE).  None if the page allocation
        fails.  Under PAE the kernel PMDs exist from boot, so only PTE tables are new.
        """
        slot = self._pte_slot(vaddr)
        if slot is not None:
            return slot
        lv_parent = self.levels[-2]
        parent = self._swapper
        for lv in self.levels[:-2]:  # PAE: PGD -> kernel PMD (present since boot)
            entry = self._pt[parent][(vaddr >> lv.shift) & (lv.entries - 1)]
            parent = (entry & self._addr_mask) >> PAGE_SHIFT
        page = self._alloc_pages(GFP_KERNEL | K__GFP_REPEAT | K__GFP_ZERO, 0)
        if page is None:
            return None
        idx = (vaddr >> lv_parent.shift) & (lv_parent.entries - 1)
        base = vaddr & ~((1 << lv_parent.shift) - 1)
        entry = (page.pfn << PAGE_SHIFT) | _PAGE_TABLE
        self._pt[page.pfn] = {}
        self._pt_meta[page.pfn] = ("pte", base)
        self._pt[parent][idx] = entry
        self._emit(PageTableAllocated, _PTE_ALLOC, "pte", page.pfn, base, parent, idx, entry)
        return self._pte_slot(vaddr)

    def _set_pte(self: Kernel, slot: tuple[int, int], vaddr: int, pfn: int, prot: int, fn: str) -> None:
        table, idx = slot
        entry = (pfn << PAGE_SHIFT) | prot
        self._pt[table][idx] = entry
        self._rmap.setdefault(pfn, set()).add(vaddr)
        self._emit(PteInstalled, fn, table, idx, vaddr, entry)

    def _clear_pte(self: Kernel, vaddr: int, fn: str) -> None:
        slot = self._pte_slot(vaddr)
        if slot is None or slot[1] not in self._pt[slot[0]]:
            return
        table, idx = slot
        old = self._pt[table].pop(idx)
        pfn = (old & self._addr_mask) >> PAGE_SHIFT
        maps = self._rmap.get(pfn)
        if maps is not None:
            maps.discard(vaddr)
            if not maps:
                del self._rmap[pfn]
        self._emit(PteCleared, fn, table, idx, vaddr, old)
