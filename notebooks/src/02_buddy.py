"""Lesson 2: page frames, zones and the buddy allocator (built into notebooks/02-buddy.ipynb)."""

from nbbuild import code, md

CELLS = [
    md("""
    # Lesson 2: Page frames, zones and the buddy allocator

    Every byte the kernel hands out, whether to a process, to the page tables or to
    `vmalloc`, ends up in physical RAM. This lesson is about how the kernel keeps track of
    that RAM and hands it out: in *page frames*, grouped into *zones*, by the *buddy
    allocator*. It takes about 30 minutes. Run the cells from top to bottom.

    **By the end of this lesson you can:**

    1. turn a physical address into a page frame number (pfn), and find the frame's
       `struct page` and its zone (DMA, Normal or HighMem);
    2. read `/proc/buddyinfo` and a zone's `free_area[order]` free lists;
    3. predict which block `alloc_pages(gfp, order)` returns, and how `expand` splits a
       bigger block in halves to get it;
    4. compute a block's buddy as `pfn ^ (1 << order)` and tell how far `free_pages` will
       merge it;
    5. explain why a freshly booted machine hands out neighbouring frames and a machine
       that has been running for a while hands out frames that lie far apart.
    """),
    md("""
    ## 1. Page frames and their numbers

    The kernel does not manage RAM byte by byte. It cuts physical memory into **page
    frames** of 4 kB (4096 bytes, `PAGE_SIZE`). A *page* is 4 kB of *virtual* memory; a
    *frame* is the 4 kB of *physical* RAM a page can be mapped onto.

    Frames are numbered from 0: the **page frame number (pfn)** of a physical address is
    the address shifted right by 12 bits (`PAGE_SHIFT`), because 2^12 = 4096. The low 12
    bits are the offset inside the frame. Going back, `phys = pfn << 12`.

    For every frame the kernel keeps a small record, a **`struct page`**
    (`include/linux/mm_types.h`). All of them sit in one big array, **`mem_map`**, indexed
    by pfn: `pfn_to_page(pfn)` is just `&mem_map[pfn]`. Three fields matter in this lesson:

    - `flags`: bits such as `PG_reserved` (boot kept this frame; it is never handed out)
      and `PG_buddy` (this frame is the *first* frame of a free block);
    - `_count`: how many users the frame has (0 when free);
    - `private`: while `PG_buddy` is set, the size of the free block (its *order*, below).

    In the model, `k.page(pfn)` is `pfn_to_page`. Boot a default machine (1 GB of RAM,
    Linux 2.6.24, no PAE) and look at a few frames:
    """),
    code("""
    from vmwidgets import GFP_KERNEL, Config, Kernel, explain  # explain: one sentence per event

    k = Kernel()  # 1 GB, non-PAE, Linux 2.6.24, just booted
    print(f"{len(k.mem_map)} frames: pfn 0x0 to {len(k.mem_map) - 1:#x}")
    phys = 0x37C00123
    print(f"phys {phys:#x} -> pfn {phys >> 12:#x}, offset {phys & 0xFFF:#x} in the frame")
    print()
    for pfn in (0x0, 0x100, 0x1000, 0x37C00, 0x37C01):
        print(k.page(pfn))
    """),
    md("""
    Frame 0x0 (the BIOS data page), 0x100 (the kernel image, loaded at 1 MB) and 0x1000
    (the start of `mem_map` itself) are *reserved*: boot kept them, with `_count` 1, and
    the allocator never sees them. Frame 0x37c00 has `PG_buddy` set: it is the first frame
    of a free block. Frame 0x37c01 is free too, but it is inside that block, so it carries
    no flag at all: only a block's first frame describes the block.

    What did boot reserve? The model records it:
    """),
    code("""
    for start, end, what in k.timeline.state.reserved:
        print(f"pfn {start:#07x}-{end - 1:#07x}  {end - start:5} frames  {what}")
    """),
    md("""
    `mem_map` itself takes room: 262,144 frames × 32 bytes per `struct page` = 8 MB, which
    boot places at 16 MB (pfn 0x1000), just above the DMA zone.

    ## 2. Zones

    Not every frame suits every purpose, so the kernel groups frames into **zones**
    (`struct zone` in `include/linux/mmzone.h`), each a range of pfns with its own free
    lists:

    - **ZONE_DMA**, the first 16 MB (pfn below 0x1000): old ISA devices can only do DMA
      into the first 16 MB.
    - **ZONE_NORMAL**, the rest of *lowmem*: the RAM the kernel maps permanently in its
      direct map, where physical address `p` is at virtual address `PAGE_OFFSET + p`
      (`PAGE_OFFSET` = 0xc0000000). In 2.6.24 lowmem is at most 896 MB, so it ends at
      pfn 0x38000 (`max_low_pfn`).
    - **ZONE_HIGHMEM**, every frame above `max_low_pfn`: the kernel has no permanent
      virtual address for these, and maps them only when it needs to.
    """),
    code("""
    for z in k.zones:
        print(
            f"ZONE_{z.name.upper():8} pfn {z.zone_start_pfn:#07x}-{z.end_pfn - 1:#07x}"
            f"  {z.spanned_pages >> 8:4} MB  free: {z.free_pages:6} frames"
        )
    print()
    for pfn in (0xFFF, 0x1000, 0x37FFF, 0x38000):
        page = k.page(pfn)
        where = "no permanent kernel address" if page.virtual is None else f"direct-mapped at {page.virtual:#x}"
        print(f"pfn {pfn:#07x}: {page.zone:8} {where}")
    """),
    md("""
    A caller says which zones it can accept with its **GFP flags** ("get free pages"). The
    model follows the fallback order of `mm/page_alloc.c:__alloc_pages`, which walks a
    list of zones from the best one down:

    | flags | value | used for | zones tried, in order |
    |---|---|---|---|
    | `GFP_KERNEL` | 0xd0 | kernel data structures | Normal, then DMA |
    | `GFP_HIGHUSER` | 0x200d2 | pages of user processes | HighMem, Normal, DMA |
    | `GFP_DMA` | 0x01 | buffers for old ISA devices | DMA only |

    The flags are bits (`include/linux/gfp.h`). `GFP_KERNEL` = 0xd0 is `__GFP_WAIT` (0x10,
    the caller may sleep) | `__GFP_IO` (0x40) | `__GFP_FS` (0x80): the kernel may start disk
    and file system I/O to free memory. It has no zone bit (`__GFP_DMA` 0x01,
    `__GFP_HIGHMEM` 0x02), so it gets Normal, then DMA. The player prints the raw value:
    `alloc_pages(gfp_mask=0xd0, order=8)` is a `GFP_KERNEL` request.

    ## 3. The buddy allocator's free lists

    Inside each zone the **buddy allocator** hands out *blocks* of 2^order contiguous
    frames: order 0 is one frame, order 1 two, order 3 eight, up to order 10 = 1024 frames
    (4 MB). `MAX_ORDER` is 11, so orders run from 0 to 10. A block of order n always starts
    at a pfn that is a multiple of 2^n: it is *aligned* to its size.

    Each zone has an array **`free_area[0..10]`**. `free_area[n]` holds a list of the free
    blocks of order n (the list links each block's first `struct page`) and **`nr_free`**,
    the number of blocks on it. `/proc/buddyinfo` prints `nr_free` for every order, one line
    per zone (`mm/vmstat.c:frag_show_print`); the model prints the same text:
    """),
    code("""
    print(k.buddyinfo(), end="")
    """),
    md("""
    Read a line from left to right: order 0, 1, 2 … 10. ZONE_NORMAL has 218 blocks of order
    10: 218 × 4 MB = 872 MB, the whole zone except the 8 MB of `mem_map`. HighMem has 32 ×
    4 MB = 128 MB. ZONE_DMA looks untidy because boot reserved frames in the middle of it.
    Boot hands every free stretch of frames to the allocator as the biggest aligned blocks
    that fit. Listing the DMA zone's free blocks by pfn shows it:
    """),
    code("""
    dma = k.zones[0]
    blocks = sorted((pfn, order) for order, area in enumerate(dma.free_area) for pfn in area.free_list)
    for pfn, order in blocks:
        print(f"pfn {pfn:#06x}-{pfn + (1 << order) - 1:#06x}  order {order:2}  ({1 << order} frame{'s' if order else ''})")
    """),
    md("""
    The stretch from pfn 0x1 (after the BIOS page) to 0x9e (before the ISA hole at 640 kB)
    becomes 0x1 (order 0), 0x2 (order 1), 0x4 (order 2) … 0x40 (order 6): each block is as big
    as its start address allows. Then the blocks shrink again to end exactly at 0x9e.

    **Which block comes first on a list?** Boot (`mm/bootmem.c:free_all_bootmem_core`) hands
    the free frames to the allocator in ascending pfn order, and `__free_one_page` puts every
    block it frees at the **head** of its list. So the block freed last, the highest one,
    ends up first:
    """),
    code("""
    heads = k.zones[1].free_area[10].free_list  # ZONE_NORMAL's order-10 list, head first
    print("head first:", " ".join(hex(p) for p in heads[:4]), "...", hex(heads[-1]))
    """),
    md("""
    The head is 0x37c00, the top 4 MB of ZONE_NORMAL; the tail is 0x1800, just above
    `mem_map`. A free list is a stack, not a list sorted by address: the allocator never
    searches for the lowest free block (as the vmalloc search of lesson 1 does, first-fit
    from the bottom). It takes the block at the head, the one freed last. That is why the
    first allocations on a fresh machine come from the **top** of ZONE_NORMAL.

    ## 4. Allocating: `alloc_pages` splits a bigger block

    `alloc_pages(gfp, order)` asks for one block of 2^order frames. Inside a zone,
    `mm/page_alloc.c:__rmqueue_smallest` does this:

    1. Look at `free_area[order]`. If a block is there, take the first one on the list
       (the *head*).
    2. If that list is empty, try `free_area[order + 1]`, then `order + 2` … up to 10, and
       take the head of the first list that is not empty.
    3. That block is too big, so `mm/page_alloc.c:expand` cuts it in half, again and again:
       each time the **upper half** goes to the head of the free list one order lower, and
       the **lower half** is kept, until the kept block has the requested order.

    The two halves of a split are each other's **buddy**; that is where the allocator's
    name comes from.

    Ask the fresh machine for 256 frames (order 8) from ZONE_NORMAL. Only `free_area[10]`
    has blocks, so its head, pfn 0x37c00 (the highest block, as §3 showed), is split twice:
    """),
    code("""
    k = Kernel()
    a = k.alloc_pages(GFP_KERNEL, 8)  # 256 contiguous frames = 1 MB
    print(f"a: pfn {a.pfn:#x} in {a.zone}, _count {a.count}")
    call = k.timeline.operations[-1]
    for event in k.timeline[call.start + 1 : call.end - 1]:  # the steps inside the call
        print(f"{event.fn:34} {explain(event)}")
    print()
    print(k.buddyinfo(), end="")
    """),
    md("""
    Watch it happen. The **player** below moves through every recorded step; the
    **PhysicalMemoryView** under it shows each zone as a grid (one cell = 1 MB = 256
    frames, darker = more in use) and, beside it, the zone's `free_area` rows with
    `nr_free` and the first blocks of each list.

    The player starts at step 0, the machine just booted. Press the **step forward**
    button (or click the player and press →) one step at a time. The frames a step touches
    are marked amber in the grid, and the free list it changes is marked too:

    - step 1: `__alloc_pages` begins `alloc_pages(gfp_mask=0xd0, order=8)`; 0xd0 is
      `GFP_KERNEL` (§2), so ZONE_NORMAL is tried first;
    - step 2: `__rmqueue_smallest` takes pfn 0x37c00 off ZONE_NORMAL's `free_area[10]`
      (`nr_free` 218 → 217);
    - steps 3 and 4: `expand` puts the upper half 0x37e00 on `free_area[9]`, then 0x37d00
      on `free_area[8]`;
    - step 5: `buffered_rmqueue` hands out 0x37c00 (1 MB: exactly one cell of the grid).

    The panel on the right shows the current function as short pseudo-code: compare its
    loop with the steps.
    """),
    code("""
    from ipywidgets import VBox

    from vmwidgets.widgets import ExerciseWidget, PhysicalMemoryView, Player

    view = PhysicalMemoryView(k)
    player = Player(k, [view])
    player.seek(0)  # just booted: step forward from here
    VBox([player, view])
    """),
    md("""
    ### Predict, then check

    The same machine now gets a second request, `alloc_pages(GFP_KERNEL, 7)`: 128 frames.
    Here are ZONE_NORMAL's lists before it:
    """),
    code("""
    normal = k.zones[1]
    for order in range(7, 11):
        heads = normal.free_area[order].free_list[:3]
        print(
            f"free_area[{order:2}]  nr_free {normal.free_area[order].nr_free:3}"
            f"  head first: {' '.join(hex(p) for p in heads) or 'empty'}"
        )
    """),
    md("""
    Which pfn will the call return? Type your prediction (in hex) and click **Commit and
    reveal**. Until you do, the player below waits just before the call: it will not step
    into it. When you are right it jumps to the end of the call (a wrong answer gets feedback
    that says why: try again, or press **Show me**); step back through it to see why.
    """),
    code("""
    from vmwidgets.exercises.l2_buddy import predict_alloc

    question, call = predict_alloc(k, GFP_KERNEL, 7)  # runs the call; the player starts just before it
    view2 = PhysicalMemoryView(k)
    player2 = Player(k, [view2])
    player2.seek(call.start)
    VBox([ExerciseWidget(question, player=player2, reveal=call.end), player2, view2])
    """),
    md("""
    Whatever you answered, check the two rules in the steps: the search starts at the
    requested order and takes the first non-empty list, and `expand` always keeps the
    **lower** half. Reading `mm/page_alloc.c:expand`, look for `page[size]`: that is the
    upper half, the one put on the list.

    ## 5. Freeing: buddies merge again

    `free_pages(page, order)` gives a block back. `__free_pages` drops the reference; when
    `_count` reaches 0, `mm/page_alloc.c:__free_one_page` tries to rebuild bigger blocks:

    1. The buddy of a block of order n at `pfn` is at **`pfn ^ (1 << n)`**: XOR flips bit
       n of the pfn. If that bit is 0 the block is a lower half and its buddy comes right
       after it; if it is 1, the buddy comes right before it.
    2. The two merge only if the buddy is free, is a whole free block of the *same* order
       (`PG_buddy` set and `private == n`) and lies in the same zone
       (`page_is_buddy`). The buddy then leaves its free list.
    3. The merged block starts at `pfn & ~(1 << n)` and has order n + 1. Repeat from 1,
       until a buddy is not free or the order reaches 10.
    4. The final block goes to the head of `free_area[final order]`.

    A few buddies, worked out:
    """),
    code("""
    for pfn, order in [(0x37C00, 0), (0x37C01, 0), (0x37C04, 2), (0x37C00, 2), (0x37E00, 9)]:
        buddy = pfn ^ (1 << order)
        side = "after" if buddy > pfn else "before"
        print(
            f"order {order} block at {pfn:#x}: buddy {buddy:#x} ({side} it),"
            f" together the order-{order + 1} block at {pfn & ~(1 << order):#x}"
        )
    """),
    md("""
    Now a scenario on a fresh machine. `a` and `b` are two single frames. The first request
    splits the order-10 block at 0x37c00 all the way down and gets 0x37c00; the second
    finds the upper half 0x37c01 on `free_area[0]`. Free `a` first: its buddy is `b`,
    still in use, so nothing merges (the step is a `BuddyNotMerged` event).
    """),
    code("""
    k = Kernel()
    a = k.alloc_pages(GFP_KERNEL, 0)
    b = k.alloc_pages(GFP_KERNEL, 0)
    print(f"a = pfn {a.pfn:#x}, b = pfn {b.pfn:#x}")
    k.free_pages(a, 0)
    call = k.timeline.operations[-1]
    for event in k.timeline[call.start + 1 : call.end - 1]:
        print(f"{event.fn:34} {explain(event)}")
    print()
    print(k.buddyinfo(), end="")
    """),
    md("""
    Now `b` is freed. Before you reveal it: how far will it merge? Give the order of the
    block that finally goes back on a free list (the player waits before the call until
    you are right, or press **Show me**). Then step back through the call and watch the merges climb ZONE_NORMAL's
    `free_area` rows, from order 0 upwards.
    """),
    code("""
    from vmwidgets.exercises.l2_buddy import predict_free

    question, call = predict_free(k, b, 0, label="b")  # runs free_pages(b, 0)
    view3 = PhysicalMemoryView(k)
    player3 = Player(k, [view3])
    player3.seek(call.start)
    VBox([ExerciseWidget(question, player=player3, reveal=call.end), player3, view3])
    """),
    md("""
    After the two frees, the lists are exactly as they were at boot: every split was undone.
    """),
    code("""
    print(k.buddyinfo() == Kernel().buddyinfo())
    """),
    md("""
    ## 6. Fresh or aged: neighbouring or scattered frames

    On a **fresh** machine, free memory is a few huge blocks. The first one-frame request
    splits a block and leaves one free upper half on every order from 0 to 9, each right
    after the frame it hands out. The next request takes the frame on `free_area[0]`, the
    one after splits the order-1 half, and so on: consecutive requests get **neighbouring
    frames**.

    A machine that has been running for a while is different. `Config(aged=True, seed=…)`
    boots the model that way: before the recording starts it makes 6,000 allocations of
    order 0 to 3 (30% `GFP_KERNEL`, served from ZONE_NORMAL; the rest `GFP_HIGHUSER`,
    served from HighMem) and frees two thirds of them in random order.

    Those allocations followed the rules of §4: whenever the small lists ran dry, they split
    the head of `free_area[10]`, the highest order-10 block left. So in ZONE_NORMAL they
    used only the top five order-10 blocks, pfn 0x36c00 to 0x37fff (the top 20 MB), and
    the other 213 blocks were never touched. Inside those 20 MB, though, the frees left a
    mess: a freed block whose buddy is still in use cannot merge, so the small-order lists
    fill up with hundreds of blocks in no particular order, the most recently freed at the
    head:
    """),
    code("""
    aged = Kernel(Config(aged=True, seed=1))
    print(aged.buddyinfo(), end="")
    normal = aged.zones[1]
    for order in range(5):
        fl = normal.free_area[order].free_list
        print(f"free_area[{order}]: {len(fl):3} blocks, all between pfn {min(fl):#x} and {max(fl):#x}")
    """),
    md("""
    Each request takes the head, wherever it lies inside those 20 MB: consecutive requests
    get frames that lie hundreds or thousands of frames apart, not neighbours. (This is why
    `vmalloc` memory, one frame at a time, is scattered in physical memory: lesson 4.)
    """),
    code("""
    fresh = Kernel()
    for name, machine in (("fresh", fresh), ("aged", aged)):
        pfns = [machine.alloc_pages(GFP_KERNEL, 0).pfn for _ in range(6)]
        print(f"{name:6} {' '.join(hex(p) for p in pfns)}")
    """),
    md("""
    Step through the aged machine's six calls with the **step forward** button and look at
    the ZONE_NORMAL grid (one cell is 1 MB, 256 frames; 64 cells to a row). Only two places
    stand out: the first 8 cells of the top row (slate grey: `mem_map`, reserved at boot),
    and the last 20 cells of the bottom row (light green: pfn 0x36c00 to 0x37fff, the top
    20 MB, partly in use). Every grey cell between them is free. Each call takes four steps;
    in the second and third (the block taken off `free_area[0]`, the frame handed out) a
    bright amber cell marks the frame, and the line under the buttons names its pfn: the six
    aged pfns printed above, 0x37e9e, 0x37f4e, 0x37a3a … The amber cell jumps about inside
    the light-green stretch and never lands next to the frame before, where the fresh
    machine's pfns count up by one (0x37c00, 0x37c01, …) and stay in one cell.
    """),
    code("""
    view4 = PhysicalMemoryView(aged)
    player4 = Player(aged, [view4])
    player4.seek(0)
    VBox([player4, view4])
    """),
    md("""
    Scattered free memory has a cost. Free frames are plenty, but a request for a large
    *contiguous* block can fail: this is **external fragmentation**. On a small aged
    machine (64 MB) ZONE_NORMAL has thousands of free frames but no free block bigger than
    order 5, so an order-9 request (512 frames, 2 MB) finds nothing in Normal nor in DMA:
    """),
    code("""
    small = Kernel(Config(ram=64 << 20, aged=True, seed=1))
    print(small.buddyinfo(), end="")  # no HighMem on 64 MB: buddyinfo prints no line for it
    print("free frames in ZONE_NORMAL:", small.zones[1].free_pages)
    print("alloc_pages(GFP_KERNEL, 9) ->", small.alloc_pages(GFP_KERNEL, 9))
    print(explain(small.timeline[-2]))
    """),
    md("""
    ## Where the model simplifies

    - **No per-CPU page lists.** In 2.6.24, `mm/page_alloc.c:buffered_rmqueue` serves
      order-0 requests from a small per-CPU list of frames that `rmqueue_bulk` refills in
      batches, and `free_hot_cold_page` puts a freed single frame on that list first; it
      reaches `__free_one_page` later, in a batch. The model sends every request straight
      to the free lists, so you see each split and merge as it happens.
    - **One list per order.** In 2.6.24 each `free_area` holds one list per *migrate type*
      (`free_list[MIGRATE_UNMOVABLE]`, `[MIGRATE_RECLAIMABLE]`, `[MIGRATE_MOVABLE]` …),
      which keeps frames that can be moved away from those that cannot. The model keeps one
      list per order. `nr_free` counts the blocks of all types, so `/proc/buddyinfo` reads
      the same way.
    - **No watermarks, no reclaim.** A real kernel keeps some frames free in every zone and,
      when memory runs short, frees page cache or swaps before it gives up. The model fails
      at once (returns `None`, the kernel's NULL) when no allowed zone has a big enough block.
    - **The boot result is computed.** Boot hands the free frames to the allocator in
      ascending pfn order, merging as it goes (§3). The model computes the end result directly: each
      free stretch split into the biggest aligned blocks, the highest block at the head of
      its list. A test checks that this equals freeing the frames one by one.
    - **A short, simple past.** The aged machine's history is 6,000 allocations in one go,
      so it only used the top of each zone. A real machine that has run for days has used
      and freed its whole zone many times over, and its small free blocks lie all over it.

    ## Exercises

    Five questions with new numbers for every seed: change `seed=0`, or click
    **new numbers**. Each answer is computed by the model; a wrong answer gets feedback
    that says what went wrong, and **Hint** helps you start. (Teachers: `python -m
    vmwidgets.exercises 2 SEED` prints the answers for a seed.)
    """),
    code("""
    from vmwidgets.exercises.l2_buddy import LESSON
    from vmwidgets.widgets import Quiz

    Quiz(LESSON, seed=0)
    """),
    md("""
    ## Summary

    - Physical RAM is cut into 4 kB **page frames**; pfn = phys >> 12. Each frame has a
      `struct page` in `mem_map`, indexed by pfn.
    - Frames are grouped into **zones**: DMA (first 16 MB), Normal (the rest of lowmem, up
      to 896 MB in 2.6.24) and HighMem (above). GFP flags say which zones a caller accepts.
    - Each zone's **buddy allocator** keeps `free_area[0..10]`: lists of free blocks of
      2^order frames, aligned to their size. `/proc/buddyinfo` prints their `nr_free`.
    - `alloc_pages` takes the head of the first non-empty list from the requested order up;
      `expand` halves the block, putting each upper half on a free list and keeping the
      lower half.
    - `free_pages` merges a block with its buddy at `pfn ^ (1 << order)` as long as the
      buddy is a free block of the same order in the same zone, then puts the result at
      the head of its list.
    - Free lists are stacks: boot leaves the highest block at the head, so a fresh machine
      hands out neighbouring frames from the top of ZONE_NORMAL. On a machine that has been
      running, the small lists hold blocks freed in random order, and consecutive frames
      come back far apart (in the model, within the part of the zone it has used).

    ## Read the source

    In Linux 2.6.24 (the player names these functions at every step):

    - `include/linux/mm_types.h`: `struct page`. Look for `flags`, `_count`, `private`
      (the order of a free block) and `lru` (the link that puts the page on a free list).
    - `include/linux/mmzone.h`: `struct zone` and `struct free_area` (`free_list[]` and
      `nr_free`), `MAX_ORDER`, and the zone numbers `ZONE_DMA`, `ZONE_NORMAL`,
      `ZONE_HIGHMEM`.
    - `mm/page_alloc.c:__alloc_pages` and `get_page_from_freelist`: the walk over the zones
      the GFP flags allow, best zone first.
    - `mm/page_alloc.c:buffered_rmqueue`: order 0 through the per-CPU list, bigger orders
      straight to `__rmqueue` under `zone->lock`.
    - `mm/page_alloc.c:__rmqueue_smallest`: the `for` loop from `order` up to `MAX_ORDER - 1`;
      the block taken is the first entry of the list.
    - `mm/page_alloc.c:expand`: `high--`, `size >>= 1`, and `page[size]` (the upper half)
      added to the list one order lower.
    - `mm/page_alloc.c:__free_one_page`: `__page_find_buddy` (the XOR), `page_is_buddy`
      (the conditions for a merge), `__find_combined_index` (`page_idx & ~(1 << order)`)
      and the final `list_add` at the head.
    - `mm/vmstat.c:frag_show_print`: one line of `/proc/buddyinfo`.
    """),
]
