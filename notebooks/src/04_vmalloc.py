"""Lesson 4: vmalloc and vmlist (Linux 2.6.24)."""

from nbbuild import code, md

CELLS = [
    md("""
    # Lesson 4 — vmalloc and vmlist

    The kernel sometimes needs a big buffer that only has to look contiguous to the CPU.
    `vmalloc` gives it one: it takes single page frames wherever they happen to be free
    and maps them, one after the other, into the *vmalloc area* of the kernel's gigabyte.
    This lesson follows Linux 2.6.24 on a 32-bit x86 machine with 1 GB of RAM.

    **By the end of this lesson you can …**

    1. explain why the kernel needs `vmalloc` when `kmalloc` and the buddy allocator already
       exist: contiguous *virtual* memory built from scattered *physical* frames;
    2. read a `struct vm_struct` field by field, and a line of `/proc/vmallocinfo`;
    3. predict where the next `vmalloc` lands by walking `vmlist` first fit, guard page
       included, also after a `vfree` has left a hole;
    4. tell `vmalloc`, `vmap` and `ioremap` areas apart by their flags and fields;
    5. find each step in `mm/vmalloc.c` and know what to look for there.

    It takes about 30 minutes. Run the cells from top to bottom (*Run → Run All Cells*).
    You should know the 3G–4G layout (lesson 1), page frames and the buddy allocator
    (lesson 2) and what a PTE is (lesson 3).
    """),
    md("""
    ## 1. Why vmalloc?

    A **page frame** is 4 kB of physical RAM; its **pfn** (page frame number) is its physical
    address divided by 4096. The kernel's usual memory sits in **lowmem**, the first
    896 MB of RAM, which the kernel keeps mapped all the time at `0xc0000000` + physical
    address (the **direct map**). `kmalloc` (the slab allocator, which cuts small objects out
    of pages it gets from the buddy allocator) and `alloc_pages(GFP_KERNEL, order)` hand out
    memory there. Because the direct map is a
    plain shift, a buffer of several pages in the direct map must be made of **physically
    neighbouring frames**: one block from the buddy allocator.

    That is a hard request. The buddy allocator's largest block is 1024 pages (4 MB,
    order 10), and on a machine that has run for a while the free memory can be cut into
    small pieces: many frames are free, but no big block is left (external fragmentation,
    lesson 2). Yet many users only need addresses that are contiguous *for the CPU*: a
    loaded module's code, a large table, a buffer a driver fills.

    `vmalloc(size)` serves them. It reserves a range of addresses in the **vmalloc area**
    (from `VMALLOC_START` to `VMALLOC_END`, above lowmem), takes **one frame per page** from
    anywhere, even from **highmem** (the RAM above 896 MB, which has no direct-map
    address), and writes one **PTE** (page-table entry) per page so the range maps onto
    them. The price: a PTE per page, and memory that is reachable only through this new
    mapping.

    See the difference on a small machine that has been running for a while: 64 MB of RAM,
    *aged* (`Config(ram=64 << 20, aged=True, seed=1)`), so its free lists are fragmented.
    Over 10,000 frames are free, but no free block of order 9 (512 frames, 2 MB) is left,
    so `alloc_pages` fails. `vmalloc` of the same 2 MB succeeds with 512 single frames:
    """),
    code("""
    from ipywidgets import VBox
    from traitlets import link

    from vmwidgets import GFP_KERNEL, Config, Kernel, explain  # explain: one sentence per event
    from vmwidgets.widgets import ExerciseWidget, LayoutView, PageTableView, PhysicalMemoryView, Player, VmlistView

    small = Kernel(Config(ram=64 << 20, aged=True, seed=1))  # 64 MB, running for a while
    print(small.buddyinfo(), end="")
    print("free frames:", sum(z.free_pages for z in small.zones))
    print("alloc_pages(GFP_KERNEL, 9) ->", small.alloc_pages(GFP_KERNEL, 9))
    print(explain(small.timeline[-2]))
    big = small.vmalloc(2 << 20, caller="big_table")
    pfns = [p.pfn for p in small.find_vm_area(big).pages]
    runs = 1 + sum(pfns[i + 1] != pfns[i] + 1 for i in range(len(pfns) - 1))
    print(f"vmalloc(2 MB) = {big:#010x}: {len(pfns)} frames in {runs} separate runs, the first",
          [hex(p) for p in pfns[:4]])  # fmt: skip
    """),
    md("""
    Each column of `buddyinfo` after the zone name counts the free blocks of one order,
    from 0 to 10: both zones have nothing from order 8 up. The 512 frames of the `vmalloc`
    area are single free frames from all over ZONE_NORMAL (64 MB has no highmem). The area
    starts at `0xc4800000` here: the vmalloc area begins 8 MB above the end of lowmem
    (lesson 1), so `VMALLOC_START` moves with the amount of RAM.

    The rest of the lesson uses a 1 GB machine, also aged (`Config(aged=True, seed=7)`).
    With 1 GB it still has big free blocks, but its free frames are scattered, as on any
    system that has been running. Compare a 4-page block from the buddy allocator with a
    4-page `vmalloc`:
    """),
    code("""
    k = Kernel(Config(aged=True, seed=7))  # 1 GB, non-PAE, Linux 2.6.24, running for a while
    lay = k.layout
    size_mb = (lay.vmalloc_end - lay.vmalloc_start) >> 20
    print(f"VMALLOC_START = {lay.vmalloc_start:#010x}, VMALLOC_END = {lay.vmalloc_end:#010x} ({size_mb} MB)")

    block = k.alloc_pages(GFP_KERNEL, 2)  # one order-2 block: 4 frames in a row, in lowmem
    print("alloc_pages(GFP_KERNEL, 2):", [hex(block.pfn + i) for i in range(4)], block.zone,
          f"-> direct map {lay.va(block.phys_addr):#010x}")  # fmt: skip

    buf = k.vmalloc(4 * 4096, caller="demo_buffer")
    area = k.find_vm_area(buf)
    print(f"vmalloc(16384) = {buf:#010x}:", [hex(p.pfn) for p in area.pages], sorted({p.zone for p in area.pages}))

    obj = k.kmalloc(100, GFP_KERNEL)  # a small object, from a slab page of SLUB's kmalloc-128 cache
    page = k.virt_to_page(obj)  # its struct page: __pa(obj) >> 12
    print(f"kmalloc(100) = {obj:#010x}: frame {page.pfn:#x} ({page.zone}), direct map {lay.va(page.phys_addr):#010x}")
    """),
    md("""
    The buddy block is four frames in a row in the Normal zone, reached through the direct
    map. So is the `kmalloc` object: it lies in a lowmem frame, and `virt_to_page` finds that
    frame from the address by the direct map's subtraction. The `vmalloc` buffer is one range
    of virtual addresses, but its four frames lie far
    apart, all in HighMem: `vmalloc` asks for `GFP_KERNEL | __GFP_HIGHMEM`, so highmem frames
    are welcome. Walk one address of the buffer the way the MMU does (lesson 3):
    """),
    code("""
    print(k.translate(buf + 2 * 4096 + 0x123))
    """),
    md("""
    ## 2. `struct vm_struct`, field by field

    Each range `vmalloc` hands out is described by one `struct vm_struct`
    (`include/linux/vmalloc.h`). In 2.6.24 it has seven fields; `caller` came later:

    | field | what it holds |
    |---|---|
    | `next` | the next `vm_struct` on `vmlist` (NULL at the end) |
    | `addr` | the first virtual address of the area |
    | `size` | the area's length in bytes, **including one guard page** at the end |
    | `flags` | `VM_ALLOC` (made by vmalloc), `VM_MAP` (vmap), `VM_IOREMAP` (ioremap); also `VM_USERMAP`, `VM_VPAGES` |
    | `pages` | an array of pointers to the `struct page` of each frame (vmalloc only) |
    | `nr_pages` | how many entries `pages` has: the mapped pages, without the guard page |
    | `phys_addr` | the physical address an `ioremap` maps (0 otherwise) |
    | `caller` | who asked (added in 2.6.25–26 with `/proc/vmallocinfo`; the model shows it in every era) |

    The **guard page** is one page left unmapped after the area. A bug that writes past the
    end of the buffer touches an address with no PTE and faults at once, instead of quietly
    overwriting the next area. Here is our buffer's `vm_struct`, as `find_vm_area` returns it
    (in 2.6.24 the lookup is the static `__find_vm_area`, the name the player shows; 2.6.32
    calls it `find_vm_area`):
    """),
    code("""
    print("next      =", "NULL" if area.next is None else f"{area.next.addr:#010x}")
    print(f"addr      = {area.addr:#010x}")
    print(f"size      = {area.size}  ({area.size // 4096} pages: {area.nr_pages} mapped + 1 guard page)")
    print("flags     =", "|".join(area.flag_names))
    print("pages     =", [f"pfn {p.pfn:#x}" for p in area.pages])
    print("nr_pages  =", area.nr_pages)
    print(f"phys_addr = {area.phys_addr:#x}")
    print("caller    =", area.caller)
    guard = area.addr + area.size - 4096
    print(f"guard page {guard:#010x}: not mapped (the page-table walk stops at level {k.translate(guard).fault!r})")
    """),
    md("""
    `/proc/vmallocinfo` prints one line per `vm_struct`: start–end, `size` (guard page
    included), the caller, `pages=` (`nr_pages`), and a word for each flag:
    """),
    code("""
    print(k.vmallocinfo(), end="")
    """),
    md("""
    ## 3. `vmlist` and the first-fit search

    All `vm_struct`s sit on **`vmlist`**, a singly linked list (each record points to the
    next with `next`) kept **sorted by address**. There is no separate list of free ranges:
    the free space is simply the gaps between the areas.

    To place a new area, `mm/vmalloc.c:__get_vm_area_node` does, in 2.6.24:

    1. round the size up to whole pages and **add one guard page**:
       `size = PAGE_ALIGN(size) + PAGE_SIZE`;
    2. start with a candidate address `addr = VMALLOC_START`;
    3. walk `vmlist` from its head. The candidate range is `addr` to `addr + size`. For each
       area `tmp` (from `tmp->addr` to `tmp->addr + tmp->size`):
       - if the candidate ends at or before the area's start (`addr + size <= tmp->addr`),
         the gap before it is big enough and the search stops: **first fit**;
       - otherwise the candidate moves to just after the area's end
         (`tmp->addr + tmp->size`) and the walk goes on;
    4. link the new `vm_struct` into the list just before that area, so the list stays
       sorted (or at the end if no gap was found and there is still room before
       `VMALLOC_END`; otherwise the call fails with "out of vmalloc space").

    Because each `size` already counts its guard page, areas pack back to back: the next
    area starts right after the previous area's guard page.

    <details><summary>Aside: the source's third case, for aligned areas</summary>

    The loop in the source tests one more case first: an area that starts *below* the
    candidate (`tmp->addr < addr`). It can only happen once an alignment (§7) has pushed the
    candidate past the start of the next area. If that area reaches up to the candidate, the
    candidate moves to its end; either way the walk goes on.
    </details>

    Let us add two more areas and free the first of them with `vfree`. That leaves a hole:
    """),
    code("""
    usb = k.vmalloc(4096, caller="usb_probe")
    snd = k.vmalloc(3 * 4096, caller="snd_init")
    k.vfree(usb)
    print(k.vmallocinfo(), end="")
    print(f"hole: {buf + area.size:#010x}-{snd:#010x} ({(snd - buf - area.size) // 4096} pages)")
    """),
    md("""
    ### Predict, then check

    The next call is `vmalloc(8192)`. The cell below has already run it on the model, but the
    player is held just **before** the call. Type where you think the new area starts and
    press **Commit and reveal**: if you are right, the player jumps to the step where the new
    `vm_struct` is linked into `vmlist` (if not, the feedback says why: try again, or press
    **Show me**). Step back with **←** (click the player first, or use
    the step buttons) to watch the search visit the records one by one (dashed outline),
    then forward again. The line under the controls names the kernel function of each step.
    """),
    code("""
    from vmwidgets.exercises.l4_vmalloc import LESSON, where_next

    question = where_next(k, 8192, caller="net_setup")  # runs vmalloc(8192) on k, answer from the model
    t = k.timeline
    call = t.operations[-1]
    linked = next(i for i in range(call.start, call.end) if t[i].kind == "VmStructLinked")
    vmlist_view = VmlistView(k)
    player = Player(k, [vmlist_view])
    player.seek(call.start)  # hold the player just before vmalloc(8192)
    VBox([ExerciseWidget(question, player=player, reveal=linked + 1), player, vmlist_view])  # worked answer inside
    """),
    md("""
    A 1-page request needs only 2 pages with its guard page: exactly the hole's size. First
    fit takes the **first** gap that is big enough, so this area goes into the hole, not at
    the end:
    """),
    code("""
    fs = k.vmalloc(4096, caller="fs_mount")
    print(f"vmalloc(4096) = {fs:#010x}, the start of the hole: {fs == buf + area.size}")
    print("vmlist, following next:", " -> ".join(a.caller for a in k.vmlist), "-> NULL")
    """),
    md("""
    **Reading the source.** In `mm/vmalloc.c:__get_vm_area_node` look for `size += PAGE_SIZE`
    (the guard page, with a comment saying a guard page is always allocated) and the `for`
    loop over `vmlist` with a pointer-to-pointer `p`: it keeps the address of the `next`
    field to update, so linking is just `area->next = *p; *p = area;`. The three tests in the
    loop are the cases above: `if (tmp->addr < addr)` then `continue` (the aside's aligned
    case); `if (size + addr <= tmp->addr) goto found` (first fit); otherwise the candidate
    moves past the area, and the call fails if it is now too close to `VMALLOC_END`. In our
    search the candidate moved twice. The function starts with
    `BUG_ON(in_interrupt())`: `vmalloc` may not be called from an interrupt handler.

    ## 4. `vfree`: unlink, unmap, give the frames back

    `vfree(addr)` undoes all of it. `mm/vmalloc.c:vfree` calls `__vunmap`, which calls
    `remove_vm_area` → `__remove_vm_area`: walk `vmlist` to the record whose `addr` is exactly
    the one given, clear its PTEs (`unmap_vm_area`) and flush the TLB, unlink it
    (`*p = tmp->next`) and take the guard page off `size`. Back in `__vunmap`, each frame
    of `pages[]` goes back to the buddy allocator with `__free_page`, then the `pages` array
    and the `vm_struct` itself are freed. The address range is free again at once: the
    next search simply finds a gap there.

    The player below starts just before `vfree(usb)`, with three views: `vmlist`, the
    kernel's page tables, and physical memory. Step forward with **→** and watch:

    - the walk to the record (dashed outline in the vmlist view);
    - the cleared PTE: in the page-table view the address `usb_probe` had is selected, so
      its walk is coloured; at this step the coloured row of entry 5 (its frame) disappears
      from the PTE table and joins the empty entries around it;
    - the unlink: the record leaves the list, and `demo_buffer`'s `next` now points to
      `snd_init`;
    - the frame going back to the buddy allocator: an amber cell in HighMem and the
      `free_area[0]` row marked in the physical-memory view.
    """),
    code("""
    freeing = next(o for o in t.operations if o.name == "vfree")
    vfree_view = VmlistView(k)
    vfree_tables = PageTableView(k)
    vfree_tables.selected = f"addr:{usb:#x}"  # colour the walk of the address being freed
    vfree_frames = PhysicalMemoryView(k)
    vfree_player = Player(k, [vfree_view, vfree_tables, vfree_frames])
    vfree_player.seek(freeing.start)
    for i in range(freeing.start, freeing.end):
        print(f"step {i + 1:3} {t[i].kind:16} {explain(t[i])}")
    """),
    code("""
    VBox([vfree_player, vfree_view, vfree_tables, vfree_frames])
    """),
    md("""
    ## 5. Contiguous virtually, scattered physically

    The two views below share one selection: **click a `vm_struct`** in the vmlist view and
    the physical-memory view lights its frames in blue. `snd_init` is selected to start
    with. Its three pages are neighbours in the vmalloc area, but look how far apart its
    frames are in HighMem (the zone at the bottom of the physical view). Click
    `net_setup` or `demo_buffer` to compare, and use the player to travel back in time.
    """),
    code("""
    snd_area = k.find_vm_area(snd)
    for i, page in enumerate(snd_area.pages):
        print(f"{snd + i * 4096:#010x} -> pfn {page.pfn:#07x} (phys {page.pfn << 12:#010x}, {page.zone})")
    """),
    code("""
    pick = VmlistView(k)
    frames = PhysicalMemoryView(k)
    link((pick, "selected"), (frames, "selected"))
    pick.selected = f"vm:{snd:#x}"
    print(frames.lit()[1] + ":", [hex(p) for p in frames.lit()[0]])
    VBox([Player(k, [pick, frames]), pick, frames])
    """),
    md("""
    ## 6. `vmap`: map frames you already have

    Sometimes the frames already exist (a driver collected them one by one) and only the
    contiguous mapping is missing. `vmap(pages, count, flags, prot)` does just the second
    half of `vmalloc`: it reserves an area with the same `__get_vm_area_node` search
    (usually with the flag `VM_MAP`) and writes the PTEs. The frames stay the caller's: in 2.6.24, `vmap` fills in
    neither `pages` nor `nr_pages`, and `vunmap` removes the mapping without freeing them.
    """),
    code("""
    mine = [k.alloc_pages(GFP_KERNEL, 0) for _ in range(2)]  # two lowmem frames a driver owns
    v = k.vmap(mine, caller="vmap_demo")
    va = k.find_vm_area(v)
    print(f"vmap -> {v:#010x}: flags={'|'.join(va.flag_names)} pages={va.pages} nr_pages={va.nr_pages}")
    for i, page in enumerate(mine):
        print(f"  {v + i * 4096:#010x} -> phys {k.translate(v + i * 4096).phys:#010x};"
              f" the same frame in the direct map: {lay.va(page.phys_addr):#010x}")  # fmt: skip
    """),
    md("""
    These frames are in lowmem, so each now has **two** kernel addresses: its direct-map
    address and the new one in the vmalloc area.

    ## 7. `ioremap`: device memory

    A device's registers or memory sit at physical addresses that are not RAM (here
    `0xfebf0000`, far above the 1 GB of RAM). The kernel cannot use a physical address
    directly, so `ioremap(phys_addr, size)` maps it into the vmalloc area. In 2.6.24 it is
    `arch/x86/mm/ioremap_32.c:__ioremap`, the name the player shows (2.6.32 has
    `arch/x86/mm/ioremap.c:__ioremap_caller`). What to look for there:

    - a range inside the old ISA window (640 kB–1 MB) is already in the direct map and is
      returned from there, with no new area;
    - lowmem RAM that the kernel hands out may not be remapped (it returns NULL);
    - mappings are made of whole pages: `offset = phys_addr & ~PAGE_MASK` is kept aside,
      `phys_addr &= PAGE_MASK` goes down to the start of its page, and
      `size = PAGE_ALIGN(last_addr + 1) - phys_addr` (with `last_addr = phys_addr + size - 1`)
      runs up to the end of the page that holds the last byte;
    - the area gets `VM_IOREMAP`, its `phys_addr` is set, and **no frames are allocated**:
      the PTEs point straight at the device's addresses;
    - the returned pointer is the area's start plus `offset`, so it lands on the register.

    One more rule comes from `__get_vm_area_node`: a `VM_IOREMAP` area is **aligned** to
    `1 << fls(size)`, where `size` is the whole-page size above (without the guard page)
    and `fls` is the position of the highest set bit, counting from 1. That is the smallest
    power of two *greater than* the size, clamped to at least one page and at most 512 kB:
    a one-page mapping (`fls(0x1000)` = 13) is aligned to 8 kB, a two- or three-page one to
    16 kB. The alignment can leave a gap before the area.
    """),
    code("""
    io = k.ioremap(0xFEBF0010, 0x100, caller="mydev_probe")  # 256 bytes of registers at 0xfebf0010
    ia = k.find_vm_area(io & ~0xFFF)
    print(f"ioremap(0xfebf0010, 0x100) = {io:#010x}")
    print(f"  area {ia.addr:#010x}, size {ia.size}, flags={'|'.join(ia.flag_names)}, "
          f"phys_addr={ia.phys_addr:#x}, pages={ia.pages}, nr_pages={ia.nr_pages}")  # fmt: skip
    gap = (ia.addr - (va.addr + va.size)) // 4096
    print(f"  {ia.addr:#010x} is a multiple of 8 kB: {ia.addr % 0x2000 == 0}; the vmap area ended at "
          f"{va.addr + va.size:#010x}, so the alignment left a {gap}-page gap")  # fmt: skip
    print(f"ioremap(0xb8000, 4096) = {k.ioremap(0xB8000, 4096):#010x}  (the ISA window: the direct map, no area)")
    """),
    md("""
    The registers above fit in one page. When they start near the end of a page, they
    spill into the next ones, and the mapping grows. `ioremap(0xfebe0100, 0x2000)` asks for
    8 kB, but the bytes run from `0xfebe0100` to `0xfebe20ff`: that touches **three** pages
    (`0xfebe0000`, `0xfebe1000`, `0xfebe2000`), so `size` becomes `0x3000`, the alignment
    `1 << fls(0x3000)` = 16 kB, and the area 4 pages with its guard page:
    """),
    code("""
    io2 = k.ioremap(0xFEBE0100, 0x2000, caller="mydev_probe")
    ia2 = k.find_vm_area(io2 & ~0xFFF)
    print(f"ioremap(0xfebe0100, 0x2000) = {io2:#010x}: offset {io2 & 0xFFF:#x} in the page")
    print(f"  area {ia2.addr:#010x}, size {ia2.size} ({ia2.size // 4096 - 1} mapped pages + 1 guard page), "
          f"phys_addr={ia2.phys_addr:#x}")  # fmt: skip
    print(f"  {ia2.addr:#010x} is a multiple of 16 kB: {ia2.addr % 0x4000 == 0}")
    """),
    md("""
    ## 8. `/proc/vmallocinfo`

    Everything we made is now in `/proc/vmallocinfo` (printed by `mm/vmalloc.c:s_show`; the
    file is not in 2.6.24 itself, it came in 2.6.25–26). Read each line as: start–end,
    `size` with the guard page, the caller, then `pages=` for `vmalloc` areas, `phys=` for
    `ioremap` areas, and one word per flag (`vmalloc`, `vmap`, `ioremap`, `user`, `vpages`).
    The holes are the gaps between one line's end and the next line's start.
    """),
    code("""
    print(k.vmallocinfo(), end="")
    """),
    md("""
    The layout view shows the same areas inside the vmalloc band of the kernel's gigabyte,
    with the arrow at the `ioremap` address:
    """),
    code("""
    LayoutView(k, mark=io)
    """),
    md("""
    <details><summary>Aside: after 2.6.24, <code>vmap_area</code> (lesson 7 compares the
    eras)</summary>

    From 2.6.28 the search no longer walks `vmlist`: Nick Piggin's rewrite of the vmap layer
    keeps every range in a `struct vmap_area` in a red-black tree (`vmap_area_root`), and
    `alloc_vmap_area` finds the hole. `vmlist` was still kept, sorted, for
    `/proc/vmallocinfo`. That allocator leaves **one extra unmapped page** between areas
    (three one-page `vmalloc`s land 3 pages apart, not 2), and `vfree` there is *lazy*: the
    PTEs stay until a later purge. The 2.6.32 areas also start lower, at 0xf7ffe000 on this
    1 GB machine: from 2.6.28 `MAXMEM` is measured down from `VMALLOC_END`, so lowmem ends a
    little earlier, and `VMALLOC_START` is `high_memory` + 8 MB exactly, without 2.6.24's
    rounding (lesson 1, §4). Try it: `Kernel(Config(era="2.6.32")).vmalloc(4096)`.
    </details>
    """),
    md("""
    ## 9. Where the model simplifies

    - `caller` and `/proc/vmallocinfo` arrived in 2.6.25–26 but are shown for 2.6.24 too,
      and `caller` is a plain name where the kernel prints `symbol+offset/length`.
    - In the kernel the `vm_struct` and a small `pages[]` array come from `kmalloc`. The
      model has `kmalloc` (§1), but its `vmalloc` does not call it, so they cost no frames:
      the model's caches start empty after boot, while a real kernel's `kmalloc-32` … caches
      already hold slabs from boot, so a `kmalloc` here would add a new slab page that the
      real `vmalloc` would usually not take. A `pages[]` array bigger than a page is
      `vmalloc`'ed, with `VM_VPAGES`, as in the kernel (try `k.vmalloc(5 << 20)`).
    - There is one CPU, and a TLB flush is one step.
    - 2.6.24's loop checks `VMALLOC_END` only after moving the candidate past an area. When the walk runs off the end
      of `vmlist` (an empty list, or an `ioremap` whose alignment jumps past the last area),
      the kernel links the area without checking, and it can end past `VMALLOC_END`, in the
      pkmap space. The model always checks (point 4 of the list in §3), so no area crosses `VMALLOC_END`.
    - `kmalloc` follows SLUB (`mm/slub.c`) on one CPU and one memory node, with caches that
      start empty after boot; lesson 9 (kmalloc and the slab allocator) lists what else it
      leaves out.
    - The kernel trusts the pointer given to `kfree`: freeing twice, or freeing an address
      `kmalloc` did not return, corrupts a free list or crashes later. The model refuses both
      (`NotASlabObject`) before anything changes, so you can see the mistake.
    - `kmem_cache_create` with a name already taken returns NULL (None). In the kernel sysfs
      decides: a duplicate that merges into an existing cache succeeds; only one that needs a
      cache of its own fails. The model refuses every duplicate so that `k.kmem_cache(name)`
      finds one cache.

    ## Exercises

    Each question has a **Hint** button, and a wrong answer tells you what it probably
    mixed up. Change the **seed** (or press **new numbers**) for the same questions with
    other numbers. In the prompts, each area is written `start-end (size bytes)`. The
    questions boot machines with different amounts of RAM (256 MB to 2 GB), so
    `VMALLOC_START` differs from one question to the next (it sits 8 MB above the end of
    lowmem, as in §1); each prompt gives the RAM and the resulting `VMALLOC_START`.
    """),
    code("""
    from vmwidgets.exercises.l4_vmalloc import LESSON
    from vmwidgets.widgets import Quiz

    Quiz(LESSON, seed=0)
    """),
    md("""
    ## Summary

    - `vmalloc` gives virtually contiguous memory made of single frames taken from anywhere
      (highmem included), mapped one PTE per page in the vmalloc area. `kmalloc` and
      `alloc_pages` need physically contiguous lowmem.
    - Each area is a `struct vm_struct` (`addr`, `size` with one guard page, `flags`,
      `pages`, `nr_pages`, `phys_addr`) on `vmlist`, a singly linked list sorted by address.
    - In 2.6.24, `__get_vm_area_node` walks `vmlist` from `VMALLOC_START` and takes the first
      gap that holds the pages **plus the guard page**; `vfree` unlinks the area and leaves
      a gap that later calls reuse.
    - `vmap` (`VM_MAP`) maps frames the caller owns; `ioremap` (`VM_IOREMAP`, `phys_addr`
      set, no `pages`) maps device addresses: whole pages from the one holding `phys_addr`
      to the one holding the last byte, aligned to `1 << fls(size)`, the smallest power of
      two above that size (8 kB for one page), and the offset in the page added back.
    - `/proc/vmallocinfo` lists the areas with their size (guard page included), caller,
      pages and flags. From 2.6.28 a red-black tree of `vmap_area`s finds the holes.

    ## Read the source

    Linux 2.6.24, on any source browser:

    - `include/linux/vmalloc.h`: `struct vm_struct` and the `VM_*` flags; note why `next`,
      `addr` and `size` come first (the list walks read only those), and that
      `get_vm_area_size()` subtracts the guard page.
    - `mm/vmalloc.c:vmalloc` → `__vmalloc` → `__vmalloc_node`: the GFP flags
      (`GFP_KERNEL | __GFP_HIGHMEM`) and the size check against the number of RAM pages.
    - `mm/vmalloc.c:__get_vm_area_node`: the `VM_IOREMAP` alignment, `size += PAGE_SIZE`,
      the first-fit loop over `vmlist` and the link at `found:`.
    - `mm/vmalloc.c:__vmalloc_area_node`: `nr_pages = (area->size - PAGE_SIZE) >> PAGE_SHIFT`,
      `pages[]` from `kmalloc` or, above one page, from `__vmalloc_node` with `VM_VPAGES`,
      one `alloc_page` per page, then `map_vm_area`.
    - `mm/vmalloc.c:map_vm_area` → `vmap_pte_range`: the end is `addr + size - PAGE_SIZE`,
      so the guard page is never mapped; one `set_pte_at` per page in `init_mm`.
    - `mm/vmalloc.c:__vunmap` and `__remove_vm_area`: the exact-address lookup, the unlink
      `*p = tmp->next`, `tmp->size -= PAGE_SIZE`, `__free_page` per page.
    - `mm/vmalloc.c:vmap`: `get_vm_area` plus `map_vm_area`, and nothing stored in `pages`.
    - `arch/x86/mm/ioremap_32.c:__ioremap`: the ISA shortcut, the RAM check, the page
      rounding (`PAGE_ALIGN(last_addr+1) - phys_addr`), the offset kept in the returned
      pointer, `area->phys_addr`.
    """),
]
