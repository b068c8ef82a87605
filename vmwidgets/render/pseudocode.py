"""Short pseudo-code of each kernel function the model follows, written for this project.

Each line lists the events it produces (an event class, or ``(class, verdict or level)``), so
the player can highlight the line the current step is on.  The code is a reading aid, not the kernel's
text: open the named file beside it for the real thing.
"""

from __future__ import annotations

from ..events import (  # SLUB
    AllocationFailed,
    BuddyMerged,
    BuddyNotMerged,
    BuddySplit,
    CpuSlabChanged,
    Event,
    FixmapSlotComputed,
    FrameAllocated,
    FrameFreed,
    FreeBlockAdded,
    FreeBlockTaken,
    KmallocRouted,
    KmemCacheCreated,
    KmemCacheMerged,
    MmapCacheChecked,
    MmStructUpdated,
    OperationBegan,
    OperationEnded,
    PageAddressRead,
    PageFaulted,
    PageRefChanged,
    PageTableAllocated,
    PageTableFreed,
    PgdCreated,
    PgdFreed,
    PkmapCountChanged,
    PkmapSlotVisited,
    PkmapWaitQueued,
    PteChanged,
    PteCleared,
    PteInstalled,
    RbNodeErased,
    RbNodeLinked,
    RbRecolored,
    RbRotatedLeft,
    RbRotatedRight,
    SignalSent,
    SlabCreated,
    SlabDiscarded,
    SlabFreelistLoaded,
    SlabObjectAllocated,
    SlabObjectFreed,
    SlabPartialAdded,
    SlabPartialRemoved,
    TableEntryRead,
    TlbFlushed,
    VmaAdjusted,
    VmaFlagsChanged,
    VmaLinked,
    VmapAreaFreed,
    VmapAreaLazyFreed,
    VmapAreaVisited,
    VmaUnlinked,
    VmaVisited,
    VmlistVisited,
    VmPageStored,
    VmStructLinked,
    VmStructUnlinked,
    VmStructUpdated,
    WarningPrinted,
)
from ..timeline import TimelineMarker
from .dot import escape

__all__ = ["NO_LINE", "PSEUDOCODE", "current_line", "lines_for", "pseudocode_html"]

_Tag = type[Event] | tuple[type[Event], str]
_L = tuple[str, tuple[_Tag, ...]]

NO_LINE: dict[type[Event], str] = {
    OperationBegan: "the call itself: the player shows its function, no line of it",
    OperationEnded: "the return: the player shows its function, no line of it",
}
"""Event kinds that are on no line of pseudo-code, and why."""

