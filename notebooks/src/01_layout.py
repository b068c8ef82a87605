"""Lesson 1: the 3G/1G split and the kernel's 3G–4G layout."""

from nbbuild import code, md

CELLS = [
    md("""
    # Lesson 1 — The 3G/1G split and the kernel's 3G–4G layout

    On a 32-bit x86 machine every address a program uses is 32 bits wide, so each process sees
    4 GB of *virtual* addresses. Linux gives the bottom 3 GB to the process and keeps the top
    gigabyte for itself. This lesson takes that top gigabyte apart, band by band.

    **By the end of this lesson you can**

    1. explain why the kernel sits in the top 1 GB of *every* process, starting at `PAGE_OFFSET` = 0xC0000000;
    2. explain why the kernel's direct map of RAM (*lowmem*) stops near 896 MB, and what *highmem* is;
    3. name the bands above lowmem — the gap, vmalloc, pkmap, fixmap — and compute where they start
       for a given RAM size, PAE, kernel version and `vmalloc=` option;
    4. convert between a lowmem virtual address and its physical address with `__pa` and `__va`;
    5. read the "virtual kernel memory layout" block of a real boot log, line by line.

    It takes about 30 minutes. Run the cells from top to bottom (*Run → Run All Cells*).
    """),
    md("""
    ## 1. Two kinds of address, one split

    A **physical address** names a byte of RAM. A **virtual address** is what the CPU's
    instructions use; the MMU translates it to a physical address through the **page tables**,
    usually one 4 kB **page** at a time (lesson 3 walks them). A 4 kB piece of physical RAM is a
    **page frame**; its number (physical address ÷ 4096) is its **pfn**.

    Linux cuts the 4 GB of virtual addresses at **`PAGE_OFFSET`** = 0xC0000000 (the kernel option
    `CONFIG_PAGE_OFFSET`, the "3G/1G split"):

    - 0x00000000–0xBFFFFFFF (3 GB) is **user space**: different in every process;
    - 0xC0000000–0xFFFFFFFF (1 GB) is **kernel space**: the *same* in every process.

    Why put the kernel inside every process? A system call or an interrupt must run kernel
    code right away. Because the kernel is already mapped in the current process's page tables,
    the CPU just jumps there, with no page tables to switch. When a process
    is created, its page directory gets a copy of the kernel's entries from the kernel's own
    table, `swapper_pg_dir` (`arch/x86/mm/pgtable_32.c:pgd_ctor` in 2.6.24: look for
    `clone_pgd_range`). User code still cannot touch kernel memory: the kernel's page-table
    entries lack the `USER` bit, so the MMU refuses user-mode accesses to them.

    The model boots a machine with `Kernel(Config(...))`. The default is 1 GB of RAM, no PAE,
    Linux 2.6.24. `k.layout.regions()` lists the 4 GB as bands:
    """),
    code("""
    import re

    from ipywidgets import HBox, VBox

    from vmwidgets import AddressError, Config, Kernel
    from vmwidgets.data import bootlog, bootlogs
    from vmwidgets.exercises.l1_layout import LESSON, first_vmalloc
    from vmwidgets.widgets import ExerciseWidget, LayoutView, Player, Quiz, VmlistView

    MB = 1 << 20


    def size(n):
        if n % MB == 0:
            return f"{n >> 20} MB"
        return f"{n / MB:.2f} MB" if n >= MB else f"{n >> 10} kB"


    k = Kernel()  # 1 GB of RAM, non-PAE, Linux 2.6.24
    lay = k.layout
    print(f"PAGE_OFFSET = {lay.page_offset:#010x}")
    for r in lay.regions():
        print(f"{r.start:#010x} - {r.end - 1:#010x}  {size(r.size):>10}  {r.name}")
    """),
    md("""
    Three gigabytes of user space, then the kernel's gigabyte: 896 MB of **lowmem**, an 8 MB gap,
    the **vmalloc** area, a two-page guard, **pkmap**, an unused stretch, **fixmap**, and the last
    page. The rest of the lesson explains each band.

    The **LayoutView** draws the same thing: all 4 GB to scale on the left, the kernel's gigabyte
    enlarged on the right with every boundary in hex. The arrow marks the address 0xC0801234.
    Drag to pan, ctrl + wheel to zoom, **fit** to see it all.
    """),
    code("""
    LayoutView(k, mark=0xC0801234)
    """),
    md("""
    ## 2. Lowmem: the direct map, `__pa` and `__va`

    At boot the kernel maps physical RAM, from address 0 upward, at virtual addresses from
    `PAGE_OFFSET` upward: physical address *p* is always at virtual address `PAGE_OFFSET` + *p*.
    This permanent, one-to-one window is the **direct map**, and the RAM it covers is
    **lowmem**. Its end, as a virtual address, is the kernel variable **`high_memory`**.

    So converting between the two needs no table lookup, just one subtraction or addition:

    - `__pa(v)` = v − `PAGE_OFFSET`: the physical address of a lowmem virtual address;
    - `__va(p)` = p + `PAGE_OFFSET`: the virtual address of a lowmem physical address.

    In the kernel they are macros (`include/asm-x86/page_32.h` in 2.6.24; `arch/x86/include/asm/page.h`
    and `page_32.h` in 2.6.32). `k.layout.pa` and `k.layout.va` do the same. The last print walks the
    page tables the way the MMU does (`k.translate`, lesson 3): it reaches the same byte.
    """),
    code("""
    v = 0xC0801234
    p = lay.pa(v)
    print(f"__pa({v:#x}) = {p:#x}")
    print(f"__va({p:#x}) = {lay.va(p):#x}")
    print(k.translate(v))
    """),
    md("""
    The walk ends after one step, at the page directory: that entry has the **PSE** bit, so it maps
    a whole 4 MB page by itself instead of pointing to a table of 4 kB pages. At boot the kernel maps
    lowmem with such large pages when the CPU supports PSE (lesson 3 §5 explains it). Here the entry
    0x8001e3 gives the page's start, physical 0x800000, and the address's low 22 bits (0x1234) are
    the offset inside it.

    The kernel's macros do not check their argument: `__pa` of an address that is *not* in
    lowmem quietly returns a meaningless number. The model refuses instead, so the mistake shows.
    Two classic mistakes: `__pa` of a vmalloc address (vmalloc memory is not in the direct map;
    lesson 4 finds its frames through the page tables), and `__va` of a frame above lowmem:
    """),
    code("""
    for bad in (lay.vmalloc_start, 0x08048000):
        try:
            lay.pa(bad)
        except AddressError as e:
            print("__pa:", e)
    try:
        lay.va(0x3C000000)  # a frame at 960 MB: above lowmem
    except AddressError as e:
        print("__va:", e)
    """),
    md("""
    ## 3. Why lowmem stops near 896 MB

    The kernel's gigabyte must hold more than the direct map: vmalloc, pkmap and fixmap need
    room too. So the kernel keeps **`__VMALLOC_RESERVE`** (128 MB by default; the `vmalloc=` boot
    option changes it, §5) out of the direct map and lets the direct map have at most what is left,
    **`MAXMEM`**:

    - **up to 2.6.27**: `MAXMEM` = 4 GB − `PAGE_OFFSET` − 128 MB = 1024 MB − 128 MB = **896 MB** exactly
      (`include/asm-x86/page_32.h`);
    - **from 2.6.28**: `MAXMEM` = `VMALLOC_END` − `PAGE_OFFSET` − 128 MB
      (`arch/x86/include/asm/pgtable_32_types.h`). `VMALLOC_END` sits a few MB below 4 GB, under
      pkmap and fixmap, so `MAXMEM` is a little smaller: **883 to 891 MB** in the boot logs below,
      depending on where pkmap sits (a bigger fixmap pushes pkmap, and so `VMALLOC_END`, down).

    At boot the kernel counts the RAM (`max_pfn`, the pfn after the last frame), then
    `max_low_pfn` = min(`max_pfn`, `MAXMEM` ÷ 4096) and `high_memory` = `PAGE_OFFSET` +
    `max_low_pfn` × 4096. RAM above `max_low_pfn` is **highmem**: the kernel has no permanent
    mapping for it and maps a highmem page into pkmap or fixmap only while it uses it.
    Read `arch/x86/kernel/setup_32.c:find_max_low_pfn` and `setup_memory` (2.6.24), or
    `arch/x86/mm/init_32.c:find_low_pfn_range` and `initmem_init` (2.6.32): look for `MAXMEM_PFN`
    and the line that sets `high_memory`.

    Physical memory is also split into **zones**, ranges of page frames: DMA (below 16 MB), Normal
    (the rest of lowmem) and HighMem (the rest). Zones are *physical*: vmalloc, pkmap and fixmap
    are virtual ranges, not zones. The kernel prints the split in two boot lines:
    """),
    code("""
    print("\\n".join(k.dmesg().splitlines()[:2]))
    for era in ("2.6.24", "2.6.32"):
        low = Kernel(Config(era=era)).layout
        print(f"\\n{era}: MAXMEM = {low.maxmem:#x} ({low.maxmem / MB:.2f} MB), high_memory = {low.high_memory:#010x}")
        for z in low.zones:
            print(f"  {z.name:8} pfn {z.start_pfn:#07x}-{z.end_pfn:#07x}  {size((z.end_pfn - z.start_pfn) << 12)}")
    """),
    md("""
    **What about "962 MB"?** Some texts give 962 MB as the lowmem limit. A default kernel does
    not give it. In both eras lowmem is at most `MAXMEM`: exactly 896 MB up to 2.6.27, a little
    less from 2.6.28. Check it on the 19 real boot logs that ship with vmwidgets (`vmwidgets.data.bootlogs()`), grouped by kernel version
    below (a `?` marks a version the log does not state, guessed from its contents). Up to 2.6.27,
    every machine with 896 MB of RAM or more shows exactly 896 MB. From 2.6.28, those with enough
    RAM show 883 to 891 MB: log 04's large fixmap (3616 kB) pushes pkmap down to 0xff400000, hence
    883 MB; log 15 is a PAE 2.6.38 kernel whose pkmap sits higher, at 0xffc00000, hence 891 MB. The
    rest come from machines with less RAM (all of it is lowmem) or from two kernels booted with a
    bigger `vmalloc=`. None is above 896 MB. (Even a comment in the kernel's own `page_32.h` speaks
    of "about 950MB"; the code, `MAXMEM`, is what decides.)
    """),
    code("""
    rows = []
    for name, text in bootlogs().items():
        head = dict(re.findall(r"^# (\\w+): (.*)$", text, re.M))  # the notes at the top of each log
        minor = int(re.search(r"2\\.6\\.(\\d+)", head["version"]).group(1))
        guessed = "unknown" in head["version"] or "not stated" in head["version"]
        line = next(ln for ln in text.splitlines() if "lowmem  :" in ln).split("]")[-1].strip()
        ram_mb = int(re.search(r"Memory: \\d+k/(\\d+)k", text).group(1)) // 1024
        note = "booted with vmalloc=" if "vmalloc=" in head["cmdline"] else ""
        if head["highmem"].startswith("no"):
            note = "kernel without highmem support"
        rows.append((minor, name.split("-")[0], f"2.6.{minor}{'?' if guessed else ''}", ram_mb, line, note))
    for title, group in (("up to 2.6.27: MAXMEM = 896 MB", [r for r in rows if r[0] <= 27]),
                         ("from 2.6.28: MAXMEM = VMALLOC_END - PAGE_OFFSET - 128 MB", [r for r in rows if r[0] >= 28])):
        print(f"{title}\\nlog  version  RAM (MB)  the lowmem line")
        for _, name, version, ram_mb, line, note in sorted(group):
            print(f"{name:4} {version:8} {ram_mb:8}  {line}   {note}".rstrip())
        print()
    """),
    md("""
    In the model, lowmem reaches 962 MB only if the reserve shrinks to 1024 − 962 = 62 MB, that is
    a 2.6.24 kernel booted with `vmalloc=62M`. The vmalloc area then keeps only 39 MB:
    """),
    code("""
    print(Kernel(Config(vmalloc_reserve=62 * MB)).layout.table())
    """),
    md("""
    ## 4. Above lowmem: the gap, vmalloc, pkmap and fixmap

    From the bottom up (the right column of the LayoutView):

    - **The `VMALLOC_OFFSET` gap** (8 MB, never mapped). A read or write that runs past the end of
      the direct map lands on nothing and faults, instead of silently hitting other data. In
      2.6.24 `VMALLOC_START` = (`high_memory` + 2 × 8 MB − 1) rounded down to a multiple of 8 MB,
      which is the same number as `high_memory` + 8 MB rounded *up* to a multiple of 8 MB (the
      printout below says it that way), so the gap is 8 to 16 MB; from 2.6.28 `VMALLOC_START` =
      `high_memory` + 8 MB exactly.
    - **The vmalloc area**, `VMALLOC_START`–`VMALLOC_END`: memory that is contiguous in virtual
      addresses but built from any free frames, including highmem ones (`vmalloc`, `ioremap`,
      module code; lesson 4). `VMALLOC_END` = `PKMAP_BASE` − 2 pages: a two-page guard band
      between vmalloc and pkmap.
    - **pkmap**, the *persistent kernel map*: `LAST_PKMAP` slots of one page (1024 without PAE, 512
      with PAE) from `PKMAP_BASE`. `kmap()` maps a highmem page into a free slot for as long as the
      kernel needs it (`mm/highmem.c:kmap_high`). `PKMAP_BASE` is aligned to 4 MB (2 MB under PAE)
      so one page table covers the whole band.
    - **fixmap**: addresses fixed when the kernel is compiled, one page per slot, counted down from
      `FIXADDR_TOP` = 0xfffff000 (the last page of the 4 GB is left out). Slots serve
      `kmap_atomic` (a few per CPU), the APIC registers and other hardware pages, so the band's size
      depends on the kernel build (number of CPUs, options).

    The formulas, evaluated for the default machine:
    """),
    code("""
    print(f"high_memory    = {lay.high_memory:#010x}   PAGE_OFFSET + min(RAM, MAXMEM)")
    print(f"VMALLOC_START  = {lay.vmalloc_start:#010x}   high_memory + 8 MB, rounded up to a multiple of 8 MB (2.6.24)")
    print(f"VMALLOC_END    = {lay.vmalloc_end:#010x}   PKMAP_BASE - 2 pages")
    print(f"PKMAP_BASE     = {lay.pkmap_base:#010x}   {lay.last_pkmap} slots, to {lay.pkmap_end:#010x}")
    print(f"FIXADDR_START  = {lay.fixaddr_start:#010x}   FIXADDR_TOP - {size(lay.fixaddr_top - lay.fixaddr_start)}")
    print(f"FIXADDR_TOP    = {lay.fixaddr_top:#010x}")
    """),
    md("""
    ### Predict, then check: where does the first vmalloc go?

    A second machine: Linux 2.6.24, **700 MB** of RAM. All of it fits under `MAXMEM`, so it is all
    lowmem and there is no highmem. A driver then calls `vmalloc(8192)`, the first vmalloc since
    boot. The search for room is first-fit from the bottom of the vmalloc area
    (`mm/vmalloc.c:__get_vm_area_node`). Two words it uses: each vmalloc'ed area is described by a
    **`struct vm_struct`** (its start address, its size, the frames behind it; lesson 4 goes through
    it field by field), and the kernel keeps them on the list `vmlist`, sorted by address. Each area
    also gets one unmapped **guard page** after it, counted in its size, so that a write past the end
    of *this* buffer faults; this is not the two-page guard band at `VMALLOC_END`.

    Type your prediction in the box and press **Commit and reveal**. Until you are right, the
    player stays at the start, with `vmlist` still empty (a wrong answer gets feedback that says
    why: try again, or press **Show me**). Then it jumps to the step where the new `vm_struct` is
    linked, and the worked answer appears under your feedback. Step with ▶ (or →) through the
    rest of the call: frames are taken from the buddy allocator (the narration names its steps,
    `free_area` and `expand`: lesson 2 explains them), a page table is created and one PTE is
    filled per page.
    """),
    code("""
    k2, question = first_vmalloc(Config(ram=700 * MB), pages=2)
    t2 = k2.timeline
    linked = next(i for i, e in enumerate(t2) if e.kind == "VmStructLinked")
    print(f"high_memory = {k2.layout.high_memory:#010x}")
    list2 = VmlistView(k2)
    p2 = Player(k2, [list2])
    p2.seek(0)  # just booted: the vmalloc call has not happened yet
    VBox([ExerciseWidget(question, player=p2, reveal=linked + 1), p2, list2])  # its worked answer waits inside
    """),
    md("""
    Whatever you answered, find the rounding in the source: `include/asm-x86/pgtable_32.h`
    defines `VMALLOC_START` as `high_memory` plus `2*VMALLOC_OFFSET-1`, masked with
    `~(VMALLOC_OFFSET-1)`: `high_memory` + 8 MB, rounded up to a multiple of 8 MB.

    ## 5. What moves the boundaries

    Four things change the layout: the amount of RAM, PAE, the kernel version and the `vmalloc=`
    boot option. Each row below is a machine booted by the model:
    """),
    code("""
    machines = {
        "1 GB, 2.6.24": Config(),
        "512 MB, 2.6.24": Config(ram=512 * MB),
        "1 GB, 2.6.32": Config(era="2.6.32"),
        "2 GB, 2.6.32, PAE": Config(ram=2048 * MB, era="2.6.32", pae=True),
        "1 GB, 2.6.24, vmalloc=256M": Config(vmalloc_reserve=256 * MB),
        "1 GB, 2.6.32, vmalloc=256M": Config(era="2.6.32", vmalloc_reserve=256 * MB),
    }
    print(f"{'machine':28} {'high_memory':>11} {'VMALLOC_START':>13} {'VMALLOC_END':>11} {'PKMAP_BASE':>10} "
          f"{'FIXADDR_START':>13} {'lowmem':>7} {'vmalloc':>7}")
    for name, cfg in machines.items():
        m = Kernel(cfg).layout
        print(f"{name:28} {m.high_memory:#11x} {m.vmalloc_start:#13x} {m.vmalloc_end:#11x} {m.pkmap_base:#10x} "
              f"{m.fixaddr_start:#13x} {(m.high_memory - m.page_offset) >> 20:4d} MB "
              f"{(m.vmalloc_end - m.vmalloc_start) >> 20:4d} MB")
    """),
    md("""
    Read the table column by column:

    - **RAM.** With 512 MB everything is lowmem: `high_memory` moves down and the vmalloc area
      grows to fill the space (495 MB). So `__VMALLOC_RESERVE` is not the size of the vmalloc
      area: it only caps lowmem (`MAXMEM`) when RAM is large.

      <details><summary>Aside: why the vmalloc area gets less than 128 MB on a big machine</summary>

      In 2.6.24 the reserve is counted from the top of the 4 GB, so the gap, pkmap, fixmap and
      the small spaces between them come out of it too (111 MB left); from 2.6.28 it is counted
      from `VMALLOC_END`, so only the 8 MB gap does (120 MB left). And `vmalloc=` can set the
      reserve below 128 MB, as `vmalloc=62M` did in §3.
      </details>
    - **Kernel version.** 2.6.32 measures `MAXMEM` from `VMALLOC_END`, so lowmem is 887 MB, not 896;
      and `VMALLOC_START` is `high_memory` + 8 MB without rounding (0xf7ffe000).
    - **PAE** (three-level page tables with 8-byte entries, for more than 4 GB of RAM; lesson 3).
      A PAE page table holds 512 entries, so pkmap has 512 slots (2 MB) and is aligned to 2 MB; this
      PAE build also has a bigger fixmap.
    - **`vmalloc=<size>`** sets the reserve. Lowmem shrinks by the same amount: 768 MB in 2.6.24.
      From 2.6.28 the kernel adds `VMALLOC_OFFSET` to the size you give, so 2.6.32 loses another 8 MB
      (751 MB). Read `parse_vmalloc` in `arch/x86/kernel/setup_32.c` (2.6.24) and
      `arch/x86/mm/pgtable_32.c` (2.6.32): the difference is one `+ VMALLOC_OFFSET`.

    The full boot-log block of the PAE machine, and the LayoutViews of the 2.6.24 default (left) and
    the 2.6.32 PAE machine (right) side by side:
    """),
    code("""
    pae = Kernel(machines["2 GB, 2.6.32, PAE"])
    print(pae.layout.table())
    """),
    code("""
    HBox([LayoutView(k), LayoutView(pae)])
    """),
    md("""
    ## 6. A real boot log, line by line

    Every 32-bit kernel of these versions prints its layout at boot, in
    `arch/x86/mm/init_32.c:mem_init` (look at the `printk` with "virtual kernel memory layout" and the
    `BUG_ON` checks after it: they verify that the bands do not overlap). Here is one from a real
    machine with 1 GB of RAM running Ubuntu's 2.6.24-19 kernel, as vmwidgets stores it (the `#`
    lines are our notes on where it comes from):
    """),
    code("""
    log = bootlog("00g-ubuntu-2.6.24-19-1GB.txt")
    print(log)
    """),
    md("""
    - `Memory: 1026808k/1048320k available (…, 130816k highmem)`: free memory / all memory. 1048320 kB
      is the top of RAM, `max_pfn` × 4 kB: a little under 1 GB. The highmem part is
      (`max_pfn` − `max_low_pfn`) × 4 kB.
    - `fixmap : 0xfff4b000 - 0xfffff000 ( 720 kB)`: `FIXADDR_START` to `FIXADDR_TOP`, 180 slots.
    - `pkmap : 0xff800000 - 0xffc00000 (4096 kB)`: `PKMAP_BASE`, 1024 slots of 4 kB: a non-PAE kernel.
    - `vmalloc : 0xf8800000 - 0xff7fe000 ( 111 MB)`: `VMALLOC_START` to `VMALLOC_END`.
    - `lowmem : 0xc0000000 - 0xf8000000 ( 896 MB)`: `__va(0)` to `high_memory`.
    - `.init`, `.data`, `.text`: where the kernel image itself lies, inside lowmem. `.text` starts at
      0xc0100000 = `__va(1 MB)`: this kernel was loaded at physical address 1 MB.

    Sizes are printed truncated to whole kB or MB. To reproduce the log, give the model what the log
    tells about the machine: RAM from the `Memory:` line, the version (2.6.24), no PAE (pkmap is 4 MB),
    highmem on, the fixmap size (720 kB, this era's default) and no `vmalloc=` —
    the matching that the test suite (`tests/test_bootlogs.py` in the repository) does for all 19 logs.
    """),
    code("""
    ram_kb = int(re.search(r"Memory: \\d+k/(\\d+)k", log).group(1))
    real = [ln for ln in log.splitlines() if re.match(r"\\s{4}(fixmap|pkmap|vmalloc|lowmem|  \\.)", ln)]
    kg = Kernel(Config(ram=ram_kb * 1024, era="2.6.24", pae=False, fixmap_kb=720))
    model = kg.layout.table().splitlines()[1:]
    for a, b in zip(real, model, strict=True):
        print("same " if a == b else "DIFF ", b)
    print("all lines identical:", real == model)
    print(f"highmem: {kg.layout.totalhigh_kb}k (the log says 130816k)")
    print("\\n".join(kg.dmesg().splitlines()[:2]))
    """),
    md("""
    ### Where the model simplifies

    - RAM is one block from address 0 to `ram`. Real machines have holes (the BIOS's e820 map), and the
      log's highmem figure equals (`max_pfn` − `max_low_pfn`) × 4 kB only when there is no hole above
      lowmem.
    - The fixmap size (it depends on the number of CPUs and on options) and the `.text`/`.data`/`.init`
      addresses (they depend on the compiled kernel) are inputs, not computed. The defaults come from
      this log (2.6.24) and from a 2.6.3x PAE log.
    - `k.layout.pa` and `k.layout.va` check that the address is in lowmem; the kernel's macros do not.
    - The `highmem=` and `mem=` boot options are not modelled (a smaller `ram` plays `mem=`).
    - `kmap` and `kmap_atomic` map pages into pkmap and fixmap (`k.kmap(page)`,
      `k.kmap_atomic(page, KM_USER0)`), on **one CPU**, like the whole model, so that every step
      happens in one order the player can show: `kmap_atomic` uses only CPU 0's `KM_TYPE_NR`
      slots (13 in 2.6.24, 19 in 2.6.32; `smp_processor_id()` is 0), where a real kernel has a
      set for each CPU. When every pkmap slot is in use, `mm/highmem.c:kmap_high` sleeps until a
      `kunmap` wakes it; with one thread nothing could, so the model records the sleep as a step
      and returns None.
    - The fixmap entries below the `kmap_atomic` slots are those of a typical distribution
      kernel: the model has no build options, so it takes one common set, as it takes the
      fixmap size as an input (above).

      <details><summary>Aside: which entries, and what they move</summary>

      The set is a local APIC, 64 I/O APICs and the F00F workaround, so `FIX_KMAP_BEGIN` is 70
      in both eras (`enum fixed_addresses` in `include/asm-x86/fixmap_32.h`, 2.6.24, and
      `arch/x86/include/asm/fixmap.h`, 2.6.32). Without the F00F workaround it would be 69. The default PAE fixmap sizes
      come from boot logs of slightly later kernels and match no 2.6.24 or 2.6.32 option set,
      so the slots above the named entries are left unnamed; 2.6.32's optional boot slots
      (`FIX_OHCI1394_BASE`, `FIX_TBOOT_BASE`) are left out, which moves only the boot-time
      part of the fixmap, never `PKMAP_BASE`.
      </details>

    - The kernel finds a highmem page's pkmap address in a hash table (`page_address_htable`);
      the model looks it up by frame number. The answers are the same.
    - Mistakes the kernel would not catch are refused before anything changes, so that a
      lesson can show them: `kunmap` of a page nobody kmapped (the kernel's `BUG()`), and
      `kunmap_atomic` with no `kmap_atomic` to undo or of an empty slot (the kernel lets both
      pass, and the second silently undoes another mapping). The checks `CONFIG_DEBUG_HIGHMEM`
      adds are always on.

    ## 7. Exercises

    Each exercise has a **Hint** button; a wrong answer gets feedback on the usual mistake. Change the
    **seed** (or press **new numbers**) for a different machine and new addresses. The prompts give
    every number you need; the formulas are in sections 3 and 4.

    How to type a number: decimal (`887`), or hex with `0x` (`0xc0801234`). A question that says
    "in hex" also takes hex without `0x` (`c0801234`, or eight digits as /proc prints them); a
    decimal question does not. Where a question asks for a size, give it a unit if you like: `887 MB`,
    `887MB`, `4 kB`, `4096 bytes`, `2 GB`, `3 pages`, in binary multiples (1 kB = 1024 bytes). A reply
    that cannot be read this way is not an answer: you are told the form, and nothing is revealed.
    """),
    code("""
    Quiz(LESSON, seed=0)
    """),
    md("""
    ## Summary

    - Every process's top gigabyte, from `PAGE_OFFSET` = 0xC0000000, is the kernel's, the same in all
      processes, so entering the kernel needs no page-table switch.
    - Lowmem is a direct map: virtual = physical + `PAGE_OFFSET` (`__va`), physical = virtual −
      `PAGE_OFFSET` (`__pa`). It ends at `high_memory`.
    - Lowmem is at most `MAXMEM`, the gigabyte minus the 128 MB `__VMALLOC_RESERVE`: 896 MB up to
      2.6.27, 883–891 MB in the logs from 2.6.28 (it depends on where pkmap sits). RAM above it is
      highmem, mapped only when needed. A default kernel never gives 962 MB.
    - Above lowmem: an unmapped 8 MB gap (8–16 MB in 2.6.24), the vmalloc area, two guard pages, pkmap
      (1024 or 512 slots) and fixmap, ending at 0xfffff000.
    - RAM, PAE, the kernel version and `vmalloc=` move these boundaries; the boot log's "virtual kernel
      memory layout" block prints them, and the model reproduces real logs line for line.

    ## Read the source

    - `include/asm-x86/page_32.h` (2.6.24); `arch/x86/include/asm/page_32_types.h` and `page.h` (2.6.32):
      `__PAGE_OFFSET`, `MAXMEM` (2.6.24), and `__pa`/`__va`, one subtraction and one addition.
    - `include/asm-x86/pgtable_32.h` (2.6.24); `arch/x86/include/asm/pgtable_32_types.h` (2.6.32):
      `VMALLOC_OFFSET` and the comment on why there is a hole; `VMALLOC_START`, rounded (2.6.24) or not
      (2.6.32); `VMALLOC_END`; `MAXMEM` (2.6.32).
    - `include/asm-x86/highmem.h` (2.6.24): `LAST_PKMAP`, `PKMAP_BASE`, and a comment drawing the order
      of the bands.
    - `include/asm-x86/fixmap_32.h` (2.6.24); `arch/x86/include/asm/fixmap.h` (2.6.32):
      `enum fixed_addresses` (the slots), `FIXADDR_TOP`, `FIXADDR_START`.
    - `arch/x86/kernel/setup_32.c:find_max_low_pfn` and `setup_memory` (2.6.24);
      `arch/x86/mm/init_32.c:find_low_pfn_range` and `initmem_init` (2.6.32): `max_low_pfn` capped at
      `MAXMEM_PFN`, `high_memory` set, the HIGHMEM/LOWMEM boot lines printed.
    - `arch/x86/kernel/setup_32.c:parse_vmalloc` (2.6.24); `arch/x86/mm/pgtable_32.c:parse_vmalloc`
      (2.6.32): how `vmalloc=` sets `__VMALLOC_RESERVE`, and the added `VMALLOC_OFFSET`.
    - `arch/x86/mm/init_32.c:mem_init`: the boot log's layout block and the `BUG_ON` checks that the
      bands do not overlap.
    - `arch/x86/mm/pgtable_32.c:pgd_ctor` (2.6.24): `clone_pgd_range` copies the kernel's part of
      `swapper_pg_dir` into every new page directory.
    - `mm/highmem.c:kmap_high`: how a highmem page gets a pkmap slot.
    """),
]
