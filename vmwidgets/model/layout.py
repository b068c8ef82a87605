"""The 3G–4G kernel virtual layout, computed with each era's formulas.

Follows arch/x86/include/asm/pgtable_32_types.h, fixmap.h, highmem.h and
arch/x86/mm/init_32.c (2.6.28+), and include/asm-x86/pgtable_32.h, fixmap_32.h (2.6.24).
Nothing is hard-coded: every boundary comes from RAM, PAE, the era and the fixmap size.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import AddressError, ConfigError
from .config import Config
from .constants import (
    DEFAULT_VMALLOC_RESERVE,
    MAX_DMA_PFN,
    MB,
    PAGE_SHIFT,
    PAGE_SIZE,
    VMALLOC_OFFSET,
    ZONE_NAMES,
)

__all__ = ["Layout", "Region", "ZoneRange"]


def _align(x: int, a: int) -> int:
    return (x + a - 1) & ~(a - 1)


@dataclass(frozen=True)
class Region:
    """One band of the 4 GB virtual space, for views and lessons."""

    name: str
    start: int
    end: int
    kind: str  # "user", "lowmem", "gap", "vmalloc", "pkmap", "fixmap", "guard"

    @property
    def size(self) -> int:
        """``end - start`` in bytes."""
        return self.end - self.start


@dataclass(frozen=True)
class ZoneRange:
    """A zone's page-frame range ``[start_pfn, end_pfn)``."""

    name: str
    start_pfn: int
    end_pfn: int


