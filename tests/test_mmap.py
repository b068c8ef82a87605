"""Processes: mm_struct, the VMA list and mm_rb, find_vma, mmap and munmap (mm/mmap.c)."""

from __future__ import annotations

import pytest
from helpers import check_timeline
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from vmwidgets import EACCES, EINVAL, ENOMEM, Config, File, InvalidArgument, Kernel, VmError, from_proc_maps
from vmwidgets.model.errno import EBADF, EOVERFLOW, errno_name
from vmwidgets.model.mm_types import (
    FMODE_READ,
    FMODE_WRITE,
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_GROWSDOWN,
    MAP_PRIVATE,
    MAP_SHARED,
    PROT_EXEC,
    PROT_GROWSDOWN,
    PROT_GROWSUP,
    PROT_READ,
    PROT_WRITE,
    VM_ACCOUNT,
    VM_GROWSDOWN,
    VM_MAYWRITE,
    VmAreaStruct,
)
from vmwidgets.model.mmap import validate_mm

PAGE = 4096
ANON = MAP_PRIVATE | MAP_ANONYMOUS
RW = PROT_READ | PROT_WRITE

CAT_MAPS = "".join(
    line + "\n"
    for line in (
        "08048000-0804c000 r-xp 00000000 08:01 1001       /bin/cat",
        "0804c000-0804d000 rw-p 00003000 08:01 1001       /bin/cat",
        "b7ea2000-b7fdf000 r-xp 00000000 08:01 2130       /lib/libc-2.7.so",
        "b7fdf000-b7fe2000 rw-p 0013d000 08:01 2130       /lib/libc-2.7.so",
        "b7fe2000-b7fe5000 rw-p b7fe2000 00:00 0 ",  # show_map's "%lu " leaves a space before the newline
        "b7fe5000-b8000000 r-xp 00000000 08:01 2101       /lib/ld-2.7.so",
        "b8000000-b8002000 rw-p 0001a000 08:01 2101       /lib/ld-2.7.so",
        "bffeb000-c0000000 rw-p bffeb000 00:00 0          [stack]",
    )
)


def test_spawn_lays_out_a_dynamically_linked_program() -> None:
    k = Kernel()
    task = k.spawn("cat")
    mm = task.mm
    assert mm.maps() == CAT_MAPS
    validate_mm(mm)
    assert mm.map_count == 8 and mm.mmap.vm_start == 0x08048000
    stack = mm.find_vma(mm.start_stack)
    assert stack.vm_flags & VM_GROWSDOWN and stack.vm_flags & VM_ACCOUNT
    swapper = k.page_tables[k.swapper_pg_dir.pfn]
    assert {i: e for i, e in k.page_tables[mm.pgd.pfn].items()} == {i: e for i, e in swapper.items() if i >= 768}
    check_timeline(k)


def test_pae_processes_get_their_user_pmds_and_share_the_kernel_one() -> None:
    k = Kernel(Config(pae=True))
    task = k.spawn("sh")
    mm = task.mm
    pgd = k.page_tables[mm.pgd.pfn]
    assert pgd[3] == k.page_tables[k.swapper_pg_dir.pfn][3]  # SHARED_KERNEL_PMD
    assert all(pgd[i] & 1 and k.table_meta[pgd[i] >> 12] == ("pmd", i << 30) for i in range(3))
    check_timeline(k)


def test_anonymous_mappings_go_top_down_and_merge() -> None:
    k = Kernel()
    task = k.spawn("a")
    mm = task.mm
    libc = mm.find_vma(0x10000000).vm_start
    a = task.mmap(0, 2 * PAGE, RW, ANON)
    assert a == libc - 2 * PAGE  # just below libc
    count = mm.map_count
    b = task.mmap(0, PAGE, RW, ANON)
    assert b == a - PAGE and mm.map_count == count  # vma_merge: the existing VMA grew down
    assert mm.find_vma(b).vm_start == b and mm.find_vma(b).vm_end == a + 2 * PAGE
    ro = task.mmap(0, PAGE, PROT_READ, ANON)
    assert mm.map_count == count + 1 and mm.find_vma(ro).vm_end == b  # other flags: no merge
    validate_mm(mm)
    check_timeline(k)


