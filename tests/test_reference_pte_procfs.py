"""The model's user PTEs, vm_page_prot and /proc texts against references written from the
kernel sources (``tests/reference/pte_bits.py``, ``fault.py`` (the MMU, do_page_fault,
handle_pte_fault, fork's dup_mmap and copy_page_range, exit_mmap), ``vma_merge.py``
(mprotect's flags) and ``procfs.py``, which cite file:function:line).

Seeded random runs of mmap (anonymous or file, private or shared, any protection), reads and
writes, mprotect, munmap, fork and exit, in both eras with and without PAE.  After every step
every PTE of every task (found by walking its page tables) must be the one the reference
predicts: the same flag bits, and the same frame where the reference says which one (the zero
page, the page-cache page of (inode, pgoff)), or one private frame that no other live anonymous
page uses.  ``/proc/PID/maps`` must be the reference's text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
from reference import fault as reffault
from reference import procfs as refproc
from reference import pte_bits as ref
from reference import vma_merge as refvma
from reference.buddy import RefBuddy

from vmwidgets import Config, Kernel, from_proc_maps
from vmwidgets.errors import InvalidArgument
from vmwidgets.events import FrameAllocated, FrameFreed
from vmwidgets.model.constants import (
    __GFP_HIGHMEM,
    GFP_DMA,
    GFP_HIGHUSER,
    GFP_KERNEL,
    PAGE_SHIFT,
    PAGE_SIZE,
    VM_IOREMAP,
    VM_MAP,
    ZONE_DMA,
)
from vmwidgets.model.mm_types import (
    MAP_ANONYMOUS,
    MAP_PRIVATE,
    MAP_SHARED,
    PROT_EXEC,
    PROT_READ,
    PROT_WRITE,
    VmAreaStruct,
)
from vmwidgets.model.mmap import MmStruct
from vmwidgets.model.sched import Task
from vmwidgets.model.vmap_area import VM_LAZY_FREE

ERAS = [(era, pae) for era in ("2.6.24", "2.6.32") for pae in (False, True)]
SHMEM = "/dev/zero (deleted)"  # shmem_zero_setup's file: no dirty accounting (mm/shmem.c)


@dataclass(eq=False)
class Frame:
    """A page the reference knows by what it holds, not by its pfn."""

    kind: str  # "anon", "file" or "zero"
    key: tuple[int, int] | None = None  # (inode, pgoff) of a page-cache page
    mapcount: int = 0


@dataclass
class Shadow:
    era: str
    pae: bool
    ptes: dict[int, dict[int, tuple[Frame, int]]] = field(default_factory=dict)  # pid -> vaddr -> (frame, flags)
    cache: dict[tuple[int, int], Frame] = field(default_factory=dict)
    zero: Frame = field(default_factory=lambda: Frame("zero"))
    pfn_of: dict[int, int] = field(default_factory=dict)  # id(anon frame) -> pfn seen

    def set(self, pid: int, vaddr: int, frame: Frame, flags: int) -> None:
        old = self.ptes[pid].get(vaddr)
        if old is not None:
            self._unmap(old[0])
        if frame.kind == "anon":
            frame.mapcount += 1
        self.ptes[pid][vaddr] = (frame, flags)

    def drop(self, pid: int, vaddr: int) -> None:
        old = self.ptes[pid].pop(vaddr, None)
        if old is not None:
            self._unmap(old[0])

    def _unmap(self, frame: Frame) -> None:
        if frame.kind == "anon":
            frame.mapcount -= 1
            if frame.mapcount == 0:
                self.pfn_of.pop(id(frame), None)


def _accounts_dirty(vma: VmAreaStruct) -> bool:
    return vma.vm_file is not None and vma.vm_file.path != SHMEM


def _user_ptes(k: Kernel, mm: MmStruct) -> dict[int, int]:
    """Every non-empty user PTE of ``mm``: vaddr -> pte_t, from the page tables themselves."""
    tables, pt, out = k.page_tables, k.pgtable, {}
    user_pgds = k.pgd_index(mm.task_size)
    pgd = mm.pgd_pfn()
    if k.config.pae:
        pmds = [
            ((tables[pgd][i] & pt.addr_mask) >> PAGE_SHIFT, i << 30) for i in range(user_pgds) if tables[pgd].get(i)
        ]
        pte_tables = [
            ((e & pt.addr_mask) >> PAGE_SHIFT, base + (j << 21))
            for table, base in pmds
            for j, e in tables[table].items()
            if e & ref.PRESENT
        ]
        per = 512
    else:
        pte_tables = [
            ((e & pt.addr_mask) >> PAGE_SHIFT, i << 22) for i, e in tables[pgd].items() if i < user_pgds and e & 1
        ]
        per = 1024
    for table, base in pte_tables:
        for j, e in tables[table].items():
            if e:
                assert j < per
                out[base + (j << PAGE_SHIFT)] = e
    return out


def _check(k: Kernel, sh: Shadow, tasks: list[Task], where: str) -> None:
    mask = ref.pfn_mask(sh.pae)
    seen: dict[int, int] = {}  # pfn -> id(anon frame)
    for task in tasks:
        mm = task.mm
        for vma in mm:
            want = ref.vma_page_prot(vma.vm_flags, sh.era, sh.pae, _accounts_dirty(vma))
            assert vma.vm_page_prot == want, f"{where}: vm_page_prot of {vma} {vma.vm_page_prot:#x} != {want:#x}"
        got = _user_ptes(k, mm)
        expect = sh.ptes[task.pid]
        assert got.keys() == expect.keys(), f"{where}: pid {task.pid} PTEs at {sorted(got.keys() ^ expect.keys())}"
        for vaddr, entry in got.items():
            frame, flags = expect[vaddr]
            walked = k.walk(mm.pgd_pfn(), vaddr)
            assert walked.steps[-1].entry == entry or not entry & ref.PRESENT
            assert entry & ~mask == flags, f"{where}: pid {task.pid} {vaddr:#x}: {entry & ~mask:#x} != {flags:#x}"
            pfn = (entry & mask) >> PAGE_SHIFT
            if frame.kind == "zero":
                assert pfn == k.zero_pfn, where
            elif frame.kind == "file":
                assert frame.key is not None
                assert k.memory.page_cache.get(frame.key) == pfn, f"{where}: {vaddr:#x} is not the cached page"
            else:
                assert sh.pfn_of.setdefault(id(frame), pfn) == pfn, f"{where}: {vaddr:#x} changed frames"
                assert seen.setdefault(pfn, id(frame)) == id(frame), f"{where}: two anonymous pages share {pfn:#x}"
                assert pfn != k.zero_pfn and pfn not in k.cache_pfns, where
                assert vma_of(mm, vaddr).anon_vma is not None, f"{where}: anonymous page in a VMA without anon_vma"
        mms = refproc.MapsMm(mm.start_brk, mm.brk, mm.start_stack)
        vmas = [
            refproc.MapsVma(
                v.vm_start,
                v.vm_end,
                v.vm_flags,
                v.vm_pgoff,
                v.vm_file.path if v.vm_file else None,
                v.vm_file.dev if v.vm_file else (0, 0),
                v.vm_file.ino if v.vm_file else 0,
            )
            for v in mm
        ]
        assert mm.maps() == refproc.maps(vmas, mms, sh.era), where


def vma_of(mm: MmStruct, addr: int) -> VmAreaStruct:
    vma = mm.find_vma(addr)
    assert vma is not None and vma.vm_start <= addr
    return vma


def _access(k: Kernel, sh: Shadow, task: Task, addr: int, write: bool, exec_: bool = False) -> bool:
    """A user-mode access by the references: the MMU (pte_bits.mmu_allows / mmu_touch, the
    error code fault.error_code), do_page_fault's check (fault.access_error), handle_pte_fault's
    choice of handler and the PTE it writes (pte_bits), and the CPU's restart of the
    instruction.  True if it completes, False for a SIGSEGV."""
    mm, page = task.mm, addr & ~(PAGE_SIZE - 1)
    vma = vma_of(mm, addr)
    f = vma.vm_flags
    for attempt in range(2):  # the instruction runs again after the fault is handled
        cur = sh.ptes[task.pid].get(page)
        pte = cur[1] if cur is not None else 0
        code = reffault.error_code(pte, write, exec_, sh.pae)
        if code is None:
            assert cur is not None
            sh.ptes[task.pid][page] = (cur[0], ref.mmu_touch(pte, write))
            return True
        if reffault.access_error(code, f):
            return False
        assert attempt == 0, "a fault the kernel handled came back"
        wr = reffault.fault_write(code)
        prot = ref.vma_page_prot(f, sh.era, sh.pae, _accounts_dirty(vma))
        how = reffault.handle_pte_fault(pte, vma.vm_file is not None, wr, sh.era)
        if how == "anonymous":
            if sh.era == "2.6.32" and not wr:
                frame, flags = sh.zero, ref.anonymous_pte(0, prot, f, False, sh.era)
            else:
                frame, flags = Frame("anon"), ref.anonymous_pte(0, prot, f, wr, sh.era)
            sh.set(task.pid, page, frame, flags)
        elif how == "linear":  # __do_fault
            key = (vma.vm_file.ino, vma.vm_pgoff + ((page - vma.vm_start) >> PAGE_SHIFT))
            cached = sh.cache.setdefault(key, Frame("file", key))
            frame = Frame("anon") if wr and not f & ref.VM_SHARED else cached
            sh.set(task.pid, page, frame, ref.file_fault_pte(0, prot, f, wr))
        else:
            assert how == "wp" and cur is not None, how  # only a write faults on a present page
            frame, flags = cur
            if ref.wp_reuse(frame.kind == "anon", frame.mapcount, f, sh.era):
                sh.ptes[task.pid][page] = (frame, ref.wp_reuse_pte(flags, f))
            else:
                sh.set(task.pid, page, Frame("anon"), ref.wp_copy_pte(0, prot, f))
    raise AssertionError("unreachable")


def _fork(sh: Shadow, parent: Task, child: Task, where: str) -> None:
    """dup_mmap: the child's VMAs are the parent's that fault.dup_mmap_copies; the PTEs of
    those fault.copy_page_range_copies go through pte_bits.copy_one_pte."""
    copied = [(v.vm_start, v.vm_end, v.vm_flags, v.vm_pgoff) for v in parent.mm if reffault.dup_mmap_copies(v.vm_flags)]
    assert [(v.vm_start, v.vm_end, v.vm_flags, v.vm_pgoff) for v in child.mm] == copied, where
    sh.ptes[child.pid] = {}
    for vma in parent.mm:
        if not reffault.dup_mmap_copies(vma.vm_flags):
            continue
        if not reffault.copy_page_range_copies(vma.vm_flags, vma.anon_vma is not None):
            continue
        for vaddr in range(vma.vm_start, vma.vm_end, PAGE_SIZE):
            cur = sh.ptes[parent.pid].get(vaddr)
            if cur is None:
                continue
            mine, theirs = ref.copy_one_pte(cur[1], vma.vm_flags)
            sh.ptes[parent.pid][vaddr] = (cur[0], mine)
            sh.set(child.pid, vaddr, cur[0], theirs)


def _mprotect(sh: Shadow, task: Task, start: int, end: int, prot: int, before: dict[int, int]) -> None:
    """change_pte_range over the pages whose VMA mprotect_fixup changes (vma_merge's
    mprotect_newflags and mprotect_fixup_changes: no change, no PTE touched)."""
    for vaddr in range(start, end, PAGE_SIZE):
        cur = sh.ptes[task.pid].get(vaddr)
        newflags = refvma.mprotect_newflags(refvma._prot_bits(prot), before[vaddr])
        if cur is None or not refvma.mprotect_fixup_changes(before[vaddr], newflags):
            continue
        vma = vma_of(task.mm, vaddr)
        wants = ref.vma_wants_writenotify(newflags, _accounts_dirty(vma))
        newprot = ref.vma_page_prot(newflags, sh.era, sh.pae, _accounts_dirty(vma))
        sh.ptes[task.pid][vaddr] = (cur[0], ref.change_pte(cur[1], newprot, sh.era, sh.pae, wants))


def _exit(k: Kernel, sh: Shadow, task: Task, tasks: list[Task], where: str) -> None:
    """exit_mmap (fault.exit_mmap_zaps): every PTE of the task goes, and with it the
    mapping of its pages; an anonymous page no other task maps is freed, as are the page
    tables and the pgd."""
    tables = _table_pfns(k, task.mm)
    anon = dict(sh.pfn_of)
    k.exit(task)
    tasks.remove(task)
    for vaddr in reffault.exit_mmap_zaps(list(sh.ptes[task.pid])):
        sh.drop(task.pid, vaddr)
    del sh.ptes[task.pid]
    count = k.page_alloc.mem_map.count
    for fid, pfn in anon.items():
        if fid not in sh.pfn_of:  # its last mapping went
            assert count[pfn] == 0, f"{where}: anonymous page {pfn:#x} not freed"
    for pfn in tables:
        assert pfn not in k.page_tables and count[pfn] == 0, f"{where}: page table {pfn:#x} not freed"


def _table_pfns(k: Kernel, mm: MmStruct) -> list[int]:
    """The pgd and every user page table under it (PAE: the PMDs and their PTE tables)."""
    tables, pt = k.page_tables, k.pgtable
    pgd = mm.pgd_pfn()
    out, todo = [pgd], [(pgd, 2 if k.config.pae else 1)]
    user = k.pgd_index(mm.task_size)
    while todo:
        table, depth = todo.pop()
        for i, e in tables[table].items():
            if table == pgd and i >= user:
                continue
            if e & ref.PRESENT:
                child = (e & pt.addr_mask) >> PAGE_SHIFT
                out.append(child)
                if depth > 1:
                    todo.append((child, depth - 1))
    return out


def _run(era: str, pae: bool, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    k = Kernel(Config(era=era, pae=pae), record=False)
    sh = Shadow(era, pae)
    first = k.spawn("t")
    assert first is not None
    tasks = [first]
    sh.ptes[first.pid] = {}
    _check(k, sh, tasks, "spawn")
    prots = [0, PROT_READ, PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC, 7]
    for step in range(steps):
        task = rng.choice(tasks)
        vmas = list(task.mm)
        op = rng.choices(["mmap", "access", "mprotect", "munmap", "fork", "exit"], [3, 12, 3, 1, 1, 1])[0]
        where = f"{era} pae={pae} seed={seed} step {step}: {op}"
        if op == "mmap":
            pages = rng.randint(1, 4)
            prot = rng.choice(prots)
            kind = rng.choice(["anon", "file", "shmem"])
            shared = kind == "shmem" or (kind == "file" and rng.random() < 0.5)
            flags = (MAP_SHARED if shared else MAP_PRIVATE) | (0 if kind == "file" else MAP_ANONYMOUS)
            path = rng.choice(["/data/a", "/data/b"]) if kind == "file" else None
            pgoff = rng.choice([0, 1, 7, 0x100000, 0xFFFF0]) if kind == "file" else 0
            inodes = {v.vm_file.ino for t in tasks for v in t.mm if v.vm_file}
            addr = task.mmap(0, pages * PAGE_SIZE, prot, flags, path, pgoff)
            assert 0 < addr < task.mm.task_size, where
            where += f" {addr:#x} {kind} shared={shared} prot={prot}"
            if kind == "shmem":  # shmem_file_setup: a new inode for every shared anonymous mapping
                file = vma_of(task.mm, addr).vm_file
                assert file is not None and file.ino not in inodes, where
        elif op == "access":
            vma = rng.choice(vmas)
            addr = rng.randrange(vma.vm_start, vma.vm_end)
            kind = rng.choice(["read", "write", "write", "exec"])
            write, fetch = kind == "write", kind == "exec"
            where += f" {addr:#x} {kind}"
            expected = _access(k, sh, task, addr, write, fetch)
            assert task.access(addr, write, exec=fetch).ok == expected, where
        elif op == "mprotect":
            vma = rng.choice(vmas)
            n = (vma.vm_end - vma.vm_start) >> PAGE_SHIFT
            lo = rng.randrange(n)
            hi = rng.randint(lo + 1, n)
            start, end = vma.vm_start + lo * PAGE_SIZE, vma.vm_start + hi * PAGE_SIZE
            prot = rng.choice([*prots, vma.vm_flags & 7])  # its own: mprotect_fixup changes nothing
            where += f" [{start:#x}, {end:#x}) prot={prot}"
            before = {a: vma.vm_flags for a in range(start, end, PAGE_SIZE)}
            if task.mprotect(start, end - start, prot) == 0:
                _mprotect(sh, task, start, end, prot, before)
        elif op == "munmap":
            vma = rng.choice(vmas)
            start = vma.vm_start + PAGE_SIZE * rng.randrange((vma.vm_end - vma.vm_start) >> PAGE_SHIFT)
            assert task.munmap(start, PAGE_SIZE) == 0, where
            sh.drop(task.pid, start)
        elif op == "fork" and len(tasks) < 3:
            child = k.fork(task)
            assert child is not None, where
            tasks.append(child)
            _fork(sh, task, child, where)
        elif op == "exit" and len(tasks) > 1:
            _exit(k, sh, task, tasks, where)
        _check(k, sh, tasks, where)


@pytest.mark.parametrize(("era", "pae"), ERAS)
@pytest.mark.parametrize("seed", range(6))
def test_random_runs_match_the_reference(era: str, pae: bool, seed: int) -> None:
    _run(era, pae, seed, 80)


@pytest.mark.parametrize(("era", "pae"), ERAS)
def test_fetches_and_prot_none_match_the_reference(era: str, pae: bool) -> None:
    """Every protection, anonymous or file, private or shared, and a fetch, read, write, fetch
    in turn: the outcome and the PTEs are the references' (tests/reference/fault.py).  Neither
    era's do_page_fault looks at PF_INSTR, so a fetch from a VMA without VM_EXEC but with
    VM_READ or VM_WRITE maps the page as a read does; under PAE the restarted fetch then
    faults on the NX page with PF_PROT (read, present): SIGSEGV, the PTE stays.  Without PAE
    there is no NX and it runs.  Nothing reaches a PROT_NONE VMA: its PTEs are not present
    and it has none of VM_READ/VM_EXEC/VM_WRITE."""
    k = Kernel(Config(era=era, pae=pae), record=False)
    task = k.spawn("t")
    assert task is not None
    sh = Shadow(era, pae)
    sh.ptes[task.pid] = {}
    kinds = [(MAP_PRIVATE | MAP_ANONYMOUS, None), (MAP_SHARED | MAP_ANONYMOUS, None), (MAP_PRIVATE, "/data/a")]
    for prot in range(8):
        for flags, path in kinds:
            addr = task.mmap(0, PAGE_SIZE, prot, flags, path)
            outcomes = []
            for write, fetch in ((False, True), (False, True), (False, False), (True, False), (False, True)):
                where = f"prot={prot} flags={flags:#x} write={write} fetch={fetch}"
                expected = _access(k, sh, task, addr, write, fetch)
                assert task.access(addr, write, exec=fetch).ok == expected, where
                _check(k, sh, [task], where)
                outcomes.append(expected)
            if prot == PROT_NONE:
                assert outcomes == [False] * 5 and addr not in sh.ptes[task.pid]
            if prot == PROT_READ and flags & MAP_PRIVATE:  # a fetch maps the page, then faults under PAE
                assert outcomes[:3] == [not pae, not pae, True] and addr in sh.ptes[task.pid]
            if prot & PROT_EXEC:
                assert outcomes[0]


@pytest.mark.parametrize(("era", "pae"), ERAS)
def test_protection_map_is_the_era_table(era: str, pae: bool) -> None:
    k = Kernel(Config(era=era, pae=pae), record=False)
    task = k.spawn("t")
    assert task is not None
    assert task.mm.protection_map == ref.protection_map(era, pae)
    none = ref.protection_map(era, pae)[0]
    assert none == (0x120 if era == "2.6.32" else 0x0A0)  # _PAGE_PROTNONE | _PAGE_ACCESSED


def test_shared_file_mapping_waits_for_the_first_write() -> None:
    """vma_wants_writenotify: a read maps the page write-protected, the first write makes it
    writable in place (do_wp_page's shared reuse), no copy."""
    for era in ("2.6.24", "2.6.32"):
        k = Kernel(Config(era=era, pae=True), record=False)
        task = k.spawn("t")
        assert task is not None
        addr = task.mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, "/data/f")
        read = task.access(addr)
        slot = k.user_slot(task.mm, addr)
        assert slot is not None
        entry = k.pgtable.entry(*slot)
        assert not entry & ref.RW and entry & ref.NX_BIT
        write = task.access(addr, write=True)
        assert write.phys == read.phys  # the page-cache page itself
        assert k.pgtable.entry(*slot) & (ref.RW | ref.DIRTY) == ref.RW | ref.DIRTY


