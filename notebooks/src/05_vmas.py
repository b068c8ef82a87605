"""Lesson 5: a process's address space — VMAs, mmap/munmap/mprotect/brk, the mm_rb tree, find_vma."""

from nbbuild import code, md

CELLS = [
    md("""
    # Lesson 5 — A process's address space: VMAs and the red-black tree

    The lessons so far looked at the kernel's own gigabyte. Now we look at the other three: the
    memory of a user process. Each process has its own user part of the address space, from 0 up to
    `TASK_SIZE` (0xc0000000 with the 3G/1G split of lesson 1). The kernel does not describe that
    space page by page. It keeps a short list of *regions*, and a tree to find them fast.

    **By the end of this lesson you can**

    1. read a line of `/proc/PID/maps` and name the `vm_area_struct` field behind each column;
    2. predict where a top-down `mmap` puts a new mapping, and when it merges with a neighbour
       instead of making a new VMA;
    3. explain why `munmap` and `mprotect` split VMAs (and how they merge again);
    4. follow an insertion into the `mm_rb` red-black tree case by case and say which rotations
       fix it;
    5. trace `find_vma` through `mmap_cache` and the tree, including for an address in a hole.

    It takes about 35 minutes. Run the cells from top to bottom (*Run → Run All Cells*).
    """),
    md("""
    ## 1. Regions, not pages

    A running program uses a handful of regions: its code, its data, the heap that `malloc`
    grows, each shared library (code and data), and the stack. Inside one region every page has
    the same permissions and comes from the same place. The kernel describes each such region with
    one **VMA** (*virtual memory area*, `struct vm_area_struct`): a range of addresses
    `[vm_start, vm_end)` (the end is the first byte *after* it), its permissions and what backs it.

    - A **file-backed** VMA shows part of a file: the program, a library, a file you `mmap`.
    - An **anonymous** VMA has no file: its pages start out as zeros (heap, stack, `malloc`'s big
      blocks).
    - A **private** mapping keeps its changes to itself; a **shared** one writes them to the file
      (or shares them with other processes).

    All VMAs of a process hang off its **memory descriptor**, `struct mm_struct` (the task's
    `mm`). A VMA says which addresses a process *may* use; the page tables of lesson 3 say which
    pages are in memory *now*. Normally a new VMA has no page table entries at all: the first touch
    of each page faults and the kernel fills the entry then (lesson 6).

    `spawn` starts a process the way `execve` leaves it. Here is its `/proc/PID/maps`, printed as
    `fs/proc/task_mmu.c:show_map` prints it, one VMA per line:
    """),
    code("""
    import ipywidgets as w

    from vmwidgets import MAP_ANONYMOUS, MAP_PRIVATE, PAGE_SIZE, PROT_READ, PROT_WRITE, Kernel
    from vmwidgets.exercises.l5_vmas import munmap_middle, rb_events, rb_steps, rotation_exercise, tree_text, vma_changes
    from vmwidgets.model.constants import pte_flag_names
    from vmwidgets.widgets import ExerciseWidget, Player, Quiz, VmaView

    RW = PROT_READ | PROT_WRITE  # read and write
    ANON = MAP_PRIVATE | MAP_ANONYMOUS  # private memory that no file backs

    k = Kernel()  # 1 GB, non-PAE, Linux 2.6.24
    task = k.spawn("cat")
    mm = task.mm
    print(f"pid {task.pid}, {mm.map_count} VMAs:")
    print(mm.maps(), end="")
    """),
    md("""
    **Reading a line.** Take `0804c000-0804d000 rw-p 00003000 08:01 1001 /bin/cat`:

    | column | example | comes from |
    |---|---|---|
    | range | `0804c000-0804d000` | `vm_start`–`vm_end` (one page here) |
    | permissions | `rw-p` | `VM_READ`, `VM_WRITE`, `VM_EXEC` in `vm_flags`; `p` private or `s` shared (`VM_MAYSHARE`) |
    | offset | `00003000` | `vm_pgoff << 12`: where in the file the VMA starts (page 3 of `/bin/cat`) |
    | device, inode | `08:01 1001` | the file of `vm_file` (`00:00 0` for anonymous memory) |
    | name | `/bin/cat` | the file's path; `[heap]` and `[stack]` are names `show_map` adds itself |

    The eight VMAs, from the bottom: the program's code (`r-xp`) and data (`rw-p`) at the classic
    0x08048000; libc's code and data; an anonymous VMA right after them, libc's *bss* (zeroed
    globals); the dynamic loader `ld.so`, code and data; and the stack, which ends at `TASK_SIZE`.
    Notice the offsets of the two anonymous lines: 2.6.24's `show_map` prints `vm_pgoff` for every
    VMA, and `mmap` sets an anonymous VMA's `vm_pgoff` to its own address divided by 4096, so the
    offset column repeats the start address. (Later kernels print 0 there, 2.6.32 among them, and
    so does the model booted with `Kernel(Config(era="2.6.32"))`.)
    """),
    md("""
    ## 2. `struct vm_area_struct` and `struct mm_struct`, field by field

    | field | meaning |
    |---|---|
    | `vm_mm` | the `mm_struct` this VMA belongs to |
    | `vm_start`, `vm_end` | the range, page-aligned; `vm_end` is not part of it |
    | `vm_next` | the next VMA by address: the VMAs form a sorted singly linked list starting at `mm->mmap` |
    | `vm_prev` | the previous VMA; added in 2.6.36 (some 2.6.32.y stable releases backport it; mainline 2.6.32 has none). **2.6.24 has no `vm_prev`**: to get the VMA before another it calls `find_vma_prev`, which walks the tree |
    | `vm_rb` | the VMA's node in the red-black tree `mm->mm_rb` (§3) |
    | `vm_flags` | `VM_READ`/`WRITE`/`EXEC`, what `mprotect` may later allow (`VM_MAYREAD` …), `VM_SHARED`, `VM_GROWSDOWN` (a stack), `VM_ACCOUNT` (counted against the memory commit limit), `VM_CAN_NONLINEAR` (a file mapping whose pages come from `->fault`) … |
    | `vm_page_prot` | the page-table bits each PTE of this VMA will get, looked up from the low four bits of `vm_flags`; a shared writable mapping of a disk file gets the bits without `VM_SHARED` (no `RW`), so that the first write to each page faults and the file learns the page is dirty (`mm/mmap.c:vma_wants_writenotify`) |
    | `vm_pgoff` | offset into the file in pages; for anonymous memory, `vm_start >> 12` |
    | `vm_file` | the open file mapped, or NULL for anonymous memory |
    | `anon_vma` | lets the kernel find, from an anonymous page, the VMAs that map it (*reverse mapping*); NULL until a fault gives the VMA its first anonymous page (a touch of anonymous memory, a write to a private file page) or the stack grows; VMAs that could merge share one |
    | `vm_ops`, `vm_private_data` | hooks for drivers and special files; the model has none |

    The real structure (`include/linux/mm_types.h`) has a few more fields, for example the links
    that let the kernel find every VMA that maps a given file (`shared`) or anonymous page
    (`anon_vma_node`). Walk the list the way C does, `vma = mm->mmap; vma = vma->vm_next`:
    """),
    code("""
    print("vm_start   vm_end       vm_flags  vm_pgoff  vm_page_prot  vm_file")
    vma = mm.mmap  # the list head, mm->mmap
    while vma:
        name = vma.vm_file.path if vma.vm_file else "NULL (anonymous)"
        flags, prot = f"{vma.vm_flags:#10x}", f"{vma.vm_page_prot:#12x}"
        print(f"{vma.vm_start:08x}   {vma.vm_end:08x}   {flags}  {vma.vm_pgoff:#8x}  {prot}  {name}")
        vma = vma.vm_next
    data = mm.find_vma(0x0804C000)
    print()
    print("the data VMA's vm_flags:", " ".join(data.flag_names))
    print("its vm_page_prot:       ", " ".join(pte_flag_names(data.vm_page_prot)), "(no RW!)")
    print("anon_vma of every VMA:  ", {v.anon_vma for v in mm})
    """),
    md("""
    Two things to notice. The data VMA may be written (`VM_WRITE`), yet its `vm_page_prot` has no
    `RW` bit: the mapping is private, so the first write must fault and get a private copy of the
    page (copy-on-write, lesson 6). And `anon_vma` is still NULL everywhere: nothing has been
    touched yet.

    **`struct mm_struct`** holds the list and the tree and describes the layout:

    | field | meaning |
    |---|---|
    | `mmap` | head of the VMA list |
    | `mm_rb` | root of the red-black tree of the same VMAs |
    | `mmap_cache` | the VMA the last `find_vma` returned (§8) |
    | `map_count`, `total_vm` | number of VMAs; pages they cover |
    | `pgd` | the process's page directory (lesson 3), its kernel part copied from `swapper_pg_dir` |
    | `mmap_base`, `free_area_cache`, `cached_hole_size` | where the top-down search for free space starts, and what it remembers between calls (§4) |
    | `start_code`, `end_code`, `start_data`, `end_data` | the program's code and data |
    | `start_brk`, `brk` | the start and the current end of the heap (§7) |
    | `start_stack` | the initial stack pointer |

    It also has the lock `mmap_sem`: `sys_mmap2` takes it for writing around `do_mmap_pgoff`. The
    model has one CPU and no locks.
    """),
    code("""
    for field in ("map_count", "total_vm"):
        print(f"{field:16} {getattr(mm, field)}")
    for field in ("task_size", "mmap_base", "free_area_cache", "start_code", "end_code", "start_data", "end_data",
                  "start_brk", "brk", "start_stack"):  # fmt: skip
        print(f"{field:16} {int(getattr(mm, field)):#010x}")
    print(f"{'pgd':16} the page at pfn {mm.pgd.pfn:#x}")
    print(f"{'mmap_cache':16} {mm.mmap_cache}")
    """),
    md("""
    ## 3. A list and a tree

    The sorted list is perfect for walking the VMAs in order (printing `maps`, unmapping a
    range). But the kernel also needs, very often, *the VMA that contains address X*: on every page
    fault, for example. Walking a list of hundreds of VMAs each time would be slow, so every VMA
    is also a node of a **red-black tree**, `mm->mm_rb`, sorted by address. The node, `vm_rb`,
    lives *inside* the VMA (an *intrusive* tree): from a node the kernel gets back to its VMA with
    `rb_entry`.

    A red-black tree is a binary search tree (lower addresses to the left, higher to the right)
    with four rules:

    1. every node is red or black;
    2. the root is black;
    3. a red node never has a red child;
    4. every path from a node down to a missing child passes the same number of black nodes.

    Together they keep the tree balanced: no path is more than twice as long as another, so a
    search visits only a few nodes even with thousands of VMAs.

    **Insertion** (`include/linux/rbtree.h:rb_link_node`, then `lib/rbtree.c:rb_insert_color`).
    The new node is hung **red** where the search for its address ended. If its parent is black,
    nothing is broken and we are done. If the parent is red, rule 3 is broken, and
    `rb_insert_color` repairs it looking at the **uncle** (the parent's sibling):

    - **case 1, the uncle is red:** parent and uncle turn black, the grandparent red. The
      grandparent may now have a red parent, so the check moves up to it.
    - **case 2, the uncle is black and the node is an *inner* child** (a right child of a left
      child, or a left child of a right child): rotate at the parent so that the node becomes an
      outer child, then go on with case 3.
    - **case 3, the uncle is black and the node is an *outer* child:** the parent turns black, the
      grandparent red, and a rotation at the grandparent lifts the parent into its place.
    - finally the root is made black.

    A **rotation** at node X lifts one of X's children into X's place and hangs X under it. A *left*
    rotation lifts the right child, a *right* rotation the left child. The order of the addresses
    does not change, only the shape. So a repair uses no rotation, one (case 3), or two (case 2,
    then case 3).

    `execve` built this process's tree while it mapped the program, the stack and `ld.so`. (That
    order is the model's: real 2.6.24 inserts a one-page stack VMA first, in
    `fs/exec.c:bprm_mm_init`, and moves and grows it later, so a real trace of these inserts
    differs.) The steps of the first five insertions (the player's step numbers, and each node
    named by its VMA's `vm_start`):
    """),
    code("""
    execve = k.timeline.operations[0]
    print("\\n".join(rb_steps(k, execve).splitlines()[:13]))
    """),
    md("""
    All three cases are there: case 3 when the stack's VMA makes a chain of three to the right
    (steps 21–23), case 1 when `ld.so`'s code arrives (steps 28–30), and case 2 then case 3 for
    `ld.so`'s data (steps 32–35).

    **Watch it.** The player below starts at step 20. Press the **step forward** button (or click
    the player and press →) and watch the `mm_rb` tree on the left of the view: the node each step
    changes is outlined in amber, nodes are lettered **R** and **B** as well as coloured, and a
    rotation glides nodes up and down (each node keeps its column, because the columns are the
    address order). The line under the buttons names the kernel function of each step and each
    node by its VMA's range (`0804c000-0804d000`), and the tree as `mm_rb:1`: the `mm_rb` of the
    mm named 1, after the process's pid. The panel beside it shows that function with the
    current line marked. Use the slider to reach the other steps above.

    Between the inserts you will also meet steps in `mm/mmap.c:find_vma` (24–26, 36–39 and later
    ones): an `mmap` of `ld.so` or libc looking for a free hole. The nodes they outline in dashed
    blue are the path of `find_vma`'s search, explained in §8; skip over them for now.

    The rest of the view: at the top, the VMA list in `vm_next` order, an arrow from each VMA to
    the next and none back, since a 2.6.24 VMA has no `vm_prev` (§2; the view draws dashed links
    back only for a 2.6.36 or later kernel). On the right, the maps panel prints the columns of
    `show_map` plus each VMA's size: an anonymous VMA shows `vm_pgoff << 12` as its offset, as
    2.6.24's `show_map` does (§1), and no name, except the stack's `[stack]`.
    """),
    code("""
    tree1 = VmaView(task)
    p1 = Player(task, [tree1])
    p1.seek(20)
    w.VBox([p1, tree1])
    """),
    md("""
    ## 4. `mmap`: finding a hole, top down

    `mmap(addr, length, prot, flags, fd, offset)` asks for a new mapping. In the kernel it is
    `mm/mmap.c:do_mmap_pgoff`:

    1. round `length` up to whole pages;
    2. `get_unmapped_area` picks the address. With no hint (`addr` = 0), x86 searches **top
       down** (`mm/mmap.c:arch_get_unmapped_area_topdown`): from `mmap_base` it walks *down*
       past the VMAs, asking `find_vma` for the VMA above each candidate, until a **hole** (a
       gap between two VMAs) is big enough, and puts the mapping at the *top* of that hole.
       `mmap_base` is 0xb8000000 here: `arch/x86/mm/mmap_32.c` puts it below `TASK_SIZE` by
       the stack's size limit (at least 128 MB), to leave the stack room to grow;
    3. `mmap_region` then tries `vma_merge` (can a neighbour simply grow?) and otherwise allocates
       a new VMA and links it into the list and the tree (`vma_link`).

    In vmwidgets the system calls are methods of the task, named as the calls
    (`task.mmap`, `task.munmap`, `task.mprotect`, `task.brk`), and return what the kernel
    returns to the program: the address, or a negative error number such as `-ENOMEM` (no
    hole) or `-EINVAL` (say, `length` 0). The mm is a struct: `mm.mmap` is the list head.

    Below `mmap_base` lie `ld.so`'s code, libc's bss, data and code, down to libc's start at
    0xb7ea2000. The first hole with room for 3 pages is just below libc, so the new VMA is
    0xb7e9f000–0xb7ea2000.

    <details><summary>Aside: where the walk really starts (<code>free_area_cache</code>,
    <code>cached_hole_size</code>)</summary>

    The search does not always start at `mmap_base`. `mm->free_area_cache` remembers where
    free space may begin: the address the last search returned, or the top of a hole a
    `munmap` left. The search first tries the `length` bytes just below `free_area_cache`;
    only if something is mapped there does it start again at `mmap_base`.
    `cached_hole_size`, the largest hole a walk skipped, sends a request that fits in such a
    hole straight back to `mmap_base`, so small holes are not missed.

    Here `free_area_cache` is 0xb7fe5000 (§2): `ld.so` mapped libc's data and bss with
    `MAP_FIXED` over libc's image; each such `mmap` first unmaps what is there, and each
    `munmap` raised the cache. The 3 pages below it are libc's bss, so the search starts again
    at `mmap_base`.
    </details>

    <details><summary>Aside: why <code>ld.so</code>'s data sits above <code>mmap_base</code></summary>

    `ld.so`'s own data at 0xb8000000–0xb8002000 sits *above* `mmap_base`: 2.6.24's
    `fs/binfmt_elf.c:load_elf_interp` maps ld.so's text top down, just below `mmap_base`,
    then its data with `MAP_FIXED` right after the text, wherever that lands.
    </details>
    """),
    code("""
    before = tree_text(mm)  # the tree just before the call, one line
    anon = task.mmap(0, 3 * PAGE_SIZE, RW, ANON)
    first_mmap = k.timeline.operations[-1]
    print(f"mmap(NULL, 3 pages) = {anon:#010x}")
    print("mm_rb before it:", before)
    """),
    md("""
    **Predict, then check.** The new VMA's node hangs red as the left child of `b7ea2000`. Which
    rotations will `rb_insert_color` make? Look at the tree (the player below is held just before
    this `mmap`; the *tree before* is also written out in the question), apply the cases one by one,
    choose, and press **Commit and reveal**. If you are right (or press **Show me** after a wrong
    try), the player jumps to the moment the node has just been hung. Press → a few times to watch each case fire.
    """),
    code("""
    tree2 = VmaView(task)
    p2 = Player(task, [tree2])
    p2.seek(first_mmap.start)
    link_step = next(i for i, ev, _ in rb_events(k, first_mmap) if ev.kind == "RbNodeLinked") + 1
    q1 = ExerciseWidget(rotation_exercise(k, first_mmap, before), player=p2, reveal=link_step)
    w.VBox([q1, p2, tree2])
    """),
    md("""
    **Merging.** Map two more anonymous pages. The top-down search puts them right below the VMA we
    just made, and that VMA has the same flags, no file and a matching `vm_pgoff`, so
    `mm/mmap.c:vma_merge` simply moves its `vm_start` down (`vma_adjust`). No new VMA, no tree
    change: `map_count` stays the same.

    *Matching `vm_pgoff`* means the offsets run on without a jump, as if the two ranges were one
    mapping: the new range's `vm_pgoff` plus its length in pages must equal the `vm_pgoff` of the
    VMA above it (or the VMA below's `vm_pgoff` plus its pages must equal the new range's). For a
    file that means the next pages of the same file. For anonymous memory `vm_pgoff` is the
    address divided by 4096, so neighbours always match: here 0xb7e9d + 2 = 0xb7e9f.
    """),
    code("""
    count = mm.map_count
    more = task.mmap(0, 2 * PAGE_SIZE, RW, ANON)
    merged = mm.find_vma(more)
    print(f"mmap(NULL, 2 pages) = {more:#010x}; map_count {count} -> {mm.map_count}")
    print(f"the VMA there is now {merged.vm_start:08x}-{merged.vm_end:08x}, vm_pgoff {merged.vm_pgoff:#x}")
    """),
    md("""
    ## 5. `munmap` splits

    A VMA is one contiguous range, so unmapping pages from the *middle* of one cannot just shrink
    it. `mm/mmap.c:do_munmap` calls `split_vma` at the start of the range and again at its end
    (each split is a `vma_adjust` of the old VMA plus a new VMA linked into list and tree), then
    `detach_vmas_to_be_unmapped` takes the VMAs inside the range out of tree and list,
    `unmap_region` clears their page table entries, and `remove_vma_list` frees them.

    `split_vma(mm, vma, addr, new_below)` copies the VMA into a new `vm_area_struct` and cuts both
    at `addr`. With `new_below` = 0 the new VMA takes the part above `addr` and the old one keeps
    the part below; with `new_below` = 1 the new VMA takes the part below, so the old one keeps the
    part above and its `vm_start` moves up. `do_munmap` passes 0 for the cut at the start of the
    range and 1 for the cut at its end: the VMA being cut always keeps its piece *outside* the
    range, and the new VMA gets the piece that reaches into it. (Its comment gives the reason:
    `mremap` relies on a partly unmapped VMA staying in use.)

    **Predict, then check.** We unmap 2 of the 5 pages of `b7e9d000-b7ea2000`, starting at its
    third page. The player is held before the call; answer, and it jumps to the end of the
    `munmap`. Then press ⏪ (previous operation) and step with → to see each split and the detach.
    """),
    code("""
    q2 = munmap_middle(task, more + 2 * PAGE_SIZE, 2 * PAGE_SIZE)  # runs the munmap; the key is the model's
    unmap = k.timeline.operations[-1]
    tree3 = VmaView(task)
    p3 = Player(task, [tree3])
    p3.seek(unmap.start)
    w.VBox([ExerciseWidget(q2, player=p3, reveal=unmap.end), p3, tree3])
    """),
    md("""
    The list and tree changes of the `munmap`, under the function that makes them (the red-black
    repair of each new node is indented under its link). The second cut is made in the VMA the
    first cut created, `b7e9f000-b7ea2000`: with `new_below` = 1 it keeps the upper page and
    becomes `b7ea1000-b7ea2000`, while the *new* VMA `b7e9f000-b7ea1000` is the one detached. So
    two different VMAs start at `b7e9f000` during this call; the renamed one is written
    `b7ea1000 (was b7e9f000)`:
    """),
    code("""
    print(vma_changes(k, unmap))
    print()
    print(mm.maps(), end="")
    """),
    md("""
    ## 6. `mprotect` splits and merges

    All pages of a VMA share one `vm_flags`. So `mprotect` on part of a VMA must split it
    (`mm/mprotect.c:mprotect_fixup` calls `split_vma`), and setting the old protection back lets
    `vma_merge` glue the pieces together again. We map 4 pages at a hint address (a free hint is
    taken as it is, once `round_hint_to_min` has masked it down to its page), make the middle two
    read-only, then writable again:
    """),
    code("""
    def show(start, end):
        print("".join(line + "\\n" for line in mm.maps().splitlines() if start <= int(line[:8], 16) < end), end="")


    buf = task.mmap(0x40000000, 4 * PAGE_SIZE, RW, ANON)
    print(f"mmap(0x40000000, 4 pages) = {buf:#010x}, map_count {mm.map_count}")
    print("mprotect(middle two pages, PROT_READ) =", task.mprotect(buf + PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ))
    show(buf, buf + 4 * PAGE_SIZE)
    print("map_count", mm.map_count)
    print("mprotect(middle two pages, PROT_READ|PROT_WRITE) =", task.mprotect(buf + PAGE_SIZE, 2 * PAGE_SIZE, RW))
    show(buf, buf + 4 * PAGE_SIZE)
    print("map_count", mm.map_count)
    """),
    md("""
    ## 7. `brk`: the heap

    The heap starts right after the program's data, at `start_brk`, and grows *up*. `malloc`
    moves its end, `brk`, with the `brk` system call (`mm/mmap.c:sys_brk`): growing calls
    `do_brk`, which extends the heap VMA (or makes it, the first time), shrinking calls
    `do_munmap`. `brk` itself need not be page-aligned; the VMA is.
    """),
    code("""
    print(f"start_brk = brk = {mm.brk:#010x}")
    print(f"brk(0x0806e123) -> {task.brk(0x0806E123):#010x}, map_count {mm.map_count}")
    print(f"brk(0x08080000) -> {task.brk(0x08080000):#010x}, map_count {mm.map_count} (the heap VMA grew)")
    show(0x08000000, 0x09000000)
    """),
    md("""
    ## 8. `find_vma` and `mmap_cache`

    `mm/mmap.c:find_vma(mm, addr)` returns **the first VMA that ends above `addr`**
    (`addr < vm_end`). That VMA need not *contain* `addr`: for an address in a hole it returns the
    VMA just above the hole, and the caller checks `vm_start <= addr` itself (a page fault just
    below a stack uses exactly this to grow the stack, lesson 6). It returns NULL only when no VMA
    ends above `addr`.

    It first looks at `mm->mmap_cache`, the VMA it returned last time: programs touch the same
    region many times in a row (the kernel's comment says the hit rate is typically around 35%).
    On a miss it walks `mm_rb` from the root: if the node's VMA ends above `addr`, remember it and
    stop if it also starts at or below `addr`, else go left; otherwise go right. Then it stores
    the answer in `mmap_cache`.
    """),
    code("""
    def search(addr):
        vma = mm.find_vma(addr)
        op = k.timeline.operations[-1]
        events = k.timeline[op.start : op.end]
        hit = next(e.hit for e in events if e.kind == "MmapCacheChecked")
        path = " -> ".join(f"{e.vm_start:08x}" for e in events if e.kind == "VmaVisited") or "(no walk)"
        got = "NULL" if vma is None else f"{vma.vm_start:08x}-{vma.vm_end:08x}"
        print(f"find_vma({addr:#010x}) = {got:17}  mmap_cache {'hit ' if hit else 'miss'}  visits {path}")


    print("mm_rb:", tree_text(mm))
    print()
    first_find = len(k.timeline.operations)  # the index the first call below gets
    search(0x0804E010)  # in the heap
    search(0x0804F800)  # in the heap again: the cache answers
    search(0x20000000)  # in the hole between the heap and 0x40000000
    search(0xBF000000)  # in the hole below the stack
    search(0xC0001000)  # above every VMA
    """),
    md("""
    **Watch the search.** The player below is held just before the first `find_vma`. Step with →:
    first the cache check, then each node the walk visits is drawn with a dashed blue outline (in
    the list too), and the narration says why it goes left or right. Keep stepping into the second
    call: its only step is the cache check, which hits, so there is no walk.
    """),
    code("""
    tree4 = VmaView(task)
    p4 = Player(task, [tree4])
    p4.seek(k.timeline.operations[first_find].start)
    w.VBox([p4, tree4])
    """),
    md("""
    ## Where the model simplifies

    - `spawn` always builds the same small dynamically linked program (the layout 2.6.24's
      `execve` and `ld.so` leave), with **no address randomisation** (as with
      `randomize_va_space=0`) and **no vdso** (2.6.24 maps one page below `ld.so`).
    - Only the default top-down layout is modelled (the bottom-up search from `TASK_SIZE / 3` is
      only the fallback when top-down finds no hole). The legacy bottom-up layout, which
      `arch/x86/mm/mmap_32.c:arch_pick_mmap_layout` picks for the `legacy_va_layout` sysctl, the
      `ADDR_COMPAT_LAYOUT` personality or an unlimited stack, is left out: none of these
      processes asks for it.
    - Files have no `vm_ops`. `task.mmap(…, "/path")` opens the path read-write, a new `struct
      file` each time, as a second `open` would: two such mappings never merge, because
      `vma_merge` compares the `struct file` pointers. Pass one `File` (`k.files.open(path)`)
      to both calls, as a program maps one descriptor twice, and neighbours whose offsets run on
      merge.
    - There is no `vm.max_map_count` limit: in the kernel `mmap` and the splits of `munmap` and
      `mprotect` fail with `-ENOMEM` once a process has that many VMAs (by default 65,536 in
      2.6.24, 65,530 in 2.6.32); these processes have about ten. There is no `mremap` either:
      this lesson needs only `mmap`,
      `munmap`, `mprotect` and `brk`.
    - Other refusals the model never makes, because its processes have no limits set, no
      mounts and no locks: `MAP_LOCKED` over `RLIMIT_MEMLOCK`, `RLIMIT_AS`, `RLIMIT_DATA` for
      `brk`, overcommit, append-only or locked files and `noexec` mounts. `MAP_LOCKED`,
      `MAP_POPULATE` and an anonymous `MAP_HUGETLB` are ignored. `task.mmap` is `mmap2`: its
      offset is in pages, so `old_mmap`'s unaligned byte offset cannot occur.
    - A call the kernel refuses *after* its hole search (a read-only file mapped shared and
      writable, say) returns the kernel's errno, but the model leaves `free_area_cache` and
      `cached_hole_size` as they were, where the kernel's search has already moved them: in
      the model a refused call changes nothing.
    - `VM_ACCOUNT` is set as in the kernel, but no committed memory is counted, so `mmap`,
      `brk` and `mprotect` never fail for it. There are no memory policies (`vma_merge`'s
      `mempolicy` argument).
    - 2.6.32 refuses a `MAP_FIXED` mapping below `mmap_min_addr` (4096) with `-EPERM` unless
      the program has `CAP_SYS_RAWIO` (`security/commoncap.c:cap_file_mmap`). The model has no
      capabilities, so it maps it (2.6.24's `mmap_min_addr` is 0).
    - `spawn` maps the program, then the stack, then `ld.so` and libc. Real 2.6.24 inserts the
      stack VMA first (`fs/exec.c:bprm_mm_init`, one page, moved and grown by `setup_arg_pages`),
      so the tree steps of §3 follow the model's order, not a real trace.
    - One CPU and no locks: the kernel holds `mmap_sem` while it changes the VMAs.
    - The model's VMA keeps a `vm_prev` field (from 2.6.36) in every era, for its own bookkeeping;
      2.6.24's VMA, like mainline 2.6.32's, has only `vm_next`, and the view draws only those links.
    - The view's maps panel leaves the heap's name blank; `mm.maps()`, like `show_map`, prints
      `[heap]` (§7).
    """),
    md("""
    ## Exercises

    New numbers for each seed: type another seed or press **new numbers**. The exercises use
    other processes than the one above (the same `spawn`, then seeded calls). In the tree
    questions a tree is written on one line: `B b7fe5000(R 0804c000, B b8000000)` is a black node
    for the VMA starting at 0xb7fe5000 with a red left child and a black right child; `-` is a
    missing child.
    """),
    code("""
    from vmwidgets.exercises.l5_vmas import LESSON

    Quiz(LESSON, seed=0)
    """),
    md("""
    ## Summary

    - A process's memory is a few **VMAs** (`vm_area_struct`): a range, flags, and a file or
      nothing (anonymous). Its `mm_struct` keeps them twice: a sorted list (`mmap`, `vm_next`) and
      a red-black tree (`mm_rb`, `vm_rb`). `/proc/PID/maps` prints one line per VMA.
    - `mmap` finds a hole **top-down** from `mmap_base` and puts the mapping at the top of it; a
      neighbour with the same flags and backing just grows (`vma_merge`).
    - `munmap` and `mprotect` **split** VMAs at the edges of their range; `mprotect` back to the old
      flags merges them again. `brk` grows the heap VMA.
    - A red-black insert hangs a red node, then **recolours** (red uncle, move up) or **rotates**
      once (outer child) or twice (inner child); the root ends black.
    - `find_vma` returns the first VMA ending above the address (maybe not containing it), trying
      `mmap_cache` before walking the tree.

    ## Read the source

    Linux 2.6.24 (the 2.6.32 code is much the same):

    - `include/linux/mm_types.h`: `struct vm_area_struct` and `struct mm_struct`. Find the fields
      of the tables above, and the comment that says the list is sorted by address.
    - `fs/proc/task_mmu.c:show_map`: one `seq_printf` prints a maps line; note `vm_pgoff << PAGE_SHIFT`
      in the offset column and how `[heap]` and `[stack]` are recognised.
    - `mm/mmap.c:do_mmap_pgoff` and `mmap_region`: turning `prot`/`flags` into `vm_flags`, then
      `vma_merge` or a new VMA and `vma_link`.
    - `arch/x86/mm/mmap_32.c:arch_pick_mmap_layout` and `mmap_base`: top-down unless the legacy
      layout is asked for or the stack limit is unlimited; the gap below `TASK_SIZE` is the stack
      limit, at least 128 MB (and a random part with randomisation on, which the model leaves out).
    - `mm/mmap.c:arch_get_unmapped_area_topdown`: the downward loop with `find_vma`, and how
      `free_area_cache` and `cached_hole_size` are used.
    - `mm/mmap.c:vma_merge`: the comment with cases 1–8 drawn as pictures of prev, the new area
      and next.
    - `mm/mmap.c:split_vma`, `do_munmap`, `detach_vmas_to_be_unmapped`, and
      `mm/mprotect.c:mprotect_fixup`: the two splits at the edges of a range.
    - `mm/mmap.c:find_vma`: the `mmap_cache` check, then the walk with `vm_end > addr` → left.
      Compare with `find_vma_prepare`, which finds where a new node hangs.
    - `lib/rbtree.c:rb_insert_color`: the loop while the parent is red; the uncle test (case 1); the
      `tmp = parent; parent = node; node = tmp` swap after the first rotation (case 2), which is why
      a lifted new node ends black; `__rb_rotate_left`/`__rb_rotate_right`.
    """),
]
