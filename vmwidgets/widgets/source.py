"""What a view needs to know about the thing it shows, read once when it is built.

Views then draw only from the timeline's view states and events; a `Source` holds the
fixed facts (the layout's bands, the zones, PAE, which page directory and which mm) that
no event changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgument
from ..model.constants import PAGE_SIZE
from ..model.layout import Region, ZoneRange
from ..timeline import Timeline

__all__ = ["Source", "source_of"]


@dataclass(frozen=True)
class Source:
    timeline: Timeline
    regions: tuple[Region, ...] = ()
    zones: tuple[ZoneRange, ...] = ()
    pae: bool = False
    swapper: int | None = None  # pfn of swapper_pg_dir
    mm: str | None = None  # key of the address space in ViewState.vmas
    pgd: int | None = None  # pfn of that mm's page directory
    era: str = ""
    name: str = ""
    # (name, start, end): address ranges whose PTE tables the kernel names — the pkmap band's
    # pkmap_page_table (mm/highmem.c) and the fixmap's (boot-time slots included, as
    # page_table_range_init covers them; kmap_atomic's slots and kmap_pte are there)
    named_tables: tuple[tuple[str, int, int], ...] = ()


def source_of(obj: Any) -> Source:
    """A :class:`Source` for a Kernel, Task, MmStruct, Timeline, Player or view."""
    from ..model.kernel import Kernel
    from ..model.mmap import MmStruct
    from ..model.sched import Task

    if isinstance(obj, Source):
        return obj
    if hasattr(obj, "source") and isinstance(obj.source, Source):  # a player or a view
        return obj.source
    if isinstance(obj, Timeline):
        return Source(obj, name="timeline")
    mm = None
    if isinstance(obj, Task):
        mm = obj.mm
        kernel = mm.kernel
    elif isinstance(obj, MmStruct):
        mm, kernel = obj, obj.kernel
    elif isinstance(obj, Kernel):
        kernel = obj
    else:
        raise InvalidArgument("obj", obj, "a Kernel, a Task, an MmStruct (from spawn or from_proc_maps) or a Timeline")
    timeline = kernel.timeline
    if not isinstance(timeline, Timeline):  # the core knows it only as a Recording
        raise InvalidArgument("obj", obj, "a Kernel, Task or MmStruct of a kernel that records (Kernel(record=True))")
    lay = kernel.layout
    # __fix_to_virt(__end_of_fixed_addresses - 1): the lowest fixmap page, FIX_BTMAP's included
    named = [("fixmap", lay.fixaddr_boot_start + PAGE_SIZE, lay.fixaddr_top)]
    if lay.pkmap_base is not None and lay.pkmap_end is not None:
        named.insert(0, ("pkmap_page_table", lay.pkmap_base, lay.pkmap_end))
    return Source(
        timeline=timeline,
        regions=lay.regions(),
        zones=lay.zones,
        pae=kernel.config.pae,
        swapper=kernel.swapper_pg_dir.pfn,
        mm=mm.name if mm is not None else None,
        pgd=mm.pgd.pfn if mm is not None and mm.pgd is not None else None,
        era=kernel.config.era,
        name=(f"{obj.comm} (pid {obj.pid})" if isinstance(obj, Task) else f"mm {mm.name}")
        if mm is not None
        else "kernel",
        named_tables=tuple(named),
    )
