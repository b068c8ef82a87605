"""A reference for kmap, kmap_atomic and the layout they live in, written from the kernel sources alone.

It knows nothing of the model: pages are plain pfns, PTEs dicts slot -> pfn, and every
constant is derived here from the era's headers under an explicit :class:`KConfig`.

Sources ("[24]" = sndrzt/linux-source-2.6.24 @e8fc8216, the unmodified kernel.org import;
"[32]" = sndrzt/linux-2.6.32 @ae8292a5; line numbers are in those trees):

- mm/highmem.c: flush_all_zero_pkmaps [24] 69-105 / [32] 88-127, kmap_flush_unused 109-114 /
  132-137, map_new_virtual 116-164 / 139-187, kmap_high 166-184 / 197-213, kunmap_high
  188-225 / 250-288, page_address 262-287 / 331-356.
- arch/x86/mm/highmem_32.c: kmap 4-10 / 5-11, kunmap 12-19 / 13-20, kmap_atomic_prot 29-47 /
  30-49, kunmap_atomic 54-76 / 56-77.
- include/linux/mm.h:lowmem_page_address [24] 536-539 / [32] 590-593.
- enum km_type: include/asm-x86/kmap_types.h 4-25 [24]; arch/x86/include/asm/kmap_types.h 4-8
  with include/asm-generic/kmap_types.h 4-32 [32].
- enum fixed_addresses: include/asm-x86/fixmap_32.h 54-99, macros 116-123 [24];
  arch/x86/include/asm/fixmap.h 73-139, macros 144-147 and 179 [32].
- LAST_PKMAP, PKMAP_BASE: include/asm-x86/highmem.h 41-45, 61 [24];
  arch/x86/include/asm/pgtable_32_types.h 34-41 [32].
- VMALLOC_END: include/asm-x86/pgtable_32.h 81-85 [24]; pgtable_32_types.h 43-47 [32].
- MAXMEM and max_low_pfn: include/asm-x86/page_32.h:181 and arch/x86/kernel/setup_32.c:
  find_max_low_pfn 254-280 [24]; pgtable_32_types.h:53 and arch/x86/mm/init_32.c:
  lowmem_pfn_init/highmem_pfn_init 622-702 [32].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

ERAS = ("2.6.24", "2.6.32")

# include/asm-x86/page_32.h:5-7 [24]; arch/x86/include/asm/page_types.h:7-9 [32].
PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_MASK = 0xFFFFFFFF & ~(PAGE_SIZE - 1)

# unsigned long __FIXADDR_TOP = 0xfffff000: arch/x86/mm/pgtable_32.c:150 [24], :99 [32]
# (reserve_top_address lowers it for a hypervisor; not here).
FIXADDR_TOP = 0xFFFFF000

# CONFIG_PAGE_OFFSET's default, VMSPLIT_3G: arch/x86/Kconfig:797 [24], :1094 [32].
PAGE_OFFSET = 0xC0000000

# unsigned int __VMALLOC_RESERVE = 128 << 20: arch/x86/mm/init_32.c:48 [24];
# arch/x86/mm/pgtable_32.c:23 [32] (no vmalloc= parameter here).
VMALLOC_RESERVE = 128 << 20

# MAX_IO_APICS on 32-bit: include/asm-x86/apicdef_32.h:114 [24]; arch/x86/include/asm/apicdef.h:140 [32].
MAX_IO_APICS = 64

# FIX_ACPI_PAGES: include/asm-x86/acpi_32.h:103 [24] (2.6.32's fixmap has no ACPI entry).
FIX_ACPI_PAGES = 4

# NR_FIX_BTMAPS: include/asm-x86/fixmap_32.h:94 [24] (16 slots); arch/x86/include/asm/fixmap.h:124-125
# [32] (NR_FIX_BTMAPS 64 x FIX_BTMAPS_SLOTS 4 = 256 slots).
NR_FIX_BTMAPS_24 = 16
NR_FIX_BTMAPS_32 = 64 * 4

# enum km_type's members (without CONFIG_DEBUG_HIGHMEM's fences): include/asm-x86/kmap_types.h:11-23
# [24] (13); include/asm-generic/kmap_types.h:11-30 [32] (the same 13, then six more).
KM_NAMES_24 = (
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
KM_NAMES_32 = (
    *KM_NAMES_24,
    "KM_SYNC_ICACHE",
    "KM_SYNC_DCACHE",
    "KM_UML_USERCOPY",
    "KM_IRQ_PTE",
    "KM_NMI",
    "KM_NMI_PTE",
)


class Bug(Exception):
    """Where the kernel would BUG() (or, for pagefault_enable, underflow the preempt count)."""


def _check_era(era: str) -> bool:
    """True for 2.6.32, False for 2.6.24."""
    if era not in ERAS:
        raise ValueError(f"the reference knows {ERAS}, not {era!r}")
    return era == "2.6.32"


def km_types(era: str, debug_highmem: bool = False) -> tuple[str, ...]:
    """``enum km_type`` in value order, without KM_TYPE_NR: its length is KM_TYPE_NR.

    CONFIG_DEBUG_HIGHMEM puts ``__KM_FENCE_n`` before every member and before KM_TYPE_NR
    (the D(n) / KMAP_D(n) macro, kmap_types.h:4-8 in both eras), so KM_TYPE_NR = 2*members + 1."""
    names = KM_NAMES_32 if _check_era(era) else KM_NAMES_24
    if not debug_highmem:
        return names
    out: list[str] = []
    for n, name in enumerate(names):
        out += [f"__KM_FENCE_{n}", name]
    return (*out, f"__KM_FENCE_{len(names)}")


def last_pkmap(pae: bool) -> int:
    """LAST_PKMAP: one page table of PTEs, 512 under CONFIG_X86_PAE, else 1024
    (include/asm-x86/highmem.h:41-45 [24]; arch/x86/include/asm/pgtable_32_types.h:34-38 [32])."""
    return 512 if pae else 1024


def pmd_size(pae: bool) -> int:
    """PMD_SIZE: 1 << PMD_SHIFT, PMD_SHIFT 21 under PAE (include/asm-x86/pgtable-3level-defs.h:20 [24],
    arch/x86/include/asm/pgtable-3level_types.h:39 [32]); without PAE the folded pmd has
    PMD_SHIFT = PUD_SHIFT = PGDIR_SHIFT = 22 (include/asm-generic/pgtable-nopmd.h:17-20 [24] /
    19-22 [32], pgtable-nopud.h:15, include/asm-x86/pgtable-2level-defs.h:10 [24],
    arch/x86/include/asm/pgtable-2level_types.h:26 [32])."""
    return 1 << (21 if pae else 22)


@dataclass(frozen=True)
class KConfig:
    """The Kconfig options ``enum fixed_addresses`` depends on, and NR_CPUS.

    The defaults are an assumption: a typical distribution i386 kernel, SMP, built for a
    CPU no newer than M586 (X86_F00F_BUG), with X86_LOCAL_APIC, X86_IO_APIC, HIGHMEM, ACPI,
    PCI_MMCONFIG and PARAVIRT, NR_CPUS 8, and no VISWS, CYCLONE_TIMER,
    PROVIDE_OHCI1394_DMA_INIT, INTEL_TXT or DEBUG_HIGHMEM.  No file in the trees is this
    configuration: arch/x86/configs/i386_defconfig is another (2.6.24's: MPENTIUMIII,
    NR_CPUS 32, X86_CYCLONE_TIMER through X86_GENERICARCH, no PARAVIRT; 2.6.32's: M686,
    NR_CPUS 64, PROVIDE_OHCI1394_DMA_INIT).  What the trees do support is each default
    given its premises, from arch/x86/Kconfig and Kconfig.cpu:

    - X86_LOCAL_APIC and X86_IO_APIC: ``default y`` for an SMP kernel ([24] Kconfig:524-532;
      [32] Kconfig:778-784, ``def_bool y``).
    - X86_F00F_BUG: ``default y`` for M586MMX, M586TSC, M586, M486 or M386 ([24]
      Kconfig.cpu:329-332; [32] Kconfig.cpu:341-343).
    - NR_CPUS: ``default "8"`` for SMP without NUMAQ, SUMMIT, BIGSMP or ES7000 ([24]
      Kconfig:465-470; [32] Kconfig:717-724).
    - PCI_MMCONFIG: ``default y`` with PCI, ACPI and the "PCI access mode" default
      PCI_GOANY ([24] Kconfig:1431-1434 and 1388-1390; [32] Kconfig:1876-1878 and
      1831-1833).
    - X86_VISWS_APIC and X86_CYCLONE_TIMER only on VISWS, Summit or X86_GENERICARCH ([24]
      Kconfig:534-537, 369-372) / X86_32_NON_STANDARD ([32] Kconfig:786-788, 581-583).
    - PARAVIRT has no default ([24] Kconfig:317-319, selected by VMI at 341; [32]
      Kconfig:532-533): distributions turn it on, which is the assumption here.

    The fixmap sizes this gives without PAE match the boot logs in the repository:
    720 kB for Ubuntu's 2.6.24-19 and 2.6.24-24 (vmwidgets/data/bootlogs/00g-ubuntu-2.6.24-19-1GB.txt:8,
    17-2.6.24-24-generic-384MB-nonpae-highmem0.txt:13), 904 kB for 2.6.31
    (16-2.6.31-20-generic-3GB-nonpae-highmem.txt:15), the closest logged release to 2.6.32."""

    pae: bool = False
    nr_cpus: int = 8
    x86_local_apic: bool = True
    x86_io_apic: bool = True
    x86_visws_apic: bool = False
    x86_f00f_bug: bool = True
    x86_cyclone_timer: bool = False
    highmem: bool = True
    acpi: bool = True
    pci_mmconfig: bool = True
    paravirt: bool = True
    provide_ohci1394_dma_init: bool = False  # 2.6.32 only
    intel_txt: bool = False  # 2.6.32 only
    debug_highmem: bool = False

    def plausible(self, era: str) -> bool:
        """The Kconfig dependencies that matter here.

        PCI_MMCONFIG depends on ACPI (arch/x86/Kconfig:1431-1434 [24]; 1876-1878 [32], ACPI or
        SFI); X86_PAE (HIGHMEM64G) needs !M386 && !M486 (Kconfig:746-749 [24], 1043-1046 [32])
        while X86_F00F_BUG needs M586* or lower (Kconfig.cpu:329-332 [24], 341-343 [32]), so both
        only for M586; NR_CPUS is 1 (UP) or 2-255 [24] (Kconfig:465-467), 2-512 [32]
        (Kconfig:717-720; 2-8 without X86_BIGSMP)."""
        is32 = _check_era(era)
        if self.pci_mmconfig and not self.acpi:
            return False
        if not 1 <= self.nr_cpus <= (512 if is32 else 255):
            return False
        if not is32 and (self.provide_ohci1394_dma_init or self.intel_txt):
            return False  # no such entries in 2.6.24
        return self.highmem or not self.pae


class FixmapEnum(NamedTuple):
    """``enum fixed_addresses``: (name, first, last) per member or range in order, the
    ``__end_of_permanent_fixed_addresses`` (P) and ``__end_of_fixed_addresses``."""

    entries: tuple[tuple[str, int, int], ...]
    permanent_end: int
    end: int

    def index(self, name: str) -> int:
        return next(first for n, first, _ in self.entries if n == name)

    @property
    def permanent(self) -> tuple[tuple[str, int, int], ...]:
        return tuple(e for e in self.entries if e[2] < self.permanent_end)


def boot_slots_end(era: str, p: int, kc: KConfig = KConfig()) -> int:
    """``__end_of_fixed_addresses`` for ``__end_of_permanent_fixed_addresses`` = ``p``.

    [24] fixmap_32.h:94-98: FIX_BTMAP_END = P, FIX_BTMAP_BEGIN = P + 15, FIX_WP_TEST: P + 17.
    [32] fixmap.h:126-138: FIX_BTMAP_END = P + 256 - (P & 255), FIX_BTMAP_BEGIN = END + 255,
    [FIX_OHCI1394_BASE], FIX_WP_TEST, [FIX_TBOOT_BASE]: END + 257 (+1 per option)."""
    if not _check_era(era):
        return p + NR_FIX_BTMAPS_24 + 1
    btmap_end = p + 256 - (p & 255)
    return btmap_end + NR_FIX_BTMAPS_32 + int(kc.provide_ohci1394_dma_init) + 1 + int(kc.intel_txt)


def fixmap_enum(era: str, kc: KConfig) -> FixmapEnum:
    """``enum fixed_addresses`` of the era under ``kc`` (fixmap_32.h:54-99 [24]; fixmap.h:73-139 [32])."""
    is32 = _check_era(era)
    out: list[tuple[str, int, int]] = []
    i = 0

    def add(name: str, n: int = 1) -> None:
        nonlocal i
        out.append((name, i, i + n - 1))
        i += n

    for name in ("FIX_HOLE", "FIX_VDSO", "FIX_DBGP_BASE", "FIX_EARLYCON_MEM_BASE"):
        add(name)
    if kc.x86_local_apic:
        add("FIX_APIC_BASE")
    if kc.x86_io_apic:
        add("FIX_IO_APIC_BASE_0", MAX_IO_APICS)  # .. FIX_IO_APIC_BASE_END
    if kc.x86_visws_apic:
        for name in ("FIX_CO_CPU", "FIX_CO_APIC", "FIX_LI_PCIA", "FIX_LI_PCIB"):
            add(name)
    if kc.x86_f00f_bug:
        add("FIX_F00F_IDT")
    if kc.x86_cyclone_timer:
        add("FIX_CYCLONE_TIMER")
    nr = len(km_types(era, kc.debug_highmem))
    if is32:  # FIX_KMAP_BEGIN under CONFIG_X86_32, PCIE_MCFG nested in it (fixmap.h:104-110)
        add("FIX_KMAP_BEGIN", nr * kc.nr_cpus)
        if kc.pci_mmconfig:
            add("FIX_PCIE_MCFG")
        if kc.paravirt:
            add("FIX_PARAVIRT_BOOTMAP")
        add("FIX_TEXT_POKE1")
        add("FIX_TEXT_POKE0")
    else:
        if kc.highmem:
            add("FIX_KMAP_BEGIN", nr * kc.nr_cpus)
        if kc.acpi:
            add("FIX_ACPI_BEGIN", FIX_ACPI_PAGES)
        if kc.pci_mmconfig:
            add("FIX_PCIE_MCFG")
        if kc.paravirt:
            add("FIX_PARAVIRT_BOOTMAP")
    p = i
    end = boot_slots_end(era, p, kc)
    if is32:
        btmap = p + 256 - (p & 255)
        out.append(("FIX_BTMAP_END", btmap, btmap + NR_FIX_BTMAPS_32 - 1))  # .. FIX_BTMAP_BEGIN
        i = btmap + NR_FIX_BTMAPS_32
        if kc.provide_ohci1394_dma_init:
            add("FIX_OHCI1394_BASE")
        add("FIX_WP_TEST")
        if kc.intel_txt:
            add("FIX_TBOOT_BASE")
    else:
        add("FIX_BTMAP_END", NR_FIX_BTMAPS_24)
        add("FIX_WP_TEST")
    assert i == end
    return FixmapEnum(tuple(out), p, end)


def fix_to_virt(idx: int, top: int = FIXADDR_TOP) -> int:
    """``__fix_to_virt(x)`` = FIXADDR_TOP - (x << PAGE_SHIFT) (fixmap_32.h:123 [24], fixmap.h:179 [32])."""
    return top - (idx << PAGE_SHIFT)


class RefLayout(NamedTuple):
    fixaddr_start: int
    fixaddr_boot_start: int
    pkmap_base: int | None
    last_pkmap: int
    vmalloc_end: int
    maxmem: int
    max_low_pfn: int
    high_memory: int


def layout(era: str, pae: bool, p: int, ram: int, kc: KConfig = KConfig(), top: int = FIXADDR_TOP) -> RefLayout:
    """The boundaries around the pkmap for a permanent fixmap of ``p`` pages and ``ram`` bytes.

    FIXADDR_START = TOP - (P << 12); FIXADDR_BOOT_START = TOP - (__end_of_fixed_addresses << 12)
    (fixmap_32.h:118-121 [24]; fixmap.h:144-147 [32], FIXADDR_SIZE / FIXADDR_BOOT_SIZE).
    PKMAP_BASE = (FIXADDR_BOOT_START - PAGE_SIZE * (LAST_PKMAP + 1)) & PMD_MASK in both eras
    (highmem.h:61 [24]; pgtable_32_types.h:40-41 [32]); VMALLOC_END = PKMAP_BASE - 2 * PAGE_SIZE
    with HIGHMEM, else FIXADDR_START - 2 * PAGE_SIZE (pgtable_32.h:81-85 [24];
    pgtable_32_types.h:43-47 [32]).  MAXMEM = -PAGE_OFFSET - VMALLOC_RESERVE [24] (page_32.h:181)
    or VMALLOC_END - PAGE_OFFSET - VMALLOC_RESERVE [32] (pgtable_32_types.h:53); max_low_pfn is
    max_pfn capped at MAXMEM_PFN (setup_32.c:find_max_low_pfn 258-268 [24]; init_32.c:
    lowmem_pfn_init 625 / highmem_pfn_init 660 [32]); high_memory = __va(max_low_pfn << 12)."""
    is32 = _check_era(era)
    n = last_pkmap(pae)
    fixaddr_start = top - (p << PAGE_SHIFT)
    boot_start = top - (boot_slots_end(era, p, kc) << PAGE_SHIFT)
    if kc.highmem:
        base: int | None = (boot_start - PAGE_SIZE * (n + 1)) & ~(pmd_size(pae) - 1)
        assert base is not None
        vmalloc_end = base - 2 * PAGE_SIZE
        # mem_init's checks (init_32.c:639-646, 714-715 [24]; 938-948 [32])
        assert base + n * PAGE_SIZE <= fixaddr_start and vmalloc_end <= base
    else:
        base = None
        vmalloc_end = fixaddr_start - 2 * PAGE_SIZE
    maxmem = (vmalloc_end if is32 else 1 << 32) - PAGE_OFFSET - VMALLOC_RESERVE
    max_low_pfn = min(ram >> PAGE_SHIFT, maxmem >> PAGE_SHIFT)
    return RefLayout(
        fixaddr_start, boot_start, base, n, vmalloc_end, maxmem, max_low_pfn, PAGE_OFFSET + (max_low_pfn << PAGE_SHIFT)
    )


class Kmaps:
    """One CPU's kmap state: pkmap_count[], last_pkmap_nr, the pkmap PTEs, page_address for
    highmem pages, the fixmap's KM PTEs, pagefault_disable's depth, and every TLB flush.

    ``ram`` bytes of RAM starting at pfn 0; a pfn at or above max_low_pfn is PageHighMem."""

    def __init__(self, era: str, kc: KConfig, ram: int) -> None:
        self.era = era
        self.is32 = _check_era(era)
        self.kc = kc
        fix = fixmap_enum(era, kc)
        self.fixmap = fix
        self.lay = layout(era, kc.pae, fix.permanent_end, ram, kc)
        self.n = self.lay.last_pkmap
        assert self.lay.pkmap_base is not None
        self.base = self.lay.pkmap_base
        self.km_type_nr = len(km_types(era, kc.debug_highmem))
        self.fix_kmap_begin = fix.index("FIX_KMAP_BEGIN")
        self.count = [0] * self.n  # static int pkmap_count[LAST_PKMAP] (highmem.c:61 both eras)
        self.last = 0  # static unsigned int last_pkmap_nr (highmem.c:62): 0 at boot
        self.pte: dict[int, int] = {}  # pkmap slot -> pfn
        self.addr: dict[int, int] = {}  # page_address_htable: highmem pfn -> pkmap slot
        self.kmap_pte: dict[int, int] = {}  # fixmap KM idx (type + KM_TYPE_NR * cpu) -> pfn
        self.pagefault_depth = 0
        self.flushes: list[tuple[int, int]] = []  # [start, end) of every TLB flush, in order

    # -- helpers ----------------------------------------------------------------------------
    def highmem(self, pfn: int) -> bool:
        """PageHighMem: the page's zone is ZONE_HIGHMEM, which starts at max_low_pfn."""
        return pfn >= self.lay.max_low_pfn

    def pkmap_addr(self, nr: int) -> int:
        """PKMAP_ADDR(nr) = PKMAP_BASE + (nr << PAGE_SHIFT) (include/asm-x86/highmem.h:64 [24];
        arch/x86/include/asm/highmem.h:55 [32])."""
        return self.base + (nr << PAGE_SHIFT)

    def km_slot_addr(self, km_type: int, cpu: int = 0) -> int:
        """__fix_to_virt(FIX_KMAP_BEGIN + type + KM_TYPE_NR * cpu) (kmap_atomic_prot, both eras)."""
        return fix_to_virt(self.fix_kmap_begin + km_type + self.km_type_nr * cpu)

    # -- mm/highmem.c -------------------------------------------------------------------------
    def page_address(self, pfn: int) -> int | None:
        """Lowmem: lowmem_page_address = __va(pfn << PAGE_SHIFT); highmem: the hashed pkmap address or NULL."""
        if not self.highmem(pfn):
            return PAGE_OFFSET + (pfn << PAGE_SHIFT)
        slot = self.addr.get(pfn)
        return None if slot is None else self.pkmap_addr(slot)

    def flush_all_zero_pkmaps(self) -> None:
        """Every count-1 slot: count 0, PTE cleared, page_address NULL; then one
        flush_tlb_kernel_range(PKMAP_ADDR(0), PKMAP_ADDR(LAST_PKMAP)): always in 2.6.24
        (highmem.c:104), only if a slot was cleared in 2.6.32 (need_flush, 123-126)."""
        cleared = False
        for i in range(self.n):
            if self.count[i] != 1:
                continue
            self.count[i] = 0
            if i not in self.pte:
                raise Bug("flush_all_zero_pkmaps: BUG_ON(pte_none)")  # [24] 89, [32] 109
            del self.addr[self.pte.pop(i)]
            cleared = True
        if cleared or not self.is32:
            self.flushes.append((self.pkmap_addr(0), self.pkmap_addr(self.n)))

    def kmap_flush_unused(self) -> None:
        self.flush_all_zero_pkmaps()

    def _map_new_virtual(self, pfn: int) -> int | None:
        count = self.n
        while True:
            self.last = (self.last + 1) & (self.n - 1)  # LAST_PKMAP_MASK: highmem.h:62 [24], asm/highmem.h:53 [32]
            if self.last == 0:
                self.flush_all_zero_pkmaps()
                count = self.n
            if self.count[self.last] == 0:
                break
            count -= 1
            if count:
                continue
            return None  # would sleep on pkmap_map_wait; nobody else can map it meanwhile
        slot = self.last
        self.pte[slot] = pfn
        self.addr[pfn] = slot
        self.count[slot] = 1
        return slot

    def kmap(self, pfn: int) -> int | None:
        """kmap: a lowmem page's page_address; else kmap_high.  None where the kernel would sleep."""
        if not self.highmem(pfn):
            return self.page_address(pfn)
        slot = self.addr.get(pfn)
        if slot is None:
            slot = self._map_new_virtual(pfn)
            if slot is None:
                return None
        self.count[slot] += 1
        if self.count[slot] < 2:
            raise Bug("kmap_high: BUG_ON(pkmap_count < 2)")  # [24] 181, [32] 210
        return self.pkmap_addr(slot)

    def kunmap(self, pfn: int) -> None:
        """kunmap: nothing for lowmem; kunmap_high BUGs on an unmapped page (BUG_ON(!vaddr), [24] 196,
        [32] 259) and when the count drops to 0 ([24] 206, [32] 269).  Checked before any change."""
        if not self.highmem(pfn):
            return
        slot = self.addr.get(pfn)
        if slot is None:
            raise Bug("kunmap_high: BUG_ON(!vaddr)")
        if self.count[slot] - 1 == 0:
            raise Bug("kunmap_high: pkmap_count reached 0")
        self.count[slot] -= 1

    # -- arch/x86/mm/highmem_32.c -------------------------------------------------------------
    def kmap_atomic(self, pfn: int, km_type: int) -> int:
        """pagefault_disable(); lowmem: page_address (no PTE); else idx = type + KM_TYPE_NR * cpu,
        BUG_ON(!pte_none(*(kmap_pte - idx))), set the PTE, return __fix_to_virt(FIX_KMAP_BEGIN + idx).
        The nesting BUG is checked before pagefault_disable here (the kernel dies either way)."""
        if not 0 <= km_type < self.km_type_nr:
            raise ValueError("not an enum km_type")
        idx = km_type + self.km_type_nr * 0  # smp_processor_id() = 0
        if self.highmem(pfn) and idx in self.kmap_pte:
            raise Bug("kmap_atomic_prot: BUG_ON(!pte_none)")  # [24] 42, [32] 45
        self.pagefault_depth += 1
        if not self.highmem(pfn):
            v = self.page_address(pfn)
            assert v is not None
            return v
        self.kmap_pte[idx] = pfn
        return fix_to_virt(self.fix_kmap_begin + idx)

    def kunmap_atomic(self, vaddr: int, km_type: int) -> None:
        """vaddr & PAGE_MASK == the type's slot: kpte_clear_flush (pte_clear, then __flush_tlb_one
        of that page) in both eras; otherwise the CONFIG_DEBUG_HIGHMEM BUG_ONs unless
        PAGE_OFFSET <= vaddr < high_memory ([24] 68-71, [32] 70-73).  Then pagefault_enable()
        (include/linux/uaccess.h:26 both eras); without a matching disable the preempt count
        would underflow (kernel/sched.c:sub_preempt_count [24] 3520, [32] 5284 warns under
        DEBUG_PREEMPT): a Bug here.  Checked before any change."""
        if not 0 <= km_type < self.km_type_nr:
            raise ValueError("not an enum km_type")
        page = vaddr & PAGE_MASK
        idx = km_type + self.km_type_nr * 0
        slot = fix_to_virt(self.fix_kmap_begin + idx)
        if page != slot and not PAGE_OFFSET <= page < self.lay.high_memory:
            raise Bug("kunmap_atomic: BUG_ON(vaddr < PAGE_OFFSET || vaddr >= high_memory)")
        if self.pagefault_depth == 0:
            raise Bug("pagefault_enable without pagefault_disable")
        if page == slot:
            self.kmap_pte.pop(idx, None)
            self.flushes.append((slot, slot + PAGE_SIZE))
        self.pagefault_depth -= 1