def test_zero_page_keeps_special_through_mprotect() -> None:
    k = Kernel(Config(era="2.6.32"), record=False)
    task = k.spawn("t")
    assert task is not None
    addr = task.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS)
    task.access(addr)
    slot = k.user_slot(task.mm, addr)
    assert slot is not None
    assert k.pgtable.entry(*slot) & ref.SPECIAL
    assert task.mprotect(addr, PAGE_SIZE, PROT_NONE) == 0
    entry = k.pgtable.entry(*slot)
    assert entry & ~ref.pfn_mask(False) == ref.SPECIAL | ref.GLOBAL | ref.ACCESSED  # PROTNONE is bit 8


PROT_NONE = 0


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_maps_offsets_follow_the_era(era: str) -> None:
    k = Kernel(Config(era=era), record=False)
    task = k.spawn("t")
    assert task is not None
    high = task.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, "/data/big", 0x123456)
    anon = task.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS)
    lines = {int(line[:8], 16): line.split()[2] for line in task.mm.maps().splitlines()}
    if era == "2.6.32":
        assert lines[high] == "123456000" and lines[anon] == "00000000"
    else:
        assert lines[high] == "23456000" and lines[anon] == f"{anon:08x}"


@pytest.mark.parametrize(("era", "pae"), ERAS)
def test_vmallocinfo_and_buddyinfo_match_the_reference(era: str, pae: bool) -> None:
    k = Kernel(Config(era=era, pae=pae), record=False)
    k.vmalloc(3 * PAGE_SIZE)
    k.vmalloc(5000, caller=None)
    k.ioremap(0xFEBF0000, 0x2000)
    pages = [p for p in (k.alloc_pages(GFP_KERNEL) for _ in range(2)) if p is not None]
    k.vmap(pages)
    areas = [refproc.VmArea(v.addr, v.size, v.flags, v.nr_pages, v.phys_addr, v.caller) for v in k.mm_vmalloc.vm_nodes]
    assert k.vmallocinfo() == refproc.vmallocinfo(areas)
    # the model's zones have no holes: present_pages == spanned_pages
    zones = [(z.name, z.spanned_pages, [fa.nr_free for fa in z.free_area]) for z in k.zones]
    assert k.buddyinfo() == refproc.buddyinfo(zones)


