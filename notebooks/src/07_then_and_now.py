"""Lesson 7: from then to now — a real 64-bit process, vmlist versus the vmap_area tree, lazy freeing,
and what today's kernels use (the maple tree, the vmalloc free-space tree), with sources."""

from nbbuild import code, md


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A markdown table (written row by row here so that no source line gets too long)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


WORDS = [
    (
        "VMA (`struct vm_area_struct`)",
        "one range of a process's addresses with the same permissions and the same backing (a file, or "
        "anonymous memory); lesson 5",
    ),
    ("`/proc/PID/maps`", "a text file with one line per VMA of process PID (`self` is the process reading it)"),
    ("`vm_struct`, `vmlist`", "one vmalloc area, and 2.6.24's address-sorted list of them; lesson 4"),
    (
        "`vmap_area`",
        "from 2.6.28: one range of kernel addresses handed out by vmalloc or vmap, with `va_start`, `va_end`, "
        "`flags` and a red-black tree node",
    ),
    ("`vmap_area_root`", "the red-black tree of all `vmap_area`s, sorted by address"),
    (
        "TLB",
        "*translation lookaside buffer*: each CPU's cache of recent translations (virtual page to frame). A CPU "
        "may keep using a cached translation after its PTE is cleared, until the TLB is flushed",
    ),
    (
        "TLB flush",
        "telling CPUs to drop cached translations. Kernel addresses are shared by every CPU, so they all have to "
        "do it: a *global* flush",
    ),
    (
        "lazy free, purge",
        "free an area now but unmap it later; a *purge* then handles many waiting areas with one TLB flush",
    ),
    ("maple tree", "a B-tree that stores non-overlapping ranges; it holds a process's VMAs since Linux 6.1"),
]

THEN_AND_NOW = [
    (
        "a process's VMAs",
        "sorted `vm_next` list + `mm_rb` red-black tree + `mmap_cache`",
        "the same",
        "one **maple tree**, `mm->mm_mt`, since Linux 6.1: the red-black tree, the VMA list and the VMA cache "
        "were removed [1–4]",
    ),
    ("`find_vma(mm, addr)`", "`mmap_cache`, then walk `mm_rb`", "the same", "`mt_find(&mm->mm_mt, ...)` [5]"),
    (
        "finding room for vmalloc",
        "walk `vmlist`, first fit",
        "walk `vmap_area_root` of busy areas",
        "search `free_vmap_area_root`, an augmented red-black tree of the **free** blocks, each node knowing the "
        "largest free block below it (2019) [6]; busy and lazy areas sit in red-black trees of several "
        "`struct vmap_node`s, to spread the lock contention (2024) [7]",
    ),
    ("`vmlist`", "the allocator itself", "kept sorted for `/proc/vmallocinfo`", "only in early boot, since 3.10 [8]"),
    (
        "guard page",
        "1 per area",
        "1 per area + 1 extra page between areas",
        "1 per area (`__get_vm_area_node` adds a page unless `VM_NO_GUARD`) [9]; a 2011 commit dropped the extra "
        "page [10]",
    ),
    (
        "freeing",
        "clear PTEs, flush the TLB at once",
        "lazy: PTEs and addresses kept until a purge",
        "PTEs cleared at `vfree`; addresses and the TLB flush still lazy, same `lazy_max_pages()`; the purge "
        "runs in a work queue [9]",
    ),
    (
        "room for vmalloc",
        "just under 112 MB on a 1 GB machine (`0xf8800000`–`0xff7fe000`, lesson 4)",
        "120 MB on a 1 GB machine (`0xf7ffe000`–`0xff7fe000`: `VMALLOC_START` moved down, lesson 1)",
        "32 TB on x86-64, 4-level page tables [11]",
    ),
]

