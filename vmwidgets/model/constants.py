"""Kernel constants for 32-bit x86 (i386), Linux 2.6.24 and 2.6.32.

Values and names follow include/asm-x86/page_32.h, pgtable_32.h, fixmap_32.h (2.6.24;
arch/x86/include/asm/page_32_types.h, pgtable_types.h, fixmap.h in 2.6.32),
include/linux/gfp.h, vmalloc.h, mmzone.h and page-flags.h.  Every value here is the same
in both eras unless a comment says otherwise.
"""

from __future__ import annotations

# the kernel's names, leading underscores included (_PAGE_RW, __GFP_ZERO): they are its public macros
__all__ = [
    "DEFAULT_FIXADDR_TOP",
    "DEFAULT_VMALLOC_RESERVE",
    "GFP_ATOMIC",
    "GFP_DMA",
    "GFP_HIGHUSER",
    "GFP_KERNEL",
    "GFP_NOIO",
    "GFP_USER",
    "IOREMAP_MAX_ORDER",
    "ISA_END_ADDRESS",
    "ISA_START_ADDRESS",
    "KB",
    "MAX_DMA_PFN",
    "MAX_ORDER",
    "MB",
    "PAGE_FLAG_NAMES",
    "PAGE_MASK",
    "PAGE_SHIFT",
    "PAGE_SIZE",
    "PG_buddy",
    "PG_dirty",
    "PG_locked",
    "PG_lru",
    "PG_private",
    "PG_referenced",
    "PG_reserved",
    "PG_slab",
    "PTE_BIT_NAMES",
    "SIZEOF_STRUCT_PAGE",
    "VMALLOC_OFFSET",
    "VM_ALLOC",
    "VM_FLAG_NAMES",
    "VM_IOREMAP",
    "VM_MAP",
    "VM_USERMAP",
    "VM_VPAGES",
    "ZONE_DMA",
    "ZONE_HIGHMEM",
    "ZONE_NAMES",
    "ZONE_NORMAL",
    "_KERNPG_TABLE",
    "_PAGE_ACCESSED",
    "_PAGE_DIRTY",
    "_PAGE_GLOBAL",
    "_PAGE_NX",
    "_PAGE_PCD",
    "_PAGE_PRESENT",
    "_PAGE_PSE",
    "_PAGE_PWT",
    "_PAGE_RW",
    "_PAGE_SPECIAL",
    "_PAGE_TABLE",
    "_PAGE_USER",
    "__GFP_COLD",
    "__GFP_DMA",
    "__GFP_FS",
    "__GFP_HARDWALL",
    "__GFP_HIGH",
    "__GFP_HIGHMEM",
    "__GFP_IO",
    "__GFP_NOWARN",
    "__GFP_REPEAT",
    "__GFP_WAIT",
    "__GFP_ZERO",
    "__PAGE_KERNEL_EXEC",
    "gfp_bits_mask",
    "pte_flag_names",
    "vm_flag_names",
]


PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_MASK = ~(PAGE_SIZE - 1) & 0xFFFFFFFF
MB = 1 << 20
KB = 1 << 10
VMALLOC_OFFSET = 8 * MB
DEFAULT_VMALLOC_RESERVE = 128 * MB
DEFAULT_FIXADDR_TOP = 0xFFFFF000
MAX_DMA_PFN = (16 * MB) >> PAGE_SHIFT  # asm-x86/dma_32.h (asm/dma.h in 2.6.32): MAX_DMA_ADDRESS is 16 MB
MAX_ORDER = 11
ISA_START_ADDRESS = 0xA0000
ISA_END_ADDRESS = 0x100000
IOREMAP_MAX_ORDER = 7 + PAGE_SHIFT  # include/linux/vmalloc.h: 128 pages
SIZEOF_STRUCT_PAGE = 32  # i386, 2.6.2x/3x without debug options

# Zones (include/linux/mmzone.h: enum zone_type); names as /proc/zoneinfo prints them.
ZONE_DMA = 0
ZONE_NORMAL = 1
ZONE_HIGHMEM = 2
ZONE_NAMES = ("DMA", "Normal", "HighMem")

# GFP flags (include/linux/gfp.h, 2.6.24; the same values in 2.6.32).
__GFP_DMA = 0x01
__GFP_HIGHMEM = 0x02
__GFP_WAIT = 0x10
__GFP_HIGH = 0x20
__GFP_IO = 0x40
__GFP_FS = 0x80
__GFP_COLD = 0x100
__GFP_NOWARN = 0x200
__GFP_REPEAT = 0x400
__GFP_ZERO = 0x8000
__GFP_HARDWALL = 0x20000
GFP_ATOMIC = __GFP_HIGH
GFP_NOIO = __GFP_WAIT
GFP_KERNEL = __GFP_WAIT | __GFP_IO | __GFP_FS
GFP_USER = __GFP_WAIT | __GFP_IO | __GFP_FS | __GFP_HARDWALL
GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM
GFP_DMA = __GFP_DMA
# 2.6.32 keeps these values but moves __GFP_MOVABLE from 0x100000 ([24] gfp.h:52) to 0x08
# ([32] gfp.h:24) and adds __GFP_NOTRACK (0x200000, [32] gfp.h:57), so its __GFP_BITS_SHIFT
# is 22 ([32] gfp.h:68; 21 in [24] gfp.h:54).


