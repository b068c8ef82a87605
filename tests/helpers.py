"""Checks shared by the tests: the model's invariants, stated once."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from vmwidgets import MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE, Config, Kernel
from vmwidgets.model.constants import PAGE_SHIFT, PAGE_SIZE, VM_ALLOC, VM_IOREMAP


def frame_owners(k: Kernel) -> list[int]:
    """How many owners each pfn has: a free block, an allocated block or a reserved range."""
    owners = [0] * len(k.mem_map)
    for z in k.zones:
        for order, fa in enumerate(z.free_area):
            for pfn in fa.free_list:
                assert z.zone_start_pfn <= pfn and pfn + (1 << order) <= z.end_pfn, "free block crosses its zone"
                assert pfn % (1 << order) == 0, "free block not aligned to its order"
                for p in range(pfn, pfn + (1 << order)):
                    owners[p] += 1
    for pfn, order in k.alloc_order.items():
        for p in range(pfn, pfn + (1 << order)):
            owners[p] += 1
    for s, e, _ in k.reserved:
        for p in range(s, e):
            owners[p] += 1
    return owners


def check_frames(k: Kernel) -> None:
    """Every frame is in exactly one free block, one allocated block or one reserved range."""
    owners = frame_owners(k)
    bad = [p for p, n in enumerate(owners) if n != 1]
    assert not bad, f"frames owned {owners[bad[0]]} times, first pfn {bad[0]:#x}"


def check_vmlist(k: Kernel, mapped: dict[int, list[int]] | None = None) -> None:
    """vmlist sorted, disjoint, inside the vmalloc area; PTEs map each area, guard pages unmapped."""
    lay = k.layout
    prev_end = lay.vmalloc_start
    for a in k.vmlist or ():
        assert a.addr >= prev_end, f"area {a.addr:#x} overlaps or is out of order"
        assert a.addr + a.size <= lay.vmalloc_end
        prev_end = a.addr + a.size
        npages = (a.size >> PAGE_SHIFT) - 1
        mask = -1
        if a.flags & VM_ALLOC:
            want = [p.pfn for p in a.pages]
            assert len(want) == a.nr_pages == npages
        elif a.flags & VM_IOREMAP and a.phys_addr:  # vmap(…, VM_IOREMAP) leaves phys_addr 0, as the kernel does
            want = list(range(a.phys_addr >> PAGE_SHIFT, (a.phys_addr >> PAGE_SHIFT) + npages))
            mask = (1 << (32 - PAGE_SHIFT)) - 1  # phys_addr is an unsigned long: with PAE, the low 32 bits
        else:
            want = (mapped or {}).get(a.addr)
        for i in range(npages):
            t = k.walk(k.swapper, a.addr + i * PAGE_SIZE)
            assert t.ok and t.page_size == PAGE_SIZE, f"{a.addr + i * PAGE_SIZE:#x} not mapped"
            if want is not None:
                assert (t.phys >> PAGE_SHIFT) & mask == want[i] & mask
        assert not k.walk(k.swapper, a.addr + a.size - PAGE_SIZE).ok, "guard page is mapped"


def check_timeline(k: Kernel) -> None:
    """The timeline's end state equals a snapshot of the model."""
    if k.timeline is not None:
        assert k.timeline.head == k.view_state()


def observable(k: Kernel) -> tuple:
    """Everything a user can see of ``k``, as one comparable value: a refused call must leave it equal.

    The timeline (length, operations, position, recording or paused, events dropped, observers),
    the model's snapshot (``view_state``), the /proc-style texts (buddyinfo, vmallocinfo, dmesg,
    every mm's maps, slabinfo) and the tasks.  One function, so it can follow API changes in one place.
    """
    tl = k.timeline
    timeline = None
    if tl is not None:  # its events and operations, where its own cursor stands, whether it records
        ops = [repr(op) for op in tl.operations]
        timeline = (len(tl), ops, tl.position, tl.recording, tl.dropped_events, tl.nr_observers)
    maps = []
    for mm in k.mms:
        text = mm.maps
        maps.append((mm.name, text() if callable(text) else text))
    tasks = [(t.pid, t.comm, getattr(t.mm, "name", None)) for t in k.tasks]
    atomic = k.highmem.pagefault_disabled  # kmap_atomic's pagefault_disable depth: in no view
    return timeline, k.view_state(), k.buddyinfo(), k.vmallocinfo(), k.dmesg(), maps, tasks, atomic, k.slabinfo()