CELLS = [
    md(
        """
        # Lesson 7 — From then to now

        The earlier lessons took Linux 2.6.24 apart. Kernels did not stop there. This lesson
        follows two structures forward in time: the VMAs of a process and the areas of
        vmalloc.

        **By the end of this lesson you can …**

        1. read a 64-bit `/proc/PID/maps` line and build the VMA tree of a real process (this
           notebook's own Python) with `from_proc_maps`;
        2. explain how Linux 2.6.28 and later find room for vmalloc in the `vmap_area` red-black
           tree instead of walking `vmlist`, and predict where an allocation lands in 2.6.24 and
           in 2.6.32;
        3. explain *lazy freeing*: why 2.6.32 keeps a freed area's addresses (TLB flushes are
           expensive) and when the purge finally runs;
        4. name what today's kernels use instead (the maple tree for VMAs since Linux 6.1, a
           free-space tree for vmalloc) and find it in the kernel source.

        It takes about 30 minutes. Run the cells from top to bottom.
        """
    ),
    md("### Words you will meet\n\n" + table(("word", "meaning"), WORDS)),
    md(
        """
        ## 1. A 64-bit process, read from `/proc/PID/maps`

        Every running process has a maps file. The kernel walks the process's VMAs in address
        order and prints one line per VMA, in `fs/proc/task_mmu.c:show_map` (today's kernels
        print the line in `show_map_vma`). Here is one line of `cat` on a 64-bit x86 machine:

        ```
        7f5e1c711000-7f5e1c866000 r-xp 00026000 fe:01 1317046        /usr/lib/x86_64-linux-gnu/libc.so.6
        ```

        | field | here | meaning |
        |---|---|---|
        | start-end | `7f5e1c711000-7f5e1c866000` | `vm_start` and `vm_end` (the end is not included), in hex |
        | permissions | `r-xp` | readable, not writable, executable; `p` = private (copy-on-write), `s` = shared |
        | offset | `00026000` | where in the file the VMA starts (`vm_pgoff` × 4096) |
        | device | `fe:01` | major:minor number of the disk that holds the file |
        | inode | `1317046` | the file's inode number; `0` for anonymous memory |
        | name | a path | or `[heap]`, `[stack]`, `[vdso]` …, or nothing for anonymous memory |

        **What is new in 64 bits.** The addresses are wider than 8 hex digits. On x86-64 with
        4-level page tables, user space runs from `0` to `0x00007fffffffffff` (128 TB) instead of
        2.6.24's 3 GB, and the kernel's half starts at `0xffff800000000000`
        ([Documentation/arch/x86/x86_64/mm.rst](https://docs.kernel.org/arch/x86/x86_64/mm.html)).
        The spaces before the name only line the names up in one column (the kernel pads each
        line to a fixed width), so read a line as five fields and a name, not by character position.

        The lesson stores a sample maps file of `cat` (made-up addresses, real layout), so the
        numbers below are the same on every machine:
        """
    ),
    code(
        """
        import math

        from ipywidgets import VBox

        from vmwidgets import Config, Kernel, explain, explore, from_proc_maps  # explain: one sentence per event
        from vmwidgets.data import browser_maps, own_maps
        from vmwidgets.exercises.l7_now import SAMPLE_MAPS, lazy_pages
        from vmwidgets.widgets import ExerciseWidget, Player, Quiz, VmaView, VmlistView

        print(SAMPLE_MAPS, end="")
        """
    ),
    md(
        """
        `from_proc_maps` turns each line into a `vm_area_struct` and links it with the kernel's own
        steps: `mm/mmap.c:find_vma_prepare` finds the place, `__vma_link_list` puts it on the
        sorted `vm_next` list and `__vma_link_rb` into the `mm_rb` red-black tree, which
        `lib/rbtree.c:rb_insert_color` then rebalances (lesson 5).
        """
    ),
    code(
        """
        cat = from_proc_maps(SAMPLE_MAPS, name="cat")
        limit = 2 * math.log2(cat.map_count + 1)
        print("VMAs:", cat.map_count, "  tree height:", cat.mm_rb.height(), f"  limit 2*log2(n+1) = {limit:.1f}")
        print("maps() prints the same text back:", cat.maps() == SAMPLE_MAPS)
        print("lowest and highest VMA:", hex(cat.mmap.vm_start), "...", hex(list(cat)[-1].vm_end))
        """
    ),
    md(
        """
        The view below shows the list, the tree and the maps table. Press ⏮ to go back to the
        empty tree, then step with → (or hold it): every line is linked into the list and the
        tree, and the player names the `rb_insert_color` case that recolours or rotates. Watch
        the tree stay short even though the addresses arrive in increasing order, the worst
        order for a plain binary search tree.
        """
    ),
    code(
        """
        cat_view = VmaView(cat)
        VBox([Player(cat, [cat_view]), cat_view])
        """
    ),
    md(
        """
        The tree is there for `find_vma(mm, addr)` (lesson 5). Its rule: return the **first VMA
        with `addr < vm_end`**. That is the VMA holding `addr` if there is one; if `addr` falls in a
        hole, it is the next VMA above the hole, and NULL only when no VMA ends above `addr`.
        The model's `find_vma` takes 64-bit addresses too:
        """
    ),
    code(
        """
        for addr in (0x7F5E1C712345, 0x5581D7A0C000):
            vma = cat.find_vma(addr)
            inside = "inside it" if vma.vm_start <= addr else "in the hole below it"
            print(f"find_vma({addr:#x}) = {vma.vm_start:x}-{vma.vm_end:x}  ({inside})")
        """
    ),
    md(
        """
        ### Your own process

        Now the real thing: this notebook's Python process reads its own maps file. Its lines
        differ from machine to machine (and from run to run: address space layout
        randomisation moves them), so we print only facts that hold everywhere.

        Not every system has a `/proc/self/maps`: macOS, Windows and a notebook running in the
        browser (JupyterLite, where Python runs on WebAssembly) have none. There,
        `vmwidgets.data.own_maps()` gives a stored real listing instead: `cat /proc/self/maps` on
        a 32-bit x86 Linux 2.6.21 kernel (3G/1G split, published in 2008; its source is in
        `vmwidgets/data/SOURCES.md`), and the first line printed says which one you are looking at.
        """
    ),
    code(
        """
        maps = own_maps()  # /proc/self/maps where it exists, else the stored 32-bit process
        print("showing:", maps.where)
        me = from_proc_maps(maps.text, name="python" if maps.own else "cat-i386")
        print("one VMA per line:", me.map_count == len(maps.text.splitlines()))
        same = [line.rstrip() for line in me.maps().splitlines()] == [line.rstrip() for line in maps.text.splitlines()]
        print("maps() prints the same lines back:", same)
        print("addresses above 4 GB (a 64-bit process):", any(vma.vm_end > 1 << 32 for vma in me))
        print("tree height within 2*log2(n+1):", me.mm_rb.height() <= 2 * math.log2(me.map_count + 1))
        """
    ),
    md(
        """
        The explorer below is your own process. Click a VMA in the list, the tree or the maps
        table and it is selected everywhere. Only the VMA view shows your real process: the
        layout, page-table and physical-memory panels belong to the simulated 32-bit machine
        the model runs on. The layout panel leaves out a 64-bit process's mappings (they lie above 4 GB),
        and the address box takes only 32-bit addresses, so select VMAs by clicking.
        """
    ),
    code(
        """
        # NBVAL_IGNORE_OUTPUT
        explore(me)  # its size depends on this machine, so the test suite does not compare it
        """
    ),
    md(
        """
        **Where the model simplifies.** `from_proc_maps` makes one VMA per line. On x86-64 the
        last line, `[vsyscall]`, is no VMA of the process at all: it is the *gate VMA*, one
        static object shared by every process, which the maps file prints after the real VMAs
        ([Documentation/mm/process_addrs.rst](https://docs.kernel.org/mm/process_addrs.html);
        `[vdso]` and `[vvar]` are ordinary VMAs). The model links it into the tree anyway. In the
        stored 32-bit listing, `[vdso]` sits at 0xffffe000, inside the kernel's gigabyte (the
        fixmap, lesson 1); the model accepts it by giving that mm a `TASK_SIZE` of 4 GB.
        The maps file does not show the `VM_MAY*` flags, so they are taken as all set.
        """
    ),
    md(
        """
        ### A big process: a browser's 13,623 VMAs

        A busy web browser has thousands of mappings. `vmwidgets.data.browser_maps()` is a real
        maps file of a Chromium renderer showing an image-heavy page (captured in 2026 on a
        64-bit Linux 6.18; `vmwidgets/data/SOURCES.md` says how): 13,623 lines, most of them
        anonymous memory and guard regions of its JavaScript heap. Building it takes 68,050
        steps, so we build it with recording paused, then record one `find_vma` on it.
        """
    ),
    code(
        """
        big = Kernel()
        with big.timeline.paused():  # the building is the section above, 13,623 times over
            chrome = from_proc_maps(browser_maps(), kernel=big, name="chromium")
        limit = 2 * math.log2(chrome.map_count + 1)
        print(f"VMAs: {chrome.map_count:,}   tree height: {chrome.mm_rb.height()}   limit 2*log2(n+1) = {limit:.1f}")
        lib = next(v for v in chrome if v.vm_file and "libvorbis" in v.vm_file.path)
        print("find_vma found", chrome.find_vma(lib.vm_start + 0x1234))
        visited = sum(type(step).__name__ == "VmaVisited" for step in big.timeline)
        print("steps recorded:", len(big.timeline), "  tree nodes the search visited:", visited)
        """
    ),
    md(
        """
        At this size every view shows only what the step is about. The tree draws its top
        levels and the search path of `find_vma`; every other subtree is folded into one grey
        "⋯ n" box that gives how many nodes it holds: click one to open it a level. The list
        and the maps table fold into "⋯ n VMAs" runs around the step and the selection. The
        explorer starts just after the paused building, which is one step (all 13,623 VMAs at
        once; ← shows the mm before it, empty): step with → and watch the search go down the tree, a path no longer than the tree's height,
        where walking the `vm_next` list would have visited thousands of VMAs. Each view zooms
        with ctrl and the mouse wheel or its − and + buttons, and pans when dragged; a very
        large drawing shows only what is on screen.
        """
    ),
    code(
        """
        # NBVAL_IGNORE_OUTPUT
        chrome_explorer = explore(chrome)
        chrome_explorer.player.seek(1)  # just after the paused building (step 0: the mm still empty)
        chrome_explorer
        """
    ),
    md(
        """
        ## 2. vmlist versus the `vmap_area` tree

        In 2.6.24 (lesson 4), `mm/vmalloc.c:__get_vm_area_node` finds room for a new area by
        walking `vmlist` from `VMALLOC_START`, area by area, until a gap is big enough. With a
        thousand areas that is a thousand steps.

        Nick Piggin's rewrite of the vmap layer (Linux 2.6.28) added `struct vmap_area` and the
        red-black tree `vmap_area_root`. Three things change, and you will see each below:

        1. **The search.** `mm/vmalloc.c:alloc_vmap_area` descends the tree to the lowest area
           that ends at or above `VMALLOC_START`, then walks to the next areas (`rb_next`) until
           a gap fits. `vmlist` is still kept sorted (`insert_vmalloc_vm`), but only so that
           `/proc/vmallocinfo` and lookups can use it.
        2. **An extra page.** When an area is in the way, `alloc_vmap_area` tries again one page
           *after* its end. So besides each area's own guard page, 2.6.28 and later leave one
           more unmapped page between areas, up to at least 2.6.38: Johannes Weiner's commit
           "mm/vmalloc: remove guard page from between vmap blocks" dropped it in April 2011
           (source [10] in section 4).
        3. **Lazy freeing.** `vfree` does not give the addresses back at once (section 3).

        The same calls, on a 1 GB machine in each era:
        """
    ),
    code(
        """
        P = 4096
        k24, k32 = Kernel(Config(era="2.6.24")), Kernel(Config(era="2.6.32"))
        rows = {}
        for era, k in (("2.6.24", k24), ("2.6.32", k32)):
            a = k.vmalloc(3 * P, caller="a_init")
            b = k.vmalloc(2 * P, caller="b_init")
            k.vfree(a)
            rows[era] = (k.layout.vmalloc_start, a, b)
        a32, b32 = rows["2.6.32"][1:]
        print(f"{'':24}{'2.6.24':>12}{'2.6.32':>12}")
        for i, what in enumerate(("VMALLOC_START", "a = vmalloc(3 pages)", "b = vmalloc(2 pages)")):
            print(f"{what:24}{rows['2.6.24'][i]:#12x}{rows['2.6.32'][i]:#12x}")
        print("then vfree(a) in both")
        """
    ),
    md(
        """
        `VMALLOC_START` differs because 2.6.28 changed the layout formulas (lesson 1). Look at
        b: in 2.6.24 it starts right after a's 3 pages and guard page (a + 4 pages); in 2.6.32
        it starts one page later (a + 5 pages), the extra page of point 2.

        Now `c = vmalloc(1 page)`. In 2.6.24 you know the answer from lesson 4: a's hole is free
        again, and first fit takes it.
        """
    ),
    code(
        """
        c24 = k24.vmalloc(P, caller="c_init")
        print(f"2.6.24: c = {c24:#x}  (a's old address: {c24 == rows['2.6.24'][1]})")
        """
    ),
    md(
        """
        In 2.6.32 the search runs in the tree. The player below stops just before `c`'s
        `vmalloc`. Before you answer, explore: press ⏪ twice to go back to the start of `b`'s
        allocation (the narration then still describes the step before it, a's return) and
        step with →. The dashed nodes of the `vmap_area_root` tree are the ones
        `alloc_vmap_area` visits; then the new node is linked into the tree
        (`rb_link_node`, `rb_insert_color`) and the `vm_struct` into `vmlist`
        (`insert_vmalloc_vm`). Step through `vfree(a)` too and read what happens to a's node.
        Then come back with ⏩ to the end of `vfree(a)`, where the player stopped.
        """
    ),
    code(
        """
        c32 = k32.vmalloc(P, caller="c_init")
        c_op = k32.timeline.operations[-1]
        vmlist_view = VmlistView(k32)
        player32 = Player(k32, [vmlist_view])
        player32.seek(c_op.start)
        VBox([player32, vmlist_view])
        """
    ),
    md(
        """
        **Predict, then check.** Type your answer and press *Commit and reveal*. Until you do,
        the player cannot step past the start of `c`'s `vmalloc`; when you are right (or press
        **Show me** after a wrong try) it jumps to the end of
        `c`'s allocation, so the views show what the kernel did.
        """
    ),
    code(
        """
        from vmwidgets.exercises.l7_now import predict_c, predict_purge

        question_c = predict_c(a32, b32, 2, c32)  # the worked answer is inside: shown after you commit
        ExerciseWidget(question_c, player=player32, reveal=c_op.end)
        """
    ),
    md(
        """
        ## 3. Lazy freeing, and why

        When a vmalloc area is freed, its PTEs must be cleared **and** every CPU's TLB must
        forget the old translations; otherwise a CPU could still reach the freed frames through
        a cached entry. For kernel addresses that flush is global, and it is slow. 2.6.24 pays
        it on every `vfree` (`flush_tlb_kernel_range`, which `unmap_kernel_range` calls when
        `remove_vm_area` unmaps the area; lesson 4).

        2.6.28 and later batch the work instead. `mm/vmalloc.c:free_unmap_vmap_area_noflush`
        only marks the `vmap_area` `VM_LAZY_FREE` and adds its pages to the counter
        `vmap_lazy_nr`. The PTEs and the addresses stay. Nobody uses those addresses again
        until `__purge_vmap_area_lazy` runs: it clears the PTEs of **all** waiting areas, flushes
        the TLB **once** for the whole range, and only then removes them from the tree
        (`__free_vmap_area`). A purge runs when

        - more than `lazy_max_pages()` pages wait: `fls(num_online_cpus())` × 32 MB of pages,
          so 8,192 on one CPU (the comment above `lazy_max_pages` explains the trade-off: a
          larger number means fewer global TLB flushes), or
        - `alloc_vmap_area` finds no gap: it purges and tries once more.
        """
    ),
    md(
        """
        Here is the 2.6.32 machine after `c`. a's area is still in the tree, and its three PTEs
        still point at the frames a had. Those frames went back to the buddy allocator at
        `vfree`, and c has already received one of them: two virtual pages now map the same
        frame. That is harmless only because nobody may touch a's addresses before the purge.
        """
    ),
    code(
        """
        from vmwidgets.model.vmap_area import LAZY_MAX_PAGES, VM_LAZY_FREE

        for node in k32.vmap_area_root:
            va = node.owner
            state = "VM_LAZY_FREE (waiting)" if va.flags & VM_LAZY_FREE else "in use"
            print(f"  vmap_area {va.va_start:#x}-{va.va_end:#x}  {(va.va_end - va.va_start) // P} pages  {state}")
        print("vmap_lazy_nr =", lazy_pages(k32), "pages; a purge starts above", LAZY_MAX_PAGES)
        for page in range(3):
            t = k32.translate(a32 + page * P)
            frame = k32.page(t.phys >> 12)
            owner = "c's page" if t.phys == k32.translate(c32).phys else "free" if frame.count == 0 else "in use"
            print(f"page {page} of a ({a32 + page * P:#x}): its stale PTE maps frame {t.phys >> 12:#x} ({owner})")
        """
    ),
    md(
        """
        ### A purge, step by step

        To see a purge without allocating 32 MB, boot a 2.6.32 machine whose vmalloc area is
        tiny: the model's `vmalloc_reserve` is the `vmalloc=` boot parameter, and `vmalloc=64K`
        leaves a 64 kB (16-page) area (the boot log rounds it down to 0 MB). Then: a and b of 4
        pages each, `vfree(a)`, c of 2 pages, and d of 4 pages.
        """
    ),
    code(
        """
        tiny = Kernel(Config(era="2.6.32", vmalloc_reserve=64 << 10))
        start = tiny.layout.vmalloc_start
        print(tiny.layout.table().splitlines()[3])
        ta = tiny.vmalloc(4 * P, caller="a_init")
        tb = tiny.vmalloc(4 * P, caller="b_init")
        tiny.vfree(ta)
        tc = tiny.vmalloc(2 * P, caller="c_init")
        for name, addr in (("a (freed, lazy)", ta), ("b", tb), ("c", tc)):
            print(f"{name:16} {addr:#x}  = VMALLOC_START + {(addr - start) // P:2} pages")
        print("pages left after c's area:", (tiny.layout.vmalloc_end - (tc + 3 * P)) // P)
        """
    ),
    md(
        """
        d needs 4 pages and a guard page, 5 in all, and only 1 page is left after c. What will
        the kernel do? The player below waits at the start of d's `vmalloc` until you commit
        to an answer; then it jumps to the end of the call.
        """
    ),
    code(
        """
        td = tiny.vmalloc(4 * P, caller="d_init")
        d_op = tiny.timeline.operations[-1]
        tiny_view = VmlistView(tiny)
        tiny_player = Player(tiny, [tiny_view])
        tiny_player.seek(d_op.start)
        VBox([ExerciseWidget(predict_purge(), player=tiny_player, reveal=d_op.end), tiny_player, tiny_view])
        """
    ),
    md(
        """
        After you commit, press ⏪ to go to the start of d's `vmalloc` and step with →. The
        steps are listed below with the numbers the player shows (the page allocations that
        fill d afterwards are left out). Look for three things:

        - the first search: `alloc_vmap_area` descends to a's node (dashed), skips a's area and
          b's area, one page after each, and then says **"No hole is left below VMALLOC_END …:
          purge the lazily freed areas, then search again"**: this is the `overflow:` label of
          `alloc_vmap_area`, which purges once and jumps back to `retry:`;
        - the purge, `__purge_vmap_area_lazy`: a's 4 PTEs are cleared (`vunmap_pte_range`), the
          TLB is flushed **once** for a's whole range, and a's node leaves the tree (`rb_erase`,
          `__free_vmap_area`);
        - the second search, which finds room at `VMALLOC_START` (the view highlights only the
          search in progress, so the first search's dashes are gone).
        """
    ),
    code(
        """
        for i in range(d_op.start, d_op.end):
            step = tiny.timeline[i]
            if step.kind in ("VmStructUpdated", "VmPageStored", "PteInstalled") or step.fn.startswith("mm/page_alloc"):
                continue  # filling d's pages: lesson 4
            print(f"step {i + 1:3}  {step.fn.split(':')[1]:24} {explain(step)}")
        print()
        print(f"d = {td:#x} = a's old address: {td == ta}")
        print(tiny.vmallocinfo(), end="")
        """
    ),
    md(
        """
        ## 4. What today's kernels use instead

        Both structures kept changing after 2.6.32. Each line of the table gives its source; a
        commit is named by its id and title. Four words in it are new:

        - **augmented red-black tree**: a red-black tree in which every node also stores a
          summary of its subtree. In `free_vmap_area_root` that summary is the size of the
          largest free block below the node, so a search skips every subtree whose largest
          block is too small.
        - **`struct vmap_node`**: today's vmalloc splits its bookkeeping into several nodes, each
          with its own lock and its own trees of busy and lazily freed areas (an area's node is
          picked from its address), so CPUs working on different nodes do not wait for one lock.
        - **work queue**: a list of jobs that kernel worker threads run later. Today `vfree` only
          queues the purge there instead of running it itself.
        - **RCU-safe** (RCU = read-copy-update): readers may search the structure without taking
          a lock while a writer changes it; the writer puts in new nodes and frees the old ones
          only after every reader that might still see them has finished.
        """
    ),
    md(table(("", "2.6.24 (this model)", "2.6.32 (this model)", "today (Linux 6.x)"), THEN_AND_NOW)),
    md(
        """
        Why a maple tree for VMAs? A red-black tree node holds one key and two children; a
        maple tree node holds up to 16 ranges (10 children in an inner node), so the tree is much
        shallower and a lookup touches fewer cache lines. It can run RCU-safe, so readers can search it while a writer changes
        it, and moving to the previous or next VMA needs no separate linked list [1, 3, 4]. A
        proposal to move vmalloc's trees to the maple tree too was still a request for comments
        in June 2026 [12].

        **Sources**

        1. Documentation/core-api/maple_tree.rst: https://docs.kernel.org/core-api/maple_tree.html
        2. Documentation/mm/process_addrs.rst ("Each mm object contains a maple tree data structure
           which describes all VMAs"): https://docs.kernel.org/mm/process_addrs.html
        3. LWN, "Introducing maple trees" (2021): https://lwn.net/Articles/845507/
        4. Commit 54a611b60590 "Maple Tree: add new data structure", whose message says the
           augmented rbtree, the VMA cache and the linked list of VMAs are replaced:
           https://github.com/torvalds/linux/commit/54a611b605901c7d5d05b6b8f5d04a6ceb0962aa ;
           commit 524e00b36e8c "mm: remove rb tree.":
           https://github.com/torvalds/linux/commit/524e00b36e8c547f5582eef3fb645a8d9fc5e3df ;
           and commit 763ecb035029 "mm: remove the vma linked list":
           https://github.com/torvalds/linux/commit/763ecb035029f500d7e6dc99acd1ad299b7726a1
           (all three in v6.1)
        5. Commit be8432e7166e "mm/mmap: use the maple tree in find_vma() instead of the rbtree.":
           https://github.com/torvalds/linux/commit/be8432e7166ef8cc5647d6d350e73897d48a9659
        6. Commit 68ad4a330433 "mm/vmalloc.c: keep track of free blocks for vmap allocation":
           https://github.com/torvalds/linux/commit/68ad4a3304335358f95a417f2a2b0c909e5119c4
        7. Commit 72210662c5a2 "mm: vmalloc: offload free_vmap_area_lock lock" (the vmap nodes):
           https://github.com/torvalds/linux/commit/72210662c5a2b6005f6daea7fe293a0dc573e1a5
           and LWN, "Mitigating vmap lock contention" (2023): https://lwn.net/Articles/932396/
        8. Commit 4341fa454796 "mm, vmalloc: remove list management of vmlist after initializing
           vmalloc": https://github.com/torvalds/linux/commit/4341fa454796b8a37efd5db98112524e85e7114e
        9. `mm/vmalloc.c` of today's tree (`__get_vm_area_node`, `free_unmap_vmap_area`,
           `free_vmap_area_noflush`, `lazy_max_pages`, and `vm_unmap_aliases`: "lazily flushes
           ... to amortize TLB flushing overheads"):
           https://github.com/torvalds/linux/blob/master/mm/vmalloc.c
        10. Commit 248ac0e1943a "mm/vmalloc: remove guard page from between vmap blocks" (Johannes
            Weiner, April 2011; "vmalloc and the old vmap interface enforce a guard page on their
            own at a higher level"):
            https://github.com/torvalds/linux/commit/248ac0e1943ad1796393d281b096184719eb3f97
        11. Documentation/arch/x86/x86_64/mm.rst ("vmalloc/ioremap space", 32 TB):
            https://docs.kernel.org/arch/x86/x86_64/mm.html
        12. "[PATCH RFC 00/12] mm/vmalloc: migrate vmap_area indexing from rb-tree to maple-tree"
            (June 2026):
            https://lore.kernel.org/all/20260613-vmalloc_maple-v1-0-0aa740bb944b@oss.qualcomm.com/
        """
    ),
    md(
        """
        ### Where the model simplifies

        - The model has one CPU, so `lazy_max_pages()` is 8,192 pages. It leaves out the per-CPU
          vmap blocks that the real vmap layer uses for `vm_map_ram`.
        - A threshold purge runs inside `vfree`, as in 2.6.32; today's kernels hand it to a
          work queue.
        - A lazily freed 2.6.32 area is gone at once for `find_vm_area` and `vfree`. The kernel
          still finds its `vmap_area` until the purge, so `mm/vmalloc.c:find_vm_area` returns
          the `vm_struct` that `__vunmap` has already freed, and a second `vfree` of the area
          makes `remove_vm_area` walk `vmlist` past its end: an oops. The model cannot hand out
          a freed structure, so `find_vm_area` returns None, and a second `vfree` gets the
          "Trying to vfree() nonexistent vm area" warning and an error, as in 2.6.24 or after
          the purge.
        - Era 2.6.32 follows mainline 2.6.32, the tree this lesson cites: the `vm_struct` goes
          on `vmlist` (`insert_vmalloc_vm`) before the frames are allocated. The 2.6.32.y stable
          kernels link it after them, marked `VM_UNLIST` until then.
        - `from_proc_maps` builds the `[vsyscall]` gate VMA as if it were a VMA of the process
          (section 1), and takes every `VM_MAY*` flag as set.
        - The explorer's address box and the layout panel cover only the 32-bit machine, so a
          64-bit process is explored through its VMA view alone (section 1).
        """
    ),
    md(
        """
        ## Exercises

        Five questions: where 2.6.32 puts an area after a `vfree`, how many pages wait to be
        purged, `find_vma` on the 64-bit sample, and which kernel uses which structure. Change
        the seed (or press *new numbers*) for a new set; `python -m vmwidgets.exercises 7 SEED`
        prints the answers for a teacher.
        """
    ),
    code(
        """
        from vmwidgets.exercises.l7_now import LESSON

        Quiz(LESSON, seed=0)
        """
    ),
    md(
        """
        ## Summary

        - `/proc/PID/maps` shows one line per VMA; a 64-bit process has 12-digit user addresses
          (up to 128 TB on x86-64), and `from_proc_maps` rebuilds its VMA list and tree. In any of
          them `find_vma` returns the first VMA with `addr < vm_end`.
        - 2.6.24 finds vmalloc room by walking `vmlist`. From 2.6.28, `alloc_vmap_area` searches
          the `vmap_area_root` red-black tree and leaves one extra page between areas (until a
          2011 commit); `vmlist` is only kept in order.
        - 2.6.28+ free vmalloc areas lazily: the addresses (and, in 2.6.32, the PTEs) stay until
          a purge, which flushes the TLB once for many areas. A purge runs above
          `lazy_max_pages()` or when no gap is left.
        - Since Linux 6.1 a process's VMAs live in a maple tree; the red-black tree, the list and
          the VMA cache are gone. vmalloc now searches a tree of free blocks; lazy freeing
          remains.

        ## Read the source

        - `fs/proc/task_mmu.c:show_map` (today `show_map_vma`, `show_vma_header_prefix`): the
          format of a maps line and where the padding comes from.
        - `mm/vmalloc.c:alloc_vmap_area` (2.6.32): the descent to the first area ending at or
          above the start, the `rb_next` walk, and `addr = ALIGN(first->va_end + PAGE_SIZE, align)`
          for the extra page; `overflow:` purges once and retries.
        - `mm/vmalloc.c:__insert_vmap_area` and `insert_vmalloc_vm`: the node goes into the tree,
          the `vm_struct` into the still-sorted `vmlist`.
        - `mm/vmalloc.c:free_unmap_vmap_area_noflush`, `__purge_vmap_area_lazy`,
          `lazy_max_pages`: the `VM_LAZY_FREE` flag, `vmap_lazy_nr`, one `flush_tlb_kernel_range`
          for all waiting areas.
        - Today: `mm/vmalloc.c:find_vmap_lowest_match` (the free-space search with
          `subtree_max_size`), `free_vmap_area_noflush` (the `lazy` tree of a `vmap_node`);
          `mm/mmap.c:find_vma` (one call to `mt_find`); `lib/maple_tree.c` and
          `Documentation/core-api/maple_tree.rst`.
        """
    ),
]