def test_munmap_splits_and_mmap_fixed_replaces() -> None:
    k = Kernel()
    task = k.spawn("a")
    mm = task.mm
    a = task.mmap(0x40000000, 8 * PAGE, RW, ANON)
    assert a == 0x40000000  # a free hint is taken as is
    task.munmap(a + 2 * PAGE, 2 * PAGE)
    lo, hi = mm.find_vma(a), mm.find_vma(a + 2 * PAGE)
    assert (lo.vm_start, lo.vm_end, hi.vm_start, hi.vm_end) == (a, a + 2 * PAGE, a + 4 * PAGE, a + 8 * PAGE)
    assert hi.vm_pgoff == lo.vm_pgoff + 4  # the upper part keeps its offset into the mapping
    f = task.mmap(a + PAGE, 5 * PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, file="/tmp/data", pgoff=7)
    assert f == a + PAGE
    spans = [(v.vm_start - a, v.vm_end - a) for v in mm if a <= v.vm_start < a + 8 * PAGE]
    assert spans == [(0, PAGE), (PAGE, 6 * PAGE), (6 * PAGE, 8 * PAGE)]
    (line,) = [ln for ln in mm.maps().splitlines() if ln.startswith(f"{f:08x}")]
    assert " r--s 00007000 " in line and line.endswith("/tmp/data")
    validate_mm(mm)
    check_timeline(k)


