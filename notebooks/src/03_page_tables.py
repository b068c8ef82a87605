"""Lesson 3: Page tables, walking an address."""

from nbbuild import code, md

CELLS = [
    md(
        """
        # Lesson 3 — Page tables: walking an address

        By the end of this lesson you can:

        1. split a 32-bit virtual address into the PGD index, PTE index and offset the x86 MMU
           uses (10 + 10 + 12 bits), and into the four PAE fields (2 + 9 + 9 + 12);
        2. read a page-table entry: the frame it points to and its flag bits (PRESENT, RW, USER,
           ACCESSED, DIRTY, PSE, GLOBAL, and NX under PAE);
        3. walk an address by hand and with `k.translate(addr)`, including lowmem mapped by 4 MB
           (or 2 MB) *large pages*;
        4. say when `vmalloc` needs a new PTE table, and find that step in
           `mm/vmalloc.c:vmap_pte_range` and `mm/memory.c:__pte_alloc_kernel`.

        It takes about 30 minutes. Run the cells from top to bottom (*Run → Run All Cells*), then
        use the players: every widget replays what the model of the kernel did, step by step.
        """
    ),
    md(
        """
        ## 1. Why page tables?

        A program, and the kernel itself, uses **virtual addresses**. The RAM chips only know
        **physical addresses**. On every memory access the CPU's **MMU** (memory management unit)
        translates one into the other.

        It does not translate byte by byte but **page** by page. A page is 4 kB (4096 bytes) of
        virtual memory; a **frame** is 4 kB of physical RAM. Frames are numbered: the
        **pfn** (page frame number) is the physical address divided by 4096 (`phys >> 12`).
        So the translation only has to say, for each virtual page, which frame holds it. The
        last 12 bits of the address (the **offset**, 0 to 4095) are the same on both sides.

        That "page → frame" list is the **page table**; each line of it is an **entry**. A 32-bit
        address space has 2^20 pages, so a flat list would need a million entries (4 MB) for
        every process, mostly for addresses nobody uses. x86 therefore uses a tree of small
        tables, each exactly one 4 kB frame:

        - the **page directory**, which Linux calls the **PGD** (page global directory):
          1024 entries, each covering 4 MB of virtual space;
        - **PTE tables** (page table entries): 1024 entries, each mapping one 4 kB page.

        A PGD entry that is empty means "nothing in these 4 MB", and no PTE table is needed
        there. The CPU register `cr3` holds the physical address of the current PGD. The
        kernel's own top table is called `swapper_pg_dir` (the PGD of `init_mm`); this
        lesson walks that one. Each process has its own (lesson 6).
        """
    ),
    md(
        """
        ## 2. Splitting an address: 10 + 10 + 12 bits

        Without PAE (the default 32-bit kernel), the MMU cuts the 32 bits of a virtual
        address into three fields:

        | bits | field | picks | range |
        |---|---|---|---|
        | 31–22 | PGD index | the entry in the PGD | 0–1023, each 4 MB |
        | 21–12 | PTE index | the entry in that PTE table | 0–1023, each 4 kB |
        | 11–0 | offset | the byte inside the page | 0–4095 |

        In C that is `addr >> 22`, `(addr >> 12) & 0x3ff` and `addr & 0xfff`; the kernel spells
        them `pgd_index(addr)`, `pte_index(addr)` and `addr & ~PAGE_MASK`. Let us split
        `0xc0801234`, an address in the kernel's lowmem:
        """
    ),
    code(
        """
        from vmwidgets import Config, Kernel, explain  # explain: one sentence per event

        addr = 0xC0801234
        print(f"{addr:#010x} = {addr >> 22:010b} {(addr >> 12) & 0x3FF:010b} {addr & 0xFFF:012b}")
        pgd, pte, offset = addr >> 22, (addr >> 12) & 0x3FF, addr & 0xFFF
        print(f"mine:      pgd = {pgd} ({pgd:#x}), pte = {pte} ({pte:#x}), offset = {offset} ({offset:#x})")

        k = Kernel()  # 1 GB of RAM, no PAE, Linux 2.6.24
        print("the model:", ", ".join(f"{name} = {v} ({v:#x})" for name, v in k.split(addr).items()))
        """
    ),
    md(
        """
        Each number is printed in decimal with its hex in brackets: 770 (0x302). This lesson
        counts table entries in decimal, as `translate` and the player's narration do
        (`PGD[ 770]`, "PGD entry 770"), and so do the coloured boxes of the page-table view
        below (`pgd 770`). Addresses, offsets and frame numbers are given in hex.

        PGD entry 770 = 768 + 2. The kernel's gigabyte starts at `PAGE_OFFSET` = 0xc0000000, and
        0xc0000000 >> 22 = 768: PGD entries 768–1023 cover the kernel's top 1 GB, entries 0–767
        the 3 GB of user space. (The kernel calls 768 `KERNEL_PGD_BOUNDARY`.)

        One catch with this particular address: the split above is what the MMU uses for a
        4 kB page, but the kernel maps its lowmem with **4 MB large pages** (section 5 says
        why). PGD entry 770 maps a whole 4 MB page by itself, so the walk of 0xc0801234 stops
        there and never reads a PTE table: pte = 1 is not used, and the offset inside the
        4 MB page is the low 22 bits, 0x1234. A vmalloc address (section 4) uses all three
        fields.
        """
    ),
    md(
        """
        ## 3. What an entry holds

        An entry is 32 bits. Tables and frames start on a 4 kB boundary, so the low 12 bits
        of their address are always zero: the entry keeps the **address of the frame** (or of
        the next table) in bits 31–12 and uses bits 11–0 for **flags**:

        | bit | value | name | meaning when set |
        |---|---|---|---|
        | 0 | 0x001 | PRESENT | the entry is valid; if clear, any access faults |
        | 1 | 0x002 | RW | writes are allowed (clear: read-only) |
        | 2 | 0x004 | USER | user mode may use it (clear: kernel only) |
        | 5 | 0x020 | ACCESSED | the CPU sets it (if clear) when it uses the entry |
        | 6 | 0x040 | DIRTY | the CPU sets it (if clear) when the page is written |
        | 7 | 0x080 | PSE | in a PGD entry: this entry maps a **4 MB page itself**; there is no PTE table below |
        | 8 | 0x100 | GLOBAL | the TLB (the CPU's cache of translations) keeps it when `cr3` changes |

        (Bits 3 and 4, PWT and PCD, control caching; they are not used in these lessons.)

        ACCESSED and DIRTY are the CPU's to set, so you might expect a fresh entry to have
        them clear. Yet every kernel entry printed in this lesson already has both, even a
        table linked a moment before: the kernel **presets** them in the values it writes.
        `_PAGE_TABLE` = 0x067 (PRESENT RW USER ACCESSED DIRTY) is what links a PTE table,
        `PAGE_KERNEL` = 0x163 (PRESENT RW ACCESSED DIRTY GLOBAL) maps a kernel page, and a
        lowmem large page is 0x163 + PSE = 0x1e3. The kernel never swaps its own pages out,
        so it has no use for these two bits there, and the CPU never has to set them. The
        CPU's part shows on user pages, after the kernel has cleared a bit: `fork` clears
        ACCESSED in the child's PTEs, and the CPU sets it again on the next access (lesson 6).

        The model names the bits of any entry with `pte_flag_names`. Here are four entries
        you will meet in this lesson:
        """
    ),
    code(
        """
        from vmwidgets.model.constants import pte_flag_names

        examples = {
            0x008001E3: "PGD entry of lowmem (a 4 MB page)",
            0x37C00067: "PGD entry pointing to a PTE table",
            0x3FC01163: "PTE of a vmalloc page",
            0x3FC01025: "PTE of a user program's code",
        }
        for entry, what in examples.items():
            names = " ".join(pte_flag_names(entry))
            print(f"{entry:#010x}  address {entry & 0xFFFFF000:#010x}  flags {entry & 0xFFF:#05x} = {names:38} {what}")
        """
    ),
    md(
        """
        Read them like this:

        - `0x1e3`: present, writable, kernel only, a 4 MB page, global: how the kernel maps its
          lowmem.
        - `0x067`: present, writable, **USER set**. The kernel links every PTE table with the
          same flags (`_PAGE_TABLE` = 0x67). The CPU allows an access only if *both* levels
          allow it, so the PTE below decides.
        - `0x163` (`PAGE_KERNEL`): present, writable, kernel only, global: a kernel page.
        - `0x025`: present, user, **not RW**: program code that user mode may read and run
          but not write. ACCESSED is already in the value the page-fault handler wrote
          (0x025 is x86's `PAGE_READONLY`); DIRTY is clear: nobody has written the page.
        """
    ),
    md(
        """
        ## 4. Walking an address

        **Walking** an address means following it down the tree: read the PGD entry its top
        bits select; if PSE is set, that entry maps a 4 MB page and the walk ends; otherwise
        read the PTE table it points to, take the entry the middle bits select, and add the
        offset to that frame's address. If an entry on the way is not PRESENT, the walk stops:
        the CPU raises a page fault.

        The MMU does this in hardware; no kernel function runs. The model's `k.translate(addr)`
        does the same walk and prints every step, and the player names those steps
        `x86 MMU:page walk`. To read the walk in C, use the kernel's software copy of it, which
        prints the `*pde = …` and `*pte = …` lines of an oops: in 2.6.32
        `arch/x86/mm/fault.c:dump_pagetable`; in 2.6.24 the same lines sit inline at the end of
        `do_page_fault` in `arch/x86/mm/fault_32.c`. Look for how it reads `cr3`, takes the
        entry the top bits select, stops on a not-present or PSE entry, and otherwise reads the
        PTE. Let us give the kernel one vmalloc area (lesson 4 explains vmalloc) and walk a
        lowmem address and a vmalloc address:
        """
    ),
    code(
        """
        a = k.vmalloc(3 * 4096, caller="demo")
        print(k.translate(0xC0801234))
        print(k.translate(a + 0x1234))
        """
    ),
    md(
        """
        The lowmem address takes **one** step: PGD entry 770 has PSE set, so it maps the 4 MB
        from physical 0x800000 directly, and the offset inside that page is the low **22** bits
        (`0xc0801234 & 0x3fffff` = 0x1234). The vmalloc address takes **two**: PGD entry
        994 (0x3e2) points to the PTE table in frame 0x37c00, whose entry 1 points to frame
        0x3fc01.

        Frame 0x3fc01 (physical 0x3fc01000, near 1020 MB) is above 896 MB: it is **HighMem**,
        which the kernel does not map permanently (lesson 1). That is on purpose: `vmalloc` asks
        the buddy allocator for `GFP_KERNEL | __GFP_HIGHMEM` frames, because it maps each one
        through its own PTE and does not need it in lowmem; the buddy allocator then tries
        HighMem first. The PTE table itself, frame 0x37c00 (892 MB), is lowmem: the kernel's
        page tables are allocated with plain `GFP_KERNEL` (section 7).

        Now watch those two walks. The player below starts just before the first one.
        Press **→** (step forward) one step at a time and watch the view:

        - on top, the address's bits, each field in its own colour;
        - the entry each field picks lights up in the same colour, level by level;
        - the line under the player says what was read, and names the kernel function.

        The PGD is drawn with only its used entries; empty ranges and long runs (the 224 large
        pages of lowmem) are folded into one row. Rows are numbered in decimal, like the coloured
        boxes on top (`pgd 770` is entry 770). For a large page the boxes show the split the
        MMU really uses: the PGD index, then a 22-bit offset (`offset 0x001234`): no PTE index.

        Two PGD entries are not from our scenario: **1022** and **1023** point to tables
        0x4f2 and 0x4f1. They are the PTE tables of **pkmap** (0xff800000–0xffbfffff, where
        `kmap` maps a HighMem page into a free slot) and of the top 4 MB, which holds the
        **fixmap** (compile-time addresses filled with `set_fixmap`; lesson 1 shows both
        bands). Boot creates both tables empty (`page_table_range_init` and
        `permanent_kmaps_init` in `arch/x86/mm/init_32.c`), so that `kmap` and `set_fixmap`
        later only have to write a PTE. For a HighMem page the model's `k.kmap(page)` and
        `k.kmap_atomic(page, KM_USER0)` write theirs there, and a walk of the address they
        return ends at the page.
        """
    ),
    code(
        """
        from ipywidgets import VBox

        from vmwidgets.widgets import PageTableView, Player

        walks = PageTableView(k)
        walker = Player(k, [walks])
        walker.seek(k.timeline.operations[1].start)  # just before translate(0xc0801234)
        VBox([walker, walks])
        """
    ),
    md(
        """
        ## 5. Large pages (PSE) or 4 kB PTEs for lowmem

        Lowmem is the kernel's direct map: virtual `0xc0000000 + x` is physical `x` for the
        first 896 MB (lesson 1). An x86 CPU with the PSE feature (page size extension) can map 4 MB in
        one PGD entry, and `arch/x86/mm/init_32.c:kernel_physical_mapping_init` uses that when the
        CPU has it: no PTE tables for lowmem at all, and one TLB entry covers 4 MB instead of 4 kB.
        Look in that function for the PSE test (`cpu_has_pse` in 2.6.24, `use_pse` in 2.6.32),
        for `PAGE_KERNEL_LARGE` (`PAGE_KERNEL_LARGE_EXEC` when the 4 MB hold kernel text), and
        for the other branch, which calls `one_page_table_init` and fills the PTEs one by one.

        The model does the same; `Config(pse=False)` boots it as if the CPU had no PSE. Compare
        the walk of the same address, and count the PTE tables lowmem then needs:
        """
    ),
    code(
        """
        small = Kernel(Config(pse=False))
        print(small.translate(0xC0801234))
        lay = small.layout
        tables = {small.translate(va).steps[-1].table for va in range(lay.page_offset, lay.high_memory, 4 << 20)}
        print(f"{len(tables)} PTE tables map lowmem: {len(tables) * 4} kB of RAM spent on page tables")
        """
    ),
    md(
        """
        Same physical address, one more step, and 224 tables (one per 4 MB of the 896 MB).
        In the entry, note PSE is gone from the PGD entry (now `0x067`, pointing to a table) and
        the PTE carries the kernel page flags `0x163`.
        """
    ),
    md(
        """
        ## 6. PAE: three levels and 64-bit entries

        **PAE** (physical address extension, `CONFIG_X86_PAE`) makes each entry 64 bits wide,
        so an entry can hold physical addresses above 4 GB (up to 64 GB of RAM). A table is
        still one 4 kB frame, so it now holds only **512** entries, and each level uses 9 bits
        instead of 10. To cover 32 bits, a third level appears:

        | bits | field | table | entries | each covers |
        |---|---|---|---|---|
        | 31–30 | PGD index | the PGD (Intel: *page-directory-pointer table*) | 4 | 1 GB |
        | 29–21 | PMD index | the **PMD** (page middle directory) | 512 | 2 MB |
        | 20–12 | PTE index | a PTE table | 512 | 4 kB |
        | 11–0 | offset | the page | | |

        Two more changes: a large page is now **2 MB** (PSE in a PMD entry), and bit 63 of an
        entry is **NX** (no-execute): the CPU refuses to run instructions from that page. The
        model, like a kernel on a CPU that supports NX, sets it on kernel data but not on
        kernel code. The kernel's gigabyte is PGD entry 3, whose PMD is created at boot.
        """
    ),
    code(
        """
        pae = Kernel(Config(pae=True, ram=2 << 30))  # 2 GB of RAM, PAE
        print("split:", ", ".join(f"{name} = {v} ({v:#x})" for name, v in pae.split(0xC0801234).items()))
        print(pae.translate(0xC0801234))  # lowmem data: a 2 MB page with NX
        print(pae.translate(0xC0100000))  # kernel code: no NX
        b = pae.vmalloc(2 * 4096, caller="demo")
        print(pae.translate(b + 0x10))  # vmalloc: three levels down to a 4 kB page
        """
    ),
    md(
        """
        The PAE PGD entries hold only PRESENT (`0x...001`): the model, like the kernel, sets no
        other bit at that level. The vmalloc PTE reads `0x800000007fc00163`: NX, then the frame
        at 0x7fc00000 (HighMem again, as in section 4), then `0x163`. To get an
        address out of a PAE entry, mask bits 51–12: the NX bit is a flag, not an address bit.

        Step through the PAE walk: press **→** and watch the three colours (PGD, PMD, PTE)
        light up one level at a time. Two things in this view:

        - PGD entries **0–2** (user space) all point to the same table, and it is empty.
          Under PAE the kernel does not leave them not-present: `zap_low_mappings` points
          them at `empty_zero_page`, a page of zeros, so read as a PMD every entry is empty
          and a walk of a user address stops there. Each process gets its own PMDs.
        - In the kernel's PMD, entries 509–511 are the pkmap and fixmap PTE tables, the same
          boot tables as PGD entries 1022–1023 without PAE. (This is 2.6.24: pkmap starts at
          0xffa00000. A 2.6.32 PAE kernel's bigger fixmap pushes pkmap down to 0xff800000,
          entry 508, as lesson 1's table showed.)
        """
    ),
    code(
        """
        pae_view = PageTableView(pae)
        pae_player = Player(pae, [pae_view])
        pae_player.seek(pae.timeline.operations[-1].start)  # just before the vmalloc walk
        VBox([pae_player, pae_view])
        """
    ),
    md(
        """
        ## 7. Installing PTEs: when vmalloc needs a new PTE table

        `vmalloc(size)` (lesson 4) reserves a range of virtual addresses, takes one frame per
        page from the buddy allocator, and then writes one PTE per page into `swapper_pg_dir`.
        The last page of its range, the **guard page**, is left unmapped so that an overrun
        faults. The mapping part goes down the levels:

        - `mm/vmalloc.c:map_vm_area` maps from the area's start to `addr + size - PAGE_SIZE`
          (look for that expression: the guard page is not mapped) through `vmap_pud_range` and
          `vmap_pmd_range`;
        - `mm/vmalloc.c:vmap_pte_range` calls `pte_alloc_kernel(pmd, addr)`, then loops with
          `set_pte_at(&init_mm, addr, pte, mk_pte(page, prot))`, one PTE per page;
        - `pte_alloc_kernel` calls `mm/memory.c:__pte_alloc_kernel` **only if the PGD (or PMD)
          entry is empty**. That function gets a zeroed frame for the new table, takes
          `init_mm.page_table_lock`, checks again that nobody filled the entry meanwhile, and
          links the table with `pmd_populate_kernel` (flags `_PAGE_TABLE`).

        So a PTE table is allocated only the first time something maps a page inside its
        4 MB (2 MB with PAE). And vmalloc never frees page tables: once there, a table stays.

        Here is a fresh machine and one `vmalloc` of 3 pages; the events that touch the page
        tables:
        """
    ),
    code(
        """
        fresh = Kernel()
        first = fresh.vmalloc(3 * 4096, caller="first")
        op = fresh.timeline.operations[0]
        for e in fresh.timeline[op.start : op.end]:
            if e.kind in ("PageTableAllocated", "PteInstalled"):
                print(f"{e.fn:32} {explain(e)}")
        """
    ),
    md(
        """
        Watch the whole call: press **▶** (play) or **→** repeatedly (the page-table view
        stays still through the buddy allocator's steps; it changes from the step where the PTE
        table is allocated, about step 36, so you may drag the slider there). First `vmalloc` links a
        `vm_struct`; then the buddy allocator hands out three frames (lesson 2); then a fourth
        frame comes from lowmem (`GFP_KERNEL`) for the PTE table. Watch for the amber outline:
        PGD entry 994 and the new table appear, then the three PTEs, one per step.
        """
    ),
    code(
        """
        install_view = PageTableView(fresh)
        install = Player(fresh, [install_view])
        install.seek(0)
        VBox([install, install_view])
        """
    ),
    md(
        """
        ### Predict, then check

        Next the same kernel calls `vmalloc(4 MB)`. The new area starts right after the first
        one and its guard page, at 0xf8804000. It maps 1024 pages. **How many new PTE tables
        will the call allocate?** Think about which 4 MB blocks its pages touch, and which of
        those already have a table. The player waits at the start of the call until you answer.
        Type your answer and press **Commit and reveal**: if you are right, the player jumps to the
        step where the answer shows (if not, the feedback says why: try again, or press **Show me**) (the last new table linked, or the end of the call if none is
        needed). Step around it to see why.
        """
    ),
    code(
        """
        from vmwidgets.exercises.l3_page_tables import new_tables_exercise
        from vmwidgets.widgets import ExerciseWidget

        big = fresh.vmalloc(4 << 20, caller="big")
        call = fresh.timeline.operations[-1]
        question, reveal_at = new_tables_exercise(fresh, call, id="predict")
        predict_view = PageTableView(fresh)
        predict = Player(fresh, [predict_view])
        predict.seek(call.start)  # just before vmalloc(4 MB)
        VBox([ExerciseWidget(question, player=predict, reveal=reveal_at), predict, predict_view])
        """
    ),
    md(
        """
        ## Where the model simplifies

        - There is no TLB. `translate` (the `x86 MMU:page walk` steps) walks the tables every
          time; a real MMU keeps the result in the TLB and walks only on a TLB miss.
        - `translate` only reads entries; it does not set ACCESSED or DIRTY (a process's
          accesses in lesson 6 do).
        - NX is assumed supported under PAE. A real kernel clears it from its entries when the
          CPU lacks it (`__supported_pte_mask`).
        - 2.6.24 maps all of lowmem with large pages, its last one reaching past `high_memory`.
          From 2.6.28 (`Config(era="2.6.32")`) the first large page's worth and a tail that is
          not large-page aligned use 4 kB pages; the model does that too.
        - The model calls its version of `pte_alloc_kernel` once per page; the kernel's
          `vmap_pte_range` looks up the table once per 4 MB (2 MB) and loops. The tables and entries are the same.
        - There is one CPU, so `kmap_atomic` writes only CPU 0's PTEs in the fixmap table; a real
          kernel has a slot of each kind for every CPU (lesson 1 gives the reason).
        """
    ),
    md(
        """
        ## Exercises

        New numbers: change the seed or press **new numbers**. Numbers can be typed in decimal
        or hex (`0x…`). A value with a letter a–f, such as `c0801234`, is read as hex even
        without the `0x`, and so is an 8-digit answer to an address question. A teacher can
        print the answers with `python -m vmwidgets.exercises 3 SEED`.
        """
    ),
    code(
        """
        from vmwidgets.exercises.l3_page_tables import LESSON
        from vmwidgets.widgets import Quiz

        Quiz(LESSON, seed=0)
        """
    ),
    md(
        """
        ## Summary

        - Page tables map virtual pages to physical frames; the offset (low 12 bits) passes
          through unchanged.
        - Without PAE: 10 + 10 + 12 bits, PGD (1024 entries × 4 MB) → PTE table (1024 × 4 kB).
          With PAE: 2 + 9 + 9 + 12, PGD (4 × 1 GB) → PMD (512 × 2 MB) → PTE table (512 × 4 kB),
          64-bit entries with NX in bit 63.
        - An entry is a frame (or table) address plus flags: PRESENT, RW, USER, ACCESSED, DIRTY,
          PSE, GLOBAL (NX under PAE). The kernel presets ACCESSED and DIRTY in its own entries
          (`_PAGE_TABLE` 0x067, `PAGE_KERNEL` 0x163); the CPU sets one only where it is clear.
        - Lowmem is mapped with PSE large pages (4 MB, or 2 MB under PAE): the walk ends at the
          PGD (PMD) and the offset has 22 (21) bits. `Config(pse=False)` shows the 4 kB way.
        - vmalloc installs one PTE per page, never for the guard page, and allocates a PTE table
          only where the entry above is still empty; the tables are never freed.

        ## Read the source

        Paths are those of the 2.6.32 tree.

        - `arch/x86/include/asm/pgtable-2level_types.h` and `pgtable-3level_types.h`:
          `PGDIR_SHIFT`, `PMD_SHIFT`, `PTRS_PER_PGD`, `PTRS_PER_PMD`, `PTRS_PER_PTE`: the
          10 + 10 and 2 + 9 + 9 splits.
        - `arch/x86/include/asm/pgtable.h`: `pgd_index`, `pmd_index`, `pte_index`,
          `pte_offset_kernel`: the shifts and masks of section 2.
        - `arch/x86/include/asm/pgtable_types.h`: the `_PAGE_BIT_*` numbers, `_PAGE_TABLE`,
          `_KERNPG_TABLE` and `__PAGE_KERNEL`: the flag values of section 3.
        - `arch/x86/mm/init_32.c:kernel_physical_mapping_init`: the PSE test, the large-page
          branch with `PAGE_KERNEL_LARGE` (`_EXEC` for kernel text) and the 4 kB branch.
        - `arch/x86/mm/fault.c:dump_pagetable` (in 2.6.24: the end of `do_page_fault` in
          `arch/x86/mm/fault_32.c`): the software walk printed with an oops, level by level,
          stopping at a not-present or large entry.
        - `mm/vmalloc.c:map_vm_area`, `vmap_pmd_range`, `vmap_pte_range`: the end address that
          leaves the guard page out, `pte_alloc_kernel`, and the `set_pte_at` loop.
        - `mm/memory.c:__pte_alloc_kernel`: the new table, the second check under
          `init_mm.page_table_lock`, and `pmd_populate_kernel`.
        """
    ),
]
