"""Lesson 8: high memory and temporary mappings — kmap, the pkmap band, kmap_atomic (Linux 2.6.24 and 2.6.32)."""

from nbbuild import code, md

CELLS = [
    md("""
    # Lesson 8 — High memory and temporary mappings

    A 32-bit kernel has one gigabyte of addresses, but the machine may have more RAM than
    that. The frames above the direct map, **highmem**, have no kernel address at all. To
    read or write one, the kernel must first map it somewhere for a while: with `kmap`, in
    a band of slots called the **pkmap** area, or with `kmap_atomic`, in a per-CPU slot of
    the **fixmap**. This lesson follows both on a 32-bit x86 machine with 1 GB of RAM, in
    Linux 2.6.24, and says where 2.6.32 differs.

    It reads best right after lesson 4 (vmalloc). It assumes the 3G–4G layout and
    `high_memory` (lesson 1), page frames and pfns (lesson 2), what a PTE is and how a walk
    finds it (lesson 3), and the vmalloc area with its first-fit search (lesson 4).

    **By the end of this lesson you can …**

    1. say why a highmem frame has no kernel address, and what `page_address()` returns for it;
    2. predict the address `kmap` returns, from `last_pkmap_nr` and `pkmap_count`, and say
       what `kunmap` leaves behind;
    3. tell when a `kmap` flushes the TLB (the wrap to slot 0) and which slots that flush
       frees, in both eras;
    4. compute a `kmap_atomic` address in the fixmap, and say why a higher `km_type` is a
       lower address;
    5. choose between `kmap`, `kmap_atomic`, `vmalloc` and no mapping at all.

    It takes about 30 minutes. Run the cells from top to bottom (*Run → Run All Cells*).
    """),
    md("""
    ## 1. Why a highmem frame has no address

    The kernel maps the first part of RAM once, at boot, at `PAGE_OFFSET` (`0xc0000000`) +
    physical address: the **direct map**, which ends at `high_memory`. In 2.6.24 that is
    896 MB: the gigabyte minus the 128 MB `__VMALLOC_RESERVE` kept for the vmalloc area, the
    pkmap band and the fixmap above it. A frame below that line (**lowmem**, pfn below
    `max_low_pfn`) always has an address: `page_address(page)` is `PAGE_OFFSET + pfn * 4096`.

    A frame above it is **highmem**. No PTE maps it to any kernel address, so
    `page_address()` returns NULL. On our 1 GB machine that is the top 128 MB.
    """),
    code("""
    from ipywidgets import VBox

    from vmwidgets import GFP_HIGHUSER, GFP_KERNEL, KM_USER0, KM_USER1, Config, Kernel, explain
    from vmwidgets.exercises.l8_highmem import atomic_question, next_kmap, tlb_question
    from vmwidgets.widgets import ExerciseWidget, LayoutView, PageTableView, PhysicalMemoryView, Player

    k = Kernel()  # 1 GB, no PAE, Linux 2.6.24
    lay = k.layout
    print(f"high_memory = {lay.high_memory:#010x}  (max_low_pfn = {lay.max_low_pfn:#x})")
    print(f"VMALLOC     = {lay.vmalloc_start:#010x}-{lay.vmalloc_end:#010x}")
    print(f"PKMAP_BASE  = {lay.pkmap_base:#010x}, LAST_PKMAP = {lay.last_pkmap} slots of 4 kB")
    print(f"FIXADDR     = {lay.fixaddr_start:#010x}-{lay.fixaddr_top:#010x}")
    with k.timeline.paused():  # allocating the pages is not this lesson's subject
        low = k.alloc_pages(GFP_KERNEL)
        pages = [k.alloc_pages(GFP_HIGHUSER) for _ in range(8)]
    A, B, C, D, E, F, G, H = pages
    print(f"lowmem  frame {low.pfn:#x}: page_address = {k.page_address(low):#010x}")
    print(f"highmem frame {A.pfn:#x}: page_address = {k.page_address(A)}")
    """),
    md("""
    The layout view shows the kernel's gigabyte enlarged: the direct map up to
    `high_memory`, the vmalloc area, then the **pkmap** band (4 MB: 1024 slots of one
    page) and the **fixmap** at the very top. The arrow points at `PKMAP_BASE`.
    """),
    code("""
    LayoutView(k, mark=lay.pkmap_base)
    """),
    md("""
    ## 2. `kmap`: a slot in the pkmap band

    The pkmap band has `LAST_PKMAP` slots (1024; 512 with PAE, whose page tables hold 512
    entries), all in **one page table** that `permanent_kmaps_init` builds at boot; its
    first PTE is `pkmap_page_table`. Slot `nr` is the address
    `PKMAP_ADDR(nr) = PKMAP_BASE + nr * PAGE_SIZE`. `mm/highmem.c` keeps three things:

    - `pkmap_count[nr]`: **0** = free (and flushed); **1** = still mapped, but no one uses
      it; **n ≥ 2** = n − 1 users;
    - `last_pkmap_nr`: where the search for a free slot stopped last (0 after boot);
    - `page_address_htable`: a hash from a highmem page to its pkmap address, so that
      `page_address()` can answer for a kmapped page.

    `kmap(page)` (`arch/x86/mm/highmem_32.c:kmap`) returns `page_address(page)` at once for
    a lowmem page. For a highmem page it calls `mm/highmem.c:kmap_high`:

    1. ask `page_address(page)`: a page that still has a slot keeps it;
    2. otherwise `map_new_virtual` searches **circularly**: it increments `last_pkmap_nr`
       (masked with `LAST_PKMAP - 1`) and *then* looks at that slot, until it finds a count
       of 0. So the first `kmap` after boot takes slot **1**, not 0;
    3. it writes the PTE (`set_pte_at` into `pkmap_page_table + nr`, `PAGE_KERNEL`), sets the
       count to 1 and records the address in the hash (`set_page_address`);
    4. back in `kmap_high`, the count goes up once more: 2, one user.

    `kmap` can **sleep** (step 2, when no slot is free, §5), so it is for process context
    only. Watch `kmap(A)`: the page-table view colours the walk of A's new address, which
    ends in the pkmap page table; the physical-memory view lights frame A in HighMem.
    """),
    code("""
    t = k.timeline
    n_ops = len(t.operations)
    va = k.kmap(A)
    vb = k.kmap(B)
    vc = k.kmap(C)
    first = t.operations[n_ops]  # kmap(A)
    for i in range(first.start, first.end):
        print(f"step {i + 1:3} {t[i].fn:36} {explain(t[i])}")
    print(f"kmap(A) = {va:#010x}, kmap(B) = {vb:#010x}, kmap(C) = {vc:#010x}")
    print("pkmap_count[0..4] =", k.pkmap_count[:5], " last_pkmap_nr =", k.last_pkmap_nr)
    """),
    code("""
    tables = PageTableView(k)
    tables.selected = f"addr:{va:#x}"  # colour the walk of A's pkmap address
    frames = PhysicalMemoryView(k)
    frames.selected = f"pfn:{A.pfn:#x}"
    kmap_player = Player(k, [tables, frames])
    kmap_player.seek(first.start)
    VBox([kmap_player, tables, frames])
    """),
    md("""
    ## 3. `kunmap`: the count drops to 1, the mapping stays

    `kunmap(page)` (`arch/x86/mm/highmem_32.c:kunmap` → `mm/highmem.c:kunmap_high`) only
    decrements the count. At 1 the slot has no user, but its PTE and its `page_address`
    entry stay: some CPU's TLB may still hold the old translation, so the slot cannot be
    given to another page before a TLB flush. A later `kmap` of the *same* page finds it
    still mapped and simply takes it again, with no search and no PTE write.
    """),
    code("""
    for page in (A, B, C):
        k.kunmap(page)
    print("after kunmap(A), kunmap(B), kunmap(C): pkmap_count[0..4] =", k.pkmap_count[:5])
    print(f"page_address(B) = {k.page_address(B):#010x}  (still mapped)")
    again = k.kmap(A)
    print(f"kmap(A) again = {again:#010x}: pkmap_count[0..4] =", k.pkmap_count[:5])
    """),
    md("""
    ### Predict, then check

    The next call is `kmap(D)`, a page that was never mapped. The cell below has already run
    it, but the player is held just **before** it. Type the address you expect and press
    **Commit and reveal**; if you are right (or press **Show me** after a wrong try), the player
    is released at the end of the call, and the steps appear under the question. Step back
    with **←** to watch the search. The page-table view colours the walk of `PKMAP_BASE`
    (slot 0), so the pkmap page table is open: watch which entry gets the new PTE.
    """),
    code("""
    so_far = (f"  kmap(A) = {va:#010x}", f"  kmap(B) = {vb:#010x}", f"  kmap(C) = {vc:#010x}",
              "  kunmap(A)", "  kunmap(B)", "  kunmap(C)", f"  kmap(A) = {again:#010x}")  # fmt: skip
    names = {p.pfn: n for p, n in zip(pages, "ABCDEFGH", strict=True)}
    question = next_kmap(k, [], names, D, shown=so_far)  # runs kmap(D) on k: the key is what it returns
    op = t.operations[-1]
    d_player = Player(k, [PageTableView(k, selected=f"addr:{lay.pkmap_base:#x}")])  # the walk to the pkmap table
    d_player.seek(op.start)
    VBox([ExerciseWidget(question, player=d_player, reveal=op.end), d_player, *d_player.views])  # worked answer inside
    """),
    md("""
    ## 4. The wrap: one flush for all the unused slots

    Slots with count 1 pile up. They become free only in `flush_all_zero_pkmaps`, which runs
    when the search **wraps** round to slot 0 (and from `kmap_flush_unused`, which Xen calls,
    and in 2.6.32 also `change_page_attr_set_clr`). For every slot whose count is exactly
    **1** it sets the count to 0, clears the PTE (`pte_clear`) and removes the page from
    `page_address_htable`; slots with users (count ≥ 2) keep everything. Then **one** TLB flush covers the whole band
    (`flush_tlb_kernel_range`): one flush for many slots, instead of one per `kunmap`.
    That is the point of count 1: `kunmap` is cheap, and the flushing is batched.

    To get there we need the search at slot 1023. The cell below makes 1019 more kmaps of
    other pages **without recording them** (the player shows them as one step, *recording
    paused*). To keep the flush short enough to step through, most of those pages stay
    kmapped (count 2, as if many users held them) and only four are kunmap'ed. On a real
    machine most slots would be at count 1 by then, and the flush would clear them all, two
    steps each here. Then D is kunmap'ed, and the player is held before `kmap(E)`:
    """),
    code("""
    held = []
    with t.paused():
        while k.last_pkmap_nr != lay.last_pkmap - 1:
            page = k.alloc_pages(GFP_HIGHUSER)
            k.kmap(page)
            held.append(page)
        for page in held[:4]:
            k.kunmap(page)
    k.kunmap(D)
    counts = k.pkmap_count
    print("last_pkmap_nr =", k.last_pkmap_nr)
    for c in (0, 1, 2):
        print(f"count {c}: slots", [nr for nr, n in enumerate(counts) if n == c][:12])
    print("count 2: all the other slots, up to", lay.last_pkmap - 1)
    """),
    code("""
    state = (
        f"Linux 2.6.24, LAST_PKMAP = {lay.last_pkmap}, PKMAP_BASE = {lay.pkmap_base:#010x}. last_pkmap_nr = "
        f"{k.last_pkmap_nr}. Slot 0 has count 0; slots "
        + ", ".join(str(nr) for nr, n in enumerate(counts) if n == 1)
        + " have count 1; all the other slots have count 2."
    )
    flush_q = tlb_question(k, state, page=E)  # runs kmap(E) on k
    wrap = t.operations[-1]
    wrap_tables = PageTableView(k, selected=f"addr:{lay.pkmap_base + 0x2000:#x}")  # B's old slot: cleared here
    wrap_layout = LayoutView(k, mark=lay.pkmap_base)
    wrap_player = Player(k, [wrap_tables, wrap_layout])
    wrap_player.seek(wrap.start)
    VBox([ExerciseWidget(flush_q, player=wrap_player, reveal=wrap.end), wrap_player, wrap_tables,
          wrap_layout])  # fmt: skip
    """),
    md("""
    The page-table view follows slot 2 (B's old slot); its PTE disappears in the flush. After
    the wrap, the freed slots are free indeed: the next new page takes the first of them
    that the search meets, and B, no longer mapped, needs a new slot:
    """),
    code("""
    vf = k.kmap(F)
    print(f"kmap(F) = {vf:#010x}  (slot {(vf - lay.pkmap_base) >> 12})")
    print(f"page_address(B) = {k.page_address(B)}  -> kmap(B) searches again: {k.kmap(B):#010x}")
    """),
    md("""
    ## 5. Every slot in use: `kmap` sleeps

    If the search goes round the whole band without finding a count-0 slot (after the flush
    at the wrap), `map_new_virtual` puts the caller to sleep on `pkmap_map_wait`, drops
    `kmap_lock`, and starts again when a `kunmap` brings a count down to 1 and wakes it. The
    model has a single thread, so nothing could wake it: it reports the sleep as an event
    (`PkmapWaitQueued`) and `kmap` returns None. Here is a second machine whose 1024 slots all
    have a user. It is not shown in a player: `map_new_virtual` also keeps `count`, the
    number of slots left to try (it starts at `LAST_PKMAP` and goes down by one a slot), but
    the wrap's flush sets it back to `LAST_PKMAP`, so the search goes round once to slot 0,
    flushes, and goes round once more before it gives up: over 2,000 steps.
    """),
    code("""
    full = Kernel()
    with full.timeline.paused():
        users = [full.alloc_pages(GFP_HIGHUSER) for _ in range(full.layout.last_pkmap + 1)]
        for page in users[:-1]:
            full.kmap(page)  # slots 1..1023, then slot 0 after the wrap
    print("slots with a user:", sum(c >= 2 for c in full.pkmap_count), "of", full.layout.last_pkmap)
    print("kmap(one more page) ->", full.kmap(users[-1]))
    sleep = full.timeline.operations[-1]
    events = full.timeline[sleep.start : sleep.end]
    print("slots visited:", sum(e.kind == "PkmapSlotVisited" and e.verdict == "busy" for e in events))
    wait = next(e for e in events if e.kind == "PkmapWaitQueued")
    print(f"{wait.fn}: {explain(wait)}")
    full.kunmap(users[5])
    print(f"after kunmap: kmap -> {full.kmap(users[-1]):#010x}  (the count-1 slot is freed at the next wrap)")
    """),
    md("""
    <details><summary>Aside: why not just map all of RAM?</summary>

    With the 3G/1G split the kernel owns 1 GB of each address space, and it needs some of it
    for vmalloc, the pkmap band and the fixmap. A bigger direct map means less room for
    user programs (the 2G/2G split, `CONFIG_VMSPLIT_2G`, does exactly that) or a separate
    4G/4G address space (Red Hat's patch, with a costly switch on every system call).
    64-bit kernels map all of RAM and have no highmem at all.

    </details>

    ## 6. `kmap_atomic`: a per-CPU slot in the fixmap

    `kmap` may sleep and takes a global lock, so interrupt handlers and code holding a
    spinlock cannot use it. They use `kmap_atomic(page, type)`
    (`arch/x86/mm/highmem_32.c:kmap_atomic` → `kmap_atomic_prot`). The **fixmap** is a set of
    addresses whose meaning is fixed at compile time, counted *down* from `FIXADDR_TOP`
    (`0xfffff000`): `__fix_to_virt(idx) = FIXADDR_TOP - idx * PAGE_SIZE`, so a **higher index
    is a lower address**. With a distribution's options, indices 0–69 are the hole, the vDSO,
    the local and I/O APICs and so on; `FIX_KMAP_BEGIN` is **70**. From there each CPU has
    `KM_TYPE_NR` slots, one per `enum km_type` (`KM_USER0`, `KM_USER1`, `KM_PTE0`,
    `KM_IRQ0`, …): one slot per *use*, so an interrupt that maps a page while process code on
    the same CPU holds `KM_USER0` uses its own `KM_IRQ0` slot and overwrites nothing.

    `kmap_atomic(page, type)` disables page faults (and with them preemption, in these eras),
    computes `idx = type + KM_TYPE_NR * smp_processor_id()`, writes the PTE of
    `__fix_to_virt(FIX_KMAP_BEGIN + idx)` and returns that address. No search, no count, no
    sleep. The kernel BUGs if the slot's PTE is not empty: one type cannot be nested on one
    CPU. `kunmap_atomic(vaddr, type)` clears the PTE, flushes that one TLB entry
    (`kpte_clear_flush`) and enables page faults again. A lowmem page gets its
    `page_address` and no PTE at all (page faults still stay off until `kunmap_atomic`).
    """),
    code("""
    ka = Kernel()
    with ka.timeline.paused():
        src, dst, small = ka.alloc_pages(GFP_HIGHUSER), ka.alloc_pages(GFP_HIGHUSER), ka.alloc_pages(GFP_KERNEL)
    for e in ka.fixed_addresses:  # FIX_KMAP_BEGIN..END: KM_TYPE_NR slots for each of NR_CPUS = 8 CPUs
        print(f"{e.name:22} idx {e.first:3}-{e.last:3}  {e.start:#010x}-{e.end:#010x}")
    v0 = ka.kmap_atomic(src, KM_USER0)
    print(f"KM_USER0 = {KM_USER0}: kmap_atomic(src, KM_USER0) = {v0:#010x}")
    """),
    md("""
    ### Predict, then check

    Copying a highmem page (`copy_highpage`) maps the source with `KM_USER0` and the
    destination with `KM_USER1` = 4, on the same CPU, nested. The cell below has run
    `kmap_atomic(dst, KM_USER1)`; the player is held before it. The page-table view colours
    `KM_USER0`'s walk into the fixmap's page table, and the layout view points at it: the new
    PTE appears in the same table.
    """),
    code("""
    user1 = atomic_question(ka, dst, KM_USER1, held=v0)  # runs kmap_atomic(dst, KM_USER1) on ka
    op1 = ka.timeline.operations[-1]
    fix_tables = PageTableView(ka, selected=f"addr:{v0:#x}")  # KM_USER0's walk: the fixmap's page table
    atomic_player = Player(ka, [fix_tables, LayoutView(ka, mark=v0)])
    atomic_player.seek(op1.start)
    VBox([ExerciseWidget(user1, player=atomic_player, reveal=op1.end), atomic_player, *atomic_player.views])
    """),
    md("""
    Undo them in reverse order: `KM_USER1` first, then `KM_USER0`. In these eras each type
    has its own slot, so the order does not matter to the PTEs, but nesting is the rule the
    code follows (and from 2.6.37, where the slots became a per-CPU stack, it is
    required). A lowmem page needs no slot:
    """),
    code("""
    v1 = user1.value  # the address kmap_atomic returned
    ka.kunmap_atomic(v1, KM_USER1)
    ka.kunmap_atomic(v0, KM_USER0)
    print("after both kunmap_atomic, neither slot has a PTE: their walks fault at level",
          repr(ka.translate(v0).fault), "and", repr(ka.translate(v1).fault))  # fmt: skip
    vs = ka.kmap_atomic(small, KM_USER0)
    print(f"kmap_atomic(lowmem frame {small.pfn:#x}) = {vs:#010x}: its direct-map address, no PTE written")
    ka.kunmap_atomic(vs, KM_USER0)
    """),
    md("""
    ## 7. Which mapping where

    | need | use | why |
    |---|---|---|
    | a lowmem page (`GFP_KERNEL`, slab, page tables in lowmem) | nothing: `page_address(page)` | the direct map already maps it |
    | a highmem page, in process context, held a while (may sleep in between) | `kmap` / `kunmap` | may sleep for a free slot; cheap unmap, flushes batched at the wrap |
    | a highmem page in an interrupt, under a spinlock, or just briefly | `kmap_atomic` / `kunmap_atomic` | never sleeps; per-CPU slot per `km_type`; no sleeping until unmapped; unmap in reverse order |
    | a big buffer, long-lived, contiguous to the CPU | `vmalloc` (lesson 4) | many frames, mapped as long as needed |

    ## 8. 2.6.24 and 2.6.32, with and without PAE

    The algorithm is the same in both eras. What differs: the constants, the number of
    `km_type`s (2.6.32 adds `KM_SYNC_ICACHE`, `KM_SYNC_DCACHE`, `KM_UML_USERCOPY`,
    `KM_IRQ_PTE`, `KM_NMI`, `KM_NMI_PTE`: 19 instead of 13) and the flush: 2.6.24 flushes
    the TLB on **every** wrap, 2.6.32 only when the loop cleared a slot (`need_flush`).
    """),
    code("""
    print(f"{'':16} {'high_memory':>11} {'PKMAP_BASE':>11} {'LAST_PKMAP':>10} {'FIXADDR_START':>13} {'KM_TYPE_NR':>10}")
    for era in ("2.6.24", "2.6.32"):
        for pae in (False, True):
            kk = Kernel(Config(era=era, pae=pae), record=False)
            L = kk.layout
            print(f"{era + (' PAE' if pae else ''):16} {L.high_memory:#11x} {L.pkmap_base:#11x} {L.last_pkmap:10}"
                  f" {L.fixaddr_start:#13x} {len(kk.km_types):10}")  # fmt: skip
    """),
    md("""
    Both eras keep `FIX_KMAP_BEGIN` at 70 with these options, so `KM_USER0` is at
    `0xfffb6000` in both. `PKMAP_BASE` is the boot fixmap's start minus `LAST_PKMAP + 1`
    pages, rounded down to a page-table boundary (4 MB, or 2 MB with PAE), so it moves with
    the fixmap's size. The flush difference, on a wrap where every slot but 0 has a user
    (nothing to clear):
    """),
    code("""
    for era in ("2.6.24", "2.6.32"):
        kk = Kernel(Config(era=era))
        with kk.timeline.paused():
            for _ in range(kk.layout.last_pkmap - 1):
                kk.kmap(kk.alloc_pages(GFP_HIGHUSER))
        kk.kmap(kk.alloc_pages(GFP_HIGHUSER))
        last_op = kk.timeline.operations[-1]
        flushes = sum(e.kind == "TlbFlushed" for e in kk.timeline[last_op.start : last_op.end])
        print(f"{era}: the wrapping kmap makes {flushes} TLB flush{'es' * (flushes != 1)}")
    """),
    md("""
    ## 9. Where the model simplifies

    - One CPU: `smp_processor_id()` is 0, so only CPU 0's `km_type` slots are used, and a
      TLB flush is one step (on SMP, `flush_tlb_kernel_range` interrupts every CPU).
    - Sleeping is an event: with one thread nothing can wake a sleeper, so a `kmap` with
      every slot in use reports `PkmapWaitQueued` and returns None instead of waiting (§5).
    - `page_address_htable` (128 buckets of `page_address_map`, a pool of `LAST_PKMAP`
      entries) is a plain table from pfn to address.
    - `CONFIG_DEBUG_HIGHMEM` is off: no `__KM_FENCE_n` between the `km_type`s (with it,
      `KM_USER0` would be 7) and no `debug_kmap_atomic` context checks. Its `kunmap_atomic`
      checks (a wrong address for the type) are made anyway, as errors, and so are two
      checks of the model's own: `kunmap_atomic` with nothing mapped, or of an empty slot.
    - The kernel's `BUG()`s (a `kunmap` of a page that is not kmapped, a nested
      `kmap_atomic` of one type) are refused with an error before anything changes.
    - The fixmap is a distribution's (`FIX_KMAP_BEGIN` = 70: local APIC, 64 I/O APICs,
      `F00F_IDT`); a kernel built without those would start the KM slots elsewhere.
    - The pages here come from `alloc_pages` with nothing in them: the model maps frames,
      it does not copy data.

    ## Exercises

    Each question has a **Hint** button, and a wrong answer tells you what it probably
    mixed up. Change the **seed** (or press **new numbers**) for the same questions with
    other numbers, other eras and sometimes PAE.
    """),
    code("""
    from vmwidgets.exercises.l8_highmem import LESSON
    from vmwidgets.widgets import Quiz

    Quiz(LESSON, seed=0)
    """),
    md("""
    ## Summary

    - Lowmem is direct-mapped up to `high_memory` (896 MB in 2.6.24); a highmem frame has no
      kernel address, and `page_address()` is NULL until it is mapped.
    - `kmap` gives a highmem page a slot in the pkmap band (`LAST_PKMAP` = 1024, 512 with PAE):
      `map_new_virtual` searches circularly from `last_pkmap_nr + 1` for a count-0 slot and
      writes its PTE in `pkmap_page_table`; the address is `PKMAP_BASE + nr * 4096`.
    - `kunmap` only lowers the count: at 1 the page stays mapped (a new `kmap` of it reuses the
      slot) but the slot is not free. `flush_all_zero_pkmaps` frees all count-1 slots at the
      wrap to 0, with one TLB flush (2.6.32: only if it cleared one).
    - With every slot in use, `kmap` sleeps: process context only.
    - `kmap_atomic` maps into a per-CPU, per-`km_type` fixmap slot at
      `FIXADDR_TOP - (FIX_KMAP_BEGIN + type + KM_TYPE_NR * cpu) * 4096`: no sleep, no search,
      higher type = lower address; `kunmap_atomic` clears it. Lowmem pages need neither.

    ## Read the source

    Linux 2.6.24 (2.6.32 at the same names):

    - `arch/x86/mm/highmem_32.c`: `kmap`, `kunmap` (the lowmem shortcut, `might_sleep`),
      `kmap_atomic_prot` (`idx = type + KM_TYPE_NR*smp_processor_id()`, the `BUG_ON` of a
      busy slot), `kunmap_atomic` (`kpte_clear_flush`).
    - `mm/highmem.c`: `kmap_high`, `map_new_virtual` (the pre-increment, the wrap, the
      `count` of slots left, the wait queue), `flush_all_zero_pkmaps` (2.6.32's `need_flush`),
      `kunmap_high`, `page_address` and `set_page_address` (the hash).
    - `include/asm-x86/highmem.h` (2.6.32: `arch/x86/include/asm/pgtable_32_types.h`):
      `LAST_PKMAP`, `PKMAP_BASE`, `PKMAP_NR`, `PKMAP_ADDR`.
    - `include/asm-x86/fixmap_32.h` (2.6.32: `arch/x86/include/asm/fixmap.h`):
      `enum fixed_addresses`, `__fix_to_virt`; `include/asm-x86/kmap_types.h` (2.6.32:
      `include/asm-generic/kmap_types.h`): `enum km_type`.
    - `arch/x86/mm/init_32.c`: `permanent_kmaps_init`, `kmap_init` (`kmap_pte`).
    """),
]