@dataclass(frozen=True)
class Layout:
    """Every boundary of the kernel's virtual layout, named after the kernel macro in lower case.

    >>> from vmwidgets import Config
    >>> lay = Layout.compute(Config())
    >>> hex(lay.high_memory), hex(lay.vmalloc_start), hex(lay.vmalloc_end)
    ('0xf8000000', '0xf8800000', '0xff7fe000')

    ``vmalloc_reserve`` is the variable ``__VMALLOC_RESERVE`` (``VMALLOC_RESERVE`` is a macro
    reading it) as boot leaves it: 128 MB, or what ``parse_vmalloc`` sets from the ``vmalloc=``
    parameter, that value in 2.6.24 (arch/x86/kernel/setup_32.c) and that value plus
    ``VMALLOC_OFFSET`` from 2.6.28 (arch/x86/mm/pgtable_32.c).  (2.6.24's reserve_top_address
    also adds a hypervisor's hole below a lowered ``__FIXADDR_TOP`` to it; the model does not.)
    ``Config.vmalloc_reserve`` is the parameter itself:

    >>> eras = ("2.6.24", "2.6.32")
    >>> [Layout.compute(Config(era=e, vmalloc_reserve=256 << 20)).vmalloc_reserve >> 20 for e in eras]
    [256, 264]
    """

    page_offset: int
    max_pfn: int
    max_low_pfn: int
    highstart_pfn: int
    highend_pfn: int
    high_memory: int
    maxmem: int
    vmalloc_reserve: int
    vmalloc_start: int
    vmalloc_end: int
    pkmap_base: int | None
    last_pkmap: int
    fixaddr_start: int
    fixaddr_boot_start: int
    fixaddr_top: int
    end_of_fixed_addresses: int
    pmd_size: int
    config: Config

    @classmethod
    def compute(cls, cfg: Config) -> Layout:
        """Compute the layout of ``cfg`` as the era's ``setup_arch``/``mem_init`` would.

        VMALLOC_START is ``high_memory`` rounded up past an 8 MB gap in 2.6.24 and exactly
        ``high_memory + VMALLOC_OFFSET`` in 2.6.28+; MAXMEM counts down from VMALLOC_END in
        2.6.28+.  Raises :class:`~vmwidgets.errors.ConfigError` when no lowmem or vmalloc
        area would be left."""
        minor = cfg.era_minor
        p = cfg.fixmap_pages  # __end_of_permanent_fixed_addresses
        if minor >= 25:  # 256 boot-time slots on their own page table, then FIX_WP_TEST
            # without the optional FIX_OHCI1394_BASE and FIX_TBOOT_BASE (fixmap.h:129-137 in
            # 2.6.32): each would lower FIXADDR_BOOT_START a page, never PKMAP_BASE (the gap to
            # the next PMD boundary is at least 3 pages: tests/test_highmem.py checks every size)
            end_fixed = p + 256 - (p & 255) + 257
        else:  # NR_FIX_BTMAPS (16) boot slots, then FIX_WP_TEST: include/asm-x86/fixmap_32.h
            end_fixed = p + 17
        top = cfg.fixaddr_top
        fixaddr_start = top - (p << PAGE_SHIFT)
        fixaddr_boot_start = top - (end_fixed << PAGE_SHIFT)
        pmd_size = (2 * MB) if cfg.pae else (4 * MB)
        last_pkmap = 512 if cfg.pae else 1024
        pkmap_base = None
        if cfg.highmem:
            below = fixaddr_start if minor >= 37 else fixaddr_boot_start
            pkmap_base = (below - PAGE_SIZE * (last_pkmap + 1)) & ~(pmd_size - 1)
            vmalloc_end = pkmap_base - 2 * PAGE_SIZE
        else:
            vmalloc_end = fixaddr_start - 2 * PAGE_SIZE
        if cfg.vmalloc_reserve is None:
            reserve = DEFAULT_VMALLOC_RESERVE
        else:  # the vmalloc= parameter; 2.6.28+ adds VMALLOC_OFFSET
            reserve = cfg.vmalloc_reserve + (VMALLOC_OFFSET if minor >= 28 else 0)
        if minor >= 28:
            maxmem = vmalloc_end - cfg.page_offset - reserve
        else:
            maxmem = (1 << 32) - cfg.page_offset - reserve
        if maxmem < 16 * MB:
            raise ConfigError(
                "vmalloc_reserve",
                cfg.vmalloc_reserve,
                f"a reserve that leaves at least 16 MB of lowmem (MAXMEM is {maxmem:#x})",
            )
        max_pfn = cfg.ram >> PAGE_SHIFT
        max_low_pfn = min(max_pfn, maxmem >> PAGE_SHIFT)
        if not cfg.highmem:
            max_pfn = max_low_pfn  # "Warning only 896MB will be used."
        high_memory = cfg.page_offset + (max_low_pfn << PAGE_SHIFT)
        if minor >= 28:
            vmalloc_start = high_memory + VMALLOC_OFFSET
        else:
            vmalloc_start = (high_memory + 2 * VMALLOC_OFFSET - 1) & ~(VMALLOC_OFFSET - 1)
        if vmalloc_start >= vmalloc_end:
            raise ConfigError("vmalloc_reserve", cfg.vmalloc_reserve, "a reserve that leaves a vmalloc area")
        return cls(
            page_offset=cfg.page_offset,
            max_pfn=max_pfn,
            max_low_pfn=max_low_pfn,
            highstart_pfn=max_low_pfn,
            highend_pfn=max_pfn,
            high_memory=high_memory,
            maxmem=maxmem,
            vmalloc_reserve=reserve,
            vmalloc_start=vmalloc_start,
            vmalloc_end=vmalloc_end,
            pkmap_base=pkmap_base,
            last_pkmap=last_pkmap,
            fixaddr_start=fixaddr_start,
            fixaddr_boot_start=fixaddr_boot_start,
            fixaddr_top=top,
            end_of_fixed_addresses=end_fixed,
            pmd_size=pmd_size,
            config=cfg,
        )

    # -- derived values -------------------------------------------------------------------
    @property
    def maxmem_pfn(self) -> int:
        """``MAXMEM >> PAGE_SHIFT``: the most frames lowmem can hold."""
        return self.maxmem >> PAGE_SHIFT

    @property
    def pkmap_end(self) -> int | None:
        """``PKMAP_BASE + LAST_PKMAP * PAGE_SIZE`` (None without CONFIG_HIGHMEM)."""
        return None if self.pkmap_base is None else self.pkmap_base + self.last_pkmap * PAGE_SIZE

    @property
    def totalhigh_kb(self) -> int:
        """``totalhigh_pages`` in kB, as the boot log's ``Memory:`` line prints ``highmem``."""
        return (self.highend_pfn - self.highstart_pfn) * PAGE_SIZE // 1024

    @property
    def zones(self) -> tuple[ZoneRange, ...]:
        """DMA, NORMAL and HIGHMEM pfn ranges (``zone_sizes_init``); HIGHMEM only with highmem."""
        dma_end = min(MAX_DMA_PFN, self.max_low_pfn)
        zones = [ZoneRange(ZONE_NAMES[0], 0, dma_end), ZoneRange(ZONE_NAMES[1], dma_end, self.max_low_pfn)]
        if self.config.highmem:
            zones.append(ZoneRange(ZONE_NAMES[2], self.max_low_pfn, self.max_pfn))
        return tuple(zones)

    def pa(self, vaddr: int) -> int:
        """``unsigned long __pa(void *vaddr)``: the physical address of a lowmem virtual address.

        :class:`~vmwidgets.errors.AddressError` outside PAGE_OFFSET..high_memory.

        >>> from vmwidgets import Config
        >>> hex(Layout.compute(Config()).pa(0xC0801234))
        '0x801234'
        """
        if type(vaddr) is not int or not self.page_offset <= vaddr < self.high_memory:
            raise AddressError(
                "vaddr",
                vaddr,
                f"a lowmem address in [{self.page_offset:#010x}, "
                f"{self.high_memory:#010x}) (PAGE_OFFSET to high_memory)",
            )
        return vaddr - self.page_offset

    def va(self, paddr: int) -> int:
        """``void *__va(unsigned long paddr)``: the direct-map virtual address of a lowmem physical address.

        :class:`~vmwidgets.errors.AddressError` for highmem (it has no permanent mapping)."""
        lim = self.max_low_pfn << PAGE_SHIFT
        if type(paddr) is not int or not 0 <= paddr < lim:
            raise AddressError(
                "paddr",
                paddr,
                f"a lowmem physical address in [0, {lim:#x}); highmem has no permanent kernel mapping (use kmap)",
            )
        return paddr + self.page_offset

    def regions(self) -> tuple[Region, ...]:
        """The 4 GB virtual space as bands, low to high, gaps included."""
        out = [
            Region("user space", 0, self.page_offset, "user"),
            Region("lowmem (direct map)", self.page_offset, self.high_memory, "lowmem"),
            Region("VMALLOC_OFFSET gap", self.high_memory, self.vmalloc_start, "gap"),
            Region("vmalloc", self.vmalloc_start, self.vmalloc_end, "vmalloc"),
        ]
        base, end = self.pkmap_base, self.pkmap_end
        if base is not None and end is not None:
            out.append(Region("guard", self.vmalloc_end, base, "guard"))
            out.append(Region("pkmap", base, end, "pkmap"))
            out.append(Region("unused", end, self.fixaddr_start, "gap"))
        else:
            out.append(Region("guard", self.vmalloc_end, self.fixaddr_start, "guard"))
        out.append(Region("fixmap", self.fixaddr_start, self.fixaddr_top, "fixmap"))
        out.append(Region("top page", self.fixaddr_top, 1 << 32, "guard"))
        return tuple(r for r in out if r.end > r.start)

    def table(self) -> str:
        """The boot log's ``virtual kernel memory layout:`` block, as ``mem_init`` prints it.

        >>> from vmwidgets import Config
        >>> print(Layout.compute(Config()).table())
        virtual kernel memory layout:
            fixmap  : 0xfff4b000 - 0xfffff000   ( 720 kB)
            pkmap   : 0xff800000 - 0xffc00000   (4096 kB)
            vmalloc : 0xf8800000 - 0xff7fe000   ( 111 MB)
            lowmem  : 0xc0000000 - 0xf8000000   ( 896 MB)
              .init : 0xc0421000 - 0xc047d000   ( 368 kB)
              .data : 0xc03204c4 - 0xc041bdc4   (1006 kB)
              .text : 0xc0100000 - 0xc03204c4   (2177 kB)
        """
        img = self.config.kernel_image
        po = self.page_offset

        def line(name: str, start: int, end: int, shift: int, unit: str) -> str:
            return f"    {name:<8}: 0x{start:08x} - 0x{end:08x}   ({(end - start) >> shift:4d} {unit})"

        lines = ["virtual kernel memory layout:", line("fixmap", self.fixaddr_start, self.fixaddr_top, 10, "kB")]
        base, end = self.pkmap_base, self.pkmap_end
        if base is not None and end is not None:
            lines.append(line("pkmap", base, end, 10, "kB"))
        lines += [
            line("vmalloc", self.vmalloc_start, self.vmalloc_end, 20, "MB"),
            line("lowmem", po, self.high_memory, 20, "MB"),
            line("  .init", po + img.init_start, po + img.init_end, 10, "kB"),
            line("  .data", po + img.text_end, po + img.data_end, 10, "kB"),
            line("  .text", po + img.text_start, po + img.text_end, 10, "kB"),
        ]
        return "\n".join(lines)