PSEUDOCODE: dict[str, tuple[_L, ...]] = {
    "mm/vmalloc.c:__get_vm_area_node": (
        ("size += PAGE_SIZE                      /* the guard page */", ()),
        ("addr = start                            /* VMALLOC_START */", ()),
        ("for (p = &vmlist; (tmp = *p); p = &tmp->next):", ()),
        ("    if tmp->addr < addr: skip it (below)", ((VmlistVisited, "below"), (VmlistVisited, "skip"))),
        ("    if addr + size <= tmp->addr: found  /* hole fits */", ((VmlistVisited, "fits"),)),
        ("    addr = tmp->addr + tmp->size        /* try after it */", ((VmlistVisited, "skip"),)),
        ("if addr + size > end: warn, fail        /* no hole */", (AllocationFailed, WarningPrinted)),
        ("area->next = *p; *p = area              /* link in */", (VmStructLinked,)),
    ),
    "mm/vmalloc.c:insert_vmalloc_vm": (
        ("area->addr = va->va_start; area->size = va_end - va_start", ()),
        ("for (p = &vmlist; (tmp = *p); p = &tmp->next):", ()),
        ("    if tmp->addr >= area->addr: break", ((VmlistVisited, "insert"),)),
        ("    (keep walking)", ((VmlistVisited, "before"),)),
        ("area->next = *p; *p = area              /* vmlist stays sorted */", (VmStructLinked,)),
    ),
    "mm/vmalloc.c:alloc_vmap_area": (
        ("addr = ALIGN(vstart, align)", ()),
        (
            "walk vmap_area_root down to the lowest area ending after addr",
            ((VmapAreaVisited, "left"), (VmapAreaVisited, "right")),
        ),
        ("while addr + size > va->va_start: addr = va->va_end + PAGE_SIZE", ((VmapAreaVisited, "skip"),)),
        (
            "if addr + size > vend: purge lazy areas once, retry; else fail",
            ((VmapAreaVisited, "overflow"), (VmapAreaVisited, "fail"), AllocationFailed, WarningPrinted),
        ),
        ("va->va_start = addr; insert into the rb-tree and the list", (RbNodeLinked,)),
    ),
    "mm/vmalloc.c:__vmalloc_area_node": (
        ("nr_pages = (area->size - PAGE_SIZE) >> PAGE_SHIFT", (VmStructUpdated,)),
        ("area->pages = kmalloc(nr_pages * sizeof(struct page *))", ()),
        ("for i in 0 .. nr_pages-1:", ()),
        ("    page = alloc_page(gfp_mask)        /* any frame: scattered */", ()),
        ("    area->pages[i] = page", (VmPageStored,)),
        ("map_vm_area(area, prot, &pages)        /* install the PTEs */", ()),
    ),
    "mm/vmalloc.c:vmap_pte_range": (
        ("pte = pte_alloc_kernel(pmd, addr)      /* a PTE table if missing */", ()),
        ("for each page of the area:", ()),
        ("    set_pte_at(&init_mm, addr, pte, mk_pte(page, prot))", (PteInstalled,)),
        ("    addr += PAGE_SIZE; pte++", ()),
    ),
    "mm/vmalloc.c:__remove_vm_area": (
        ("for (p = &vmlist; (tmp = *p); p = &tmp->next):", ()),
        ("    if tmp->addr == addr: found", ((VmlistVisited, "match"),)),
        ("    (not it: keep walking)", ((VmlistVisited, "no-match"),)),
        ("unmap_vm_area(tmp)                     /* clear the PTEs */", ()),
        ("*p = tmp->next                         /* unlink */", (VmStructUnlinked,)),
    ),
    "mm/vmalloc.c:__vunmap": (
        ("if (!addr) return", ()),
        ('if addr is not page aligned: WARN "bad address"; return', (WarningPrinted,)),
        ("area = remove_vm_area(addr)", ()),
        ('if !area: WARN "nonexistent vm area"; return', (WarningPrinted,)),
        ("if deallocate_pages: __free_page each page, free pages[]", ()),
        ("kfree(area)", ()),
    ),
    "arch/x86/mm/ioremap.c:iounmap": (
        ("if addr is below high_memory: return  /* a lowmem address: nothing mapped */", ()),
        ("walk vmlist to the vm_struct of the page-aligned address", (VmlistVisited,)),
        ('if !p: WARN "bad address"; return', (WarningPrinted,)),
        ("free_vm_area(p)                        /* unmap and unlink */", ()),
    ),
    "mm/vmalloc.c:vunmap_pte_range": (
        ("for each pte of the range:", ()),
        ("    ptep_get_and_clear(&init_mm, addr, pte)", (PteCleared,)),
    ),
    "mm/vmalloc.c:free_unmap_vmap_area_noflush": (
        ("unmap the PTEs now, flush the TLB later", ()),
        ("va->flags |= VM_LAZY_FREE; vmap_lazy_nr += pages", (VmapAreaLazyFreed,)),
        ("if vmap_lazy_nr > lazy_max_pages(): purge", ()),
    ),
    "mm/vmalloc.c:__purge_vmap_area_lazy": (
        ("collect every area marked VM_LAZY_FREE", ()),
        ("flush_tlb_kernel_range(start, end)     /* one flush for all */", (TlbFlushed,)),
        ("for each: rb_erase + list_del + free", (VmapAreaFreed,)),
    ),
    "mm/vmalloc.c:__find_vmap_area": (
        ("n = vmap_area_root.rb_node", ()),
        (
            "while n: go left if addr < va_start, right if addr >= va_end",
            ((VmapAreaVisited, "left"), (VmapAreaVisited, "right")),
        ),
        ("        else return va", ((VmapAreaVisited, "match"),)),
    ),
    "mm/page_alloc.c:__rmqueue_smallest": (
        ("for (current_order = order; current_order < MAX_ORDER; ++current_order):", ()),
        ("    area = &zone->free_area[current_order]", ()),
        ("    if list_empty(&area->free_list): continue", ()),
        ("    page = first block on the list; list_del; area->nr_free--", (FreeBlockTaken,)),
        ("    expand(zone, page, order, current_order, area)", ()),
    ),
    "mm/page_alloc.c:expand": (
        ("size = 1 << high", ()),
        ("while high > low:", ()),
        ("    area--; high--; size >>= 1", ()),
        ("    add page[size] (the upper half) to area->free_list", (BuddySplit,)),
        ("    area->nr_free++; set_page_order(&page[size], high)", ()),
    ),
    "mm/page_alloc.c:buffered_rmqueue": (
        ("page = __rmqueue(zone, order)", ()),
        ("prep_new_page(page, order)             /* _count = 1 */", (FrameAllocated,)),
    ),
    "mm/page_alloc.c:__free_pages": (
        ("if put_page_testzero(page):            /* last reference */", ()),
        ("    __free_pages_ok(page, order)", (FrameFreed,)),
    ),
    "mm/page_alloc.c:__free_one_page": (
        ("while order < MAX_ORDER - 1:", ()),
        ("    buddy = page_idx ^ (1 << order)", ()),
        ("    if !page_is_buddy(buddy, order): break", (BuddyNotMerged,)),
        ("    list_del(buddy); nr_free--; combine; order++", (BuddyMerged,)),
        ("add the block to free_area[order]; nr_free++", (FreeBlockAdded,)),
    ),
    "mm/memory.c:__pte_alloc_kernel": (
        ("new = pte_alloc_one_kernel(&init_mm, address)", ()),
        ("pmd_populate_kernel(&init_mm, pmd, new) /* point the PDE at it */", (PageTableAllocated,)),
    ),
    "mm/memory.c:free_pgtables": (
        ("for each VMA going away: free_pgd_range(floor, ceiling)", ()),
        ("    a PTE table (or PMD) that maps nothing now: unlink it, pte_free", (PageTableFreed,)),
    ),
    "arch/x86/mm/pgtable_32.c:pgd_ctor": (
        ("clone_pgd_range(pgd + USER_PTRS_PER_PGD,", ()),
        ("                swapper_pg_dir + USER_PTRS_PER_PGD, KERNEL_PGD_PTRS)", (PgdCreated,)),
        ("/* non-PAE: pgd_list_add(pgd), so vmalloc_sync_all can reach it */", ()),
    ),
    "arch/x86/mm/pgtable_32.c:pgd_alloc": (
        ("pgd = quicklist_alloc(0, GFP_KERNEL, pgd_ctor)", ()),
        ("PAE: for each user slot: pmd = pmd_alloc_one(); set_pgd(pgd + i, pmd)", (PageTableAllocated,)),
    ),
    "arch/x86/mm/pgtable_32.c:pgd_free": (
        ("PAE: for each user slot: pmd_free(pgd's pmd)", (PageTableFreed,)),
        ("quicklist_free(0, pgd_dtor, pgd)        /* the directory page goes back */", (PgdFreed,)),
    ),
    "include/linux/mm.h:get_page": (
        ("atomic_inc(&page->_count)               /* one more user */", (PageRefChanged,)),
    ),
    "mm/swap.c:put_page": (
        ("if put_page_testzero(page):            /* _count drops; the last user frees */", (PageRefChanged,)),
        ("    __put_single_page(page)", ()),
    ),
    "mm/memory.c:__pte_alloc": (
        ("new = pte_alloc_one(mm, address)", ()),
        ("pmd_populate(mm, pmd, new)             /* point the PDE at it */", (PageTableAllocated,)),
    ),
    "x86 MMU:page walk": (
        ("/* the CPU itself, on a TLB miss: no kernel code runs */", ()),
        ("pgd = cr3 + pgd_index(address)        /* bits 31-22 (PAE: 31-30) */", ((TableEntryRead, "pgd"),)),
        ("pmd = pgd's table + pmd_index(address) /* PAE only: bits 29-21 */", ((TableEntryRead, "pmd"),)),
        ("if not PRESENT: page fault; if PSE: a large page, done", ()),
        ("pte = pmd's table + pte_index(address) /* bits 21-12 (PAE: 20-12) */", ((TableEntryRead, "pte"),)),
        ("phys = pte's frame + offset            /* bits 11-0 */", ()),
    ),
    "arch/x86/mm/fault.c:do_page_fault": (
        ("address = read_cr2()", (PageFaulted,)),
        ("if address >= TASK_SIZE: vmalloc_fault(address)", ()),
        ("vma = find_vma(mm, address); no vma: bad_area", ()),
        ("if vma->vm_start > address: expand_stack or bad_area", ()),
        ("check the access against vma->vm_flags: bad_area", ()),
        ("handle_mm_fault(mm, vma, address, write)", ()),
        ("bad_area: force_sig(SIGSEGV)           /* or oops in the kernel */", (SignalSent,)),
    ),
    "mm/memory.c:do_anonymous_page": (
        ("page = alloc_zeroed_user_highpage(vma, address)", ()),
        ("entry = mk_pte(page, vma->vm_page_prot)  /* + dirty, writable on a write */", ()),
        ("set_pte_at(mm, address, page_table, entry)", (PteInstalled,)),
    ),
    "mm/memory.c:__do_fault": (
        ("page = the page cache page for (file, pgoff)", ()),
        ("if private write: copy it to a new anonymous page", ()),
        ("set_pte_at(mm, address, page_table, mk_pte(page, prot))", (PteInstalled,)),
    ),
    "mm/memory.c:do_wp_page": (
        ("old_page = vm_normal_page(vma, address, orig_pte)", ()),
        ("if we hold the only reference: make the PTE writable (reuse)", (PteChanged,)),
        ("else: copy to a new page, point the PTE at the copy", ()),
    ),
    "mm/memory.c:copy_one_pte": (
        ("if COW mapping and writable: ptep_set_wrprotect(src); pte = pte_wrprotect(pte)", (PteChanged,)),
        ("get_page(page)                         /* both share the frame */", ()),
        ("set_pte_at(dst_mm, addr, dst_pte, pte)", (PteInstalled,)),
    ),
    "mm/memory.c:zap_pte_range": (
        ("for each pte in the range:", ()),
        ("    ptent = ptep_get_and_clear_full(mm, addr, pte)", (PteCleared,)),
        ("    page_remove_rmap; tlb_remove_page (drops a reference)", ()),
    ),
    "mm/mmap.c:sys_brk": (
        ("if brk < mm->end_code: return mm->brk   /* CONFIG_COMPAT_BRK's floor */", ()),
        ("newbrk = PAGE_ALIGN(brk); oldbrk = PAGE_ALIGN(mm->brk)", ()),
        ("if oldbrk == newbrk: goto set_brk       /* the same last page */", ()),
        ("if brk <= mm->brk: do_munmap(mm, newbrk, oldbrk - newbrk); goto set_brk", ()),
        ("if find_vma_intersection(mm, oldbrk, newbrk + PAGE_SIZE): return mm->brk", ()),
        ("do_brk(oldbrk, newbrk - oldbrk)        /* grow: anonymous pages, merged */", ()),
        ("set_brk: mm->brk = brk                  /* maps' [heap] ends here */", (MmStructUpdated,)),
        ("return mm->brk", ()),
    ),
    "fs/binfmt_elf.c:set_brk": (
        ("start = ELF_PAGEALIGN(start); end = ELF_PAGEALIGN(end)", ()),
        ("if end > start: do_brk(start, end - start)   /* the bss past the file */", ()),
        ("mm->start_brk = mm->brk = end           /* an empty heap */", (MmStructUpdated,)),
    ),
    "kernel/fork.c:dup_mm": (
        ("mm = allocate_mm()", ()),
        ("memcpy(mm, oldmm, sizeof(*mm))         /* start_brk, brk, start_stack … */", (MmStructUpdated,)),
        ("mm_init(mm, tsk)                        /* its own pgd: pgd_alloc */", ()),
        ("dup_mmap(mm, oldmm)                     /* a copy of every VMA */", ()),
    ),
    "kernel/fork.c:__mmdrop": (
        ("mm_free_pgd(mm)                         /* pgd_free */", ()),
        ("destroy_context(mm)", ()),
        ("free_mm(mm)                             /* kmem_cache_free(mm_cachep, mm) */", (MmStructUpdated,)),
    ),
    "mm/mmap.c:find_vma": (
        ("vma = mm->mmap_cache                   /* the last hit */", (MmapCacheChecked,)),
        ("if !(vma && vma->vm_end > addr && vma->vm_start <= addr):", ()),
        ("    rb_node = mm->mm_rb.rb_node; vma = NULL", ()),
        ("    while rb_node:", ()),
        ("        if vma_tmp->vm_end > addr: vma = vma_tmp", ((VmaVisited, "left"), (VmaVisited, "contains"))),
        ("            if vma_tmp->vm_start <= addr: break", ((VmaVisited, "contains"),)),
        ("            rb_node = rb_node->rb_left", ((VmaVisited, "left"),)),
        ("        else: rb_node = rb_node->rb_right", ((VmaVisited, "right"),)),
        ("    if vma: mm->mmap_cache = vma", ()),
    ),
    "mm/mmap.c:find_vma_prev": (
        ("rb_node = mm->mm_rb.rb_node", ()),
        ("while rb_node: left if addr < vma_tmp->vm_end, else prev = vma_tmp and right", (VmaVisited,)),
        ("*pprev = prev; return prev ? prev->vm_next : mm->mmap", ()),
    ),
    "mm/mmap.c:__vma_link_list": (  # no vm_prev before 2.6.36
        ("vma->vm_next = prev ? prev->vm_next : mm->mmap", ()),
        ("prev ? prev->vm_next = vma : mm->mmap = vma", (VmaLinked,)),
        ("then __vma_link_rb: rb_link_node + rb_insert_color", ()),
    ),
    "mm/mmap.c:vma_adjust": (
        ("vma->vm_start = start; vma->vm_end = end; vma->vm_pgoff = pgoff", (VmaAdjusted,)),
        ("if next was swallowed: __vma_unlink(next); free it", (VmaUnlinked,)),
        ("if the start moved: rb-tree position stays (order unchanged)", ()),
    ),
    "mm/mmap.c:detach_vmas_to_be_unmapped": (
        ("do: rb_erase(&vma->vm_rb, &mm->mm_rb); mm->map_count--", (VmaUnlinked,)),
        ("while vma && vma->vm_start < end", ()),
        ("*insertion_point = vma; tail_vma->vm_next = NULL", ()),
        ("mm->mmap_cache = NULL", ()),
    ),
    "mm/mmap.c:remove_vma": (
        ("if vma->vm_file: fput(vma->vm_file)", ()),
        ("kmem_cache_free(vm_area_cachep, vma)", (VmaUnlinked,)),
    ),
    "mm/mprotect.c:mprotect_fixup": (
        ("try vma_merge with the neighbours", ()),
        ("split_vma at start and at end if needed", ()),
        ("vma->vm_flags = newflags; vma->vm_page_prot = protection_map[…]", (VmaFlagsChanged,)),
        ("change_protection(vma, start, end, vm_page_prot)", ()),
    ),
    "include/linux/rbtree.h:rb_link_node": (
        ("node->rb_parent_color = parent         /* red */", (RbNodeLinked,)),
        ("node->rb_left = node->rb_right = NULL", ()),
        ("*rb_link = node                        /* hang it where the search ended */", ()),
    ),
    "lib/rbtree.c:rb_insert_color": (
        ("while (parent = rb_parent(node)) && parent is red:", ()),
        ("    gparent = rb_parent(parent); uncle = the other child", ()),
        ("    case 1, uncle red: uncle, parent black; gparent red; node = gparent", (RbRecolored,)),
        ("    case 2, node is the inner child: rotate at parent", (RbRotatedLeft, RbRotatedRight)),
        ("    case 3: parent black, gparent red; rotate at gparent", ()),
        ("rb_set_black(root->rb_node)            /* the root is always black */", ()),
    ),
    "lib/rbtree.c:__rb_rotate_left": (
        ("right = node->rb_right", ()),
        ("node->rb_right = right->rb_left        /* inner grandchild moves over */", ()),
        ("right->rb_left = node; right takes node's place under the parent", (RbRotatedLeft,)),
    ),
    "lib/rbtree.c:__rb_rotate_right": (
        ("left = node->rb_left", ()),
        ("node->rb_left = left->rb_right         /* inner grandchild moves over */", ()),
        ("left->rb_right = node; left takes node's place under the parent", (RbRotatedRight,)),
    ),
    "lib/rbtree.c:rb_erase": (
        ("if the node has two children: its successor takes its place", ()),
        ("else: its one child (or nothing) takes its place", (RbNodeErased,)),
        ("if the removed colour was black: __rb_erase_color(child, parent)", ()),
    ),
    "lib/rbtree.c:__rb_erase_color": (
        ("while node is black and not the root:  /* one black too few */", ()),
        ("    case 1, sibling red: recolour, rotate at parent", (RbRecolored,)),
        ("    case 2, sibling's children black: sibling red, move up", ()),
        ("    case 3/4: rotate so a red nephew is outside, rotate at parent", (RbRotatedLeft, RbRotatedRight)),
        ("rb_set_black(node)", ()),
    ),
    # highmem: pkmap (mm/highmem.c) and kmap_atomic (arch/x86/mm/highmem_32.c)
    "arch/x86/mm/highmem_32.c:kmap": (
        ("if the page is not highmem: return page_address(page)", ()),
        ("return kmap_high(page)", ()),
    ),
    "mm/highmem.c:kmap_high": (
        ("lock kmap_lock; vaddr = page_address(page)", ()),
        ("if vaddr is NULL: vaddr = map_new_virtual(page)", ()),
        ("pkmap_count[PKMAP_NR(vaddr)] += 1     /* one more user */", (PkmapCountChanged,)),
        ("unlock; return vaddr", ()),
    ),
    "mm/highmem.c:page_address": (
        ("lowmem: return PAGE_OFFSET + pfn * PAGE_SIZE", ()),
        ("highmem: look the page up in page_address_htable, else NULL", (PageAddressRead,)),
    ),
    "mm/highmem.c:map_new_virtual": (
        ("count = LAST_PKMAP", ()),
        ("loop: last_pkmap_nr = (last_pkmap_nr + 1) & LAST_PKMAP_MASK", ((PkmapSlotVisited, "busy"),)),
        ("    if last_pkmap_nr == 0: flush_all_zero_pkmaps(); count = LAST_PKMAP", ((PkmapSlotVisited, "wrap"),)),
        ("    if pkmap_count[last_pkmap_nr] == 0: break   /* a free slot */", ((PkmapSlotVisited, "free"),)),
        ("    if --count == 0: sleep on pkmap_map_wait, then start again", (PkmapWaitQueued,)),
        ("set_pte_at(&init_mm, vaddr, &pkmap_page_table[nr], mk_pte(page, kmap_prot))", (PteInstalled,)),
        ("pkmap_count[nr] = 1; set_page_address(page, vaddr)", (PkmapCountChanged,)),
    ),
    "mm/highmem.c:flush_all_zero_pkmaps": (
        ("for i in 0 .. LAST_PKMAP-1:", ()),
        ("    if pkmap_count[i] != 1: continue  /* free, or in use */", ()),
        ("    pkmap_count[i] = 0", (PkmapCountChanged,)),
        ("    pte_clear(&pkmap_page_table[i]); set_page_address(page, NULL)", (PteCleared,)),
        ("flush_tlb_kernel_range(PKMAP_ADDR(0), PKMAP_ADDR(LAST_PKMAP))  /* 2.6.32: if any */", (TlbFlushed,)),
    ),
    "mm/highmem.c:kmap_flush_unused": (("lock kmap_lock; flush_all_zero_pkmaps(); unlock", ()),),
    "arch/x86/mm/highmem_32.c:kunmap": (
        ("if in_interrupt(): BUG()", ()),
        ("if the page is not highmem: return", ()),
        ("kunmap_high(page)", ()),
    ),
    "mm/highmem.c:kunmap_high": (
        ("lock kmap_lock; vaddr = page_address(page)   /* BUG if NULL */", (PageAddressRead,)),
        ("--pkmap_count[PKMAP_NR(vaddr)]        /* 0 is a BUG; at 1 the PTE stays */", (PkmapCountChanged,)),
        ("if it is 1 and someone waits: wake_up(&pkmap_map_wait)", ()),
    ),
    "arch/x86/mm/highmem_32.c:kmap_atomic_prot": (
        ("pagefault_disable()", ()),
        ("if the page is not highmem: return page_address(page)", (PageAddressRead,)),
        ("idx = type + KM_TYPE_NR * smp_processor_id()", ()),
        ("vaddr = __fix_to_virt(FIX_KMAP_BEGIN + idx)  /* FIXADDR_TOP - index pages */", (FixmapSlotComputed,)),
        ("BUG_ON(!pte_none(*(kmap_pte - idx)))   /* no nesting of one type */", ()),
        ("set_pte(kmap_pte - idx, mk_pte(page, prot)); return vaddr", (PteInstalled,)),
    ),
    "arch/x86/mm/highmem_32.c:kunmap_atomic": (
        ("idx = type + KM_TYPE_NR * smp_processor_id()", ()),
        ("if (vaddr & PAGE_MASK) == __fix_to_virt(FIX_KMAP_BEGIN + idx):", ()),
        ("    kpte_clear_flush(kmap_pte - idx, vaddr)  /* pte_clear + one TLB entry */", (PteCleared, TlbFlushed)),
        ("pagefault_enable()", ()),
    ),
    # --- SLUB (mm/slub.c) ---
    "mm/slub.c:get_slab": (
        ("if size == 0: return ZERO_SIZE_PTR       /* (void *)16 */", ()),
        ("if size <= 192: index = size_index[(size - 1) / 8]   /* 96 and 192 too */", ()),
        ("else: index = fls(size - 1)             /* the next power of two */", ()),
        ("return &kmalloc_caches[index]", (KmallocRouted,)),
    ),
    "mm/slub.c:__kmalloc": (
        (
            "if size > PAGE_SIZE / 2: return __get_free_pages(flags | __GFP_COMP, get_order(size))",
            (KmallocRouted, AllocationFailed),
        ),
        ("s = get_slab(size, flags)", ()),
        ("return slab_alloc(s, flags, -1, caller)", ()),
    ),
    "include/linux/slub_def.h:kmalloc_large": (
        ("order = get_order(size)                 /* too big for a cache */", (KmallocRouted,)),
        ("return __get_free_pages(flags | __GFP_COMP, order)   /* no PG_slab */", (AllocationFailed,)),
    ),
    "mm/slub.c:kmem_cache_create": (
        ("s = find_mergeable(size, align, flags, name, ctor)", ()),
        ("if s: s->refcount++; make name an alias; return s", ()),
        ("s = kmalloc(kmem_size); kmem_cache_open(s, ...)  /* calculate_sizes */", ()),
        ("list_add(&s->list, &slab_caches)       /* at the head */", (KmemCacheCreated,)),
        ("on failure: panic with SLAB_PANIC, else return NULL", (AllocationFailed,)),
    ),
    "mm/slub.c:find_mergeable": (
        ("for each s on slab_caches, newest first:", ()),
        ("    skip it unless mergeable, big enough, same flags, aligned, < 4 bytes bigger", ()),
        ("    return s                              /* the first that fits */", (KmemCacheMerged,)),
    ),
    "mm/slub.c:slab_alloc": (
        ("object = c->freelist", ()),
        ("if !object: return __slab_alloc(s, gfpflags, node, addr, c)", ()),
        ("c->freelist = object[c->offset]         /* pop the head: the fast path */", (SlabObjectAllocated,)),
    ),
    "mm/slub.c:__slab_alloc": (
        ("if c->page and c->page->freelist: goto load_freelist", ()),
        ("if c->page: deactivate_slab(s, c)      /* a full slab drops off */", ()),
        ("new = get_partial(s, flags, node)       /* the head of the partial list */", ()),
        ("if !new: new = new_slab(s, flags, node); SetSlabFrozen(new)", ()),
        ("c->page = new", (CpuSlabChanged,)),
        (
            "load_freelist: c->freelist = object[c->offset]; page->inuse = objects; page->freelist = NULL",
            (SlabFreelistLoaded,),
        ),
        ("return object                           /* the first free object */", (SlabObjectAllocated,)),
    ),
    "mm/slub.c:get_partial": (
        ("page = first slab on n->partial that trylocks", ()),
        ("list_del(&page->lru); n->nr_partial--; SetSlabFrozen(page)", (SlabPartialRemoved,)),
    ),
    "mm/slub.c:new_slab": (
        ("page = alloc_pages(flags | s->allocflags, order)   /* lowmem frames */", (AllocationFailed,)),
        ("page->slab = s; SetPageSlab(page); n->nr_slabs++", ()),
        ("for each object p, lowest first: set_freepointer(s, last, p)", ()),
        ("page->freelist = start; page->inuse = 0", (SlabCreated,)),
    ),
    "mm/slub.c:deactivate_slab": (
        ("while c->freelist: move its head to page->freelist; page->inuse--", ()),
        ("c->page = NULL; unfreeze_slab(s, page)", (CpuSlabChanged,)),
    ),
    "mm/slub.c:unfreeze_slab": (
        ("ClearSlabFrozen(page)", ()),
        (
            "if page->inuse and page->freelist: add_partial(n, page)   /* 2.6.32: head if hot, else tail */",
            (SlabPartialAdded,),
        ),
        ("if !page->inuse and n->nr_partial < min_partial: add it at the tail", ()),
        ("else if !page->inuse: discard_slab(s, page)", ()),
    ),
    "mm/slub.c:discard_slab": (
        ("n->nr_slabs--; __ClearPageSlab(page)", (SlabDiscarded,)),
        ("__free_pages(page, order)", ()),
    ),
    "mm/slub.c:slab_free": (
        ("if page == c->page and c->node >= 0:", ()),
        ("    object[c->offset] = c->freelist; c->freelist = object   /* the fast path */", (SlabObjectFreed,)),
        ("else: __slab_free(s, page, x, addr, c->offset)", ()),
    ),
    "mm/slub.c:__slab_free": (
        ("prior = object[offset] = page->freelist; page->freelist = object; page->inuse--", (SlabObjectFreed,)),
        ("if SlabFrozen(page): return            /* another CPU's slab */", ()),
        ("if !page->inuse: if prior: remove_partial(s, page)", (SlabPartialRemoved,)),
        ("                 discard_slab(s, page)  /* empty: whatever min_partial */", ()),
        ("else if !prior: add_partial_tail(n, page)   /* it was full */", (SlabPartialAdded,)),
    ),
}


