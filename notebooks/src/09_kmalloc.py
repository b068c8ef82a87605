"""Lesson 9: kmalloc and the slab allocator (SLUB) versus vmalloc (Linux 2.6.24 and 2.6.32)."""

from nbbuild import code, md

CELLS = [
    md("""
    # Lesson 9 — kmalloc and the slab allocator, versus vmalloc

    Most kernel memory is small: an inode, a request, a list node of a few dozen bytes.
    Taking a 4 kB frame for each would waste most of it, so `kmalloc` cuts frames into
    objects of a few fixed sizes. This lesson follows SLUB, the default slab allocator of
    Linux 2.6.24 and 2.6.32, on a 32-bit x86 machine with 1 GB of RAM, and ends with
    `kmalloc` and `vmalloc` side by side.

    This lesson reads best **right after lesson 4** (vmalloc). It assumes the direct map at
    `0xc0000000` and lowmem/highmem (lesson 1), page frames, orders and the buddy allocator
    (lesson 2), PTEs and the TLB (lesson 3), and `vmalloc` with its `vm_struct` (lesson 4),
    whose §1 already showed one `kmalloc(100)` landing in the direct map.

    **By the end of this lesson you can …**

    1. say which kmalloc cache serves a request, in either era, and why there are caches
       of 96 and 192 bytes;
    2. read a slab page: its objects, the free pointer each free object holds, and the order
       in which objects come back (`c->freelist` is a stack);
    3. predict whether the next `kmalloc` takes the fast path, a slab from the partial list,
       or a new slab;
    4. find a `kmalloc` object's frame from its address (the direct map), and say what a
       large `kmalloc` does instead;
    5. choose between `kmalloc` and `vmalloc`: contiguity, cost, TLB and page tables, limits;
    6. find each step in `mm/slub.c` and `include/linux/slub_def.h`.

    It takes about 35 minutes. Run the cells from top to bottom (*Run → Run All Cells*).
    """),
    md("""
    ## 1. Caches and size classes

    A **slab cache** (`struct kmem_cache`) hands out objects of one size. It takes a
    **slab** (1, 2, 4 … frames in a row) from the buddy allocator and cuts it into equal
    slots. `kmalloc(size, flags)` does not create caches: at boot, `mm/slub.c:kmem_cache_init`
    makes one cache per **size class**, named `kmalloc-N`:

    - the powers of two from 8 bytes up, and two more, **kmalloc-96 and kmalloc-192**, because
      objects of 65–96 and 129–192 bytes are common and a power of two would waste a third;
    - in 2.6.24 up to **kmalloc-2048** (half a page); in 2.6.32 up to **kmalloc-8192**
      (two pages). A bigger request does not use a cache at all (§5).

    For each call, `mm/slub.c:get_slab` picks the **smallest cache whose objects hold the
    request**: for 1–192 bytes through a small table (`size_index`), above that the next power
    of two. The request is rounded up to the cache's size; the rest of the object is unused.
    Each cache then has a slab **order** and a number of **objects per slab**, chosen once by
    `calculate_order` (2.6.32 prefers bigger slabs for the big sizes). `/proc/slabinfo` lists
    the caches, newest first; its columns are the objects in use, all objects, the object
    size, objects per slab and pages per slab:
    """),
    code("""
    from ipywidgets import VBox
    from traitlets import link

    from vmwidgets import GFP_KERNEL, Config, Kernel, explain  # explain: one sentence per event
    from vmwidgets.widgets import (
        ExerciseWidget,
        PageTableView,
        PhysicalMemoryView,
        Player,
        SlabView,
        VmlistView,
    )

    k = Kernel(Config(aged=True, seed=7))  # 1 GB, non-PAE, Linux 2.6.24, running for a while (as in lesson 4)
    print(k.slabinfo(), end="")
    new = Kernel(Config(era="2.6.32"))
    print("2.6.32:", ", ".join(f"{s.name} {1 << s.order}p/{s.objects}" for s in reversed(new.slub.slab_caches)))
    """),
    md("""
    In 2.6.24 every cache up to kmalloc-1024 uses one page per slab; kmalloc-2048 takes two
    pages to fit 4 objects. In the 2.6.32 line (pages per slab / objects), kmalloc-1024 and
    above use 2, 4 and 8 pages, so that a slab holds 8 objects (kmalloc-8192: 4, all that
    8 pages hold; more on the two eras in §7). The model's caches are empty after boot; a
    real kernel's already hold thousands of objects.

    ### Predict, then check

    A driver calls `kmalloc(150, GFP_KERNEL)` 40 times. The cell below has run the 40 calls
    on the model; the player is held before the first one. Use the table above, answer, and
    press **Commit and reveal**: the player jumps to the end of the 40 calls, and the slab
    view shows the cache's slabs.
    """),
    code("""
    from vmwidgets.exercises.l9_kmalloc import calls_text, next_address, slab_count, where_from

    t = k.timeline
    before = len(t)
    question = slab_count(k, 150, 40)  # runs the 40 calls on k; the answer comes from the model
    objs = [int(o.result, 16) for o in t.operations if o.start >= before]
    slabs = SlabView(k, limit=3, objects=24)
    player = Player(k, [slabs])
    player.seek(before)
    VBox([ExerciseWidget(question, player=player, reveal=len(t)), player, slabs])
    """),
    md("""
    ## 2. Inside a slab: objects and the free list

    A slab of kmalloc-192 is one frame: object *i* starts at the frame's direct-map address
    plus *i* × 192, for *i* = 0 … 20, and the last 64 bytes are never used. The slab's
    `struct page` holds SLUB's bookkeeping: `PG_slab` set, `slab` (the cache), `inuse` and
    `freelist`.

    **The free list lives inside the free objects.** A free object's memory is not in use,
    so SLUB stores in it the address of the next free object, at `s->offset` bytes from the
    object's start (0 for the kmalloc caches: the first word; a cache whose objects may be
    read after `kfree`, `SLAB_DESTROY_BY_RCU`, keeps it just after the object instead). No
    separate list is allocated. `new_slab` threads a new slab's objects **in address order**,
    the last one pointing to NULL.

    **The cpu slab.** Each CPU has a `struct kmem_cache_cpu` per cache: `c->page`, the slab
    it allocates from (the *cpu slab*, marked *frozen*), and `c->freelist`, that slab's free
    objects. The fast path of `mm/slub.c:slab_alloc` pops the head of `c->freelist`; the fast
    path of `slab_free`, for an object of the cpu slab, pushes it back on the head. Both are
    a handful of instructions, with no lock and no list: the list is a **stack**, last in,
    first out. Here is the cpu slab's `c->freelist`, followed through the words stored in
    the free objects:
    """),
    code("""
    s = k.kmem_cache("kmalloc-192")
    c = s.cpu_slab
    print(f"{s.name}: size {s.size}, offset {s.offset}, {s.objects} objects per slab, order {s.order}")
    print(f"cpu slab c->page: pfn {c.page.pfn:#x}, address {c.page.address:#010x}, inuse {c.page.inuse}")
    fp = k.slub.free_pointers  # the word each free object holds at s->offset
    p, chain = c.freelist, []
    while p:
        chain.append(f"{p:#010x} (object {(p - c.page.address) // s.size})")
        p = fp[p]
    print("c->freelist:", " -> ".join(chain), "-> NULL")
    slab2 = c.page.address  # the second slab, the cpu slab for now
    """),
    md("""
    `inuse` says 21 although only 19 objects of this slab are handed out: while a slab is
    the cpu slab, its free objects sit on `c->freelist` and the slab counts as full.

    ### Predict, then check

    The driver now frees two objects of the cpu slab and asks for one more. Which address
    comes back? The player is held before the `kmalloc`; step back to watch the two frees
    in the slab view (the arrows are the free list, head first).
    """),
    code("""
    cpu_objs = [a for a in objs if c.page.address <= a < c.page.address + 4096]
    freed = [cpu_objs[10], cpu_objs[4]]
    calls = []
    for a in freed:
        k.kfree(a)
        calls.append(("kfree", a, None))
    intro = (
        f"Linux 2.6.24. kmalloc-192's cpu slab starts at {slab2:#010x}; its c->freelist holds "
        + " -> ".join(chain)
        + " -> NULL. Then these calls run:\\n"
        + calls_text(calls)
    )
    call = len(t)
    question = next_address(k, 170, freed, intro=intro)  # runs kmalloc(170): kmalloc-192 again
    slabs2 = SlabView(k, limit=3, objects=24)
    player2 = Player(k, [slabs2])
    player2.seek(call)
    VBox([ExerciseWidget(question, player=player2, reveal=len(t)), player2, slabs2])
    """),
    md("""
    <details><summary>Aside: the size of a slot in a cache of your own</summary>

    `kmem_cache_create(name, size, align, flags, ctor)` makes a cache for one kind of
    object. Its slot (`s->size`, the *objsize* column of `/proc/slabinfo`) is computed by
    `calculate_sizes`: the size rounded up to a word (4 bytes), plus one word if the free
    pointer must live after the object (`SLAB_DESTROY_BY_RCU` or a constructor), rounded up
    to the alignment (8 bytes at least; `SLAB_HWCACHE_ALIGN` aligns objects over half a
    cache line to the 64-byte line). A new cache whose slot comes out the size of an existing
    cache's is *merged* into it (`find_mergeable`) and only gets an alias name: in the model,
    `k.kmem_cache_create("my_cache", 100, 0, SLAB_HWCACHE_ALIGN)` returns kmalloc-128 (100
    rounds up to a 128-byte slot), while a 300-byte cache with the same flag gets a cache of
    its own with 320-byte slots (without the flag, 304-byte slots).
    </details>

    ## 3. Partial slabs, the cpu slab, new slabs

    When `c->freelist` is empty, the slow path `mm/slub.c:__slab_alloc` runs:

    1. if the cpu slab's own `page->freelist` has objects (freed by another CPU), take them all;
    2. otherwise **deactivate** the cpu slab (`deactivate_slab`): it is full, so it simply
       drops off and is on no list;
    3. take the **head of the node's partial list** (`get_partial`): a slab that has some
       objects in use and some free;
    4. if that list is empty, **`new_slab`**: a new slab from the buddy allocator.

    The slab found becomes the cpu slab, its whole free list moves to `c->freelist`, and the
    first object is returned. How does a slab get on the partial list? A `kfree` of an object
    whose slab is **not** the cpu slab takes the slow path `__slab_free`: the object goes on
    that slab's own `page->freelist`; a slab that was full now has a free object and is added
    to the partial list (at its tail); a slab whose last object comes back is freed at once
    (`discard_slab`), its frames returned to the buddy allocator.

    The driver takes three more objects, which empties `c->freelist`, then frees an object
    of the **first** slab, the one that filled up during the 40 calls:
    """),
    code("""
    more = [k.kmalloc(150, GFP_KERNEL) for _ in range(3)]
    first = objs[5]  # in the first slab, which is full and not the cpu slab
    k.kfree(first)
    print("c->freelist:", "NULL" if not c.freelist else hex(c.freelist))
    print("partial list:", s.local_node.partial)
    """),
    md("""
    ### Predict, then check

    Where does the next `kmalloc(150)` take its object from? The player is held before the
    call; the slab view marks the cpu slab and the partial list.
    """),
    code("""
    calls = [("kmalloc", 150, a) for a in more] + [("kfree", first, None)]
    intro = (
        f"Linux 2.6.24. kmalloc-192 has two slabs of 21 objects. The first, at {objs[0]:#010x}, filled up "
        f"during the 40 calls and dropped off the cpu; the second, at {slab2:#010x}, is the cpu slab, and the "
        "three kmallocs below take its last three free objects. The last calls were:\\n" + calls_text(calls)
    )
    call = len(t)
    question = where_from(k, 150, intro=intro)
    slabs3 = SlabView(k, limit=3, objects=24)
    player3 = Player(k, [slabs3])
    player3.seek(call)
    VBox([ExerciseWidget(question, player=player3, reveal=len(t)), player3, slabs3])
    """),
    md("""
    When every object of a slab that is not the cpu slab is freed, the slab goes back to the
    buddy allocator at once, in both eras. Free all of the second slab's objects; the last
    `kfree` shows the discard:
    """),
    code("""
    for i in range(s.objects):  # every object of the second slab, which is full and no longer the cpu slab
        k.kfree(slab2 + i * s.size)
    last = t.operations[-1]
    for i in range(last.start + 1, last.end - 1):
        print(f"step {i + 1:4} {t[i].fn:34} {explain(t[i])}")
    print(k.slabinfo().splitlines()[-2])
    """),
    md("""
    ## 4. Where kmalloc memory lies: the direct map

    Every slab is **lowmem**: `new_slab` strips `__GFP_HIGHMEM` (asking for it is a bug), so
    its frames have a direct-map address. An object's address is therefore plain arithmetic,
    with no page table of its own:

        address = PAGE_OFFSET + pfn × 4096 + offset in the frame      (PAGE_OFFSET = 0xc0000000)

    and back again, `virt_to_page(addr)` = the `struct page` of pfn (addr − 0xc0000000) >> 12
    (`virt_to_head_page` then finds the first frame of a multi-page slab). Lesson 4 showed
    this for one object. What it did not show: the direct map is built at boot with **4 MB
    pages** (one PGD entry with `PSE` per 4 MB, no PTE table), and it already maps every
    lowmem frame. A new slab needs **no new PTE and no TLB flush**; the TLB entry that maps
    the object may even be shared with everything else in the same 4 MB.
    """),
    code("""
    obj = objs[0]
    page = k.virt_to_page(obj)
    print(f"object {obj:#010x}: pfn {page.pfn:#x} ({page.zone}), offset {obj & 0xFFF:#x};"
          f" 0xc0000000 + {page.pfn:#x} * 4096 + {obj & 0xFFF:#x} = {0xC0000000 + page.pfn * 4096 + (obj & 0xFFF):#010x}")  # fmt: skip
    print(k.translate(obj))
    """),
    md("""
    Select the first slab in the slab view below (click its header): the physical-memory view
    lights its frame in lowmem (ZONE_NORMAL), and the page-table view marks the one 4 MB
    direct-map entry that covers it. Compare lesson 4: a `vmalloc` area's frames come from
    anywhere, highmem preferred, and each needs a PTE of its own.
    """),
    code("""
    where = SlabView(k, limit=3, objects=24)
    frames = PhysicalMemoryView(k)
    tables = PageTableView(k)
    link((where, "selected"), (frames, "selected"))
    link((where, "selected"), (tables, "selected"))
    where.selected = f"slab:{page.pfn:#x}"
    VBox([Player(k, [where, frames, tables]), where, frames, tables])
    """),
    md("""
    ## 5. Large kmallocs go straight to the page allocator

    Above the largest cache (2048 bytes in 2.6.24, 8192 in 2.6.32) a slab of a few objects
    would waste too much, so `kmalloc` skips SLUB: it asks the buddy allocator for a block of
    order `get_order(size)`, the smallest order whose 2^order pages hold the request, and
    returns the block's direct-map address. 2.6.24 does it inside `mm/slub.c:__kmalloc`;
    2.6.32 has the inline `include/linux/slub_def.h:kmalloc_large`. The block is allocated
    with `__GFP_COMP`, as a *compound page* (its frames know their first frame), and
    `PG_slab` stays clear, so `kfree` can tell it from a slab object and gives the block back
    with `put_page`. The request is limited only by the buddy allocator: order 10 (4 MB) is
    the largest; order 11 fails.
    """),
    code("""
    for era in ("2.6.24", "2.6.32"):
        kk = Kernel(Config(era=era))
        top = kk.slub.kmalloc_max
        line = [f"{era}: largest cache kmalloc-{top};"]
        for n in (3000, 10000, 4 << 20, (4 << 20) + 1):
            a = kk.kmalloc(n, GFP_KERNEL)
            routed = next(e for e in kk.timeline[kk.timeline.operations[-1].start :] if e.kind == "KmallocRouted")
            line.append(f"kmalloc({n}) -> {'NULL' if a is None else hex(a)} [{routed.fn.split(':')[1]}: "
                        f"{routed.cache or f'order {routed.order}'}]")  # fmt: skip
        print("\\n  ".join(line))
    """),
    md("""
    In 2.6.24 `kmalloc(3000)` takes a whole page (1096 bytes unused); in 2.6.32 it gets an
    object of kmalloc-4096. A 4 MB `kmalloc` also needs a free order-10 block: on a machine
    that has run for a while there may be none (lesson 4 §1), where `vmalloc` would still
    succeed.

    ## 6. Side by side: kmalloc versus vmalloc

    The same request, 16 kB, once each, on the same machine; then both freed. The model
    counts what each call does: its steps (events), the frames it took, the PTEs it wrote and
    the TLB flushes. **The number of steps is a proxy for speed, not a measurement**: a
    step of the model is one thing the kernel does (take a block, write a PTE), and real
    costs differ (a TLB flush that interrupts other CPUs costs far more than a list pop).
    (2.6.32's vmalloc address is below 2.6.24's 0xf8000000: from 2.6.28 lowmem ends a little
    earlier and `VMALLOC_START` is `high_memory` + 8 MB exactly, lesson 1 §5.)
    """),
    code("""
    def cost(kern, fn, *args):
        # run fn(*args) on kern: its result, and its steps (the events inside the call) counted by kind
        tl = kern.timeline
        start = len(tl)
        result = fn(*args)
        kinds = [tl[i].kind for i in range(start + 1, len(tl) - 1)]  # without the call's begin and end
        return result, {"steps": len(kinds), **{kind: kinds.count(kind) for kind in set(kinds)}}


    table = {}
    for era in ("2.6.24", "2.6.32"):
        kk = Kernel(Config(era=era, aged=True, seed=7))
        km, kc = cost(kk, kk.kmalloc, 16384, GFP_KERNEL)
        vm, vc = cost(kk, kk.vmalloc, 16384)
        _, kf = cost(kk, kk.kfree, km)
        _, vf = cost(kk, kk.vfree, vm)
        kk.kmalloc(100, GFP_KERNEL)
        _, fast = cost(kk, kk.kmalloc, 100, GFP_KERNEL)  # the second one: from c->freelist
        table[era] = [(kc, vc), (kf, vf), (fast, {})]
        print(f"{era}: kmalloc(16384) = {km:#010x} (pfn {kk.virt_to_page(km).pfn:#x}, 4 frames in a row);"
              f" vmalloc(16384) = {vm:#010x}")  # fmt: skip
    rows = [
        ("steps of the 16 kB call", 0, "steps"),
        ("  blocks from the buddy allocator", 0, "FrameAllocated"),
        ("  PTEs written", 0, "PteInstalled"),
        ("steps of the free", 1, "steps"),
        ("  TLB flushes during the free", 1, "TlbFlushed"),
    ]
    print(f"{'':36}{'kmalloc 2.6.24':>15}{'vmalloc 2.6.24':>15}{'kmalloc 2.6.32':>15}{'vmalloc 2.6.32':>15}")
    for label, row, kind in rows:
        print(f"{label:36}" + "".join(f"{c.get(kind, 0):>15}" for era in table for c in table[era][row]))
    print(f"{'steps of kmalloc(100), fast path':36}{table['2.6.24'][2][0]['steps']:>15}")
    lay = k.layout
    print(f"vmalloc area on this 1 GB machine: {(lay.vmalloc_end - lay.vmalloc_start) >> 20} MB")
    """),
    md("""
    Read the table with the player below, which replays the 2.6.24 pair (kmalloc then
    vmalloc, then kfree and vfree) with the vmlist, page-table and physical-memory views:
    the `kmalloc` block appears in lowmem with no PTE and no vmlist entry; the `vmalloc` area
    gets a `vm_struct`, highmem frames one by one, a PTE each, and a frame for a new PTE
    table (two in 2.6.32, whose area crosses a 4 MB boundary: the extra buddy block in the
    table); `vfree` clears the PTEs and, in 2.6.24, flushes the TLB at once.
    """),
    code("""
    pair = Kernel(Config(aged=True, seed=7))
    start = len(pair.timeline)
    km, vm = pair.kmalloc(16384, GFP_KERNEL), pair.vmalloc(16384, caller="side_by_side")
    pair.kfree(km)
    pair.vfree(vm)
    views = [VmlistView(pair), PageTableView(pair), PhysicalMemoryView(pair)]
    pair_player = Player(pair, views)
    pair_player.seek(start)
    for op in pair.timeline.operations[-4:]:
        print(f"steps {op.start + 1}-{op.end}: {op.name}({op.args}) -> {op.result}")
    VBox([pair_player, *views])
    """),
    md("""
    | | `kmalloc` | `vmalloc` |
    |---|---|---|
    | physical memory | **contiguous**: one slab object, or one buddy block | one frame per page, **scattered**, highmem preferred |
    | addresses | the direct map (lowmem), `PAGE_OFFSET` + physical address | the vmalloc area, `VMALLOC_START` … `VMALLOC_END` |
    | cost per call (model steps, a proxy) | a few steps; two for a small object from the cpu slab | several steps per page, plus the search for a free range |
    | page tables and TLB | none: the direct map's existing 4 MB entries cover it; no flush at `kfree` | one PTE per page (and PTE tables); `vfree` clears them and flushes the TLB (2.6.32: lazily, in batches) |
    | size limit | the largest cache (2048 / 8192 bytes), then one buddy block: up to 4 MB, if such a block is free | the vmalloc area: about 110–120 MB on a 1 GB machine, shared by all its users |
    | memory it can use | lowmem only (896 MB at most) | any frame, highmem included |
    | may sleep? | not with `GFP_ATOMIC`: usable in interrupts | always may sleep; never from an interrupt |
    | right call for | small and medium objects, DMA buffers, anything used by address arithmetic (`virt_to_page`, `__pa`) | large buffers that only the CPU needs contiguous: module code, big tables |

    The kernel's own rule of thumb: `kmalloc` first, `vmalloc` only when the size is large
    or physical contiguity would be hard to get. Some callers try `kmalloc` and fall back to
    `vmalloc`; kernels since 4.12 have `kvmalloc` for exactly that.

    ## 7. Two eras

    The allocator's rules are the same in 2.6.24 and 2.6.32 (the caches, `get_slab`, the
    free list, the cpu slab, the partial list); these differ:

    | | 2.6.24 | 2.6.32 |
    |---|---|---|
    | kmalloc caches | 11: kmalloc-8 … kmalloc-2048, -96, -192 | 13: up to kmalloc-8192 |
    | a request goes to the page allocator above | 2048 bytes (`PAGE_SIZE / 2`), in `__kmalloc` | 8192 bytes (`SLUB_MAX_SIZE`), in `kmalloc_large` |
    | largest slab order (`slub_max_order`), objects wanted per slab | 1, 4 | 3, 8 on one CPU (more with more CPUs) |
    | kmalloc-1024 / -2048 slabs | 1 page of 4 / 2 pages of 4 | 2 pages of 8 / 4 pages of 8 |
    | `struct kmem_cache` | `order`, `objects` | `oo`, `min`, `max` (order and objects packed), `min_partial` per cache |
    | a slab allocation that fails | fails | retried at the smallest order that holds one object (`s->min`) |
    | `vfree`'s TLB flush (for comparison) | at once | lazy: the range waits for a purge (lesson 7) |

    <details><summary>Aside: where a deactivated slab goes</summary>

    When the cpu slab is dropped while it still has free objects (only on paths the model
    does not take on one CPU, such as `kmem_cache_shrink`), `unfreeze_slab` puts it on the
    partial list: 2.6.24 always at the head; 2.6.32 at the head if it had objects on
    `c->freelist` (hot in the cache), else at the tail. An empty one is kept while the
    partial list is short (5 slabs in 2.6.24, `s->min_partial` = 5 to 10 in 2.6.32) and
    freed otherwise.
    </details>

    ## 8. Where the model simplifies

    - One CPU and one memory node: `c->freelist` and `c->page` are the only cpu slab, no
      object is ever freed by another CPU, and `__slab_alloc` drops a cpu slab only when it
      is full. 2.6.32's per-cache order is computed for one CPU (8 objects wanted per slab).
    - No debug flags, poisoning, red zones, constructors, sysfs or statistics; DMA caches
      (`kmalloc_dma-N`) are not made, so `__GFP_DMA` with a slab size is refused.
    - The caches start empty after boot; a real kernel's caches hold objects from boot, so
      its first `kmalloc(150)` would rarely need `new_slab`.
    - Objects have no contents: the free pointer is kept beside the memory
      (`k.slub.free_pointers`), not written into it, and `__GFP_ZERO` changes nothing visible.
    - There are no compound pages: a large `kmalloc`'s block is a plain buddy block, marked
      as kmalloc's; `kfree` frees it as the kernel's `put_page` would.
    - The steps counted in §6 are model events, not CPU cycles: they rank the work, they do
      not time it.
    - `kfree` of a pointer `kmalloc` did not return, or a double free, corrupts memory in the
      kernel; the model refuses it (`NotASlabObject`) before anything changes.

    ## Exercises

    Each question has a **Hint** button, and a wrong answer tells you what it probably
    mixed up. Change the **seed** (or press **new numbers**) for the same questions with
    other numbers. Each prompt says which era it is about.
    """),
    code("""
    from vmwidgets.exercises.l9_kmalloc import LESSON
    from vmwidgets.widgets import Quiz

    Quiz(LESSON, seed=0)
    """),
    md("""
    ## Summary

    - `kmalloc(size)` takes an object from the smallest `kmalloc-N` cache that holds it
      (`get_slab`): powers of two from 8, plus 96 and 192; up to 2048 bytes (2.6.24) or 8192
      (2.6.32). Larger requests get a buddy block of order `get_order(size)`, up to 4 MB.
    - A slab is 2^order lowmem frames cut into objects; each free object holds the next free
      object's address at `s->offset`. `new_slab` threads them in address order.
    - The cpu slab's `c->freelist` is a stack: `kfree` pushes, `kmalloc` pops. When it is
      empty, `__slab_alloc` takes the head of the partial list, else calls `new_slab`. A
      full slab gets on the partial list at its first `kfree`; an empty one is discarded.
    - `kmalloc` memory is in the direct map: address = `0xc0000000` + pfn × 4096 + offset,
      already mapped by 4 MB entries: no PTE, no TLB flush. `vmalloc` maps scattered
      (highmem) frames with a PTE each, and `vfree` must flush.

    | | `kmalloc` | `vmalloc` |
    |---|---|---|
    | physical memory | contiguous, lowmem | scattered, any zone |
    | page tables, TLB | none (direct map) | a PTE per page; flush at `vfree` |
    | cost (model steps, a proxy) | two steps from the cpu slab; a few for a new slab or a block | several per page |
    | limit | 2048 / 8192 bytes from a cache; 4 MB from the buddy allocator | the vmalloc area (about 110–120 MB on 1 GB) |

    ## Read the source

    Linux 2.6.24 (`mm/slub.c`, `include/linux/slub_def.h`) and 2.6.32 (the same files):

    - `include/linux/slub_def.h`: `struct kmem_cache_cpu`, `struct kmem_cache_node`,
      `struct kmem_cache` (2.6.32: `kmem_cache_order_objects`), `kmalloc_index`, `kmalloc`,
      and in 2.6.32 `kmalloc_large`.
    - `mm/slub.c:kmem_cache_init`: the kmalloc caches, -96 and -192 first; the boot line
      `SLUB: Genslabs=…`.
    - `mm/slub.c:get_slab`: `size_index[(size - 1) / 8]` for 1–192 bytes, `fls(size - 1)` above.
    - `mm/slub.c:__kmalloc`: the size limit, `get_slab`, then `slab_alloc` (2.6.24 also the
      `__get_free_pages(flags | __GFP_COMP, get_order(size))` of a large request).
    - `mm/slub.c:slab_alloc` and `__slab_alloc`: the fast path, `load_freelist`,
      `deactivate_slab`, `get_partial`, `new_slab`.
    - `mm/slub.c:new_slab` and `allocate_slab`: the GFP flags, `PG_slab`, the free list in
      address order.
    - `mm/slub.c:slab_free` and `__slab_free`: the fast path for the cpu slab, `add_partial`
      (tail) for a full slab, `discard_slab` for an empty one.
    - `mm/slub.c:kfree`: `ZERO_OR_NULL_PTR`, `virt_to_head_page`, `PageSlab`, `put_page`.
    - `mm/slub.c:calculate_sizes`, `calculate_order`, `slab_order`: the slot size and the order.
    - `mm/slub.c:s_show`: `/proc/slabinfo`.
    """),
]