def test_find_vma_uses_the_cache_and_returns_the_next_vma_for_a_hole() -> None:
    k = Kernel()
    task = k.spawn("a")
    mm = task.mm
    n = len(k.timeline)
    vma = mm.find_vma(0x08049000)
    evs = k.timeline[n:]
    assert [e.hit for e in evs if e.kind == "MmapCacheChecked"] == [False]
    assert [e.verdict for e in evs if e.kind == "VmaVisited"][-1] == "contains"
    n = len(k.timeline)
    assert mm.find_vma(0x0804A000) is vma
    evs = k.timeline[n:]
    assert [e.hit for e in evs if e.kind == "MmapCacheChecked"] == [True]
    assert not [e for e in evs if e.kind == "VmaVisited"]
    assert mm.find_vma(0x10000000).vm_file.path == "/lib/libc-2.7.so"  # first VMA ending above
    assert mm.find_vma(0xC0000000) is None
    vma, prev = mm.find_vma_prev(0x10000000)
    assert prev.vm_end == 0x0804D000 and vma.vm_start == 0xB7EA2000


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda t: t.mmap(0, -PAGE, RW, ANON), "length"),
        (lambda t: t.mmap(0, 1 << 32, RW, ANON), "length"),
        (lambda t: t.mmap("0", PAGE, RW, ANON), "addr"),
        (lambda t: t.mmap(0, PAGE, RW, ANON, pgoff=-1), "pgoff"),
        (lambda t: t.mmap(0, PAGE, RW, ANON, file=3), "file"),
        (lambda t: t.mmap(0, PAGE, RW, MAP_PRIVATE, file="/a\nb"), "file"),
        (lambda t: t.mmap(0, PAGE, 1.0, ANON), "prot"),
        (lambda t: t.munmap(0x1000, -PAGE), "length"),
        (lambda t: t.mprotect(0x1000, PAGE, -1), "prot"),
        (lambda t: t.mprotect(True, PAGE, RW), "start"),
        (lambda t: t.brk(-1), "brk"),
        (lambda t: t.brk(1 << 32), "brk"),
        (lambda t: t.mm.find_vma(-1), "addr"),
    ],
)
def test_calls_no_c_caller_could_make_raise_name_the_argument_and_change_nothing(call, name: str) -> None:
    k = Kernel()
    task = k.spawn("a")
    before, n = k.view_state(), len(k.timeline)
    with pytest.raises(InvalidArgument) as info:
        call(task)
    assert info.value.name == name
    assert k.view_state() == before and len(k.timeline) == n


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
@pytest.mark.parametrize(
    ("call", "errno"),
    [
        (lambda t: t.mmap(0, 0, RW, ANON), -EINVAL),  # do_mmap_pgoff: !len
        (lambda t: t.mmap(0, 0xC0001000, RW, ANON), -ENOMEM),  # len > TASK_SIZE
        (lambda t: t.mmap(0, 0xFFFFFFFF, RW, ANON), -ENOMEM),  # PAGE_ALIGN wraps to 0
        (lambda t: t.mmap(0, PAGE, RW, MAP_ANONYMOUS), -EINVAL),  # neither MAP_SHARED nor MAP_PRIVATE
        (lambda t: t.mmap(0, PAGE, RW, ANON | MAP_SHARED), -EINVAL),  # both
        (lambda t: t.mmap(0, PAGE, RW, MAP_PRIVATE), -EBADF),  # no fd without MAP_ANONYMOUS
        (lambda t: t.mmap(0x1001, PAGE, RW, ANON | MAP_FIXED), -EINVAL),  # unaligned fixed address
        (lambda t: t.mmap(0xBFFFF000, 2 * PAGE, RW, ANON | MAP_FIXED), -ENOMEM),  # past TASK_SIZE
        (lambda t: t.mmap(0, 2 * PAGE, PROT_READ, MAP_PRIVATE, file="/f", pgoff=0xFFFFFFFF), -EOVERFLOW),
        (lambda t: t.mmap(0, PAGE, RW, MAP_SHARED, file=File("/ro", f_mode=FMODE_READ)), -EACCES),
        (lambda t: t.mmap(0, PAGE, PROT_READ, MAP_PRIVATE, file=File("/wo", f_mode=FMODE_WRITE)), -EACCES),
        (lambda t: t.mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, file="/lib/x.so"), -EINVAL),
        (lambda t: t.munmap(0x1001, PAGE), -EINVAL),  # do_munmap: unaligned start
        (lambda t: t.munmap(0x1000, 0), -EINVAL),  # PAGE_ALIGN(len) == 0
        (lambda t: t.munmap(0xBFFFF000, 2 * PAGE), -EINVAL),  # len > TASK_SIZE - start
        (lambda t: t.munmap(0xC0000000, PAGE), -EINVAL),  # start > TASK_SIZE - len
        (lambda t: t.mprotect(0x1001, PAGE, RW), -EINVAL),  # sys_mprotect: unaligned start
        (lambda t: t.mprotect(0x08048000, PAGE, 0x10), -EINVAL),  # unknown prot bit
        (lambda t: t.mprotect(0x08048000, PAGE, RW | PROT_GROWSDOWN | PROT_GROWSUP), -EINVAL),
        (lambda t: t.mprotect(0x08048000, PAGE, RW | PROT_GROWSDOWN), -EINVAL),  # not a stack VMA
        (lambda t: t.mprotect(0x08048000, PAGE, RW | PROT_GROWSUP), -EINVAL),  # no VM_GROWSUP on x86
        (lambda t: t.mprotect(0x1000, PAGE, RW), -ENOMEM),  # nothing mapped there
        (lambda t: t.mprotect(0xFFFFF000, 2 * PAGE, RW), -ENOMEM),  # start + len wraps
        (lambda t: t.mprotect(0xC0000000, PAGE, RW), -ENOMEM),  # above TASK_SIZE: no VMA
    ],
)
def test_failures_the_real_call_reports_return_its_errno_and_are_recorded(call, errno: int, era: str) -> None:
    k = Kernel(Config(era=era))
    task = k.spawn("a")
    before, inodes, n = k.view_state(), dict(k.files.inodes), len(k.timeline.operations)
    assert call(task) == errno
    assert k.view_state() == before and k.files.inodes == inodes  # a refused call changed nothing...
    (op,) = k.timeline.operations[n:]  # ...but is one operation of the timeline, with its result
    assert op.result == errno_name(errno) and op.result.startswith("-E")
    check_timeline(k)


def test_errno_constants_are_the_kernels_and_exported_once() -> None:
    import vmwidgets
    from vmwidgets.model import errno

    assert (vmwidgets.ENOMEM, vmwidgets.EINVAL, vmwidgets.EACCES) == (12, 22, 13)
    assert vmwidgets.ENOMEM is errno.ENOMEM and "EACCES" in vmwidgets.__all__


def test_mprotect_of_a_read_only_shared_file_mapping_to_write_is_eacces() -> None:
    k = Kernel()
    task = k.spawn("a")
    ro = File("/etc/ro", ino=77, f_mode=FMODE_READ)
    a = task.mmap(0, PAGE, PROT_READ, MAP_SHARED, file=ro)
    assert a > 0 and not task.mm.find_vma(a).vm_flags & VM_MAYWRITE  # do_mmap_pgoff drops VM_MAYWRITE
    assert "r--s" in task.mm.maps().splitlines()[[v.vm_start for v in task.mm].index(a)]
    assert task.mprotect(a, PAGE, RW) == -EACCES
    assert task.mprotect(a, PAGE, PROT_READ | PROT_EXEC) == 0
    w = task.mmap(0, PAGE, PROT_READ, MAP_PRIVATE, file=ro)
    assert task.mprotect(w, PAGE, RW) == 0  # a private mapping may write: copy on write
    check_timeline(k)


