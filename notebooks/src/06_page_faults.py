"""Lesson 6: page faults — demand paging, permissions, copy-on-write (Linux 2.6.24 and 2.6.32)."""

from nbbuild import code, md

CELLS = [
    md("""
    # Lesson 6 — Page faults: demand paging, permissions, copy-on-write

    When a program asks for memory, Linux hands out *addresses*, not RAM. The RAM comes
    later, one page at a time, at the moment the program first touches a page. The event
    that makes this work is the **page fault**. This lesson follows it on a 32-bit x86
    machine with 1 GB of RAM, in Linux 2.6.24 (and 2.6.32 where they differ).

    **By the end of this lesson you can …**

    1. explain why `mmap` costs no RAM until the first access, and follow that first access
       through `do_page_fault` → `handle_mm_fault` → `do_anonymous_page`;
    2. predict whether an access runs without the kernel, is fixed by a page fault, or ends
       in `SIGSEGV`, and name the check in `do_page_fault` that decides;
    3. trace copy-on-write after `fork`: which PTE bits change, when `do_wp_page` copies a
       page and when it reuses it, and how the page's reference count moves;
    4. say what a read of fresh anonymous memory costs in 2.6.24 (a zeroed frame) and in
       2.6.32 (the shared `ZERO_PAGE`);
    5. explain a *vmalloc fault*: why a process can lack the kernel's newest page-table entry,
       and how `vmalloc_fault` repairs it.

    It takes about 30 minutes. Run the cells from top to bottom (*Run → Run All Cells*). You
    should know page tables (lesson 3) and a process's VMAs (lesson 5).
    """),
    md("""
    ### Words you will meet

    - **VMA** (`struct vm_area_struct`): one range of a process's addresses with its rights
      (`r`, `w`, `x`), as `/proc/PID/maps` shows it (lesson 5).
    - **PTE**: a page-table entry. It maps one 4 kB page to a frame, with flag bits `PRESENT`,
      `RW` (writable), `USER` (user mode may use it), `ACCESSED` and `DIRTY`.
    - **page fault**: the CPU's exception 14. The MMU could not finish an access (no PTE, or a
      PTE that forbids it); the CPU stores the address in register `CR2` and runs the kernel's
      handler.
    - **demand paging**: filling a PTE only when its page is first touched.
    - **`SIGSEGV`**: the signal that kills a program for a bad access ("segmentation fault").
    - **Oops**: the kernel's report of a fault *it* made and cannot fix.
    - **page cache**: the kernel's copy of file pages in RAM, shared by everyone who reads the
      file.
    - **copy-on-write (COW)**: two processes share a page read-only until one writes; the
      writer then gets its own copy.
    - **`_count`**: the reference count in a frame's `struct page`: how many users hold the
      frame.
    - **`ZERO_PAGE`**: one frame full of zeros that the kernel can map read-only anywhere.
    """),
    md("""
    ## 1. Demand paging: the first touch

    `mmap` only records a promise. It creates a VMA ("these addresses are valid, readable and
    writable") and returns. It allocates no frame and writes no PTE.

    The first access finds nothing in the page tables. The MMU raises a page fault and the
    CPU jumps to `do_page_fault`. The kernel then looks the address up in the process's VMAs.
    It finds the VMA, so the access is legal. It takes a frame, fills it with zeros, writes the
    PTE and returns. The CPU runs the same instruction again, and this time the walk succeeds.
    The program never notices.

    Let us start a `cat` process and map 3 pages of private anonymous memory (memory that
    belongs to no file, as `malloc` gets for big buffers):
    """),
    code("""
    from ipywidgets import VBox

    from vmwidgets import MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, Config, Kernel, explain
    from vmwidgets.exercises.l6_page_faults import cow_predict
    from vmwidgets.widgets import ExerciseWidget, PageTableView, Player, Quiz

    PAGE = 4096
    RW, ANON = PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS

    k = Kernel()  # 1 GB, no PAE, Linux 2.6.24
    cat = k.spawn("cat")
    buf = cat.mmap(0, 3 * PAGE, RW, ANON)
    print(f"mmap returned {buf:#010x}; /proc/{cat.pid}/maps is now:")
    print(cat.mm.maps(), end="")
    """),
    md("""
    The new VMA is the anonymous line `b7e9f000-b7ea2000 rw-p`, just below libc. Now walk
    `buf` in the process's own page tables (`pgd=cat.mm.pgd`), the way the MMU will:
    """),
    code("""
    print(k.translate(buf, pgd=cat.mm.pgd))
    """),
    md("""
    The walk stops at the top level: no PTE table even exists for these 4 MB yet. Now let the
    process touch its memory: a read of the first page, a write to the same page, then a
    write to the second page. `cat.access(addr, write=...)` is the CPU making one access in
    user mode. It returns the physical address reached and whether a page fault happened.
    """),
    code("""
    first = len(k.timeline.operations)  # where the accesses begin, for the player below
    for addr, write in [(buf, False), (buf + 0x10, True), (buf + PAGE + 8, True)]:
        print(f"{'write' if write else 'read '} {addr:#010x}: {cat.access(addr, write=write)}")
    print(k.translate(buf, pgd=cat.mm.pgd))
    """),
    md("""
    Three things to notice:

    - The **first read faulted**, and the kernel gave the page a frame (pfn `0x3fc00`, from
      HighMem: user pages may live in highmem).
    - The **write to the same page did not fault**. In 2.6.24 the read fault already
      made the PTE writable (`RW`) because the VMA is writable. It also set `DIRTY`.
    - The **second page faulted again**: every page is filled on its own first touch.

    ### Watch it step by step

    The player below stands just before the read, at the last step of the `translate` call
    above. Press **→** (click the player first) or the step button, one step at a time, and
    watch the page tables of `cat`. The read's steps, numbered as the player numbers them, are
    printed above the player; they come in this order:

    - `x86 MMU:page walk` (the CPU, not kernel code): the access begins and the MMU reads PGD
      entry 735: not present, the walk stops.
    - `arch/x86/mm/fault_32.c:do_page_fault`: the fault is entered with the address (from
      `CR2`) and the cause, *not present*. In 2.6.24 the 32-bit handler has its own file;
      from 2.6.25 it is `fault.c`, the name a 2.6.32 player shows.
    - `find_vma`: `mmap_cache` (the last VMA found) misses, so the red-black tree of lesson 5
      is walked, down to the VMA `b7e9f000-b7ea2000`.
    - `handle_mm_fault` has no step of its own: the next steps are its work. First it needs a
      PTE table. The buddy allocator takes a free page from the Normal zone
      (`__rmqueue_smallest`, then `buffered_rmqueue` hands out frame `0x37c01`), and
      `__pte_alloc` links it into PGD entry 735 (in amber).
    - Then a frame for the data. The buddy allocator takes a 4 MB HighMem block and halves it
      ten times (`expand`, lesson 2; drag the slider past these steps if you like), then hands
      out frame `0x3fc00`. `do_anonymous_page` writes PTE 671 (amber) with
      `PRESENT RW USER ACCESSED DIRTY`.
    - `x86 MMU:page walk` again: the CPU retries the instruction, the walk now reaches the
      frame, and the access returns.

    Press **⏩** (or PageDown) to jump to the end of each of the next two accesses. The second
    is only a page walk: it does not fault, so no `do_page_fault` step appears at all. The
    third faults on PTE 672; `find_vma` finds the VMA in `mmap_cache` without a tree walk, and
    the PTE table already exists, so only the data frame is allocated.
    """),
    code("""
    read = k.timeline.operations[first]
    for i in range(read.start, read.end):  # ten expand steps in a row are shown as one line
        e = k.timeline[i]
        if e.fn.endswith(":expand") and k.timeline[i - 1].fn.endswith(":expand"):
            continue
        print(f"step {i + 1:4}  {e.fn:40} {explain(e)}")
    tables = PageTableView(cat)
    player = Player(cat, [tables])
    player.seek(read.start)
    VBox([player, tables])
    """),
    md("""
    **Read the source.** The x86 handler is `arch/x86/mm/fault_32.c:do_page_fault` in 2.6.24
    (`fault.c` from 2.6.25). Look for `read_cr2()`, the test `address >= TASK_SIZE`, the call
    to `find_vma`, the label `good_area:` and the call to `handle_mm_fault`. In
    `mm/memory.c`, `handle_mm_fault` allocates the missing table levels (`pte_alloc_map`). It
    then calls `handle_pte_fault`, which picks the case. An **empty** PTE in a VMA without a
    file goes to `do_anonymous_page`. An empty PTE in a file VMA goes to `do_linear_fault` →
    `__do_fault`. A **present** PTE that a write may not use goes to `do_wp_page`. In
    `do_anonymous_page`, see `alloc_zeroed_user_highpage_movable`, then `mk_pte` and
    `maybe_mkwrite(pte_mkdirty(entry), vma)`. That last call is why the read above left a
    writable PTE.
    """),
    md("""
    ## 2. When `do_page_fault` says no

    Not every fault can be fixed. `do_page_fault` checks, in this order:

    1. **A kernel address** (`address >= TASK_SIZE`, 0xc0000000) touched in user mode: bad.
    2. **`find_vma`** returns the first VMA that ends above the address. No VMA at all: bad.
    3. **The VMA starts above the address** (the address is in a hole): bad, unless the VMA
       grows down (the stack) and the address is at most 65536 + 32·4 bytes below the stack
       pointer. An x86 instruction (`enter`) may push that far below it. Then
       `expand_stack` lowers the VMA's start.
    4. **The access against the VMA's flags** (`good_area`): a write needs `VM_WRITE`; a read
       of a page that is not present needs any of `VM_READ`, `VM_EXEC`, `VM_WRITE`.

    "Bad" means `bad_area`. A user-mode access gets `SIGSEGV`. Otherwise `handle_mm_fault`
    fixes the fault. Some accesses by our `cat`:
    """),
    code("""
    stack = cat.mm.find_vma(cat.mm.start_stack)
    print(f"stack VMA before: {stack.vm_start:#010x}-{stack.vm_end:#010x}")
    tries = [
        ("write to the program's text", 0x08048000, True),
        ("read near NULL (address 0x10)", 0x10, False),
        ("read between program and libc", 0x40000000, False),
        ("read of kernel memory", 0xC0100000, False),
        ("write 100 bytes below the stack", stack.vm_start - 100, True),
        ("write 128 kB below the stack", stack.vm_start - (128 << 10), True),
    ]
    for what, addr, write in tries:
        r = cat.access(addr, write=write)
        if r.ok:
            result = f"ok, phys {r.phys:#x}" + (" after a fault" if r.faulted else "")
        else:
            result = f"{r.signal}: {r.reason}"
        print(f"{what:32} {addr:#010x}  {result}")
    print(f"stack VMA after:  {stack.vm_start:#010x}-{stack.vm_end:#010x}")
    """),
    md("""
    The text page is `r-xp`, so a write is refused whatever the page tables hold. Address
    `0x10` and `0x40000000` lie in holes below VMAs that do not grow down. The kernel maps its
    pages without the `USER` bit: its PTEs, and the 4 MB PGD entries of its lowmem (as
    `0xc0100000` here), lack it. Some kernel PGD entries do have `USER` (section 6 prints one),
    but the MMU allows a user-mode access only if *every* level of the walk has it (lesson 3),
    so user mode cannot touch kernel memory. The write 100 bytes below the stack
    **grew** the stack VMA by one page. The write 128 kB below it is too far to be a push.

    *Where the model simplifies:* it has no registers, so it takes the stack pointer to sit
    at the start of the stack VMA. A real process's `%esp` is usually higher, so real
    programs cannot reach as far down as here. `expand_stack` checks only `RLIMIT_STACK`
    (not `RLIMIT_AS`, locked memory or overcommit, and not 2.6.32's `mmap_min_addr`), and,
    as in both eras, the stack may grow right up to the VMA below: the guard gap came in
    2.6.36.
    """),
    md("""
    ## 3. File pages and the page cache

    A VMA that maps a file (a program's text, libc) fills its PTEs from the **page cache**.
    `__do_fault` looks the page up by (file, page offset). It reads the page from disk only the
    first time, and maps *the same frame* into every process that reads it. Each mapping
    takes a reference (`get_page`), on top of the page cache's own reference.

    A **private** file mapping (`rw-p`, like a program's data) starts out sharing the page-cache
    frame read-only. The first write must not change the file or the other processes' view,
    so `do_wp_page` copies the page into a new anonymous frame for this process only.
    (A write as the very *first* touch is copied at once by `__do_fault`.)
    """),
    code("""
    sh = k.spawn("sh")
    libc = 0xB7EA2000  # the first page of libc's text, at the same address in both processes
    a, b = cat.access(libc), sh.access(libc)
    print(f"cat reads libc: frame {a.phys >> 12:#x}    sh reads libc: frame {b.phys >> 12:#x}")
    print(f"that frame's _count: {k.page(a.phys >> 12).count} (the page cache + two mappings)")

    data = 0x0804C000  # /bin/cat's data page, mapped rw-p (private)
    r = cat.access(data)
    w = cat.access(data, write=True)
    print(f"cat reads its data page:  frame {r.phys >> 12:#x} (the page-cache frame)")
    print(f"cat writes its data page: frame {w.phys >> 12:#x} (its private copy)")
    print(f"page-cache frame {r.phys >> 12:#x} _count: {k.page(r.phys >> 12).count} (the cache alone)")
    """),
    md("""
    The read mapped the page-cache frame read-only, and took a reference to it. The write is
    then a *protection* fault, handled by `do_wp_page` (section 4 shows it step by step): it
    copies the page into a new frame for `cat` alone, points the PTE at the copy, and drops
    `cat`'s reference to the page-cache frame (`put_page`). That leaves the cache's own
    reference: 1.
    """),
    md("""
    *Where the model simplifies:* there are no disks, so the first read of a file page costs
    just a free frame. In a real kernel that read waits for the disk: a **major** fault. A
    fault served from RAM is a **minor** one. The model's page cache never shrinks. Its files
    have no `vm_ops` (2.6.24 reaches `__do_fault` through `vma->vm_ops->fault`, usually
    `filemap_fault`). A *shared* writable mapping of a disk file starts write-protected, as in
    the kernel (`mm/mmap.c:vma_wants_writenotify`, lesson 5): its first write to each page
    faults, so the file learns the page is dirty. The model tells filesystems apart only by
    their device number: major 0 is an in-memory one (tmpfs, ramfs) that counts no dirty pages,
    any other a disk that does. A disk-less filesystem that counts them, such as NFS, is not
    modelled.
    """),
    md("""
    ## 4. `fork` and copy-on-write

    `fork` gives the child a copy of the parent's whole address space. Copying every page
    would be slow, and usually wasted: the child often calls `execve` straight away. So
    `dup_mmap` (`kernel/fork.c`) copies the VMAs, and `copy_page_range` (`mm/memory.c`)
    copies the **PTEs**, not the pages. The two processes then share the frames.

    For a private writable mapping, `copy_one_pte` clears `RW` in **both** PTEs: the parent's
    (`ptep_set_wrprotect`) and the child's copy. The child's copy is also made *old*
    (`ACCESSED` cleared, `pte_mkold`). The frame gets one more reference (`get_page`). The VMA
    still says writable, so the first write to the page is a *protection* fault that the kernel
    fixes in `do_wp_page`:

    - if another process still maps the frame (its map count, `page_mapcount`, above 1):
      take a new frame, copy the page, point this process's PTE at the copy with `RW` set,
      and drop this process's reference to the old frame (`put_page`);
    - if this process is the **only** one left that maps it: no copy. Just set `RW` again
      (*reuse*).

    Each mapping of an anonymous page also holds a reference, so here the frame's `_count`
    (its users) and its map count go up and down together; §4's last paragraph says where
    they differ.

    One exception: `copy_page_range` copies no PTEs at all for a VMA without an `anon_vma`
    (a VMA that has never had a private anonymous page, such as a program's text). A fault can
    bring those pages back from the page cache or as zeros, so the child faults them in later.

    A `bash` process writes one page, then forks:
    """),
    code("""
    k2 = Kernel()
    bash = k2.spawn("bash")
    heap = bash.mmap(0, 2 * PAGE, RW, ANON)
    frame = bash.access(heap, write=True).phys >> 12
    print(f"bash wrote {heap:#010x}: frame {frame:#x}, _count {k2.page(frame).count}")

    child = k2.fork(bash)
    fork_op = k2.timeline.operations[-1]
    for e in k2.timeline[fork_op.start : fork_op.end]:  # the steps of fork that touch the page
        if e.kind == "PteChanged":
            print(f"  {e.fn:27} parent's PTE {e.old:#010x} -> {e.new:#010x}")
        elif e.kind == "PageRefChanged":
            print(f"  {e.fn:27} frame {e.pfn:#x}: _count {e.count}")
        elif e.kind == "PteInstalled":
            print(f"  {e.fn:27} child's PTE  {e.entry:#010x}")
    print("the child reads:", child.access(heap))
    read_op = k2.timeline.operations[-1]
    for e in k2.timeline[read_op.start : read_op.end]:
        if e.kind == "PteChanged":  # the MMU marks the PTE it used
            print(f"  {e.fn}: child's PTE {e.old:#010x} -> {e.new:#010x}")
    """),
    md("""
    The parent's PTE ended in `0x67` (`PRESENT RW USER ACCESSED DIRTY`) and now ends in `0x65`
    (no `RW`). The child's PTE maps the same frame with `0x45` (no `RW`, no `ACCESSED`). The
    frame's `_count` is 2. The child's read needs no fault: a read-only PTE is enough for a
    read. But the MMU sets `ACCESSED` in every PTE it uses, so the read turned the child's PTE
    into `0x65`. That is why the player below shows `0x65`, not `0x45`, for the child before
    its write.

    ### Predict, then check

    The child now writes to `heap`, and after it the parent. The cell below has already run
    both writes, but the player is held just **before** the child's write: it cannot go
    further until you answer. Type your answer and press **Commit and reveal**. If you are right
    (or press **Show me** after a wrong try), the player is released and jumps to the end of
    the child's write.
    Step back with **←** to watch: the walk finds the PTE present but without `RW`; the fault
    (cause *protection*); `do_wp_page` takes a new frame and rewrites the child's PTE; then
    `put_page`. Then press **⏩** for the parent's write: `do_wp_page` again, but this time
    only `+RW`, with the same frame.
    """),
    code("""
    question, child_write = cow_predict(child, bash, heap, frame)  # runs both writes; the key is the model's
    child_tables, parent_tables = PageTableView(child), PageTableView(bash)
    cow_player = Player(k2, [child_tables, parent_tables])
    cow_player.seek(child_write.start)
    VBox([ExerciseWidget(question, player=cow_player, reveal=child_write.end), cow_player, child_tables, parent_tables])
    """),
    md("""
    **Read the source.** In `mm/memory.c:copy_one_pte`, look for `is_cow_mapping`,
    `ptep_set_wrprotect`, `pte_wrprotect`, `pte_mkold` and `get_page`. In `copy_page_range`,
    find the test `if (!vma->anon_vma) return 0`. In `do_wp_page`, find the reuse test
    (2.6.24: `PageAnon` and `can_share_swap_page`). Then see how the copy path allocates a
    frame, copies it (`cow_user_page`), installs the new PTE with `maybe_mkwrite(pte_mkdirty())`
    and releases the old page.

    The reuse test counts *mappings* (`page_mapcount`, the frame's `_mapcount` + 1), not users
    (`_count`), and the model does the same: once the child has exited, the parent's next write
    finds one mapping left and makes the same frame writable again, with no copy. An `anon_vma` is only an identity in the model (`mm/rmap.c`):
    the kernel's list of the VMAs that share it and its lock are left out, because the model
    has none of the code that walks that list (page reclaim, page migration …).
    """),
    md("""
    ## 5. Two eras: a zeroed frame or the `ZERO_PAGE`?

    Fresh anonymous memory must read as zeros. A program that only *reads* such a page could
    be served by one shared frame of zeros, mapped read-only: the `ZERO_PAGE`.

    - **2.6.24 has no `ZERO_PAGE` for this.** Nick Piggin's commit 557ed1fa2620 ("remove
      ZERO_PAGE", October 2007) removed it. Counting references to one shared page made its
      `struct page` bounce between the caches of many CPUs on large machines. So a read fault
      allocates a zeroed frame, as in section 1.
    - **2.6.32 maps the `ZERO_PAGE` again.** Hugh Dickins's commit a13ea5b75964 ("mm: reinstate
      ZERO_PAGE", September 2009) brought it back: users of older kernels had relied on it, and
      regressions had been reported. This time its references are not counted. A read fault
      maps the zero frame read-only. The first write is then a protection fault, and
      `do_wp_page` gives the page a real frame.

    The same program on both: read 4 fresh pages, then write one of them.
    """),
    code("""
    def reads_then_a_write(era):
        kk = Kernel(Config(era=era))
        t = kk.spawn("cat")
        b = t.mmap(0, 4 * PAGE, RW, ANON)
        free = sum(z.free_pages for z in kk.zones)
        frames = [t.access(b + i * PAGE).phys >> 12 for i in range(4)]
        after_reads = free - sum(z.free_pages for z in kk.zones)
        t.access(b, write=True)
        after_write = free - sum(z.free_pages for z in kk.zones)
        return kk, t, b, frames, after_reads, after_write

    print("era      frames the 4 reads map        frames used after the reads   after 1 write")
    for era in ("2.6.24", "2.6.32"):
        kk, t, b, frames, after_reads, after_write = reads_then_a_write(era)
        print(f"{era}   {' '.join(f'{f:#x}' for f in frames):30}  {after_reads:^28}  {after_write:^12}")
    """),
    md("""
    (Both counts include the one PTE table the first fault needs.) In 2.6.24 every read costs
    a frame: 4 frames plus the table, and the write costs nothing more. In 2.6.32 the four
    reads map the same frame `0x9ff`, the `ZERO_PAGE`. It lives in the kernel image, so the
    reads cost only the table. The write then costs one frame.

    Step through the 2.6.32 write below. The PTE holds frame `0x9ff` without `RW`, so the fault's
    cause is *protection* (in 2.6.32 the player names the handler
    `arch/x86/mm/fault.c:do_page_fault`). `do_wp_page` allocates a frame and changes the PTE
    (`+DIRTY, +RW, -SPECIAL`, new frame). The zero frame itself is never written.
    """),
    code("""
    k32, t32, b32, *_ = reads_then_a_write("2.6.32")
    tables32 = PageTableView(t32)
    player32 = Player(t32, [tables32])
    player32.seek(k32.timeline.operations[-1].start)  # just before the write
    VBox([player32, tables32])
    """),
    md("""
    **Read the source.** Compare `do_anonymous_page` in the two versions of `mm/memory.c`.
    2.6.32 starts with "Use the zero-page for reads": for a read it builds the PTE from
    `my_zero_pfn(address)` with `pte_mkspecial` and skips the allocation. In `do_wp_page`,
    `vm_normal_page` returns no page for the zero frame, so the copy path allocates a zeroed
    frame instead of copying.

    The zero frame's PTE carries `SPECIAL` (bit 9, a bit the hardware ignores): `pte_mkspecial`
    marks a PTE with no `struct page` to count, which is how `vm_normal_page` knows to skip it.
    `mprotect` keeps the bit (2.6.32's `pte_modify` leaves `_PAGE_SPECIAL` alone); the copy
    `do_wp_page` installs has it no more.
    """),
    md("""
    ## 6. vmalloc faults: the kernel's own page tables, one process late

    Each process has its own page directory. When it is created, `pgd_ctor` copies the
    kernel's part (entries 768–1023 without PAE) from `swapper_pg_dir`, the kernel's master
    page directory. But `vmalloc` (lesson 4) later links new PTE tables into
    `swapper_pg_dir` **only**. A process created before that `vmalloc` lacks the new entry.

    When the kernel touches the new area while running that process (in a system call, say),
    the walk through that process's page directory stops at the empty entry, and the CPU
    faults *in kernel mode*. `do_page_fault` checks for this first: a kernel address, a
    kernel-mode access, a page not present. It then calls `vmalloc_fault`, which copies the
    missing entry from the master table (`vmalloc_sync_one`) and returns. The access is
    retried and succeeds, and later accesses no longer fault.
    """),
    code("""
    k3 = Kernel()
    top = k3.spawn("top")  # top's page directory is copied now
    area = k3.vmalloc(2 * PAGE, caller="my_driver_init")  # a new PTE table, in swapper_pg_dir only
    print(f"vmalloc area at {area:#010x}")


    def pgd_entry(pgd=None):
        s = k3.translate(area, pgd=pgd).steps[0]
        return f"PGD[{s.index}] = {s.entry:#010x} {' '.join(s.flags) or '(not present)'}"


    print("swapper_pg_dir:", pgd_entry())
    print("top's PGD:     ", pgd_entry(top.mm.pgd))
    sync = len(k3.timeline.operations)
    print("kernel-mode read while top runs:", top.access(area, user=False))
    print("top's PGD:     ", pgd_entry(top.mm.pgd))
    print("the same read again:", top.access(area, user=False))
    print("a user-mode read by top:", top.access(area))
    print("a kernel-mode read of the guard page:", top.access(area + 2 * PAGE, user=False))
    """),
    md("""
    Step through the fault below: the walk stops at PGD entry 994 of `top`'s directory, and
    `do_page_fault` is entered (a read, *not present*). There is no `find_vma` step: a kernel
    address goes to `vmalloc_fault` first. The next step is `vmalloc_sync_one` copying the
    entry ("PGD entry 994 … is set"): watch entry 994 appear in amber. Then the walk is
    retried and reaches the page.

    The last line above shows the other side: `vmalloc_fault` only repairs what the master
    table maps. The guard page after the area is mapped nowhere, so the kernel's own read of
    it is an Oops.
    """),
    code("""
    top_tables = PageTableView(top)
    vm_player = Player(top, [top_tables])
    vm_player.seek(k3.timeline.operations[sync].start)
    VBox([vm_player, top_tables])
    """),
    md("""
    With **PAE** there is no such fault. The kernel's part of the address space is one PMD page
    per gigabyte, shared by every page directory (`SHARED_KERNEL_PMD`), so a PTE table
    that `vmalloc` links into it is seen by all processes at once:
    """),
    code("""
    kp = Kernel(Config(pae=True))
    tp = kp.spawn("top")
    ap = kp.vmalloc(2 * PAGE)
    print("PAE, kernel-mode read:", tp.access(ap, user=False))
    """),
    md("""
    **Read the source.** In `arch/x86/mm/fault_32.c` (2.6.24), at the top of `do_page_fault`:
    the test `address >= TASK_SIZE` with `!(error_code & 0x0000000d)` (bit 0: protection
    fault, bit 2: user mode, bit 3: reserved bit). Then `vmalloc_fault`, which reads `CR3`
    and calls `vmalloc_sync_one` to copy the entry from `init_mm.pgd`. Also `vmalloc_sync_all`,
    which returns at once when `SHARED_KERNEL_PMD` is set (PAE).
    """),
    md("""
    ## 7. Exercises

    Each exercise below is built from a seed: change the seed (or press *new numbers*) for new
    numbers. The answers come from the model. Press **Hint** if you are stuck; a wrong answer
    tells you what it would mean.
    """),
    code("""
    from vmwidgets.exercises.l6_page_faults import LESSON

    Quiz(LESSON, seed=0)
    """),
    md("""
    ## Summary

    - `mmap` creates a VMA only. The first touch of each page faults, and `do_page_fault` →
      `handle_mm_fault` fills the PTE: a zeroed frame (`do_anonymous_page`) or a page-cache
      frame (`__do_fault`).
    - `do_page_fault` refuses kernel addresses in user mode, addresses outside every VMA (except
      just below the stack, which grows) and accesses the VMA's flags forbid: `SIGSEGV`.
    - `fork` shares pages: `RW` cleared in both PTEs, `ACCESSED` in the child's, one more
      reference per child. The first write goes to `do_wp_page`, which copies the page, or
      reuses it when it is the only user.
    - A read of fresh anonymous memory costs a frame in 2.6.24 and nothing in 2.6.32 (the
      `ZERO_PAGE`), until the first write.
    - Without PAE a process may lack a PGD entry that `vmalloc` added later. A kernel-mode
      fault there runs `vmalloc_fault`, which copies the entry from `swapper_pg_dir`.

    ## Read the source

    - `arch/x86/mm/fault_32.c:do_page_fault` (`fault.c` from 2.6.25): `read_cr2()`; the
      `address >= TASK_SIZE` branch with `vmalloc_fault`; `find_vma`; the `VM_GROWSDOWN` test
      and `address + 65536 + 32 * sizeof(unsigned long) < regs->esp`; `good_area:` and the
      `switch (error_code & 3)`; `bad_area:` and `force_sig_info_fault(SIGSEGV, …)`.
    - `arch/x86/mm/fault_32.c:vmalloc_fault` and `vmalloc_sync_one` (`fault.c` from 2.6.25):
      the entry copied from `init_mm.pgd` into the table that `CR3` points at; the
      `pte_present` test that makes a fault on an unmapped page fail.
    - `mm/mmap.c:expand_stack`: how the stack VMA's `vm_start` moves down, and the
      `RLIMIT_STACK` check.
    - `mm/memory.c:handle_mm_fault` and `handle_pte_fault`: the missing table levels allocated
      (`pte_alloc_map`); the choice between `do_anonymous_page`, `do_linear_fault` and
      `do_wp_page`.
    - `mm/memory.c:do_anonymous_page`: in 2.6.24 `alloc_zeroed_user_highpage_movable` and
      `maybe_mkwrite(pte_mkdirty())`; in 2.6.32 the zero-page branch for reads.
    - `mm/memory.c:__do_fault`: `vma->vm_ops->fault`; the early copy on a private write
      (`anon = 1`).
    - `kernel/fork.c:dup_mmap` → `mm/memory.c:copy_page_range` and `copy_one_pte`: the
      `anon_vma` test; `ptep_set_wrprotect`, `pte_mkold`, `get_page`.
    - `mm/memory.c:do_wp_page`: the reuse test, the copy, the new PTE, the release of the old
      page.
    """),
]
