"""`Config`: the simulated machine and kernel build, as boot parameters and Kconfig choose them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

from ..errors import ConfigError
from .constants import KB, MB, PAGE_SIZE

__all__ = ["DEFAULT_FIXMAP_KB", "IMAGE_2_6_24", "IMAGE_2_6_32", "PAGE_OFFSETS", "Config", "KernelImage"]


# CONFIG_PAGE_OFFSET for the i386 VMSPLIT_* choices (arch/x86/Kconfig).
PAGE_OFFSETS = {
    0xC0000000: "VMSPLIT_3G",
    0xB0000000: "VMSPLIT_3G_OPT",
    0x80000000: "VMSPLIT_2G",
    0x78000000: "VMSPLIT_2G_OPT",
    0x40000000: "VMSPLIT_1G",
}

# Size of the permanent fixmap in kB, read off real boot logs of the era (vmwidgets/data/bootlogs):
# it depends on NR_CPUS, KM_TYPE_NR, MAX_IO_APICS and options, so a config picks one.
DEFAULT_FIXMAP_KB = {(False, False): 720, (False, True): 3612, (True, False): 904, (True, True): 3744}

_ERA_RE = re.compile(r"2\.6\.([0-9]{1,3})")  # ASCII digits only: "2.6.２４" is no version


@dataclass(frozen=True)
class KernelImage:
    """Where the kernel image sits, as *physical* addresses (virtual = PAGE_OFFSET + these).

    They give the ``.text``, ``.data`` and ``.init`` lines of the boot log and the frames
    boot reserves for the image.  They are properties of a built vmlinux, not derivable
    from formulas; the defaults are the images of the two worked boot logs in
    ``shared/kernel-notes.md`` (Ubuntu 2.6.24-19 and a 2.6.3x PAE kernel).  ``end`` is
    ``_end`` (after .bss), which the logs do not print: the defaults assume a bss of
    about 460 kB and 560 kB.
    """

    text_start: int
    text_end: int
    data_end: int
    init_start: int
    init_end: int
    end: int


IMAGE_2_6_24 = KernelImage(0x00100000, 0x003204C4, 0x0041BDC4, 0x00421000, 0x0047D000, 0x004F0000)
IMAGE_2_6_32 = KernelImage(0x00400000, 0x0071AE6A, 0x008FEB78, 0x00906000, 0x00973000, 0x00A00000)


def _era_minor(era: object) -> int:
    m = _ERA_RE.fullmatch(era) if isinstance(era, str) and len(era) <= 16 else None
    if not m or not 20 <= int(m.group(1)) <= 38:
        raise ConfigError(
            "era", era, 'a 2.6 kernel version from "2.6.20" to "2.6.38"; the two lesson eras are "2.6.24" and "2.6.32"'
        )
    return int(m.group(1))


def _is_int(value: object) -> bool:
    return type(value) is int  # not bool, nor a subclass whose comparisons could raise


def _check_image(image: object) -> None:
    """``image`` is a :class:`KernelImage` of 32-bit physical addresses in link order."""
    if not isinstance(image, KernelImage):
        raise ConfigError("image", image, "None or a vmwidgets.KernelImage")
    values = [getattr(image, f.name) for f in fields(KernelImage)]
    for f, v in zip(fields(KernelImage), values, strict=True):
        if not _is_int(v) or not 0 <= v < 1 << 32:
            raise ConfigError(f"image.{f.name}", v, "a physical address from 0 to 0xffffffff")
    t0, t1, d1, i0, i1, end = values
    if not t0 <= t1 <= d1 <= i0 <= i1 <= end:
        raise ConfigError("image", image, "text_start <= text_end <= data_end <= init_start <= init_end <= end")


@dataclass(frozen=True)
class Config:
    """The machine and kernel configuration a :class:`~vmwidgets.Kernel` boots with.

    The defaults make a good first lesson: 1 GB of RAM, no PAE, era 2.6.24, so lowmem is
    exactly 896 MB and the top 128 MB of RAM is highmem; the vmalloc area is empty.

    - ``ram``: top of RAM in bytes (``max_pfn << PAGE_SHIFT``), a page multiple, 32 MB up
      to 4 GB (64 GB with ``pae``).
    - ``pae``: three-level paging (CONFIG_X86_PAE, 8-byte entries, NX).
    - ``era``: ``"2.6.24"`` (vmlist first-fit, lowmem exactly 896 MB) or ``"2.6.32"``
      (2.6.28+ layout formulas).  Any 2.6.20–2.6.38 version is accepted so real boot logs
      can be checked; the rules switch at 2.6.25 (fixmap boot slots), 2.6.28 (vmalloc
      formulas) and 2.6.37 (PKMAP_BASE below FIXADDR_START).
    - ``fixmap_kb``: size of the permanent fixmap (``__end_of_permanent_fixed_addresses``
      pages); ``None`` takes a typical value of the era (720/3612 kB for 2.6.24
      non-PAE/PAE kernels, 904/3744 kB for 2.6.32).
    - ``vmalloc_reserve``: the ``vmalloc=`` boot parameter in bytes, ``None`` when not
      given (then ``__VMALLOC_RESERVE`` is 128 MB).  From 2.6.28 the kernel adds
      VMALLOC_OFFSET (8 MB) to it, as real boot logs show.
    - ``fixaddr_top``: ``__FIXADDR_TOP`` (0xfffff000 unless a hypervisor reserves the top).
    - ``highmem``: CONFIG_HIGHMEM; without it RAM above lowmem is ignored, as the kernel
      does ("Warning only 896MB will be used").
    - ``pse``: map lowmem in ``swapper_pg_dir`` with large pages (4 MB, or 2 MB under PAE)
      as a PSE-capable CPU does; ``False`` maps it with 4 KB page tables.
    - ``page_offset``: CONFIG_PAGE_OFFSET (0xC0000000 for the 3G/1G split).
    - ``image``: the kernel image's sections (see :class:`KernelImage`).
    - ``aged``: boot a machine that has been running for a while: before the timeline
      starts, a seeded run of ``alloc_pages``/``free_pages`` (orders 0–3, as page cache,
      slab and user pages would) leaves the free lists fragmented, so consecutive
      order-0 allocations — vmalloc's frames — come back scattered as on a real system.
      A fresh machine (the default) hands out neighbouring frames.
    - ``seed``: the seed of that run (a class can give each student a different machine).
    """

    ram: int = 1 << 30
    pae: bool = False
    era: str = "2.6.24"
    fixmap_kb: int | None = None
    vmalloc_reserve: int | None = None
    fixaddr_top: int = 0xFFFFF000
    highmem: bool = True
    pse: bool = True
    page_offset: int = 0xC0000000
    image: KernelImage | None = field(default=None, repr=False)
    aged: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        # Every test looks at the type first, so a hostile object (unhashable, a raising
        # __eq__ or __index__, a 5,000-digit int) meets isinstance and int comparisons only.
        if not _is_int(self.seed) or not 0 <= self.seed < 2**32:
            raise ConfigError("seed", self.seed, "an integer from 0 to 2**32-1")
        for name in ("pae", "highmem", "pse", "aged"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(name, getattr(self, name), "True or False")
        _era_minor(self.era)
        if not _is_int(self.page_offset) or self.page_offset not in PAGE_OFFSETS:
            raise ConfigError("page_offset", self.page_offset, "one of " + ", ".join(f"{k:#x}" for k in PAGE_OFFSETS))
        top = (64 << 30) if self.pae else (4 << 30)
        if not _is_int(self.ram) or not 32 * MB <= self.ram <= top or self.ram % PAGE_SIZE:
            got = f" (got {self.ram >> 20} MB)" if _is_int(self.ram) and 0 <= self.ram < 1 << 64 else ""
            raise ConfigError(
                "ram",
                self.ram,
                f"a multiple of 4096 from 32 MB to {top >> 30} GB"
                + ("" if self.pae else " (64 GB with pae=True)")
                + got,
            )
        if self.fixmap_kb is not None and (
            not _is_int(self.fixmap_kb) or not 4 <= self.fixmap_kb <= 16384 or self.fixmap_kb % 4
        ):
            raise ConfigError("fixmap_kb", self.fixmap_kb, "None or a multiple of 4 from 4 to 16384")
        if self.vmalloc_reserve is not None and (
            not _is_int(self.vmalloc_reserve) or not 0 <= self.vmalloc_reserve < (1 << 32) - self.page_offset
        ):
            raise ConfigError(
                "vmalloc_reserve",
                self.vmalloc_reserve,
                f"None or bytes from 0 to {(1 << 32) - self.page_offset - 1:#x}",
            )
        if (
            not _is_int(self.fixaddr_top)
            or not 0xF0000000 <= self.fixaddr_top <= 0xFFFFF000
            or self.fixaddr_top % PAGE_SIZE
        ):
            raise ConfigError("fixaddr_top", self.fixaddr_top, "a page multiple from 0xf0000000 to 0xfffff000")
        if self.image is not None:
            _check_image(self.image)

    @property
    def era_minor(self) -> int:
        """The ``N`` of ``2.6.N`` (``LINUX_VERSION_CODE``'s last byte): the rules switch at 25, 28 and 37."""
        return _era_minor(self.era)

    @property
    def fixmap_pages(self) -> int:
        """``__end_of_permanent_fixed_addresses``: the permanent fixmap in pages."""
        kb = self.fixmap_kb
        if kb is None:
            kb = DEFAULT_FIXMAP_KB[(self.era_minor >= 28, self.pae)]
        return kb * KB // PAGE_SIZE

    @property
    def kernel_image(self) -> KernelImage:
        """The image sections used: ``image`` or the era's default."""
        if self.image is not None:
            return self.image
        return IMAGE_2_6_32 if self.era_minor >= 28 else IMAGE_2_6_24