def test_mprotect_growsdown_reaches_the_start_of_the_stack() -> None:
    k = Kernel()
    task = k.spawn("a")
    stack = task.mm.find_vma(task.mm.start_stack)
    lo, hi = stack.vm_start, stack.vm_end
    assert task.mprotect(lo + 4 * PAGE, PAGE, PROT_READ | PROT_GROWSDOWN) == 0
    spans = [(v.vm_start, v.vm_end, v.vm_flags & 7) for v in task.mm if v.vm_start >= lo]
    assert spans == [(lo, lo + 5 * PAGE, PROT_READ), (lo + 5 * PAGE, hi, RW)]
    validate_mm(task.mm)


def test_head_and_break_are_plain_fields() -> None:
    k = Kernel()
    task = k.spawn("a")
    mm = task.mm
    first = next(iter(mm))
    assert mm.mmap is first and isinstance(mm.mmap, VmAreaStruct) and {mm.mmap: 1}[first] == 1
    assert mm.mmap.vm_prev is None and mm.mmap.vm_next is list(mm)[1]
    assert type(mm.brk) is int and mm.brk == mm.start_brk
    assert not callable(mm.brk) and not callable(mm.mmap)
    assert not hasattr(mm, "munmap") and not hasattr(mm, "mprotect") and not hasattr(mm, "sys_brk")
    assert task.brk(mm.brk + PAGE) == mm.brk == mm.start_brk + PAGE
    assert type(mm.brk) is int
    task.munmap(0, 0xC0000000)
    assert mm.mmap is None and mm.map_count == 0 and list(mm) == []  # the list code keeps the head
    a = task.mmap(0x40000000, PAGE, RW, ANON | MAP_FIXED)
    assert mm.mmap is mm.find_vma(a) and mm.mm_rb.rb_node.owner is mm.mmap
    validate_mm(mm)


def test_calls_on_an_exited_task_raise_and_change_nothing() -> None:
    k = Kernel()
    task = k.spawn("a")
    mm = task.mm
    a = task.mmap(0, PAGE, RW, ANON)
    k.exit(task)
    before, n = k.view_state(), len(k.timeline)
    calls = [
        lambda: task.mmap(0, PAGE, RW, ANON),
        lambda: task.munmap(a, PAGE),
        lambda: task.mprotect(a, PAGE, PROT_READ),
        lambda: task.brk(mm.brk + PAGE),
        lambda: task.access(a),
        lambda: mm.find_vma(a),
        lambda: mm.find_vma_prev(a),
        lambda: mm.maps(),
        lambda: k.fork(task),
        lambda: k.exit(task),
    ]
    for call in calls:
        with pytest.raises(VmError, match=r"task|mm"):
            call()
    assert k.view_state() == before and len(k.timeline) == n and mm.map_count == 0


def test_an_exited_mm_is_a_stale_handle_and_user_slot_checks_its_mm() -> None:
    k = Kernel()
    task = k.spawn("a")
    mm = task.mm
    a = task.mmap(0, PAGE, RW, ANON)
    task.access(a, write=True)
    assert k.user_slot(mm, a) is not None and mm.mmap is not None
    proc = from_proc_maps("08048000-0804c000 r-xp 00000000 08:01 1001 /bin/cat\n", k, name="cat")
    k.exit(task)
    before, n = k.view_state(), len(k.timeline)
    for call in (lambda: mm.mmap, lambda: list(mm), lambda: k.user_slot(mm, a), lambda: k.user_slot(proc, 0x08048000)):
        with pytest.raises(InvalidArgument) as info:
            call()
        assert info.value.name == "mm"
    assert k.view_state() == before and len(k.timeline) == n  # refused: nothing recorded, nothing changed
    with pytest.raises(InvalidArgument, match="addr"):
        k.user_slot(k.spawn("b").mm, k.layout.page_offset)
    assert mm.map_count == 0 and proc.mmap is not None  # counters stay readable; a live mm is untouched


