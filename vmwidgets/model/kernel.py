"""`Kernel`: boot a simulated 32-bit x86 machine and run kernel memory operations on it.

A thin facade over the subsystems, built in dependency order (each knows only those
below it): :class:`~vmwidgets.model.page_alloc.PageAllocator` (``k.page_alloc``),
:class:`~vmwidgets.model.pgtable.PageTables` (``k.pgtable``),
:class:`~vmwidgets.model.vmap_area.VmapAreas` (``k.vmap_area``),
:class:`~vmwidgets.model.vmalloc.Vmalloc` (``k.mm_vmalloc``),
:class:`~vmwidgets.model.memory.Memory` (``k.memory``),
:class:`~vmwidgets.model.fork.Processes` (``k.processes``) and
:class:`~vmwidgets.model.fault.Faults` (``k.faults``), all reporting through one
:class:`~vmwidgets.model.emit.Emitter` (``k.emitter``).  The kernel-named calls
(``k.vmalloc``, ``k.alloc_pages``, ``k.fork`` …) forward to their subsystem.

Every operation validates its arguments before it changes anything, then emits one
event per step (see :mod:`vmwidgets.events`).  Recording is the replay layer's: it
installs itself here (:meth:`Kernel.install_replay`) when :mod:`vmwidgets` is imported,
so ``Kernel(config)`` keeps a timeline in :attr:`Kernel.timeline` unless ``record=False``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Protocol

from ..errors import ConfigError, InvalidArgument, check_int
from .config import Config
from .constants import MAX_DMA_PFN, PAGE_SHIFT, PAGE_SIZE, SIZEOF_STRUCT_PAGE
from .emit import Emitter, SubscriberError
from .fault import Faults
from .fork import Processes
from .layout import Layout
from .memory import Memory
from .mmap import MmStruct
from .page import MemMap, Page, Zone
from .page_alloc import PageAllocator
from .pgtable import Level, PageTables
from .printk import KernelLog
from .rbtree import RbRoot
from .sched import Task
from .vfs import Files
from .vmalloc import Vmalloc, VmStruct
from .vmap_area import VmapArea, VmapAreas

__all__ = ["Kernel", "Replay"]


class Replay(Protocol):
    """What the replay layer installs: a recorder factory and a snapshot of the views' state."""

    def record(self, kernel: Kernel, checkpoint_every: int, max_events: int | None) -> Any: ...

    def snapshot(self, kernel: Kernel) -> Any: ...


def _forward(sub: str, cls: type, name: str) -> Callable[..., Any]:
    """A facade method calling ``self.<sub>.<name>``, with the subsystem method's docstring."""
    target = getattr(cls, name)

    def call(self: Kernel, *args: Any, **kwargs: Any) -> Any:
        return getattr(getattr(self, sub), name)(*args, **kwargs)

    functools.update_wrapper(call, target)
    return call


def _read(sub: str, name: str, doc: str) -> property:
    return property(lambda self: getattr(getattr(self, sub), name), doc=doc)