def _buddy_ref(k: Kernel) -> RefBuddy:
    """The reference's free lists, started from the model's after boot (free_all_bootmem is
    checked elsewhere)."""
    return RefBuddy([(z.name, z.zone_start_pfn, z.end_pfn, [fa.free_list for fa in z.free_area]) for z in k.zones])


@pytest.mark.parametrize(("era", "pae"), ERAS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_seeded_vmallocinfo_and_buddyinfo_match_the_reference(era: str, pae: bool, seed: int) -> None:
    """vmalloc/vfree, vmap/vunmap, ioremap/iounmap (device memory, the ISA window, reserved and
    unreserved RAM in lowmem and highmem, one page and more), alloc_pages/free_pages and
    kmalloc/kfree interleaved; every 3 steps /proc/vmallocinfo is the reference formatter's
    text of the areas the reference says are live (vmlist order: by address), and
    /proc/buddyinfo the formatter's text of the reference buddy allocator, which is told
    each request the model's page allocator got (gfp, order) and each free, and must pick
    the same block.  In 2.6.32 a vfree'd area leaves vmallocinfo at once, though its
    vmap_area is only freed lazily."""
    k = Kernel(Config(era=era, pae=pae), record=False)
    buddy = _buddy_ref(k)
    picks: list[tuple[int, int]] = []  # (model pfn, reference pfn)

    def watch(ev: object) -> None:
        if isinstance(ev, FrameAllocated):
            picks.append((ev.pfn, buddy.alloc(ev.gfp, ev.order)))
        elif isinstance(ev, FrameFreed):
            buddy.free(ev.pfn, ev.order)

    k.subscribe(watch)
    rng = random.Random(seed)
    lay = k.layout
    reserved = [(s, e) for s, e, _ in k.reserved]
    ram_end = len(k.mem_map)
    holes = k.page_alloc._holes
    areas: dict[int, refproc.VmArea] = {}  # start -> the area the reference expects on vmlist
    kinds: dict[int, tuple[str, object]] = {}
    pages: list[tuple[object, int]] = []  # alloc_pages blocks the test holds
    objs: list[int] = []
    lazy_seen = 0

    def phys_choice() -> tuple[int, int]:
        kind = rng.randrange(7)
        if kind == 0:  # the ISA window
            return rng.randrange(0xA0000, 0xFF000), rng.randint(1, 0x1000)
        if kind == 1:  # lowmem RAM the kernel image holds: PageReserved
            s, e = reserved[2]
            return (s << PAGE_SHIFT) + rng.randrange(0, (e - s - 2) << PAGE_SHIFT), rng.randint(1, 0x1800)
        if kind in (2, 3):  # lowmem RAM the page allocator owns: one page, or more
            pfn = rng.randrange(0x2000, lay.max_low_pfn - 8)
            off = rng.randrange(0, 0x800)
            return (pfn << PAGE_SHIFT) + off, rng.randint(1, 0x400) if kind == 2 else rng.randint(0x1000, 0x5000)
        if kind == 4 and ram_end > lay.max_low_pfn + 8:  # highmem RAM
            pfn = rng.randrange(lay.max_low_pfn + 1, ram_end - 8)
            return pfn << PAGE_SHIFT, rng.choice((0x100, 0x3000))
        top = 0xF_FFFF_F000 if pae and era == "2.6.32" else 0xFEFF_F000  # device memory (above 4 GB with PAE)
        return rng.randrange(0xE000_0000, top), rng.randint(1, 0x12000)

    for i in range(400):
        op = rng.random()
        caller = rng.choice(("my_module_init", "drv_probe", None))
        if op < 0.16:
            size = rng.randint(1, 40000)
            a = k.vmalloc(size, caller)
            assert a is not None
            areas[a] = refproc.vmalloc_area(a, size, caller)
            kinds[a] = ("vmalloc", None)
        elif op < 0.3 and areas:
            a = rng.choice(sorted(areas))
            kind, extra = kinds.pop(a)
            del areas[a]
            if kind == "vmalloc":
                k.vfree(a)
                lazy_seen += era == "2.6.32"
            elif kind == "vmap":
                k.vunmap(a)
                pages.extend(extra)  # type: ignore[arg-type]
            else:
                k.iounmap(extra)  # type: ignore[arg-type]
        elif op < 0.4 and pages:
            take = [pages.pop(rng.randrange(len(pages))) for _ in range(min(len(pages), rng.randint(1, 4)))]
            flags = rng.choice((VM_MAP, VM_MAP, VM_IOREMAP, VM_MAP | VM_IOREMAP))
            a = k.vmap([p for p, _ in take], flags, caller)
            assert a is not None
            areas[a] = refproc.vmap_area(a, len(take), flags, caller)
            kinds[a] = ("vmap", take)
        elif op < 0.52:
            phys, size = phys_choice()
            outcome = refproc.ioremap_outcome(phys, size, era, ram_end, holes, reserved, lay.max_low_pfn)
            a = k.ioremap(phys, size, caller)
            if outcome == "isa":
                assert a == lay.page_offset + phys
            elif outcome == "refused":
                assert a is None, (hex(phys), size)
            else:
                assert a is not None and a % PAGE_SIZE == phys % PAGE_SIZE, (hex(phys), size)
                area = refproc.ioremap_area(a, phys, size, caller)
                areas[area.addr] = area
                kinds[area.addr] = ("ioremap", a)
        elif op < 0.7:
            gfp, order = rng.choice((GFP_KERNEL, GFP_HIGHUSER, GFP_DMA)), rng.choice((0, 0, 0, 1, 2, 3, 5))
            page = k.alloc_pages(gfp, order)
            if page is not None:
                pages.append((page, order))
        elif op < 0.8 and pages:
            page, order = pages.pop(rng.randrange(len(pages)))
            k.free_pages(page, order)
        elif op < 0.92:
            a = k.kmalloc(rng.choice((rng.randint(1, 3000), rng.randint(3000, 40000))), GFP_KERNEL)
            assert a is not None
            objs.append(a)
        elif objs:
            k.kfree(objs.pop(rng.randrange(len(objs))))
        assert all(m == r for m, r in picks), f"the buddy allocator picked {picks}"
        picks.clear()
        if i % 3 == 0:
            assert k.vmallocinfo() == refproc.vmallocinfo(areas[a] for a in sorted(areas)), i
            assert k.buddyinfo() == refproc.buddyinfo(buddy.nr_free()), i
    assert k.vmallocinfo() == refproc.vmallocinfo(areas[a] for a in sorted(areas))
    assert k.buddyinfo() == refproc.buddyinfo(buddy.nr_free())
    assert [[fa.free_list for fa in z.free_area] for z in k.zones] == [z.lists for z in buddy.zones]
    assert lazy_seen or era == "2.6.24"


def test_a_lazily_freed_2_6_32_area_leaves_vmallocinfo_at_once() -> None:
    """2.6.32's /proc/vmallocinfo walks vmlist (mm/vmalloc.c:s_start 2278-2293, s_next 2296-2302),
    not the vmap_area list; vfree → __vunmap (1293) → remove_vm_area (1265) unlinks the vm_struct
    from vmlist under vmlist_lock (1278-1282) before free_unmap_vmap_area (1284) frees the
    vmap_area lazily (free_unmap_vmap_area_noflush, 600-606: VM_LAZY_FREE, the PTEs stay)."""
    k = Kernel(Config(era="2.6.32"), record=False)
    keep, gone = k.vmalloc(3 * PAGE_SIZE), k.vmalloc(PAGE_SIZE)
    assert keep is not None and gone is not None
    k.vfree(gone)
    lazy = [va for va in k.vmap_area_list if va.va_start == gone]
    assert lazy and lazy[0].flags & VM_LAZY_FREE  # still in the vmap_area list and tree
    assert k.vmallocinfo() == refproc.vmallocinfo([refproc.vmalloc_area(keep, 3 * PAGE_SIZE, "my_module_init")])


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_ioremap_above_4_gb_with_pae(era: str) -> None:
    """vm_struct.phys_addr is an ``unsigned long`` (include/linux/vmalloc.h:33, both eras).  2.6.32's
    ioremap takes a resource_size_t (arch/x86/include/asm/io.h:168) and __ioremap_caller stores
    the page-aligned address there (arch/x86/mm/ioremap.c:200): only its low 32 bits, which
    vmallocinfo prints (nothing for 4 GB itself: phys_addr is 0).  2.6.24's ioremap takes an
    ``unsigned long offset`` (include/asm-x86/io_32.h:120): no address above 4 GB can be asked.
    The model printed the whole address and let 2.6.24 map above 4 GB."""
    k = Kernel(Config(era=era, pae=True), record=False)
    if era == "2.6.24":
        before = k.vmallocinfo()
        with pytest.raises(InvalidArgument):
            k.ioremap(0x1_0000_1000, 0x2000)
        assert k.vmallocinfo() == before
        return
    a = k.ioremap(0x1_0000_1020, 0x2000)
    b = k.ioremap(0x1_0000_0000, 0x1000, caller=None)
    assert a is not None and b is not None and a % PAGE_SIZE == 0x20
    va, vb = k.find_vm_area(a & ~(PAGE_SIZE - 1)), k.find_vm_area(b)
    assert va is not None and vb is not None and (va.phys_addr, vb.phys_addr) == (0x1000, 0)
    assert k.walk(k.swapper, a).phys == 0x1_0000_1020  # the PTEs map the full address
    lines = k.vmallocinfo().splitlines()
    assert lines == sorted(lines) and len(lines) == 2
    assert any(line.endswith("my_module_init phys=1000 ioremap") for line in lines)
    assert any(line.endswith("8192 ioremap") for line in lines)


def test_gfp_dma_with_highmem() -> None:
    """include/linux/gfp.h: 2.6.24's gfp_zone (120-) tests __GFP_DMA first, so DMA wins; 2.6.32
    lists DMA|HIGHMEM in GFP_ZONE_BAD (203-212) and gfp_zone (214-230) stops the build for a
    constant mask (MAYBE_BUILD_BUG_ON) or BUGs under CONFIG_DEBUG_VM: the model refuses it."""
    old = Kernel(Config(era="2.6.24"), record=False)
    page = old.alloc_pages(GFP_DMA | __GFP_HIGHMEM)
    assert page is not None and old.page_alloc.zone_idx(page.pfn) == ZONE_DMA
    new = Kernel(Config(era="2.6.32"))
    before, events = new.buddyinfo(), len(new.timeline)
    with pytest.raises(InvalidArgument, match="GFP_ZONE_BAD"):
        new.alloc_pages(GFP_DMA | __GFP_HIGHMEM)
    assert new.buddyinfo() == before and len(new.timeline) == events  # nothing changed, nothing recorded
    for mask in (0x6, 0xE):  # __GFP_HIGHMEM with 2.6.32's __GFP_DMA32 (0x04)
        with pytest.raises(InvalidArgument):
            new.alloc_pages(mask)


@pytest.mark.parametrize(("era", "pae"), ERAS)
def test_from_proc_maps_gives_shared_file_mappings_write_notification(era: str, pae: bool) -> None:
    text = (
        "08048000-0804c000 rw-s 00000000 08:01 1001       /bin/cat\n"
        "40000000-40001000 rw-s 00000000 00:07 77         /dev/zero (deleted)\n"
        "40001000-40002000 rw-p 00000000 00:00 0 \n"
    )
    mm = from_proc_maps(text, Kernel(Config(era=era, pae=pae), record=False))
    disk, shmem, anon = mm
    assert disk.vm_page_prot == ref.vma_page_prot(disk.vm_flags, era, pae, accounts_dirty=True)
    assert disk.vm_page_prot & ref.RW == 0
    assert shmem.vm_page_prot == ref.vm_get_page_prot(shmem.vm_flags, era, pae)
    assert anon.vm_page_prot == ref.vm_get_page_prot(anon.vm_flags, era, pae)


def test_gfp_bits_mask_per_era() -> None:
    """include/linux/gfp.h: 2.6.24 has 21 bits (__GFP_BITS_SHIFT, line 54; __GFP_MOVABLE 0x100000
    at 52); 2.6.32 has 22 (line 68) for __GFP_NOTRACK 0x200000 (57) and moved __GFP_MOVABLE to
    0x08 (24).  A mask with bit 21 is refused by 2.6.24's alloc_pages and kmalloc, taken by 2.6.32's."""
    notrack = 0x200000
    old = Kernel(Config(era="2.6.24"))
    before, events = old.buddyinfo(), len(old.timeline)
    for call in (lambda: old.alloc_pages(GFP_KERNEL | notrack), lambda: old.kmalloc(64, GFP_KERNEL | notrack)):
        with pytest.raises(InvalidArgument, match=r"2\.6\.24's __GFP_BITS_MASK"):
            call()
    assert old.buddyinfo() == before and len(old.timeline) == events
    assert old.alloc_pages(GFP_KERNEL | 0x100000) is not None  # 2.6.24's __GFP_MOVABLE: in the mask
    new = Kernel(Config(era="2.6.32"), record=False)
    assert new.alloc_pages(GFP_KERNEL | notrack) is not None
    assert new.kmalloc(64, GFP_KERNEL | notrack) is not None
    page = new.alloc_pages(GFP_HIGHUSER | 0x08)  # GFP_HIGHUSER_MOVABLE: ZONE_MOVABLE is empty here
    assert page is not None and page.zone == "HighMem"
    with pytest.raises(InvalidArgument):
        new.alloc_pages(GFP_KERNEL | (1 << 22))
