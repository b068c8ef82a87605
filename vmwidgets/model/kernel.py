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

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import ClassVar, Protocol, TypeVar

from ..errors import ConfigError, InvalidArgument, check_int
from ..events import Event
from .config import Config
from .constants import MAX_DMA_PFN, PAGE_SHIFT, PAGE_SIZE, SIZEOF_STRUCT_PAGE, VM_MAP
from .emit import Emitter, SubscriberError
from .fault import Access, Faults
from .fork import Processes
from .highmem import FixmapEntry, Highmem, fixed_addresses
from .layout import Layout
from .memory import Memory
from .mmap import MmStruct
from .page import MemMap, Page, Zone
from .page_alloc import PageAllocator
from .pgtable import Level, PageTables, Translation
from .printk import KernelLog
from .rbtree import RbRoot
from .sched import Task
from .slub import KmemCache, Slub
from .vfs import Files
from .vmalloc import DEFAULT_CALLER, Vmalloc, VmStruct
from .vmap_area import VmapArea, VmapAreas

__all__ = ["Kernel", "Recording", "Replay"]

_F = TypeVar("_F", bound=Callable[..., object])


class Recording(Protocol):
    """What the core promises of ``k.timeline``: the replay layer's
    :class:`~vmwidgets.timeline.Timeline` is one (the core may not import it)."""

    @property
    def recording(self) -> bool:
        """False while paused."""
        ...

    def pause(self) -> None:
        """Stop recording; the model runs on."""
        ...

    def resume(self) -> None:
        """Record again (after a marker for the gap)."""
        ...

    def paused(self) -> AbstractContextManager[object]:
        """``with k.timeline.paused(): …``: pause, and resume on leaving."""
        ...

    def __len__(self) -> int:
        """The number of events recorded."""
        ...


class Replay(Protocol):
    """What the replay layer installs: a recorder factory and a snapshot of the views' state."""

    def record(self, kernel: Kernel, checkpoint_every: int, max_events: int | None) -> Recording:
        """Attach a recorder to ``kernel``'s emitter; the timeline it keeps."""
        ...

    def snapshot(self, kernel: Kernel) -> object:
        """The views' state of ``kernel`` as it is now."""
        ...


