"""Highmem mappings: permanent kmaps (the pkmap band) and atomic kmaps (the fixmap's KM slots).

Follows mm/highmem.c (kmap_high, map_new_virtual, flush_all_zero_pkmaps, kunmap_high,
page_address) and arch/x86/mm/highmem_32.c (kmap, kunmap, kmap_atomic_prot,
kunmap_atomic) of 2.6.24 and 2.6.32; the constants come from include/asm-x86/highmem.h,
kmap_types.h and fixmap_32.h (2.6.24) and arch/x86/include/asm/pgtable_32_types.h,
fixmap.h and include/asm-generic/kmap_types.h (2.6.32).  The model has one CPU
(``smp_processor_id()`` is 0).  The PTEs go through the page-table subsystem, so a walk of
a returned address finds the page.

Simplifications, each deliberate: the page_address hash table (128 buckets of
``page_address_map``) is a dict keyed by pfn; nothing can wake a sleeper, so when every
pkmap slot is in use :meth:`Highmem.kmap` reports the sleep as an event and returns None;
``CONFIG_DEBUG_HIGHMEM`` (the fenced ``km_type`` values, ``debug_kmap_atomic``) is off, but
its ``kunmap_atomic`` checks are made (as errors) so a wrong address is caught.
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import AddressError, InvalidArgument, PageStateError, check_int
from ..events import (
    FixmapSlotComputed,
    PageAddressRead,
    PkmapCountChanged,
    PkmapSlotVisited,
    PkmapWaitQueued,
    TlbFlushed,
)
from .config import Config
from .constants import PAGE_SHIFT, PAGE_SIZE
from .emit import Emitter
from .layout import Layout
from .page import Page
from .page_alloc import PageAllocator
from .pgtable import PageTables

__all__ = [
    "KM_BIO_DST_IRQ",
    "KM_BIO_SRC_IRQ",
    "KM_BOUNCE_READ",
    "KM_IRQ0",
    "KM_IRQ1",
    "KM_IRQ_PTE",
    "KM_NMI",
    "KM_NMI_PTE",
    "KM_PTE0",
    "KM_PTE1",
    "KM_SKB_DATA_SOFTIRQ",
    "KM_SKB_SUNRPC_DATA",
    "KM_SOFTIRQ0",
    "KM_SOFTIRQ1",
    "KM_SYNC_DCACHE",
    "KM_SYNC_ICACHE",
    "KM_UML_USERCOPY",
    "KM_USER0",
    "KM_USER1",
    "FIX_KMAP_BEGIN",
    "KM_TYPES_2_6_24",
    "KM_TYPES_2_6_32",
    "FixmapEntry",
    "Highmem",
    "fixed_addresses",
    "km_types",
]

# enum km_type: include/asm-x86/kmap_types.h:10-25 (2.6.24, 13 members);
# include/asm-generic/kmap_types.h:10-32 (2.6.32, the same 13 and six more).
KM_TYPES_2_6_24 = (
    "KM_BOUNCE_READ",
    "KM_SKB_SUNRPC_DATA",
    "KM_SKB_DATA_SOFTIRQ",
    "KM_USER0",
    "KM_USER1",
    "KM_BIO_SRC_IRQ",
    "KM_BIO_DST_IRQ",
    "KM_PTE0",
    "KM_PTE1",
    "KM_IRQ0",
    "KM_IRQ1",
    "KM_SOFTIRQ0",
    "KM_SOFTIRQ1",
)
KM_TYPES_2_6_32 = (
    *KM_TYPES_2_6_24,
    "KM_SYNC_ICACHE",
    "KM_SYNC_DCACHE",
    "KM_UML_USERCOPY",
    "KM_IRQ_PTE",
    "KM_NMI",
    "KM_NMI_PTE",
)

# Their values, as the enum gives them (the last six exist in 2.6.32 only).
KM_BOUNCE_READ = 0
KM_SKB_SUNRPC_DATA = 1
KM_SKB_DATA_SOFTIRQ = 2
KM_USER0 = 3
KM_USER1 = 4
KM_BIO_SRC_IRQ = 5
KM_BIO_DST_IRQ = 6
KM_PTE0 = 7
KM_PTE1 = 8
KM_IRQ0 = 9
KM_IRQ1 = 10
KM_SOFTIRQ0 = 11
KM_SOFTIRQ1 = 12
KM_SYNC_ICACHE = 13
KM_SYNC_DCACHE = 14
KM_UML_USERCOPY = 15
KM_IRQ_PTE = 16
KM_NMI = 17
KM_NMI_PTE = 18

# The fixmap entries before FIX_KMAP_BEGIN with a distro's options (LOCAL_APIC, IO_APIC with
# MAX_IO_APICS 64, F00F_BUG): fixmap_32.h:54-80 (2.6.24), fixmap.h:73-106 (2.6.32).
# CYCLONE_TIMER in place of F00F_BUG gives the same 70; a kernel with neither (built for
# 686 and up, no Summit/generic arch) has 69, which the model does not offer: one fixed
# set of options keeps every KM slot address the same across fixmap sizes
# (tests/reference/highmem.py derives the enum per config).
FIX_KMAP_BEGIN = 70
_HEAD = (("FIX_HOLE", 0, 0), ("FIX_VDSO", 1, 1), ("FIX_DBGP_BASE", 2, 2), ("FIX_EARLYCON_MEM_BASE", 3, 3),
         ("FIX_APIC_BASE", 4, 4), ("FIX_IO_APIC_BASE_0", 5, 68), ("FIX_F00F_IDT", 69, 69))  # fmt: skip
# After FIX_KMAP_END, up to __end_of_permanent_fixed_addresses (ACPI 4 pages only in 2.6.24).
_TAIL_24 = (("FIX_ACPI_BEGIN", 4), ("FIX_PCIE_MCFG", 1), ("FIX_PARAVIRT_BOOTMAP", 1))
_TAIL_32 = (("FIX_PCIE_MCFG", 1), ("FIX_PARAVIRT_BOOTMAP", 1), ("FIX_TEXT_POKE1", 1), ("FIX_TEXT_POKE0", 1))

_KMAP = "arch/x86/mm/highmem_32.c:kmap"
_KUNMAP = "arch/x86/mm/highmem_32.c:kunmap"
_KMAP_HIGH = "mm/highmem.c:kmap_high"
_KUNMAP_HIGH = "mm/highmem.c:kunmap_high"
_MAP_NEW = "mm/highmem.c:map_new_virtual"
_FLUSH = "mm/highmem.c:flush_all_zero_pkmaps"
_FLUSH_UNUSED = "mm/highmem.c:kmap_flush_unused"
_PAGE_ADDRESS = "mm/highmem.c:page_address"
_KMAP_ATOMIC = "arch/x86/mm/highmem_32.c:kmap_atomic_prot"
_KUNMAP_ATOMIC = "arch/x86/mm/highmem_32.c:kunmap_atomic"


def km_types(config: Config) -> tuple[str, ...]:
    """The names of the era's ``enum km_type`` in order (their index is the value); ``KM_TYPE_NR``
    is the length: 13 in 2.6.24, 19 in 2.6.32."""
    return KM_TYPES_2_6_32 if config.era_minor >= 28 else KM_TYPES_2_6_24


class FixmapEntry(NamedTuple):
    """One member (or range) of ``enum fixed_addresses``: indices ``first..last`` and the
    addresses ``[start, end)`` they cover (``__fix_to_virt`` counts down from FIXADDR_TOP)."""

    name: str
    first: int
    last: int
    start: int
    end: int


def fixed_addresses(config: Config, layout: Layout) -> tuple[FixmapEntry, ...]:
    """The permanent fixmap, ``enum fixed_addresses`` up to ``__end_of_permanent_fixed_addresses``,
    in the era's order (include/asm-x86/fixmap_32.h:54-92; arch/x86/include/asm/fixmap.h:73-116).

    The options are a distro's (see :data:`FIX_KMAP_BEGIN`); NR_CPUS is whatever fills the
    configured fixmap size (``Config.fixmap_kb``): 8 for the defaults of 720 kB (2.6.24) and
    904 kB (2.6.32).  Slots the size leaves over, if any, lie unnamed between FIX_KMAP_END and
    the era's last entries; a size too small for one CPU's slots still lists them (they then
    reach below FIXADDR_START).  2.6.24 has FIX_ACPI_BEGIN..END; 2.6.32 drops it and adds
    FIX_TEXT_POKE1/0.  Without CONFIG_HIGHMEM 2.6.24 has no FIX_KMAP_BEGIN..END
    (fixmap_32.h:78-81); 2.6.32 keeps them (under CONFIG_X86_32, fixmap.h:104-106).

    The PAE default sizes (3612 kB, read off 2.6.27/2.6.28 -server logs, and 3744 kB) are no
    2.6.24 or 2.6.32 enum under a plausible config (903 pages needs 2.6.24 without ACPI,
    936 pages none): kept because they are what real PAE boot logs print (tests/test_bootlogs.py
    checks the layout against them); the listing then holds as many whole CPUs of KM
    slots as fit (63 and 45) and leaves the rest unnamed (tests/test_highmem.py
    test_default_fixmap_sizes_against_the_enum)."""
    p = config.fixmap_pages
    tail = _TAIL_32 if config.era_minor >= 28 else _TAIL_24
    ntail = sum(n for _, n in tail)
    nr = len(km_types(config))
    cpus = max(1, (p - FIX_KMAP_BEGIN - ntail) // nr)
    top = layout.fixaddr_top

    def entry(name: str, first: int, last: int) -> FixmapEntry:
        return FixmapEntry(name, first, last, top - (last << PAGE_SHIFT), top - ((first - 1) << PAGE_SHIFT))

    out = [entry(*h) for h in _HEAD]
    if config.highmem or config.era_minor >= 28:  # 2.6.24 has the KM slots only with CONFIG_HIGHMEM
        out.append(entry("FIX_KMAP_BEGIN", FIX_KMAP_BEGIN, FIX_KMAP_BEGIN + nr * cpus - 1))
    else:
        cpus = 0
    i = max(p - ntail, FIX_KMAP_BEGIN + nr * cpus)
    for name, n in tail:
        out.append(entry(name, i, i + n - 1))
        i += n
    return tuple(out)


class Highmem:
    """The pkmap pool and the atomic kmap slots of one kernel (mm/highmem.c's statics).

    ``pkmap_count[LAST_PKMAP]``: 0 free and flushed, 1 still mapped with no user (reusable
    only after a TLB flush), n ≥ 2 means n−1 users.  ``last_pkmap_nr``: where the circular
    search resumes.  ``page_address_htable`` is the model's dict pfn -> pkmap address.
    """

    def __init__(
        self, config: Config, layout: Layout, emitter: Emitter, page_alloc: PageAllocator, pgtable: PageTables
    ) -> None:
        self.config = config
        self.layout = layout
        self._emitter = emitter
        self._page_alloc = page_alloc
        self._pgtable = pgtable
        self.last_pkmap = layout.last_pkmap
        self._count = [0] * layout.last_pkmap
        self.last_pkmap_nr = 0
        self._address: dict[int, int] = {}  # page_address_htable: highmem pfn -> pkmap address
        self.pagefault_disabled = 0  # pagefault_disable()'s depth (preempt_count in these eras)
        self.km_types = km_types(config)

    # -- read-only -------------------------------------------------------------------------------
    @property
    def pkmap_count(self) -> tuple[int, ...]:
        """``static int pkmap_count[LAST_PKMAP]`` (mm/highmem.c:61), as a tuple (read-only)."""
        return tuple(self._count)

    def pkmap_addr(self, nr: int) -> int:
        """``PKMAP_ADDR(nr)``: ``PKMAP_BASE + nr * PAGE_SIZE``."""
        base = self.layout.pkmap_base
        if base is None:
            raise InvalidArgument("config.highmem", False, "a kernel with CONFIG_HIGHMEM")
        return base + (nr << PAGE_SHIFT)

    def fix_to_virt(self, idx: int) -> int:
        """``__fix_to_virt(idx)``: ``FIXADDR_TOP - (idx << PAGE_SHIFT)`` (higher index, lower address)."""
        return self.layout.fixaddr_top - (idx << PAGE_SHIFT)

    def kmap_atomic_addr(self, km_type: int) -> int:
        """The address of ``km_type``'s slot on CPU 0: ``__fix_to_virt(FIX_KMAP_BEGIN + type)``."""
        return self.fix_to_virt(FIX_KMAP_BEGIN + self._check_type(km_type))

    # -- checks ----------------------------------------------------------------------------------
    def _check_page(self, page: object) -> Page:
        p = self._page_alloc.check_page(page)
        if p.stale or (p.count == 0 and not p.reserved):
            raise PageStateError("page", p, "a page in use (this one is free, or the handle is stale)")
        return p

    def _check_type(self, km_type: object) -> int:
        names = self.km_types
        return check_int(
            "km_type", km_type, 0, len(names) - 1, f"an enum km_type of {self.config.era} (0 to {len(names) - 1})"
        )

    def _highmem(self, pfn: int) -> bool:
        return pfn >= self.layout.max_low_pfn  # PageHighMem

    # -- page_address ----------------------------------------------------------------------------
    def page_address(self, page: Page) -> int | None:
        """``void *page_address(struct page *page)`` (mm/highmem.c:page_address, HASHED_PAGE_VIRTUAL).

        A lowmem page's direct-map address; a highmem page's pkmap address while it has one
        (count ≥ 1, until the flush after the next wrap), else None (NULL).  Same in both eras."""
        p = self._page_alloc.check_page(page)
        with self._emitter.operation("page_address", f"pfn={p.pfn:#x}", _PAGE_ADDRESS) as op:
            v = self._page_address(p.pfn)
            op.result = "NULL" if v is None else f"{v:#010x}"
            return v

    def _page_address(self, pfn: int) -> int | None:
        if not self._highmem(pfn):
            v: int | None = self.layout.page_offset + (pfn << PAGE_SHIFT)
        else:
            v = self._address.get(pfn)
        self._emitter.emit(PageAddressRead, _PAGE_ADDRESS, pfn=pfn, virtual=v or 0)
        return v

    # -- kmap / kunmap ---------------------------------------------------------------------------
    def kmap(self, page: Page) -> int | None:
        """``void *kmap(struct page *page)`` (arch/x86/mm/highmem_32.c:kmap → mm/highmem.c:kmap_high).

        A lowmem page: its direct-map address (``page_address``), no slot, no count.  A
        highmem page already in the pkmap (count ≥ 1, even with no user) gets the same
        address and one more user; otherwise map_new_virtual searches ``pkmap_count``
        circularly from ``last_pkmap_nr + 1`` (so the first kmap after boot takes slot 1),
        flushing every count-1 slot when it wraps to 0 (flush_all_zero_pkmaps), installs the
        PTE in ``pkmap_page_table`` with PAGE_KERNEL and sets the count to 1, then kmap_high
        makes it 2.  Returns the address (``void *``).

        When every slot is in use the kernel sleeps on ``pkmap_map_wait`` until a kunmap;
        with one thread nobody would wake it, so the model reports the sleep as a
        ``PkmapWaitQueued`` event and returns None: kunmap a page and call again.  Refuses
        anything but a page of this kernel (:class:`~vmwidgets.InvalidArgument`) and a free
        page or stale handle (:class:`~vmwidgets.PageStateError`), before any step.
        2.6.24 flushes the TLB on every wrap; 2.6.32 only when a slot was cleared.

        >>> from vmwidgets import Kernel, GFP_HIGHUSER
        >>> k = Kernel()
        >>> page = k.alloc_pages(GFP_HIGHUSER)
        >>> hex(k.kmap(page)), k.pkmap_count[1], k.last_pkmap_nr
        ('0xff801000', 2, 1)
        """
        p = self._check_page(page)
        with self._emitter.operation("kmap", f"pfn={p.pfn:#x}", _KMAP) as op:
            v = self._page_address(p.pfn)
            if not self._highmem(p.pfn):
                op.result = f"{v:#010x} (lowmem: the direct map)"
                return v
            reused = v is not None
            if v is None:
                v = self._map_new_virtual(p.pfn)
                if v is None:
                    op.result = "would sleep on pkmap_map_wait (every slot in use)"
                    return None
            nr = (v - self.pkmap_addr(0)) >> PAGE_SHIFT
            self._set_count(nr, p.pfn, self._count[nr] + 1, _KMAP_HIGH)
            if reused and self._count[nr] == 2:  # a user again: its PTE counts as a mapping of the frame
                self._pgtable.account_kernel_range(v, v + PAGE_SIZE)
            op.result = f"{v:#010x} (pkmap slot {nr})"
            return v

    def _set_count(self, nr: int, pfn: int, new: int, fn: str) -> None:
        old = self._count[nr]
        self._count[nr] = new
        self._emitter.emit(PkmapCountChanged, fn, nr=nr, pfn=pfn, old=old, new=new)

    def _map_new_virtual(self, pfn: int) -> int | None:
        """mm/highmem.c:map_new_virtual (2.6.24 116-164, 2.6.32 139-187)."""
        mask = self.last_pkmap - 1
        count = self.last_pkmap
        while True:
            prev = self.last_pkmap_nr
            nr = self.last_pkmap_nr = (prev + 1) & mask
            if nr == 0:
                self._emitter.emit(PkmapSlotVisited, _MAP_NEW, nr=nr, prev=prev, count=self._count[nr], verdict="wrap")
                self._flush_all_zero_pkmaps()
                count = self.last_pkmap
            free = self._count[nr] == 0
            self._emitter.emit(
                PkmapSlotVisited,
                _MAP_NEW,
                nr=nr,
                prev=nr if nr == 0 else prev,
                count=self._count[nr],
                verdict="free" if free else "busy",
            )
            if free:
                break
            count -= 1
            if count == 0:
                self._emitter.emit(PkmapWaitQueued, _MAP_NEW, pfn=pfn)
                return None
        vaddr = self.pkmap_addr(nr)
        slot = self._pgtable.pte_slot(vaddr)
        if slot is None:  # permanent_kmaps_init built this table at boot
            raise AssertionError("no pkmap page table")
        self._pgtable.set_pte(slot, vaddr, pfn, self._pgtable.page_kernel, _MAP_NEW)
        self._address[pfn] = vaddr  # set_page_address
        self._set_count(nr, pfn, 1, _MAP_NEW)
        return vaddr

    def _flush_all_zero_pkmaps(self) -> None:
        """mm/highmem.c:flush_all_zero_pkmaps (2.6.24 69-105, 2.6.32 88-127)."""
        base = self.pkmap_addr(0)
        cleared = False
        for nr, c in enumerate(self._count):
            if c != 1:
                continue
            vaddr = base + (nr << PAGE_SHIFT)
            slot = self._pgtable.pte_slot(vaddr)
            entry = self._pgtable.entry(*slot) if slot is not None else 0
            pfn = (entry & self._pgtable.addr_mask) >> PAGE_SHIFT
            self._set_count(nr, pfn, 0, _FLUSH)
            self._pgtable.clear_pte(vaddr, _FLUSH, counted=False)  # uncounted since its last kunmap
            self._address.pop(pfn, None)  # set_page_address(page, NULL)
            cleared = True
        if cleared or self.config.era_minor < 28:  # 2.6.24 flushes unconditionally (line 104)
            self._emitter.emit(TlbFlushed, _FLUSH, start=base, end=self.pkmap_addr(self.last_pkmap))

    def kmap_flush_unused(self) -> None:
        """``void kmap_flush_unused(void)`` (mm/highmem.c:kmap_flush_unused): flush_all_zero_pkmaps
        now: every slot with count 1 is cleared (count 0, PTE and page_address gone), then the
        TLB is flushed (2.6.32: only if a slot was cleared).  ``last_pkmap_nr`` stays.  Nothing
        without CONFIG_HIGHMEM (an empty macro: include/linux/highmem.h line 60, 73 in 2.6.32)."""
        with self._emitter.operation("kmap_flush_unused", "", _FLUSH_UNUSED) as op:
            if self.layout.pkmap_base is None:  # without CONFIG_HIGHMEM it is an empty macro
                op.result = "no CONFIG_HIGHMEM: nothing to flush"
                return
            self._flush_all_zero_pkmaps()

    def _pkmap_base(self) -> int:
        return self.pkmap_addr(0)

    def kunmap(self, page: Page) -> None:
        """``void kunmap(struct page *page)`` (arch/x86/mm/highmem_32.c:kunmap → mm/highmem.c:kunmap_high).

        Nothing for a lowmem page.  A highmem page's slot loses a user: ``--pkmap_count[nr]``.
        At 1 the PTE and ``page_address`` stay until the next wrap's flush (a later kmap of
        the page gets the same address); the kernel would wake ``pkmap_map_wait`` here, on
        which no model task ever waits.  A highmem page that is not kmapped, or whose slot
        has no user left, is the kernel's ``BUG()``: refused with
        :class:`~vmwidgets.PageStateError` before anything changes.  Same in both eras
        (2.6.32 takes the lock through lock_kmap_any, a plain spinlock on x86)."""
        p = self._page_alloc.check_page(page)
        if self._highmem(p.pfn):
            v = self._address.get(p.pfn)
            if v is None or self._count[(v - self._pkmap_base()) >> PAGE_SHIFT] < 2:
                raise PageStateError("page", p, "a page kmapped and not yet kunmapped as often (this one has no kmap)")
        with self._emitter.operation("kunmap", f"pfn={p.pfn:#x}", _KUNMAP) as op:
            if not self._highmem(p.pfn):
                op.result = "lowmem: nothing to undo"
                return
            v = self._page_address(p.pfn)
            assert v is not None
            nr = (v - self._pkmap_base()) >> PAGE_SHIFT
            self._set_count(nr, p.pfn, self._count[nr] - 1, _KUNMAP_HIGH)
            if self._count[nr] == 1:  # mapped but unused: the frame may be freed before the flush
                self._pgtable.unaccount_kernel_range(v, v + PAGE_SIZE)
            op.result = f"pkmap slot {nr} count {self._count[nr]}"

    # -- kmap_atomic -----------------------------------------------------------------------------
    def kmap_atomic(self, page: Page, km_type: int) -> int:
        """``void *kmap_atomic(struct page *page, enum km_type type)`` (arch/x86/mm/highmem_32.c:
        kmap_atomic → kmap_atomic_prot, 2.6.24 29-52, 2.6.32 30-54).

        Disables page faults (``pagefault_disable``), then: a lowmem page returns its
        direct-map address, no PTE touched; a highmem page is mapped with PAGE_KERNEL in the
        fixmap slot ``idx = type + KM_TYPE_NR * cpu`` (cpu 0 here) at
        ``__fix_to_virt(FIX_KMAP_BEGIN + idx)``, returned (``void *``).  Fixmap addresses
        grow downward: KM_USER1's slot is a page below KM_USER0's.  ``km_type`` outside the
        era's enum (13 types in 2.6.24, 19 in 2.6.32) raises
        :class:`~vmwidgets.InvalidArgument`; so does a type whose slot is still mapped (the
        kernel's ``BUG_ON(!pte_none(...))``: no nesting of one type).  2.6.32 adds
        debug_kmap_atomic (only under CONFIG_DEBUG_HIGHMEM, not modelled).

        >>> from vmwidgets import Kernel, GFP_HIGHUSER, KM_USER0, KM_USER1
        >>> k = Kernel()
        >>> hex(k.kmap_atomic(k.alloc_pages(GFP_HIGHUSER), KM_USER0))
        '0xfffb6000'
        >>> hex(k.kmap_atomic(k.alloc_pages(GFP_HIGHUSER), KM_USER1))
        '0xfffb5000'
        """
        p = self._check_page(page)
        t = self._check_type(km_type)
        idx = t  # + KM_TYPE_NR * smp_processor_id(), which is 0
        vaddr = self.fix_to_virt(FIX_KMAP_BEGIN + idx)
        slot = self._pgtable.pte_slot(vaddr)
        if slot is None:
            raise AssertionError("no fixmap page table")
        if self._highmem(p.pfn) and self._pgtable.entry(*slot):
            raise InvalidArgument(
                "km_type", km_type, f"a type whose slot is free ({self.km_types[t]} is mapped: kunmap_atomic it first)"
            )
        with self._emitter.operation("kmap_atomic", f"pfn={p.pfn:#x}, {self.km_types[t]}", _KMAP_ATOMIC) as op:
            self.pagefault_disabled += 1
            if not self._highmem(p.pfn):
                v = self._page_address(p.pfn)
                assert v is not None
                op.result = f"{v:#010x} (lowmem: the direct map)"
                return v
            self._emitter.emit(FixmapSlotComputed, _KMAP_ATOMIC, km_type=t, idx=FIX_KMAP_BEGIN + idx, vaddr=vaddr)
            self._pgtable.set_pte(slot, vaddr, p.pfn, self._pgtable.page_kernel, _KMAP_ATOMIC)
            op.result = f"{vaddr:#010x} ({self.km_types[t]})"
            return vaddr

    def kunmap_atomic(self, vaddr: int, km_type: int) -> None:
        """``void kunmap_atomic(void *kvaddr, enum km_type type)`` (arch/x86/mm/highmem_32.c:
        kunmap_atomic, 2.6.24 54-76, 2.6.32 56-77).

        If ``kvaddr & PAGE_MASK`` is ``type``'s slot, its PTE is cleared and that one TLB
        entry flushed (kpte_clear_flush, in both eras); then page faults are enabled again.
        Refused (:class:`~vmwidgets.VmError`, nothing changed) without a kmap_atomic to
        undo, for a slot address whose PTE is empty, and for an address that is neither
        that slot nor lowmem (the CONFIG_DEBUG_HIGHMEM ``BUG_ON``\\ s, checked always).
        The first two are the model's own checks, deliberately stricter than the kernel:
        with no kmap_atomic to undo, ``pagefault_enable`` would take the preempt count below
        zero (a warning under DEBUG_PREEMPT, kernel/sched.c:sub_preempt_count); an empty slot
        the kernel would clear again, flush, and count as the undo of some other type's
        ``kmap_atomic``, unbalancing it silently.  Both are a caller's mistake a lesson
        should show at once (tests/test_highmem.py compares the rest with the reference)."""
        check_int("vaddr", vaddr, 0, 0xFFFFFFFF, "a 32-bit kernel address kmap_atomic returned")
        t = self._check_type(km_type)
        if self.pagefault_disabled == 0:
            raise InvalidArgument("vaddr", vaddr, "an address kmap_atomic returned and not yet unmapped (none is)")
        page_addr = vaddr & ~(PAGE_SIZE - 1)
        slot_addr = self.fix_to_virt(FIX_KMAP_BEGIN + t)
        slot = self._pgtable.pte_slot(slot_addr)
        lay = self.layout
        if page_addr == slot_addr:
            if slot is None or not self._pgtable.entry(*slot):
                raise InvalidArgument(
                    "km_type", km_type, f"the type vaddr was mapped with ({self.km_types[t]}'s slot is empty)"
                )
        elif not lay.page_offset <= vaddr < lay.high_memory:
            raise AddressError(
                "vaddr", vaddr, f"{self.km_types[t]}'s slot {slot_addr:#010x} or a lowmem address kmap_atomic returned"
            )
        with self._emitter.operation("kunmap_atomic", f"vaddr={vaddr:#010x}, {self.km_types[t]}", _KUNMAP_ATOMIC) as op:
            if page_addr == slot_addr:
                self._pgtable.clear_pte(slot_addr, _KUNMAP_ATOMIC)  # kpte_clear_flush
                self._emitter.emit(TlbFlushed, _KUNMAP_ATOMIC, start=slot_addr, end=slot_addr + PAGE_SIZE)
                op.result = f"{self.km_types[t]} slot cleared"
            else:
                op.result = "lowmem: nothing mapped"
            self.pagefault_disabled -= 1