def lines_for(fn: str) -> tuple[str | None, tuple[_L, ...]]:
    """The pseudo-code of ``fn``; a function that moved file between versions (fault_32.c
    became fault.c in 2.6.25) is found by its name."""
    if fn in PSEUDOCODE:
        return fn, PSEUDOCODE[fn]
    name = fn.rpartition(":")[2]
    for key, lines in PSEUDOCODE.items():
        if key.rpartition(":")[2] == name:
            return key, lines
    return None, ()


def current_line(event: Event | TimelineMarker | None) -> int | None:
    """Index of the pseudo-code line of ``event.fn`` that produced ``event``, if any."""
    lines = lines_for(getattr(event, "fn", ""))[1]
    kind = type(event)
    detail = getattr(event, "verdict", None) or getattr(event, "level", None)
    full = (kind, detail) if detail else None
    for i, (_text, tags) in enumerate(lines):
        if full and full in tags:
            return i
    for i, (_text, tags) in enumerate(lines):
        if kind in tags:
            return i
    return None


def pseudocode_html(event: Event | TimelineMarker | None, fallback: str | None = None) -> str:
    """The function of ``event`` (or ``fallback``) as an HTML listing, the current line marked."""
    fn = getattr(event, "fn", None) or fallback or ""
    lines = lines_for(fn)[1]
    own = bool(lines)
    if not lines and fallback:
        fn, lines = fallback, lines_for(fallback)[1]
    if not lines:
        return (
            f'<div class="vmw-code"><div class="vmw-fn">{escape(fn)}</div><i>(no pseudo-code for this step)</i></div>'
        )
    at = current_line(event) if own else None
    body = "".join(
        f'<div class="vmw-line{" vmw-at" if i == at else ""}">{escape(text)}</div>' for i, (text, _) in enumerate(lines)
    )
    return f'<div class="vmw-code"><div class="vmw-fn">{escape(fn)}</div>{body}</div>'