def test_mmap_of_a_path_validates_before_the_inode_is_registered() -> None:
    k = Kernel()
    task = k.spawn("a")
    inodes = dict(k.files.inodes)
    with pytest.raises(InvalidArgument, match="pgoff"):
        task.mmap(0, PAGE, PROT_READ, MAP_PRIVATE, file="/new/file", pgoff=1 << 40)
    assert task.mmap(0, PAGE, PROT_READ, MAP_PRIVATE, file="/new/file", pgoff=0xFFFFFFFF) == -EOVERFLOW
    assert task.mmap(0, PAGE, RW, MAP_PRIVATE | MAP_SHARED, file="/new/file") == -EINVAL
    assert k.files.inodes == inodes  # no failed call opened the path
    a = task.mmap(0, PAGE, PROT_READ, MAP_PRIVATE, file="/new/file")
    assert "/new/file" in k.files.inodes and task.mm.find_vma(a).vm_file.ino == k.files.inodes["/new/file"]


def test_fork_copies_the_break() -> None:
    k = Kernel()
    task = k.spawn("a")
    task.brk(task.mm.brk + 3 * PAGE)
    child = k.fork(task)
    assert child.mm.brk == task.mm.brk and type(child.mm.brk) is int
    assert child.brk(child.mm.start_brk + PAGE) == child.mm.start_brk + PAGE  # shrinks the child's heap only
    assert task.mm.find_vma(task.mm.start_brk).vm_end == task.mm.start_brk + 3 * PAGE


def test_spawn_checks_the_name() -> None:
    with pytest.raises(InvalidArgument, match="name"):
        Kernel().spawn("a/b")


def test_mprotect_splits_then_merges_back() -> None:
    k = Kernel()
    task = k.spawn("a")
    mm = task.mm
    a = task.mmap(0x40000000, 8 * PAGE, RW, ANON)  # nothing around it
    count = mm.map_count
    assert task.mprotect(a + PAGE, 2 * PAGE, PROT_READ) == 0
    spans = [(v.vm_start - a, v.vm_end - a, v.vm_flags & 7) for v in mm if a <= v.vm_start < a + 8 * PAGE]
    assert spans == [(0, PAGE, 3), (PAGE, 3 * PAGE, 1), (3 * PAGE, 8 * PAGE, 3)] and mm.map_count == count + 2
    assert task.mprotect(a + PAGE, 2 * PAGE, RW) == 0  # vma_merge case 6: all three become one again
    assert mm.map_count == count and mm.find_vma(a).vm_end == a + 8 * PAGE
    assert task.mprotect(a + 7 * PAGE, 2 * PAGE, PROT_READ) == -ENOMEM  # runs off the end of the mapping
    assert mm.find_vma(a + 7 * PAGE).vm_flags & 7 == 1  # ...after changing what it could, as the kernel does
    validate_mm(mm)
    check_timeline(k)


def test_brk_grows_and_shrinks_the_heap() -> None:
    k = Kernel()
    task = k.spawn("a")
    mm = task.mm
    start = mm.start_brk
    assert task.brk(start + 0x21000) == start + 0x21000 == mm.brk
    assert "[heap]" in mm.maps() and mm.find_vma(start).vm_end == start + 0x21000
    assert task.brk(start + 0x22100) == start + 0x22100  # grows by merging with the heap VMA
    assert mm.find_vma(start).vm_end == start + 0x23000
    assert task.brk(start + 0x1000) == start + 0x1000 and mm.find_vma(start).vm_end == start + 0x1000
    assert task.brk(0x1000) == start + 0x1000  # below end_code: refused, the break stays
    validate_mm(mm)
    check_timeline(k)