def gfp_bits_mask(era_minor: int) -> int:
    """``__GFP_BITS_MASK`` (include/linux/gfp.h): ``(1 << __GFP_BITS_SHIFT) - 1``, every bit a
    ``gfp_t`` may carry: 0x1FFFFF in 2.6.24 (21 bits), 0x3FFFFF in 2.6.32 (22 bits, the last
    one ``__GFP_NOTRACK``).  ``era_minor`` is 24 or 32 (``Config.era_minor``)."""
    return (1 << (22 if era_minor >= 32 else 21)) - 1


# vm_struct flags (include/linux/vmalloc.h).
VM_IOREMAP = 0x00000001
VM_ALLOC = 0x00000002
VM_MAP = 0x00000004
VM_USERMAP = 0x00000008
VM_VPAGES = 0x00000010
VM_FLAG_NAMES = {
    VM_IOREMAP: "VM_IOREMAP",
    VM_ALLOC: "VM_ALLOC",
    VM_MAP: "VM_MAP",
    VM_USERMAP: "VM_USERMAP",
    VM_VPAGES: "VM_VPAGES",
}

# Page-table entry bits (include/asm-x86/pgtable_32.h in 2.6.24, arch/x86/include/asm/pgtable_types.h
# in 2.6.32).  _PAGE_NX is bit 63 only under PAE (0 without it).
_PAGE_PRESENT = 1 << 0
_PAGE_RW = 1 << 1
_PAGE_USER = 1 << 2
_PAGE_PWT = 1 << 3
_PAGE_PCD = 1 << 4
_PAGE_ACCESSED = 1 << 5
_PAGE_DIRTY = 1 << 6
_PAGE_PSE = 1 << 7
_PAGE_GLOBAL = 1 << 8
# 2.6.32 (pgtable_types.h:23,46): bit 9, "no struct page behind it" (pte_mkspecial); the zero
# page's PTE has it.  2.6.24 never sets bit 9 in a user PTE (_PAGE_UNUSED1).
_PAGE_SPECIAL = 1 << 9
_PAGE_NX = 1 << 63
# A PROT_NONE PTE (present to the kernel, not to the MMU) shows its _PAGE_PROTNONE bit by the
# hardware name of that bit: PSE in 2.6.24 (0x080), GLOBAL in 2.6.32 (0x100), with PRESENT clear.
PTE_BIT_NAMES = (
    (_PAGE_PRESENT, "PRESENT"),
    (_PAGE_RW, "RW"),
    (_PAGE_USER, "USER"),
    (_PAGE_PWT, "PWT"),
    (_PAGE_PCD, "PCD"),
    (_PAGE_ACCESSED, "ACCESSED"),
    (_PAGE_DIRTY, "DIRTY"),
    (_PAGE_PSE, "PSE"),
    (_PAGE_GLOBAL, "GLOBAL"),
    (_PAGE_SPECIAL, "SPECIAL"),
    (_PAGE_NX, "NX"),
)
_PAGE_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY  # 0x67
_KERNPG_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY  # 0x63
# 2.6.32: a macro, 0x163.  2.6.24: a variable set to 0x63 that paging_init ORs _PAGE_GLOBAL into
# when the CPU has PGE (arch/x86/mm/init_32.c), so 0x163 on any CPU since the Pentium Pro.
__PAGE_KERNEL_EXEC = _PAGE_PRESENT | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_GLOBAL  # 0x163

# struct page flags (include/linux/page-flags.h, 2.6.24 bit numbers).  2.6.32's enum pageflags
# gives these the same numbers on i386 FLATMEM (CONFIG_PAGEFLAGS_EXTENDED: PG_head/PG_tail).
PG_locked = 0
PG_referenced = 2
PG_dirty = 4
PG_lru = 5
PG_slab = 7
PG_reserved = 10
PG_private = 11
PG_buddy = 19
PAGE_FLAG_NAMES = {
    PG_locked: "locked",
    PG_referenced: "referenced",
    PG_dirty: "dirty",
    PG_lru: "lru",
    PG_slab: "slab",
    PG_reserved: "reserved",
    PG_private: "private",
    PG_buddy: "buddy",
}


def pte_flag_names(entry: int) -> tuple[str, ...]:
    """Names of the x86 flag bits set in a page-table entry, lowest bit first."""
    return tuple(name for bit, name in PTE_BIT_NAMES if entry & bit)


def vm_flag_names(flags: int) -> tuple[str, ...]:
    """Names of the VM_* bits set in a vm_struct's ``flags``."""
    return tuple(name for bit, name in VM_FLAG_NAMES.items() if flags & bit)