class Kernel:
    """A booted 32-bit x86 Linux kernel's memory: layout, page frames, page tables, vmalloc.

    >>> from vmwidgets import Kernel, Config
    >>> k = Kernel(Config())
    >>> [z.name for z in k.zones]
    ['DMA', 'Normal', 'HighMem']

    ``record=False`` keeps no timeline (for speed); subscribers still see every event.
    ``max_events=N`` keeps at most N events, dropping the oldest operations (see
    :mod:`vmwidgets.timeline`); ``k.timeline.pause()``/``resume()`` stop and restart recording.
    """

    _replay: ClassVar[Replay | None] = None

    @classmethod
    def install_replay(cls, replay: Replay) -> None:
        """Called once by :mod:`vmwidgets.recording`: how kernels record and snapshot themselves."""
        cls._replay = replay

    def __init__(
        self,
        config: Config | None = None,
        *,
        record: bool = True,
        checkpoint_every: int = 8192,
        max_events: int | None = None,
    ) -> None:
        if config is None:
            config = Config()
        if not isinstance(config, Config):
            raise InvalidArgument("config", config, "a vmwidgets.Config")
        if not isinstance(record, bool):
            raise InvalidArgument("record", record, "True or False")
        if type(checkpoint_every) is not int or checkpoint_every < 16:
            raise InvalidArgument("checkpoint_every", checkpoint_every, "an integer of at least 16")
        if max_events is not None and (type(max_events) is not int or max_events < 16):
            raise InvalidArgument("max_events", max_events, "None or an integer of at least 16")
        self.config = config
        self.layout = Layout.compute(config)
        self.emitter = Emitter()
        self._boot()
        self.timeline: Any = None
        if record:
            if Kernel._replay is None:
                raise ConfigError("record", record, "False (import vmwidgets to record: it installs the recorder)")
            self.timeline = Kernel._replay.record(self, checkpoint_every, max_events)

    # -- boot ----------------------------------------------------------------------------------
    def _boot(self) -> None:
        """setup_arch → paging_init → mem_init, reduced to what memory looks like afterwards.

        Reserved at boot (never handed to the buddy allocator): pfn 0 (BIOS data), the ISA
        hole 640 kB–1 MB, the kernel image (``_text`` to ``_end``), the boot page tables
        placed just after the image, and ``mem_map`` (32 bytes per frame) placed at 16 MB,
        where bootmem puts it (goal MAX_DMA_ADDRESS).
        """
        lay, cfg, emitter = self.layout, self.config, self.emitter
        self.page_alloc = PageAllocator(cfg, lay, emitter, self)
        img = cfg.kernel_image
        holes = ((0x9F, 0x100),)  # e820: not RAM (EBDA, VGA, BIOS ROMs)
        reserved = [
            (0, 1, "BIOS data page"),
            (0x9F, 0x100, "ISA hole (640 kB-1 MB)"),
            (img.text_start >> PAGE_SHIFT, (img.end + PAGE_SIZE - 1) >> PAGE_SHIFT, "kernel image"),
        ]
        brk = reserved[-1][1]
        zero_pfn = brk - 1  # empty_zero_page: a page of the image's bss
        self.pgtable = PageTables(cfg, lay, emitter, self.page_alloc)
        end = self.pgtable.paging_init(brk)
        reserved.append((brk, end, "boot page tables"))
        mm_start = MAX_DMA_PFN if end <= MAX_DMA_PFN else end
        mm_pages = (lay.max_pfn * SIZEOF_STRUCT_PAGE + PAGE_SIZE - 1) >> PAGE_SHIFT
        if mm_start + mm_pages > lay.max_low_pfn:
            raise ConfigError("ram", cfg.ram, "a size whose mem_map fits in lowmem")
        reserved.append((mm_start, mm_start + mm_pages, "mem_map"))
        self.page_alloc.free_all_bootmem(tuple(reserved), holes)
        self.pgtable.mark_boot_tables()
        if cfg.aged:
            self.page_alloc.age(cfg.seed)
        self.log = KernelLog(emitter, self._boot_log())
        self.vmap_area = VmapAreas(emitter, self.pgtable, self.log)
        self.mm_vmalloc = Vmalloc(cfg, lay, emitter, self.log, self.page_alloc, self.pgtable, self.vmap_area, self)
        self.memory = Memory(cfg, emitter, self.page_alloc, self.pgtable, zero_pfn)
        self.files = Files()
        self.processes = Processes(lay, emitter, self.pgtable, self.memory, self)
        self.faults = Faults(cfg, lay, emitter, self.pgtable, self.memory, self.processes)

    def _boot_log(self) -> list[str]:
        """What setup_arch (highmem_pfn_init, find_low_pfn_range) and mem_init print."""
        lay = self.layout
        lines = []
        if self.config.highmem:
            lines.append(f"{(lay.highend_pfn - lay.highstart_pfn) >> 8}MB HIGHMEM available.")
        lines.append(f"{lay.max_low_pfn >> 8}MB LOWMEM available.")
        return lines + lay.table().splitlines()

    # -- events --------------------------------------------------------------------------------
    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        """Call ``callback(event)`` for every event from now on; returns an unsubscribe function.

        A callback that raises does not stop the kernel: the operation completes, the
        error is kept in :attr:`subscriber_errors` and reported as a ``SubscriberWarning``.
        """
        return self.emitter.subscribe(callback)

    @property
    def subscriber_errors(self) -> list[SubscriberError]:
        """Every exception a subscriber raised (isolated: the operations went on)."""
        return self.emitter.subscriber_errors

    def dmesg(self) -> str:
        """The kernel log: the boot lines the model knows, then every warning since.

        >>> from vmwidgets import Kernel
        >>> print(Kernel().dmesg().splitlines()[0])
        128MB HIGHMEM available.
        """
        return self.log.dmesg()

    def view_state(self) -> Any:
        """A :class:`~vmwidgets.ViewState` of the kernel as it is now (see :mod:`vmwidgets.recording`)."""
        if Kernel._replay is None:
            raise ConfigError("view_state", None, "a kernel of the vmwidgets package (import vmwidgets first)")
        return Kernel._replay.snapshot(self)

    # -- the kernel-named calls ------------------------------------------------------------------
    alloc_pages = _forward("page_alloc", PageAllocator, "alloc_pages")
    free_pages = _forward("page_alloc", PageAllocator, "free_pages")
    buddyinfo = _forward("page_alloc", PageAllocator, "buddyinfo")
    page = _forward("page_alloc", PageAllocator, "page")
    translate = _forward("pgtable", PageTables, "translate")
    split = _forward("pgtable", PageTables, "split")
    pgd_index = _forward("pgtable", PageTables, "pgd_index")
    walk = _forward("pgtable", PageTables, "walk")
    vmalloc = _forward("mm_vmalloc", Vmalloc, "vmalloc")
    vfree = _forward("mm_vmalloc", Vmalloc, "vfree")
    vmap = _forward("mm_vmalloc", Vmalloc, "vmap")
    vunmap = _forward("mm_vmalloc", Vmalloc, "vunmap")
    ioremap = _forward("mm_vmalloc", Vmalloc, "ioremap")
    iounmap = _forward("mm_vmalloc", Vmalloc, "iounmap")
    find_vm_area = _forward("mm_vmalloc", Vmalloc, "find_vm_area")
    vmalloc_to_page = _forward("mm_vmalloc", Vmalloc, "vmalloc_to_page")
    vmallocinfo = _forward("mm_vmalloc", Vmalloc, "vmallocinfo")
    spawn = _forward("processes", Processes, "spawn")
    fork = _forward("processes", Processes, "fork")
    exit = _forward("processes", Processes, "exit")
    access = _forward("faults", Faults, "access")

    # -- state, read-only (each owned by one subsystem) -------------------------------------------
    mem_map: MemMap = _read("page_alloc", "mem_map", "``mem_map``: one struct page per frame.")  # type: ignore[assignment]
    zones: list[Zone] = _read("page_alloc", "zones", "The zones, each with its buddy free lists.")  # type: ignore[assignment]
    reserved: tuple[tuple[int, int, str], ...] = _read(  # type: ignore[assignment]
        "page_alloc", "reserved", "Frames boot kept for the kernel: ``(start_pfn, end_pfn, what)``."
    )
    alloc_order: Mapping[int, int] = _read(  # type: ignore[assignment]
        "page_alloc", "alloc_order", "Allocated blocks: head pfn -> order (read-only)."
    )
    levels: tuple[Level, ...] = _read("pgtable", "levels", "The paging levels (2 without PAE, 3 with).")  # type: ignore[assignment]
    page_kernel: int = _read(  # type: ignore[assignment]
        "pgtable", "page_kernel", "PAGE_KERNEL as masked by ``__supported_pte_mask`` (NX only under PAE)."
    )
    addr_mask: int = _read("pgtable", "addr_mask", "The frame-address bits of an entry.")  # type: ignore[assignment]
    swapper_pg_dir: Page = _read(  # type: ignore[assignment]
        "pgtable", "swapper_pg_dir", "The kernel's master page directory (``init_mm.pgd``)."
    )
    swapper: int = _read("pgtable", "swapper", "The pfn of swapper_pg_dir.")  # type: ignore[assignment]
    page_tables: Mapping[int, Mapping[int, int]] = _read(  # type: ignore[assignment]
        "pgtable", "tables", "Every page-table page: pfn -> {index: entry} (read-only)."
    )
    table_meta: Mapping[int, tuple[str, int]] = _read(  # type: ignore[assignment]
        "pgtable", "table_meta", "pfn -> (level, first address mapped) of every page-table page."
    )
    vmap_area_root: RbRoot = _read(  # type: ignore[assignment]
        "vmap_area", "vmap_area_root", "The 2.6.28+ rb-tree of vmap_areas."
    )
    vmap_area_list: tuple[VmapArea, ...] = _read(  # type: ignore[assignment]
        "vmap_area", "vmap_area_list", "``vmap_area_list``: every vmap_area by address."
    )
    vmap_lazy_nr: int = _read(  # type: ignore[assignment]
        "vmap_area", "lazy_nr", "Pages of lazily freed vmap areas waiting for a purge."
    )
    vmlist: VmStruct | None = _read(  # type: ignore[assignment]
        "mm_vmalloc", "vmlist", "The head of ``vmlist`` (None when empty); follow ``.next`` or iterate it."
    )
    zero_pfn: int = _read("memory", "zero_pfn", "``empty_zero_page``'s frame.")  # type: ignore[assignment]
    cache_pfns: frozenset[int] = _read("memory", "cache_pfns", "The page cache's frames.")  # type: ignore[assignment]
    tasks: list[Task] = _read("processes", "tasks", "Every live task.")  # type: ignore[assignment]
    mms: list[MmStruct] = _read(  # type: ignore[assignment]
        "processes", "mms", "Every address space: the tasks' and those read from /proc/PID/maps."
    )

    def user_slot(self, mm: MmStruct, addr: int) -> tuple[int, int] | None:
        """The (PTE table, index) of ``addr`` in ``mm``'s page tables, or None (no table yet)."""
        if not any(m is mm for m in self.processes.mms):  # by identity: a hostile __eq__ must not run
            raise InvalidArgument("mm", mm, "an mm_struct of this kernel (task.mm)")
        check_int("addr", addr, 0, 0xFFFFFFFF, "a 32-bit user address")
        return self.memory.user_slot(mm, addr, alloc=False)

    # -- for mm_types (a VMA asks its kernel for an id) ---------------------------------------------
    def _next_vma_id(self) -> int:
        return self.processes.next_vma_id()

    # -- helpers for lessons and views ---------------------------------------------------------
    def pa(self, vaddr: int) -> int:
        """``__pa(vaddr)`` for a lowmem address (see :meth:`Layout.pa`)."""
        return self.layout.pa(vaddr)

    def va(self, paddr: int) -> int:
        """``__va(paddr)`` for a lowmem physical address (see :meth:`Layout.va`)."""
        return self.layout.va(paddr)

    def __repr__(self) -> str:
        c = self.config
        return (
            f"<Kernel {c.era} {'PAE' if c.pae else 'non-PAE'} ram={c.ram >> 20} MB "
            f"lowmem={(self.layout.max_low_pfn << PAGE_SHIFT) >> 20} MB>"
        )


# The kernel's spellings, for students reading C beside Python (no name mangling outside a class).
setattr(Kernel, "__pa", Kernel.pa)
setattr(Kernel, "__va", Kernel.va)
setattr(Kernel, "__free_pages", Kernel.free_pages)