class MmMachine(RuleBasedStateMachine):
    """mmap/munmap against a naive page map: which page holds what."""

    @initialize()
    def boot(self) -> None:
        self.k = Kernel(Config(ram=64 << 20))
        self.task = self.k.spawn("t")
        self.mm = self.task.mm
        self.pages = {}
        for v in self.mm:
            for p in range(v.vm_start, v.vm_end, PAGE):
                self.pages[p] = (v.vm_flags & 0xF, v.vm_file)

    @rule(
        fixed=st.booleans(),
        slot=st.integers(0, 63),
        npages=st.integers(1, 12),
        prot=st.sampled_from([PROT_READ, RW, PROT_READ | PROT_EXEC]),
        shared_file=st.booleans(),
    )
    def mmap(self, fixed: bool, slot: int, npages: int, prot: int, shared_file: bool) -> None:
        addr = 0x40000000 + slot * PAGE if fixed else 0
        flags = (MAP_SHARED if shared_file else ANON) | (MAP_FIXED if fixed else 0)
        file = "/data" if shared_file else None
        got = self.task.mmap(addr, npages * PAGE, prot, flags, file=file, pgoff=0)
        assert got is not None
        if not fixed:
            assert all(p not in self.pages for p in range(got, got + npages * PAGE, PAGE))
        else:
            assert got == addr
        v = self.mm.find_vma(got)
        for p in range(got, got + npages * PAGE, PAGE):
            self.pages[p] = (v.vm_flags & 0xF, v.vm_file)

    @rule(slot=st.integers(0, 80), npages=st.integers(1, 20), prot=st.sampled_from([PROT_READ, RW, 0]))
    def mprotect(self, slot: int, npages: int, prot: int) -> None:
        addr = 0x40000000 + slot * PAGE
        got = self.task.mprotect(addr, npages * PAGE, prot)
        done = 0
        for p in range(addr, addr + npages * PAGE, PAGE):  # page by page until the first hole
            if p not in self.pages:
                break
            flags, file = self.pages[p]
            self.pages[p] = ((flags & ~7) | prot, file)
            done += 1
        assert got == (0 if done == npages else -ENOMEM)

    @rule(top=st.integers(0, 0x60))
    def brk(self, top: int) -> None:
        mm, old = self.mm, self.mm.brk
        new = mm.start_brk + top * 0x800
        assert self.task.brk(new) == new
        page_up = lambda x: (x + PAGE - 1) & ~(PAGE - 1)  # noqa: E731
        for p in range(page_up(new), max(page_up(old), page_up(new)), PAGE):
            self.pages.pop(p, None)
        for p in range(mm.start_brk, page_up(new), PAGE):
            self.pages.setdefault(p, (RW, None))

    @rule(slot=st.integers(0, 80), npages=st.integers(1, 20))
    def munmap(self, slot: int, npages: int) -> None:
        addr = 0x40000000 + slot * PAGE
        self.task.munmap(addr, npages * PAGE)
        for p in range(addr, addr + npages * PAGE, PAGE):
            self.pages.pop(p, None)

    @invariant()
    def agree(self) -> None:
        validate_mm(self.mm)
        got = {}
        for v in self.mm:
            for p in range(v.vm_start, v.vm_end, PAGE):
                got[p] = (v.vm_flags & 0xF, v.vm_file)
        assert got == self.pages
        check_timeline(self.k)


MmMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestMm = MmMachine.TestCase


def test_what_never_merges_shared_anonymous_and_separate_opens() -> None:
    k = Kernel()
    task = k.spawn("a")
    mm = task.mm
    a = task.mmap(0x40000000, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS)
    task.mmap(0x40001000, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED)
    assert mm.find_vma(a).vm_end == a + PAGE  # each has its own shmem file (shmem_zero_setup)
    assert "/dev/zero (deleted)" in mm.maps()
    f1 = task.mmap(0x50000000, PAGE, PROT_READ, MAP_PRIVATE, file="/etc/foo")
    task.mmap(0x50001000, PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, file="/etc/foo", pgoff=1)
    one, two = mm.find_vma(f1), mm.find_vma(f1 + PAGE)
    assert one is not two and one.vm_file.ino == two.vm_file.ino  # two struct files, one inode
    validate_mm(mm)


def test_page_shared_has_nx_from_2_6_28_only() -> None:
    from vmwidgets.model.constants import _PAGE_NX

    for era, nx in (("2.6.24", 0), ("2.6.32", _PAGE_NX)):
        task = Kernel(Config(pae=True, era=era)).spawn("a")
        mm = task.mm
        a = task.mmap(0, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS)
        assert mm.find_vma(a).vm_page_prot & _PAGE_NX == nx
        b = task.mmap(0, PAGE, RW, ANON)
        assert mm.find_vma(b).vm_page_prot & _PAGE_NX == _PAGE_NX  # PAGE_COPY is NX in both


def test_user_mmap_cannot_set_execve_flags_or_grow_files() -> None:
    from vmwidgets.model.mm_types import MAP_DENYWRITE, VM_DENYWRITE

    task = Kernel().spawn("a")

    mm = task.mm
    a = task.mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_DENYWRITE, file="/lib/x.so")
    assert not mm.find_vma(a).vm_flags & VM_DENYWRITE  # sys_mmap2 drops it
    assert task.mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, file="/lib/x.so") == -EINVAL