def _doc(source: Callable[..., object]) -> Callable[[_F], _F]:
    """Give a facade call its subsystem's docstring (one text for both, as ``help()`` shows)."""

    def wrap(fn: _F) -> _F:
        fn.__doc__ = source.__doc__
        return fn

    return wrap


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
        checkpoint_every: int = 4096,
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
        self.timeline: Recording | None = None
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
        self.slub = Slub(cfg, lay, emitter, self.page_alloc)  # kmem_cache_init: the kmalloc caches, empty
        self.log = KernelLog(emitter, self._boot_log())
        self.vmap_area = VmapAreas(emitter, self.pgtable, self.log)
        self.mm_vmalloc = Vmalloc(cfg, lay, emitter, self.log, self.page_alloc, self.pgtable, self.vmap_area, self)
        self.memory = Memory(cfg, emitter, self.page_alloc, self.pgtable, zero_pfn)
        self.files = Files()
        self.processes: Processes = Processes(lay, emitter, self.pgtable, self.memory, self)
        self.faults = Faults(cfg, lay, emitter, self.pgtable, self.memory, self.processes)
        self.highmem = Highmem(cfg, lay, emitter, self.page_alloc, self.pgtable)

    def _boot_log(self) -> list[str]:
        """What setup_arch (highmem_pfn_init, find_low_pfn_range) and mem_init print."""
        lay = self.layout
        lines = []
        if self.config.highmem:
            lines.append(f"{(lay.highend_pfn - lay.highstart_pfn) >> 8}MB HIGHMEM available.")
        lines.append(f"{lay.max_low_pfn >> 8}MB LOWMEM available.")
        return lines + lay.table().splitlines() + [self.slub.boot_message()]

    # -- events --------------------------------------------------------------------------------
    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``callback(event)`` for every event from now on; returns an unsubscribe function.

        The model's own hook (the kernel has tracepoints, which this is not): ``callback``
        takes one :class:`~vmwidgets.events.Event`; the same in both eras.

        A callback that raises does not stop the kernel: the operation completes, the
        error is kept in :attr:`subscriber_errors` and reported as a ``SubscriberWarning``.
        """
        return self.emitter.subscribe(callback)

    @property
    def subscriber_errors(self) -> list[SubscriberError]:
        """Every exception a subscriber raised (isolated: the operations went on)."""
        return self.emitter.subscriber_errors

    def dmesg(self) -> str:
        """The kernel log (kernel/printk.c's ring buffer, as ``dmesg`` reads it): the boot lines
        the model knows, then every warning since.  Returns the text, one line a message.

        >>> from vmwidgets import Kernel
        >>> print(Kernel().dmesg().splitlines()[0])
        128MB HIGHMEM available.
        """
        return self.log.dmesg()

    def view_state(self) -> object:
        """A :class:`~vmwidgets.ViewState` of the kernel as it is now (see :mod:`vmwidgets.recording`).

        Typed ``object`` here: the core may not import the replay layer that defines it.
        """
        if Kernel._replay is None:
            raise ConfigError("view_state", None, "a kernel of the vmwidgets package (import vmwidgets first)")
        return Kernel._replay.snapshot(self)

    # -- the kernel-named calls, each forwarded to the subsystem that owns it --------------------
    @_doc(PageAllocator.alloc_pages)
    def alloc_pages(self, gfp_mask: int, order: int = 0) -> Page | None:
        return self.page_alloc.alloc_pages(gfp_mask, order)

    @_doc(PageAllocator.free_pages)
    def free_pages(self, page: Page, order: int = 0) -> None:
        self.page_alloc.free_pages(page, order)

    @_doc(PageAllocator.buddyinfo)
    def buddyinfo(self) -> str:
        return self.page_alloc.buddyinfo()

    @_doc(PageAllocator.page)
    def page(self, pfn: int) -> Page:
        return self.page_alloc.page(pfn)

    @_doc(PageTables.translate)
    def translate(self, vaddr: int, pgd: Page | None = None) -> Translation:
        return self.pgtable.translate(vaddr, pgd)

    @_doc(PageTables.split)
    def split(self, vaddr: int) -> dict[str, int]:
        return self.pgtable.split(vaddr)

    @_doc(PageTables.pgd_index)
    def pgd_index(self, vaddr: int) -> int:
        return self.pgtable.pgd_index(vaddr)

    @_doc(PageTables.walk)
    def walk(self, root: int, vaddr: int, emit: bool = False) -> Translation:
        return self.pgtable.walk(root, vaddr, emit)

    @_doc(Vmalloc.vmalloc)
    def vmalloc(self, size: int, caller: str | None = DEFAULT_CALLER) -> int | None:
        return self.mm_vmalloc.vmalloc(size, caller)

    @_doc(Vmalloc.vfree)
    def vfree(self, addr: int | None) -> None:
        self.mm_vmalloc.vfree(addr)

    @_doc(Vmalloc.vmap)
    def vmap(self, pages: Sequence[Page], flags: int = VM_MAP, caller: str | None = DEFAULT_CALLER) -> int | None:
        return self.mm_vmalloc.vmap(pages, flags, caller)

    @_doc(Vmalloc.vunmap)
    def vunmap(self, addr: int) -> None:
        self.mm_vmalloc.vunmap(addr)

    @_doc(Vmalloc.ioremap)
    def ioremap(self, phys_addr: int, size: int, caller: str | None = DEFAULT_CALLER) -> int | None:
        return self.mm_vmalloc.ioremap(phys_addr, size, caller)

    @_doc(Vmalloc.iounmap)
    def iounmap(self, addr: int) -> None:
        self.mm_vmalloc.iounmap(addr)

    @_doc(Vmalloc.find_vm_area)
    def find_vm_area(self, addr: int) -> VmStruct | None:
        return self.mm_vmalloc.find_vm_area(addr)

    @_doc(Vmalloc.vmalloc_to_page)
    def vmalloc_to_page(self, addr: int) -> Page | None:
        return self.mm_vmalloc.vmalloc_to_page(addr)

    @_doc(Vmalloc.vmallocinfo)
    def vmallocinfo(self) -> str:
        return self.mm_vmalloc.vmallocinfo()

    # SLUB (mm/slub.c)
    @_doc(Slub.kmalloc)
    def kmalloc(self, size: int, gfp: int) -> int | None:
        return self.slub.kmalloc(size, gfp)

    @_doc(Slub.kfree)
    def kfree(self, addr: int | None) -> None:
        self.slub.kfree(addr)

    @_doc(Slub.kmem_cache_create)
    def kmem_cache_create(self, name: str, size: int, align: int = 0, flags: int = 0) -> KmemCache | None:
        return self.slub.kmem_cache_create(name, size, align, flags)

    @_doc(Slub.kmem_cache_alloc)
    def kmem_cache_alloc(self, cache: KmemCache, gfp: int) -> int | None:
        return self.slub.kmem_cache_alloc(cache, gfp)

    @_doc(Slub.kmem_cache_free)
    def kmem_cache_free(self, cache: KmemCache, obj: int) -> None:
        self.slub.kmem_cache_free(cache, obj)

    @_doc(Slub.kmem_cache)
    def kmem_cache(self, name: str) -> KmemCache:
        return self.slub.kmem_cache(name)

    @_doc(Slub.virt_to_page)
    def virt_to_page(self, addr: int) -> Page:
        return self.slub.virt_to_page(addr)

    @_doc(Slub.slabinfo)
    def slabinfo(self) -> str:
        return self.slub.slabinfo()

    @_doc(Processes.spawn)
    def spawn(self, name: str) -> Task | None:
        return self.processes.spawn(name)

    @_doc(Processes.fork)
    def fork(self, task: Task) -> Task | None:
        return self.processes.fork(task)

    @_doc(Processes.exit)
    def exit(self, task: Task) -> None:
        self.processes.exit(task)

    @_doc(Faults.access)
    def access(self, task: Task, addr: int, write: bool = False, exec: bool = False, user: bool = True) -> Access:
        return self.faults.access(task, addr, write, exec, user)

    # -- highmem: kmap / kmap_atomic (mm/highmem.c, arch/x86/mm/highmem_32.c) ----------------------
    @_doc(Highmem.kmap)
    def kmap(self, page: Page) -> int | None:
        return self.highmem.kmap(page)

    @_doc(Highmem.kunmap)
    def kunmap(self, page: Page) -> None:
        self.highmem.kunmap(page)

    @_doc(Highmem.kmap_atomic)
    def kmap_atomic(self, page: Page, km_type: int) -> int:
        return self.highmem.kmap_atomic(page, km_type)

    @_doc(Highmem.kunmap_atomic)
    def kunmap_atomic(self, vaddr: int, km_type: int) -> None:
        self.highmem.kunmap_atomic(vaddr, km_type)

    @_doc(Highmem.kmap_flush_unused)
    def kmap_flush_unused(self) -> None:
        self.highmem.kmap_flush_unused()

    @_doc(Highmem.page_address)
    def page_address(self, page: Page) -> int | None:
        return self.highmem.page_address(page)

    @property
    def pkmap_count(self) -> tuple[int, ...]:
        """``int pkmap_count[LAST_PKMAP]`` (mm/highmem.c:61): 1024 entries, 512 under PAE (read-only)."""
        return self.highmem.pkmap_count

    @property
    def last_pkmap_nr(self) -> int:
        """``unsigned int last_pkmap_nr`` (mm/highmem.c:62): the slot map_new_virtual took or looked at last."""
        return self.highmem.last_pkmap_nr

    @property
    def km_types(self) -> tuple[str, ...]:
        """The era's ``enum km_type`` names in value order; ``len()`` is KM_TYPE_NR (13 or 19)."""
        return self.highmem.km_types

    @property
    def fixed_addresses(self) -> tuple[FixmapEntry, ...]:
        """The permanent fixmap entries in ``enum fixed_addresses`` order
        (:func:`~vmwidgets.model.highmem.fixed_addresses`)."""
        return fixed_addresses(self.config, self.layout)

    # -- state, read-only (each owned by one subsystem) -------------------------------------------
    @property
    def mem_map(self) -> MemMap:
        """``mem_map``: one ``struct page`` per frame (mm/page_alloc.c, FLATMEM)."""
        return self.page_alloc.mem_map

    @property
    def zones(self) -> list[Zone]:
        """``contig_page_data.node_zones``: ZONE_DMA, ZONE_NORMAL and ZONE_HIGHMEM with their free lists."""
        return self.page_alloc.zones

    @property
    def reserved(self) -> tuple[tuple[int, int, str], ...]:
        """Frames boot kept for the kernel (bootmem's reservations): ``(start_pfn, end_pfn, what)``."""
        return self.page_alloc.reserved

    @property
    def alloc_order(self) -> Mapping[int, int]:
        """Allocated blocks: head pfn -> order (read-only; the kernel keeps no such map, the model does)."""
        return self.page_alloc.alloc_order

    @property
    def levels(self) -> tuple[Level, ...]:
        """The paging levels: pgd and pte without PAE (2.6.24 and 2.6.32 alike), pgd, pmd and pte with it."""
        return self.pgtable.levels

    @property
    def page_kernel(self) -> int:
        """``PAGE_KERNEL`` as masked by ``__supported_pte_mask`` (NX only under PAE)."""
        return self.pgtable.page_kernel

    @property
    def addr_mask(self) -> int:
        """The frame-address bits of an entry: 12–31, or 12–51 under PAE (the CPU's limit).

        The kernels' own masks are narrower under PAE (2.6.24's PTE_MASK is PAGE_MASK,
        2.6.32's PTE_PFN_MASK stops at bit 43); the model's frames all lie below 64 GB."""
        return self.pgtable.addr_mask

    @property
    def swapper_pg_dir(self) -> Page:
        """The kernel's master page directory (``init_mm.pgd``)."""
        return self.pgtable.swapper_pg_dir

    @property
    def swapper(self) -> int:
        """The pfn of ``swapper_pg_dir``."""
        return self.pgtable.swapper

    @property
    def page_tables(self) -> Mapping[int, Mapping[int, int]]:
        """Every page-table page: pfn -> {index: entry} (read-only)."""
        return self.pgtable.tables

    @property
    def table_meta(self) -> Mapping[int, tuple[str, int]]:
        """pfn -> (level, first address mapped) of every page-table page."""
        return self.pgtable.table_meta

    @property
    def vmap_area_root(self) -> RbRoot:
        """``vmap_area_root`` (mm/vmalloc.c, 2.6.28+): the rb-tree of vmap_areas; empty in 2.6.24."""
        return self.vmap_area.vmap_area_root

    @property
    def vmap_area_list(self) -> Sequence[VmapArea]:
        """``vmap_area_list`` (2.6.28+): every vmap_area by address; empty in 2.6.24."""
        return self.vmap_area.vmap_area_list

    @property
    def vmap_lazy_nr(self) -> int:
        """``vmap_lazy_nr`` (2.6.28+): pages of lazily freed vmap areas waiting for a purge."""
        return self.vmap_area.lazy_nr

    @property
    def vmlist(self) -> VmStruct | None:
        """``struct vm_struct *vmlist``: the list head, None (NULL) when empty; iterate it or follow ``.next``."""
        return self.mm_vmalloc.vmlist

    @property
    def zero_pfn(self) -> int:
        """``empty_zero_page``'s frame, mapped read-only by a first read of an anonymous page.

        2.6.32 only: 2.6.24's do_anonymous_page gives every first touch a zeroed frame."""
        return self.memory.zero_pfn

    @property
    def cache_pfns(self) -> frozenset[int]:
        """The page cache's frames (the model's file pages)."""
        return self.memory.cache_pfns

    @property
    def tasks(self) -> list[Task]:
        """Every live task (``for_each_process``)."""
        return self.processes.tasks

    @property
    def mms(self) -> list[MmStruct]:
        """Every live address space: the tasks' and those read by :func:`~vmwidgets.from_proc_maps`."""
        return self.processes.mms

    def user_slot(self, mm: MmStruct, addr: int) -> tuple[int, int] | None:
        """``pgd_offset`` → ``pmd_offset`` → ``pte_offset``: where ``addr``'s PTE sits in ``mm``'s page tables.

        ``struct mm_struct *mm`` (a live task's: an mm read from /proc/PID/maps has no page
        tables), ``unsigned long addr`` below TASK_SIZE.  Returns ``(pte table pfn, index)``,
        or None when no PTE table covers ``addr`` yet (nothing is allocated to look).
        """
        if not any(m is mm for m in self.processes.mms):  # by identity: a hostile __eq__ must not run
            raise InvalidArgument("mm", mm, "a live mm_struct of this kernel")
        mm.pgd_pfn()  # refuses an mm without page tables
        check_int("addr", addr, 0, mm.task_size - 1, "a user address below TASK_SIZE")
        return self.memory.user_slot(mm, addr, alloc=False)

    # -- helpers for lessons and views ---------------------------------------------------------
    def pa(self, vaddr: int) -> int:
        """``__pa(vaddr)`` (include/asm-x86/page_32.h; arch/x86/include/asm/page.h in 2.6.32):
        ``unsigned long vaddr`` in lowmem to its physical address (``vaddr - PAGE_OFFSET``).

        Raises for an address outside lowmem, where the macro would give nonsense.
        """
        return self.layout.pa(vaddr)

    def va(self, paddr: int) -> int:
        """``__va(paddr)``: a lowmem physical address to its kernel virtual address
        (``void *``: ``paddr + PAGE_OFFSET``); same headers as :meth:`pa`.

        Raises for a physical address above lowmem (highmem has no permanent mapping).
        """
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
