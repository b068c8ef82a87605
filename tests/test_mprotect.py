"""mm/mprotect.c (model/mprotect.py) and the mm/mmap.c calls it makes, in both eras."""

from __future__ import annotations

import pytest
from helpers import check_timeline

from vmwidgets import ENOMEM, Config, Kernel, validate_mm
from vmwidgets.model.constants import _PAGE_RW
from vmwidgets.model.mm_types import MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, VM_READ
from vmwidgets.model.mmap import expand_stack, vm_get_page_prot
from vmwidgets.model.mprotect import mprotect_fixup, sys_mprotect

PAGE = 4096
ANON = MAP_PRIVATE | MAP_ANONYMOUS
RW = PROT_READ | PROT_WRITE
ERAS = pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])


@ERAS
def test_task_mprotect_is_sys_mprotect_with_its_steps_named_after_mprotect_c(era: str) -> None:
    k = Kernel(Config(era=era))
    t = k.spawn("a")
    a = t.mmap(0x40000000, 4 * PAGE, RW, ANON)
    t.access(a + PAGE, write=True)
    start = len(k.timeline)
    assert sys_mprotect(t, a + PAGE, PAGE, PROT_READ) == 0
    steps = list(k.timeline)[start:]
    assert steps[0].name == "mprotect" and steps[0].fn == "mm/mprotect.c:sys_mprotect"
    changed = [e for e in steps if e.kind == "VmaFlagsChanged"]
    assert [(e.fn, e.old & 7, e.new & 7) for e in changed] == [("mm/mprotect.c:mprotect_fixup", 3, 1)]
    ptes = [e for e in steps if e.kind == "PteChanged"]
    assert [e.fn for e in ptes] == ["mm/mprotect.c:change_pte_range"] and not ptes[0].new & _PAGE_RW
    assert [(v.vm_start - a, v.vm_end - a) for v in t.mm if a <= v.vm_start < a + 4 * PAGE] == [
        (0, PAGE),
        (PAGE, 2 * PAGE),
        (2 * PAGE, 4 * PAGE),
    ]
    assert t.mprotect(a + PAGE, PAGE, RW) == 0 and t.mm.find_vma(a).vm_end == a + 4 * PAGE  # merged back
    validate_mm(t.mm)
    check_timeline(k)


@ERAS
def test_mprotect_fixup_returns_the_vma_covering_the_range_and_sets_vm_page_prot(era: str) -> None:
    k = Kernel(Config(era=era, pae=True))
    t = k.spawn("a")
    a = t.mmap(0x40000000, 3 * PAGE, RW, ANON)
    vma, count = t.mm.find_vma(a), t.mm.map_count
    with k.emitter.operation("test", "", "tests:mprotect_fixup"):
        same = mprotect_fixup(vma, vma.vm_prev, a, a + 3 * PAGE, vma.vm_flags)  # nothing to change
        middle = mprotect_fixup(vma, vma.vm_prev, a + PAGE, a + 2 * PAGE, vma.vm_flags & ~PROT_WRITE)
    assert same is vma and (middle.vm_start, middle.vm_end) == (a + PAGE, a + 2 * PAGE)
    assert middle.vm_flags & 7 == VM_READ and middle.vm_page_prot == vm_get_page_prot(t.mm, middle.vm_flags)
    assert t.mm.map_count == count + 2  # split at both ends
    validate_mm(t.mm)


@ERAS
def test_every_vma_maps_with_vm_get_page_prot_of_its_flags(era: str) -> None:
    for pae in (False, True):
        t = Kernel(Config(era=era, pae=pae)).spawn("a")
        assert [v.vm_page_prot for v in t.mm] == [vm_get_page_prot(t.mm, v.vm_flags) for v in t.mm]


def test_expand_stack_refuses_to_pass_rlimit_stack_and_changes_nothing() -> None:
    k = Kernel()
    t = k.spawn("a")
    stack = t.mm.find_vma(t.mm.start_stack)
    before, total = (stack.vm_start, stack.vm_pgoff), t.mm.total_vm
    with k.emitter.operation("test", "", "tests:expand_stack"):
        assert expand_stack(stack, stack.vm_end - (8 << 20) - 1) == -ENOMEM  # 8 MB and a page: too far
        assert (stack.vm_start, stack.vm_pgoff, t.mm.total_vm) == (*before, total)
        assert expand_stack(stack, stack.vm_start - PAGE - 1) == 0  # the page of the address and the one above
    assert stack.vm_start == before[0] - 2 * PAGE and stack.vm_pgoff == before[1] - 2
    assert t.mm.total_vm == total + 2
    validate_mm(t.mm)
