"""Recording a kernel: the replay layer attaches a :class:`~vmwidgets.Timeline` to the core.

The core model never imports this module.  Importing :mod:`vmwidgets` installs it in
:class:`~vmwidgets.model.kernel.Kernel`, so ``Kernel(config)`` records into
``k.timeline`` (unless ``record=False``) and ``k.view_state()`` snapshots the model as a
:class:`~vmwidgets.ViewState` built from the subsystems' public accessors.
"""

from __future__ import annotations

from typing import Any, cast

from .events import MM_FIELDS
from .model.kernel import Kernel
from .model.rbtree import rb_links
from .model.vmap_area import VmapAreas
from .state import AreaRecord, SlabRecord, ViewState
from .timeline import Timeline

__all__ = ["attach_timeline", "view_state"]


def view_state(k: Kernel) -> ViewState:
    """A :class:`ViewState` of kernel ``k`` as it is now (the timeline's boot snapshot)."""
    free = {(z.index, o): fa.free_list[:] for z in k.zones for o, fa in enumerate(z.free_area) if fa.free_list}
    pt = k.page_tables
    static_pfns = k.pgtable.static_tables
    tables = {p: dict(t) for p, t in pt.items() if p not in static_pfns}
    static = {p: cast(dict[int, int], pt[p]) for p in static_pfns}  # never change: shared, not copied
    areas, pages, vml = {}, {}, []
    for a in k.mm_vmalloc.vm_nodes:
        vml.append(a.addr)
        areas[a.addr] = AreaRecord(a.addr, a.size, a.flags, a.nr_pages, a.phys_addr, a.caller)
        pages[a.addr] = [p.pfn for p in a.pages] if a.pages else []
    rb: dict[str, Any] = {}
    labels: dict[str, dict[Any, str]] = {}
    roots: dict[str, int | None] = {}
    for t in [k.vmap_area_root, *(mm.mm_rb for mm in k.mms)]:
        if t.rb_node is None:
            continue  # an empty tree is no entry
        rb[t.name] = rb_links(t)
        labels[t.name] = {n.id: n.label for n in t}
        roots[t.name] = t.rb_node.id
    vmas = {mm.name: {v.id: v.record for v in mm} for mm in k.mms if mm.map_count}
    mm_fields = {mm.name: {f: v for f in MM_FIELDS if (v := getattr(mm, f))} for mm in k.mms}
    lazy = {va.va_start for va in k.vmap_area_list if VmapAreas.is_lazy(va)}
    pkmap = {nr: c for nr, c in enumerate(k.pkmap_count) if c}
    slub = k.slub
    slabs = {sp.pfn: SlabRecord(sp.slab.name, sp.order, sp.address, sp.objects) for sp in slub.slabs()}
    partial = {c.name: [p.pfn for p in c.local_node.partial] for c in slub.slab_caches if c.local_node.partial}
    cpu_slab = {c.name: c.cpu_slab.page.pfn for c in slub.slab_caches if c.cpu_slab.page is not None}
    objects = slub.live_objects()
    fp = slub.free_pointers

    def chain(p: int) -> list[int]:
        out = []
        while p:
            out.append(p)
            p = fp[p]
        return out

    slab_free = {sp.pfn: chain(sp.freelist) for sp in slub.slabs()}
    for c in slub.slab_caches:
        if c.cpu_slab.page is not None:  # the lockless list first, then the page's own (empty on one CPU)
            pfn = c.cpu_slab.page.pfn
            slab_free[pfn] = chain(c.cpu_slab.freelist) + slab_free[pfn]
    return ViewState(
        pkmap_count=pkmap,
        last_pkmap_nr=k.last_pkmap_nr,
        slab_caches=[c.name for c in slub.slab_caches],
        slabs=slabs,
        slab_partial=partial,
        cpu_slab=cpu_slab,
        slab_objects=objects,
        slab_size={c.name: c.size for c in slub.slab_caches},
        slab_free=slab_free,
        swapper_pgd=k.swapper,
        kernel_pgd_first=k.pgd_index(k.layout.page_offset),
        rb=rb,
        rb_labels=labels,
        rb_root=roots,
        vmap_lazy=lazy,
        vmas=vmas,
        mm_fields={mm: fields for mm, fields in mm_fields.items() if fields},
        free=free,
        allocated=dict(k.alloc_order),
        reserved=k.reserved,
        tables=tables,
        table_meta=dict(k.table_meta),
        static_tables=static,
        vmlist=vml,
        areas=areas,
        area_pages=pages,
    )


def attach_timeline(k: Kernel, checkpoint_every: int = 4096, max_events: int | None = None) -> Timeline:
    """Start recording ``k`` into a new :class:`Timeline` (its initial state is ``k`` now)."""
    timeline = Timeline(view_state(k), checkpoint_every, snapshot=lambda: view_state(k), max_events=max_events)
    k.emitter.attach(timeline._rec)
    return timeline


class _Replay:
    def record(self, kernel: Kernel, checkpoint_every: int, max_events: int | None) -> Timeline:
        return attach_timeline(kernel, checkpoint_every, max_events)

    def snapshot(self, kernel: Kernel) -> ViewState:
        return view_state(kernel)


Kernel.install_replay(_Replay())
