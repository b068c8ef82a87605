"""`ViewState`: what the views need to draw one moment of a timeline.

It is built only from the boot snapshot and events (never by reading the model), holds
plain containers and copies cheaply, so a timeline can keep checkpoints of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["AreaRecord", "RbLinks", "SlabRecord", "VmaRecord", "ViewState"]

RbLinks = tuple[int | None, int | None, int | None, int]
"""A red-black node as ``ViewState.rb`` holds it: ``(parent, left, right, colour)`` (ids; 0 red, 1 black)."""
VmaRecord = tuple[int, int, int, int, str | None]
"""A VMA as ``ViewState.vmas`` holds it: ``(vm_start, vm_end, vm_flags, vm_pgoff, file)``."""


class AreaRecord(NamedTuple):
    """A ``struct vm_struct`` as the views see it (``pages`` kept in ``ViewState.area_pages``)."""

    addr: int
    size: int
    flags: int
    nr_pages: int
    phys_addr: int
    caller: str | None


class SlabRecord(NamedTuple):
    """A slab as the views see it: its cache's name, its frames and objects (``struct page`` fields)."""

    cache: str
    order: int
    addr: int
    objects: int


@dataclass(eq=True)
class ViewState:
    """Kernel memory state at one timeline position.

    - ``free[(zone, order)]``: the ``free_area[order]`` list of a zone, head first (pfns).
    - ``allocated[pfn]``: order of each block handed out by the buddy allocator.
    - ``reserved``: ``(start_pfn, end_pfn, what)`` ranges boot kept for the kernel.
    - ``tables[pfn]``: entries ``{index: value}`` of each page-table page;
      ``table_meta[pfn]``: ``(level, first virtual address it covers)``.
    - ``static_tables[pfn]``: page tables no event changes (lowmem PTE tables boot built
      without PSE); shared between copies, never modified.
    - ``vmlist``: vm_struct addresses in list order; ``areas[addr]``: their records;
      ``area_pages[addr]``: their ``pages[]`` (pfns) as filled so far.
    - ``rb[tree][node]``: ``(parent, left, right, colour)`` of each node of a red-black
      tree (ids; colour 0 red, 1 black); ``rb_root[tree]`` its root; ``rb_labels`` what
      each node shows.
    - ``vmas[mm][vma]``: ``(vm_start, vm_end, vm_flags, vm_pgoff, file)`` of each VMA of
      each address space (its tree is ``rb["mm_rb:" + mm]``).
    - ``mm_fields[mm]``: the non-zero ``start_brk``, ``brk`` and ``start_stack`` of each
      address space, what show_map names ``[heap]`` and ``[stack]`` by.
    - ``vmap_lazy``: start addresses of vmap_areas freed lazily and not yet purged (2.6.28+).
    - ``swapper_pgd``: pfn of ``swapper_pg_dir``; ``kernel_pgd_first``: its first kernel entry
      (``pgd_index(PAGE_OFFSET)``).  A new process's directory starts as a copy of its
      entries from there on (pgd_ctor), so ``PgdCreated`` need not carry them.
    - ``pkmap_count[nr]``: the non-zero entries of mm/highmem.c's ``pkmap_count``;
      ``last_pkmap_nr``: where map_new_virtual's circular search resumes.
    - SLUB (mm/slub.c): ``slab_caches`` names in list order (newest first); ``slabs[pfn]``
      each slab's record; ``slab_partial[cache]`` its node's partial list, head first (pfns);
      ``cpu_slab[cache]`` the pfn of its cpu slab; ``slab_objects[addr]`` the slab pfn of
      each object handed out and not yet freed; ``slab_size[cache]`` its ``s->size`` (the
      slot an object takes, bytes); ``slab_free[pfn]`` each slab's free objects in freelist
      order, head first (addresses): ``c->freelist`` for the cpu slab (its page's own
      freelist is empty on one CPU), ``page->freelist`` for any other.
    """

    free: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    allocated: dict[int, int] = field(default_factory=dict)
    reserved: tuple[tuple[int, int, str], ...] = ()
    tables: dict[int, dict[int, int]] = field(default_factory=dict)
    table_meta: dict[int, tuple[str, int]] = field(default_factory=dict)
    static_tables: dict[int, dict[int, int]] = field(default_factory=dict)
    vmlist: list[int] = field(default_factory=list)
    areas: dict[int, AreaRecord] = field(default_factory=dict)
    area_pages: dict[int, list[int]] = field(default_factory=dict)
    rb: dict[str, dict[int, RbLinks]] = field(default_factory=dict)
    rb_root: dict[str, int | None] = field(default_factory=dict)
    rb_labels: dict[str, dict[int, str]] = field(default_factory=dict)
    vmap_lazy: set[int] = field(default_factory=set)
    vmas: dict[str, dict[int, VmaRecord]] = field(default_factory=dict)
    mm_fields: dict[str, dict[str, int]] = field(default_factory=dict)
    swapper_pgd: int | None = None
    kernel_pgd_first: int = 0
    pkmap_count: dict[int, int] = field(default_factory=dict)
    last_pkmap_nr: int = 0
    slab_caches: list[str] = field(default_factory=list)
    slabs: dict[int, SlabRecord] = field(default_factory=dict)
    slab_partial: dict[str, list[int]] = field(default_factory=dict)
    cpu_slab: dict[str, int] = field(default_factory=dict)
    slab_objects: dict[int, int] = field(default_factory=dict)
    slab_size: dict[str, int] = field(default_factory=dict)
    slab_free: dict[int, list[int]] = field(default_factory=dict)

    def copy(self) -> ViewState:
        """An independent copy (records are immutable, containers are copied)."""
        return ViewState(
            free={k: v[:] for k, v in self.free.items()},
            allocated=self.allocated.copy(),
            reserved=self.reserved,
            tables={k: v.copy() for k, v in self.tables.items()},
            table_meta=self.table_meta.copy(),
            static_tables=self.static_tables,
            vmlist=self.vmlist[:],
            areas=self.areas.copy(),
            area_pages={k: v[:] for k, v in self.area_pages.items()},
            rb={k: v.copy() for k, v in self.rb.items()},
            rb_root=self.rb_root.copy(),
            rb_labels={k: v.copy() for k, v in self.rb_labels.items()},
            vmap_lazy=self.vmap_lazy.copy(),
            vmas={k: v.copy() for k, v in self.vmas.items()},
            mm_fields={k: v.copy() for k, v in self.mm_fields.items()},
            swapper_pgd=self.swapper_pgd,
            kernel_pgd_first=self.kernel_pgd_first,
            pkmap_count=self.pkmap_count.copy(),
            last_pkmap_nr=self.last_pkmap_nr,
            slab_caches=self.slab_caches[:],
            slabs=self.slabs.copy(),
            slab_partial={k: v[:] for k, v in self.slab_partial.items()},
            cpu_slab=self.cpu_slab.copy(),
            slab_objects=self.slab_objects.copy(),
            slab_size=self.slab_size.copy(),
            slab_free={k: v[:] for k, v in self.slab_free.items()},
        )

    def __repr__(self) -> str:
        blocks = sum(len(v) for v in self.free.values())
        return (
            f"<ViewState: {len(self.vmlist)} vm_structs on vmlist, {len(self.allocated)} allocated blocks, "
            f"{blocks} free blocks, {len(self.tables) + len(self.static_tables)} page tables>"
        )

    def size(self) -> int:
        """Number of entries held: what a checkpoint costs, roughly."""
        return (
            sum(len(v) for v in self.free.values())
            + len(self.allocated)
            + sum(len(v) for v in self.tables.values())
            + len(self.areas)
            + sum(len(v) for v in self.area_pages.values())
            + sum(len(v) for v in self.rb.values())
            + len(self.slabs)
            + len(self.slab_objects)
            + sum(len(v) for v in self.slab_free.values())
        )

    def nr_free(self, zone: int, order: int) -> int:
        return len(self.free.get((zone, order), ()))