def replay_spawn(task: Any, r: Any) -> None:
    """Replay on reference mm ``r`` the mmaps ``spawn`` made for ``task`` (fork.py:
    Processes.spawn): the program's text and data, the stack, ld.so and libc.  The
    addresses spawn did not fix are read from the model; they are inputs here."""
    from vmwidgets.model.mm_types import (
        MAP_ANONYMOUS,
        MAP_DENYWRITE,
        MAP_EXECUTABLE,
        MAP_FIXED,
        MAP_GROWSDOWN,
        MAP_PRIVATE,
        PROT_EXEC,
        PROT_READ,
        PROT_WRITE,
    )  # fmt: skip

    rx, rw, anon = PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS
    vmas = list(task.mm)
    exe = vmas[0].vm_file
    ld = next(v for v in vmas if v.vm_file and v.vm_file.path.endswith("ld-2.7.so"))
    libc = next(v for v in vmas if v.vm_file and v.vm_file.path.endswith("libc-2.7.so"))
    exe_flags = MAP_PRIVATE | MAP_DENYWRITE | MAP_FIXED | MAP_EXECUTABLE
    r.do_mmap_pgoff(exe, 0x08048000, 0x4000, rx, exe_flags, 0)
    r.do_mmap_pgoff(exe, 0x0804C000, 0x1000, rw, exe_flags, 3)
    r.do_mmap_pgoff(None, task.mm.task_size - 0x15000, 0x15000, rw, anon | MAP_FIXED | MAP_GROWSDOWN, 0)
    r.do_mmap_pgoff(ld.vm_file, ld.vm_start, 0x1B000, rx, MAP_PRIVATE | MAP_DENYWRITE, 0)
    r.do_mmap_pgoff(ld.vm_file, ld.vm_start + 0x1B000, 0x2000, rw, MAP_PRIVATE | MAP_DENYWRITE | MAP_FIXED, 0x1A)
    r.do_mmap_pgoff(libc.vm_file, libc.vm_start, 0x143000, rx, MAP_PRIVATE, 0)
    r.do_mmap_pgoff(libc.vm_file, libc.vm_start + 0x13D000, 0x3000, rw, MAP_PRIVATE | MAP_FIXED, 0x13D)
    r.do_mmap_pgoff(None, libc.vm_start + 0x140000, 0x3000, rw, anon | MAP_FIXED, 0)


# scenes as the front end gets them (render/scene.py), their text hostile: scene changes and transports
TEXTS = st.text(alphabet=st.sampled_from("ab<>&\"'·▶\U0001f600x0123"), max_size=70)
_items = st.fixed_dictionaries(
    {"id": st.sampled_from([f"n{i}" for i in range(8)])},
    optional={"x": st.integers(0, 9), "rows": st.lists(st.lists(TEXTS, max_size=2), max_size=2), "vals": TEXTS},
)
SCENES = st.fixed_dictionaries(
    {"nodes": st.lists(_items, max_size=8, unique_by=lambda i: i["id"])},
    optional={
        "title": TEXTS,
        "w": st.integers(0, 5),
        "edges": st.lists(_items, max_size=4, unique_by=lambda i: i["id"]),
    },
)

BIG_BASE = 0x10000000  # where big_process's VMAs start


def big_process(n: int, era: str = "2.6.32", pae: bool = False, ops: int = 24, seed: int = 0) -> tuple[Kernel, Any]:
    """A kernel with ``n`` one-page VMAs (a hole after each) and ``n`` vm_structs built with
    recording paused, then ``ops`` recorded operations in random order: mmaps into holes (they
    may merge with both neighbours), munmaps, mprotect splits, faults, vmallocs and vfrees.
    Returns the kernel and the task (issue 15's views and benchmarks/views.py)."""
    page = 4096
    k = Kernel(Config(era=era, pae=pae))
    task = k.spawn("big")
    fixed = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED
    areas: list[int | None] = []
    with k.timeline.paused():
        for i in range(n):
            task.mmap(BIG_BASE + 2 * i * page, page, PROT_READ | (PROT_WRITE if i % 2 else 0), fixed)
            areas.append(k.vmalloc(page * (1 + i % 2)))
    rng = random.Random(seed)
    for _ in range(ops):
        i, op = rng.randrange(n), rng.randrange(6)
        if op == 0:
            task.mmap(BIG_BASE + (2 * i + 1) * page, page, PROT_READ | PROT_WRITE, fixed)
        elif op == 1:
            task.munmap(BIG_BASE + 2 * i * page, page)
        elif op == 2:
            task.mprotect(BIG_BASE + 2 * i * page, page, PROT_READ | PROT_WRITE)
        elif op == 3:
            task.access(BIG_BASE + 2 * i * page, write=bool(i % 2))
        elif op == 4 and areas[i] is not None:
            k.vfree(areas[i])
            areas[i] = None
        else:
            areas[i] = k.vmalloc(page * (1 + rng.randrange(3)))
    return k, task
