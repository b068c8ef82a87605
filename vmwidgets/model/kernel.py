"""`Kernel`: boot a simulated 32-bit x86 machine and run kernel memory operations on it.

Every operation validates its arguments before it changes anything, then emits one
event per step (see :mod:`vmwidgets.events`); with recording on (the default) the events
go to :attr:`Kernel.timeline`, and to any subscriber.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import ConfigError, InvalidArgument
from ..events import OperationBegan, OperationEnded, PageTableAllocated, PgdCreated, WarningPrinted, walk_events
from ..state import AreaRecord, ViewState
from ..timeline import Timeline
from .buddy import BuddyAllocator
from .config import Config
from .constants import (
    __GFP_ZERO,
    _PAGE_NX,
    _PAGE_PRESENT,
    _PAGE_PSE,
    _PAGE_TABLE,
    GFP_HIGHUSER,
    GFP_KERNEL,
    MAX_DMA_PFN,
    PAGE_SHIFT,
    PAGE_SIZE,
    SIZEOF_STRUCT_PAGE,
    ZONE_DMA,
    ZONE_HIGHMEM,
    ZONE_NORMAL,
    PG_reserved,
)
from .fault import Faults
from .layout import Layout
from .mm_types import (
    MAP_ANONYMOUS,
    MAP_DENYWRITE,
    MAP_EXECUTABLE,
    MAP_FIXED,
    MAP_GROWSDOWN,
    MAP_PRIVATE,
    PROT_EXEC,
    PROT_READ,
    PROT_WRITE,
    File,
    Task,
)
from .mmap import MmStruct
from .page import MemMap, Zone
from .pgtable import PageTables
from .rbtree import rb_links
from .vmalloc import Vmalloc, VmStruct
from .vmap_area import VM_LAZY_FREE, VM_LAZY_FREEING, VmapAreas

K__GFP_ZERO = __GFP_ZERO  # no name mangling inside class bodies


class _OpResult:
    __slots__ = ("result",)

    def __init__(self) -> None:
        self.result = ""


class Kernel(BuddyAllocator, PageTables, Vmalloc, VmapAreas, Faults):
    """A booted 32-bit x86 Linux kernel's memory: layout, page frames, page tables, vmalloc.

    >>> from vmwidgets import Kernel, Config
    >>> k = Kernel(Config())
    >>> [z.name for z in k.zones]
    ['DMA', 'Normal', 'HighMem']

    ``record=False`` keeps no timeline (for speed); subscribers still see every event.
    ``max_events=N`` keeps at most N events, dropping the oldest operations (see
    :mod:`vmwidgets.timeline`); ``k.timeline.pause()``/``resume()`` stop and restart recording.
    """

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
        if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) or checkpoint_every < 16:
            raise InvalidArgument("checkpoint_every", checkpoint_every, "an integer of at least 16")
        if max_events is not None and (
            isinstance(max_events, bool) or not isinstance(max_events, int) or max_events < 16
        ):
            raise InvalidArgument("max_events", max_events, "None or an integer of at least 16")
        self.config = config
        self.layout = Layout.compute(config)
        self._subscribers: list[Callable[[Any], None]] = []
        self._sink: Callable[[Any], None] | None = None
        self._op = -1
        self._op_depth = 0
        self._nr_ops = 0
        self.tasks: list[Task] = []
        self.mms: list[MmStruct] = []  # every address space: the tasks' and those read from maps
        self._vma_ids = 0
        self._pids = 0
        self._page_cache: dict[tuple[int, int], int] = {}  # (inode, pgoff) -> frame
        self._cache_pfns: set[int] = set()
        self._inodes: dict[str, int] = {}
        self._boot()
        self._log = self._boot_log()
        self.timeline: Timeline | None = (
            Timeline(self.view_state(), checkpoint_every, snapshot=self.view_state, max_events=max_events)
            if record
            else None
        )
        self._rewire()

    # -- boot ----------------------------------------------------------------------------------
    def _boot(self) -> None:
        """setup_arch → paging_init → mem_init, reduced to what memory looks like afterwards.

        Reserved at boot (never handed to the buddy allocator): pfn 0 (BIOS data), the ISA
        hole 640 kB–1 MB, the kernel image (``_text`` to ``_end``), the boot page tables
        placed just after the image, and ``mem_map`` (32 bytes per frame) placed at 16 MB,
        where bootmem puts it (goal MAX_DMA_ADDRESS).
        """
        lay, cfg = self.layout, self.config
        nr = lay.max_pfn
        self.mem_map = MemMap(nr)
        self.zones = [
            Zone(ZONE_DMA, 0, min(MAX_DMA_PFN, lay.max_low_pfn)),
            Zone(ZONE_NORMAL, min(MAX_DMA_PFN, lay.max_low_pfn), lay.max_low_pfn),
        ]
        if cfg.highmem:
            self.zones.append(Zone(ZONE_HIGHMEM, lay.max_low_pfn, lay.max_pfn))
        self._alloc_order: dict[int, int] = {}
        self._rmap: dict[int, set[int]] = {}
        self._pt: dict[int, dict[int, int]] = {}
        self._pt_meta: dict[int, tuple[str, int]] = {}
        self._static_pt: set[int] = set()
        self._vm_nodes: list[VmStruct] = []  # vmlist in list order, beside the next pointers
        self._vm_addrs = array("Q")  # their addr and size (with guard page), for the walks
        self._vm_spans = array("Q")
        self._init_vmap()
        img = cfg.kernel_image
        self._holes = ((0x9F, 0x100),)  # e820: not RAM (EBDA, VGA, BIOS ROMs)
        reserved = [
            (0, 1, "BIOS data page"),
            (0x9F, 0x100, "ISA hole (640 kB-1 MB)"),
            (img.text_start >> PAGE_SHIFT, (img.end + PAGE_SIZE - 1) >> PAGE_SHIFT, "kernel image"),
        ]
        self._brk = reserved[-1][1]
        self._zero_pfn = reserved[-1][1] - 1  # empty_zero_page: a page of the image's bss
        self._build_swapper()
        reserved.append((reserved[-1][1], self._brk, "boot page tables"))
        mm_start = MAX_DMA_PFN if self._brk <= MAX_DMA_PFN else self._brk
        mm_pages = (nr * SIZEOF_STRUCT_PAGE + PAGE_SIZE - 1) >> PAGE_SHIFT
        if mm_start + mm_pages > lay.max_low_pfn:
            raise ConfigError("ram", cfg.ram, "a size whose mem_map fits in lowmem")
        reserved.append((mm_start, mm_start + mm_pages, "mem_map"))
        self._reserved = tuple((s, min(e, nr), w) for s, e, w in reserved if s < nr)
        for s, e, _ in self._reserved:
            self.mem_map.set_range(s, e, 1 << PG_reserved, 1)
        self._boot_free_lists()
        if cfg.aged:
            self._age(cfg.seed)

    def _age(self, seed: int, blocks: int = 6000) -> None:
        """Run the real allocator for a while so the free lists look like a used machine's.

        ``blocks`` allocations of order 0–3 (mostly 0, 70% movable highmem-capable, the
        rest GFP_KERNEL), then two in three of them freed in random order; the rest stay
        allocated as "other users".  Deterministic for a seed.
        """
        rng = random.Random(seed)
        got = []
        for _ in range(blocks):
            order = rng.choice((0, 0, 0, 0, 1, 1, 2, 3))
            page = self._alloc_pages(GFP_HIGHUSER if rng.random() < 0.7 else GFP_KERNEL, order)
            if page is None:
                break
            got.append((page.pfn, order))
        rng.shuffle(got)
        for pfn, order in got[: 2 * len(got) // 3]:
            self._free_pages(pfn, order)

    def _boot_log(self) -> list[str]:
        """What setup_arch (highmem_pfn_init, find_low_pfn_range) and mem_init print."""
        lay = self.layout
        lines = []
        if self.config.highmem:
            lines.append(f"{(lay.highend_pfn - lay.highstart_pfn) >> 8}MB HIGHMEM available.")
        lines.append(f"{lay.max_low_pfn >> 8}MB LOWMEM available.")
        return lines + lay.table().splitlines()

    def _boot_table(self, level: str, vaddr: int, static: bool = False) -> int:
        pfn = self._brk
        self._brk += 1
        self._pt[pfn] = {}
        self._pt_meta[pfn] = (level, vaddr)
        if static:
            self._static_pt.add(pfn)
        return pfn

    def _build_swapper(self) -> None:
        """swapper_pg_dir: lowmem direct map, then empty PTE tables for fixmap and pkmap.

        With ``pse`` (the default, as on any CPU since the Pentium) lowmem is mapped by large
        pages — no PTE tables, fewer TLB misses — as kernel_physical_mapping_init does.
        2.6.24 maps all of lowmem that way and its last large page reaches past
        high_memory.  2.6.28+ (init_memory_mapping) keeps the first large page's worth
        (fixed-size MTRRs live there) and a tail that is not large-page aligned on 4 KB
        pages, and maps nothing past max_low_pfn.  Without ``pse``, 4 KB PTE tables map
        exactly the frames below max_low_pfn.  ``is_kernel_text`` pages are executable, the
        rest NX under PAE; user PGD entries of a PAE swapper_pg_dir point at
        empty_zero_page (zap_low_mappings).
        """
        lay, cfg = self.layout, self.config
        levels = self.levels
        self._swapper = self._boot_table("pgd", 0)
        if cfg.pae:  # one kernel PMD page per kernel PGD entry
            first_kernel = self.pgd_index(lay.page_offset)
            for i in range(first_kernel, 4):
                pmd = self._boot_table("pmd", i << 30)
                self._pt[self._swapper][i] = (pmd << PAGE_SHIFT) | _PAGE_PRESENT
            zero = self._boot_table("pmd", 0)  # empty_zero_page, read as a PMD of zeros
            for i in range(first_kernel):
                self._pt[self._swapper][i] = (zero << PAGE_SHIFT) | _PAGE_PRESENT
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
            table, idx = self._upper_slot(lay.page_offset + phys)
            spans = [(max(lo, phys), min(hi, phys + big)) for lo, hi in small if lo < phys + big and phys < hi]
            if not spans:
                prot = self._lowmem_prot(phys, phys + big - 1) | _PAGE_PSE
                self._pt[table][idx] = phys | prot
            else:
                pte = self._boot_table("pte", lay.page_offset + phys, static=True)
                self._pt[table][idx] = (pte << PAGE_SHIFT) | _PAGE_TABLE
                for lo, hi in spans:
                    for p in range(lo, hi, PAGE_SIZE):
                        self._pt[pte][(p - phys) >> PAGE_SHIFT] = p | self._lowmem_prot(p, p)
            phys += big
        fix_lo = (lay.fixaddr_boot_start + PAGE_SIZE) & ~(big - 1)
        ranges = [(fix_lo, 1 << 32)]
        if lay.pkmap_base is not None:
            ranges.append((lay.pkmap_base, lay.pkmap_end))
        for lo, hi in ranges:  # page_table_range_init / permanent_kmaps_init
            for va in range(lo, hi, big):
                table, idx = self._upper_slot(va)
                if idx not in self._pt[table]:
                    pte = self._boot_table("pte", va)
                    self._pt[table][idx] = (pte << PAGE_SHIFT) | _PAGE_TABLE

    def _lowmem_prot(self, first: int, last: int) -> int:
        """PAGE_KERNEL, or PAGE_KERNEL_EXEC where ``is_kernel_text`` holds for either end.

        is_kernel_text counts from PAGE_OFFSET in 2.6.24 and from ``_text`` in 2.6.28+.
        """
        img = self.config.kernel_image
        lo = img.text_start if self.config.era_minor >= 28 else 0
        text = any(lo <= a <= img.init_end for a in (first, last))
        return self.page_kernel & ~_PAGE_NX if text else self.page_kernel

    def _upper_slot(self, va: int) -> tuple[int, int]:
        """(table, index) of the entry that points to the PTE table for ``va``."""
        table = self._swapper
        for lv in self.levels[:-2]:
            table = (self._pt[table][(va >> lv.shift) & (lv.entries - 1)] & self._addr_mask) >> PAGE_SHIFT
        lv = self.levels[-2]
        return table, (va >> lv.shift) & (lv.entries - 1)

    # -- events --------------------------------------------------------------------------------
    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        """Call ``callback(event)`` for every event from now on; returns an unsubscribe function."""
        if not callable(callback):
            raise InvalidArgument("callback", callback, "a callable taking one event")
        self._subscribers.append(callback)
        self._rewire()

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)
                self._rewire()

        return unsubscribe

    def _rewire(self) -> None:
        sinks = ([self.timeline._append] if self.timeline is not None else []) + list(self._subscribers)
        if not sinks:
            self._sink = None
        elif len(sinks) == 1:
            self._sink = sinks[0]
        else:

            def fan_out(ev: Any) -> None:
                for s in sinks:
                    s(ev)

            self._sink = fan_out

    def _emit(self, cls: type, fn: str, *args: Any) -> None:
        sink = self._sink
        if sink is not None:
            sink(cls(self._op, fn, *args))

    def _open(self, path: str, unique: bool = False, dev: tuple[int, int] = (8, 1)) -> File:
        """A new ``struct file`` for ``path``; the same path keeps its inode (unless unique)."""
        if not isinstance(path, str) or not path or not path.isprintable():
            raise InvalidArgument("file", path, "a printable path")
        ino = self._inodes.get(path) if not unique else None
        if ino is None:
            ino = self._inodes[path] = 4096 + len(self._inodes)
        return File(path, dev, ino)

    def _next_vma_id(self) -> int:
        self._vma_ids += 1
        return self._vma_ids

    def _warn(self, fn: str, message: str) -> None:
        """printk(KERN_WARNING …): the line goes to :meth:`dmesg` and is an event."""
        self._log.append(message)
        self._emit(WarningPrinted, fn, message)

    def dmesg(self) -> str:
        """The kernel log: the boot lines the model knows, then every warning since.

        >>> from vmwidgets import Kernel
        >>> print(Kernel().dmesg().splitlines()[0])
        128MB HIGHMEM available.
        """
        return "".join(line + "\n" for line in self._log)

    def _emit_walk(self, fn: str, walker: Callable, args: tuple, addrs: array, spans: array) -> None:
        """Emit one ``VmlistVisited`` per node of a list walk.

        The timeline stores the walk as ``walker``, its arguments and the visited nodes'
        addresses and sizes, and replays ``walker`` to produce the events when they are
        read: recording a walk costs two array slices, not an object per node.
        Subscribers get the events at once.
        """
        if self.timeline is not None:
            self.timeline._append_walk(self._op, fn, walker, args, addrs, spans)
        if self._subscribers:
            for ev in walk_events(self._op, fn, walker, args, addrs, spans):
                for sub in self._subscribers:
                    sub(ev)

    @contextmanager
    def _operation(self, name: str, args: str, fn: str) -> Iterator[_OpResult]:
        """Bracket a public call with OperationBegan/OperationEnded (nested calls join the outer one)."""
        res = _OpResult()
        if self._op_depth:
            self._op_depth += 1
            try:
                yield res
            finally:
                self._op_depth -= 1
            return
        self._op = self.timeline._begin(name, args) if self.timeline is not None else self._nr_ops
        self._nr_ops += 1
        self._op_depth = 1
        self._emit(OperationBegan, fn, name, args)
        try:
            yield res
        except BaseException as exc:
            res.result = f"error: {type(exc).__name__}"
            raise
        finally:
            self._op_depth = 0
            self._emit(OperationEnded, fn, name, res.result)
            if self.timeline is not None:
                self.timeline._end(self._op, res.result)

    # -- processes -----------------------------------------------------------------------------
    def spawn(self, name: str) -> Task | None:
        """Create a process as execve would leave it (fs/binfmt_elf.c, kernel/fork.c).

        ``pgd_alloc`` gives it a page directory whose kernel part ``pgd_ctor`` copies from
        swapper_pg_dir (under PAE the kernel PMD is shared and three user PMDs are
        preallocated).  The layout of a small dynamically linked program follows:
        ``/bin/NAME`` text at 0x08048000 and data after it (start_brk just above), the
        21-page initial stack just below TASK_SIZE, the dynamic loader's text top-down
        below ``mmap_base`` with its data right above it (2.6.24's load_elf_interp), then
        libc as ld.so maps it from user space: the whole image top-down, its data mapped
        over the end with MAP_FIXED (a split), an anonymous bss.  No vdso (2.6.24 puts
        one page below ld.so), no randomisation.  None (-ENOMEM) when no page is left for
        the page directory.
        """
        if not isinstance(name, str) or not 0 < len(name) <= 15 or not name.isprintable() or "/" in name:
            raise InvalidArgument("name", name, "a command name of 1 to 15 printable characters, no '/'")
        with self._operation("execve", f"name={name!r}", "fs/binfmt_elf.c:load_elf_binary") as op:
            task = self._new_task(name)
            if task is None:
                op.result = "-ENOMEM"
                return None
            mm = task.mm
            pid = task.pid
            rx, rw = PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE
            priv = MAP_PRIVATE | MAP_DENYWRITE
            exe = File(f"/bin/{name}", (8, 1), 1000 + pid)
            mm._do_mmap_pgoff(exe, 0x08048000, 0x4000, rx, priv | MAP_FIXED | MAP_EXECUTABLE, 0)
            mm._do_mmap_pgoff(exe, 0x0804C000, 0x1000, rw, priv | MAP_FIXED | MAP_EXECUTABLE, 3)
            mm.start_code, mm.end_code, mm.start_data, mm.end_data = 0x08048000, 0x0804B6F4, 0x0804C6F4, 0x0804C81C
            mm.start_brk = mm.brk = 0x0804D000
            stack = mm.task_size - 0x15000
            mm._do_mmap_pgoff(None, stack, 0x15000, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, 0)
            mm.start_stack = mm.task_size - 0x11C0
            # load_elf_interp: ld.so's text top-down, its data MAP_FIXED right above (no total_size in 2.6.24)
            ld = File("/lib/ld-2.7.so", (8, 1), 2101)
            base = mm._do_mmap_pgoff(ld, 0, 0x1B000, rx, priv, 0)
            mm._do_mmap_pgoff(ld, base + 0x1B000, 0x2000, rw, priv | MAP_FIXED, 0x1A)
            # ld.so then maps libc from user space (sys_mmap2 drops MAP_DENYWRITE): the whole image,
            # its data MAP_FIXED over the end, and an anonymous bss
            libc = File("/lib/libc-2.7.so", (8, 1), 2130)
            base = mm._do_mmap_pgoff(libc, 0, 0x143000, rx, MAP_PRIVATE, 0)
            mm._do_mmap_pgoff(libc, base + 0x13D000, 0x3000, rw, MAP_PRIVATE | MAP_FIXED, 0x13D)
            mm._do_mmap_pgoff(None, base + 0x140000, 0x3000, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0)
            op.result = f"task {pid}"
            return task

    def _new_task(self, comm: str) -> Task | None:
        """A task with a fresh mm: pgd_alloc, pgd_ctor (and PAE's preallocated user PMDs).

        None when a page runs out (the failed allocation is an event; nothing stays behind).
        """
        page = self._alloc_pages(GFP_KERNEL, 0)
        if page is None:
            return None
        self._pids += 1
        pid = self._pids
        self._pt[page.pfn] = {}
        self._pt_meta[page.pfn] = ("pgd", 0)
        first_kernel = self.pgd_index(self.layout.page_offset)
        for i, entry in self._pt[self._swapper].items():
            if i >= first_kernel:
                self._pt[page.pfn][i] = entry
        self._emit(
            PgdCreated,
            "arch/x86/mm/pgtable_32.c:pgd_ctor",
            f"{pid}",
            page.pfn,
            tuple(sorted(self._pt[page.pfn].items())),
        )
        task = Task(pid, comm, MmStruct(self, f"{pid}", page))
        self.tasks.append(task)
        self.mms.append(task.mm)
        if self.config.pae:  # pgd_alloc preallocates the user PMDs
            for i in range(first_kernel):
                if self._pte_table_for(page.pfn, i, "pmd", i << 30, "arch/x86/mm/pgtable_32.c:pgd_alloc") is None:
                    self._teardown(task)
                    return None
        return task

    def _pte_table_for(self, parent: int, index: int, level: str, vaddr: int, fn: str) -> int | None:
        """Allocate a zeroed page-table page and link it at ``parent[index]``."""
        page = self._alloc_pages(GFP_KERNEL | K__GFP_ZERO, 0)
        if page is None:
            return None
        entry = (page.pfn << PAGE_SHIFT) | (_PAGE_PRESENT if level == "pmd" and self.config.pae else _PAGE_TABLE)
        self._pt[page.pfn] = {}
        self._pt_meta[page.pfn] = (level, vaddr)
        self._pt[parent][index] = entry
        self._emit(PageTableAllocated, fn, level, page.pfn, vaddr, parent, index, entry)
        return page.pfn

    # -- helpers for lessons and views ---------------------------------------------------------
    def pa(self, vaddr: int) -> int:
        """``__pa(vaddr)`` for a lowmem address (see :meth:`Layout.pa`)."""
        return self.layout.pa(vaddr)

    def va(self, paddr: int) -> int:
        """``__va(paddr)`` for a lowmem physical address (see :meth:`Layout.va`)."""
        return self.layout.va(paddr)

    @property
    def reserved(self) -> tuple[tuple[int, int, str], ...]:
        """Frames boot kept for the kernel: ``(start_pfn, end_pfn, what)``."""
        return self._reserved

    def view_state(self) -> ViewState:
        """A :class:`ViewState` of the kernel as it is now (the timeline's boot snapshot)."""
        free = {(z.index, o): fa.free_list[:] for z in self.zones for o, fa in enumerate(z.free_area) if fa.free_list}
        tables = {p: t.copy() for p, t in self._pt.items() if p not in self._static_pt}
        static = {p: self._pt[p] for p in self._static_pt}
        areas, pages, vml = {}, {}, []
        for a in self._vm_nodes:
            vml.append(a.addr)
            areas[a.addr] = AreaRecord(a.addr, a.size, a.flags, a.nr_pages, a.phys_addr, a.caller)
            pages[a.addr] = [p.pfn for p in a.pages] if a.pages else []
        rb, labels, roots = {}, {}, {}
        for t in [self.vmap_area_root, *(mm.mm_rb for mm in self.mms)]:
            if t.rb_node is None:
                continue  # an empty tree is no entry
            rb[t.name] = rb_links(t)
            labels[t.name] = {n.id: n.label for n in t}
            roots[t.name] = t.rb_node.id
        vmas = {mm.name: {v.id: v.record for v in mm} for mm in self.mms if mm.mmap}
        lazy = {va.va_start for va in self._vmap_list if va.flags & (VM_LAZY_FREE | VM_LAZY_FREEING)}
        return ViewState(
            rb=rb,
            rb_labels=labels,
            rb_root=roots,
            vmap_lazy=lazy,
            vmas=vmas,
            free=free,
            allocated=dict(self._alloc_order),
            reserved=self._reserved,
            tables=tables,
            table_meta=dict(self._pt_meta),
            static_tables=static,
            vmlist=vml,
            areas=areas,
            area_pages=pages,
        )

    def __repr__(self) -> str:
        c = self.config
        return (
            f"<Kernel {c.era} {'PAE' if c.pae else 'non-PAE'} ram={c.ram >> 20} MB "
            f"lowmem={(self.layout.max_low_pfn << PAGE_SHIFT) >> 20} MB>"
        )


# The kernel's spellings, for students reading C beside Python (no name mangling outside a class).
setattr(Kernel, "__pa", Kernel.pa)
setattr(Kernel, "__va", Kernel.va)
