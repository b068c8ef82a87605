"""Lesson 7 exercises: from then to now (2.6.24's vmlist, 2.6.32's vmap_area tree, today's maple tree).

The numeric answers are read off the model: a kernel of the right era is booted, the
calls of the question are run on it, and the address or page count it gives is the key.
The find_vma question builds the lesson's 64-bit sample process with
:func:`~vmwidgets.from_proc_maps` and asks the model's ``find_vma``, which takes 64-bit
addresses.  The two choice questions are about which kernel uses which structure; their
facts and sources are in the lesson (notebooks/src/07_then_and_now.py).
"""

from __future__ import annotations

import itertools
import random

from ..model.config import Config
from ..model.constants import PAGE_SIZE
from ..model.kernel import Kernel
from ..model.mm_types import VmAreaStruct
from ..model.procmaps import from_proc_maps
from ..model.vmap_area import VM_LAZY_FREE
from . import register
from .core import ChoiceExercise, Exercise, Lesson, NumberExercise, ok, unlike_seed0

__all__ = [
    "CALLERS",
    "LD",
    "LESSON",
    "LIBC",
    "MB",
    "RAMS",
    "SAMPLE_MAPS",
    "find_vma_64",
    "hole_search",
    "lazy_count",
    "lazy_pages",
    "lazy_reuse",
    "make",
    "predict_c",
    "predict_purge",
    "reuse_mistakes",
    "vma_structure",
]

MB = 1 << 20
RAMS = (512 * MB, 768 * MB, 1024 * MB, 2048 * MB)
CALLERS = ("snd_init", "usb_probe", "net_setup", "fs_mount", "crypto_init", "video_probe")

# /proc/PID/maps of `cat` on a 64-bit x86 Linux (addresses made up, layout as a real one):
# the lesson prints it and builds it with from_proc_maps; the find_vma question uses it.
LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6"
LD = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
SAMPLE_MAPS = "".join(
    line + "\n"
    for line in (
        "5581d7a00000-5581d7a02000 r--p 00000000 fe:01 1311208                    /usr/bin/cat",
        "5581d7a02000-5581d7a07000 r-xp 00002000 fe:01 1311208                    /usr/bin/cat",
        "5581d7a07000-5581d7a09000 r--p 00007000 fe:01 1311208                    /usr/bin/cat",
        "5581d7a09000-5581d7a0a000 r--p 00008000 fe:01 1311208                    /usr/bin/cat",
        "5581d7a0a000-5581d7a0b000 rw-p 00009000 fe:01 1311208                    /usr/bin/cat",
        "5581d8c3e000-5581d8c5f000 rw-p 00000000 00:00 0                          [heap]",
        "7f5e1c400000-7f5e1c6e8000 r--p 00000000 fe:01 1316426                    /usr/lib/locale/locale-archive",
        "7f5e1c6e8000-7f5e1c6eb000 rw-p 00000000 00:00 0 ",
        f"7f5e1c6eb000-7f5e1c711000 r--p 00000000 fe:01 1317046                    {LIBC}",
        f"7f5e1c711000-7f5e1c866000 r-xp 00026000 fe:01 1317046                    {LIBC}",
        f"7f5e1c866000-7f5e1c8b9000 r--p 0017b000 fe:01 1317046                    {LIBC}",
        f"7f5e1c8b9000-7f5e1c8bd000 r--p 001ce000 fe:01 1317046                    {LIBC}",
        f"7f5e1c8bd000-7f5e1c8bf000 rw-p 001d2000 fe:01 1317046                    {LIBC}",
        "7f5e1c8bf000-7f5e1c8cc000 rw-p 00000000 00:00 0 ",
        "7f5e1c8e1000-7f5e1c8e3000 rw-p 00000000 00:00 0 ",
        "7f5e1c8e3000-7f5e1c8e7000 r--p 00000000 00:00 0                          [vvar]",
        "7f5e1c8e7000-7f5e1c8e9000 r-xp 00000000 00:00 0                          [vdso]",
        f"7f5e1c8e9000-7f5e1c8ea000 r--p 00000000 fe:01 1316969                    {LD}",
        f"7f5e1c8ea000-7f5e1c90f000 r-xp 00001000 fe:01 1316969                    {LD}",
        f"7f5e1c90f000-7f5e1c919000 r--p 00026000 fe:01 1316969                    {LD}",
        f"7f5e1c919000-7f5e1c91b000 r--p 00030000 fe:01 1316969                    {LD}",
        f"7f5e1c91b000-7f5e1c91d000 rw-p 00032000 fe:01 1316969                    {LD}",
        "7ffd4a5c2000-7ffd4a5e3000 rw-p 00000000 00:00 0                          [stack]",
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
    )
)


def _pages(n: int) -> str:
    return f"{n} page" + ("" if n == 1 else "s")


def _shuffled(rng: random.Random, options: dict[str, str]) -> dict[str, str]:
    keys = list(options)
    rng.shuffle(keys)
    return {k: options[k] for k in keys}


def lazy_pages(k: Kernel) -> int:
    """``vmap_lazy_nr`` read off the tree: the pages of every vmap_area marked VM_LAZY_FREE."""
    areas = [n.owner for n in k.vmap_area_root]
    return sum((va.va_end - va.va_start) // PAGE_SIZE for va in areas if va.flags & VM_LAZY_FREE)


def reuse_mistakes(a: int, b: int, b_pages: int, c: int) -> dict[int, str]:
    """Feedback for the usual wrong answers to "2.6.32: a, b, vfree(a), c = vmalloc(...): where is c?"."""
    mistakes = {
        a: (
            "That is a's old address, where 2.6.24 would put c (vfree gave the hole back at once). In 2.6.32 vfree "
            "only marks a's vmap_area VM_LAZY_FREE: it stays in vmap_area_root, addresses included, until "
            "__purge_vmap_area_lazy runs, so alloc_vmap_area must look further."
        ),
        b: "That is where b starts, and b is still in use.",
        b + (b_pages + 1) * PAGE_SIZE: (
            "That is the end of b with its guard page. From 2.6.28 alloc_vmap_area leaves one more unmapped page: "
            "on a collision it moves the candidate to va_end + PAGE_SIZE."
        ),
        b + b_pages * PAGE_SIZE: (
            "That starts right after b's data pages: b also has its guard page, and 2.6.32 leaves one more free "
            "page after that."
        ),
    }
    mistakes.pop(c, None)
    return mistakes


def predict_c(a: int, b: int, b_pages: int, c: int, eid: str = "c in 2.6.32") -> NumberExercise:
    """Lesson 7's predict-then-check: 2.6.32, a and b allocated, vfree(a), where does a
    one-page c start?  ``c`` is where the model put it."""
    return NumberExercise(
        eid,
        f"Linux 2.6.32: a = vmalloc(3 pages) is at {a:#x}, b = vmalloc({b_pages} pages) at {b:#x}, and a was "
        "just freed with vfree(a). Where does c = vmalloc(1 page) start?",
        hint="Is a's vmap_area still in the tree? Where does b's area end, guard page included?",
        explain=f"a's vmap_area is still in the tree, so the first gap is after b: b + {b_pages} pages + guard "
        "page + extra page.",
        value=c,
        mistakes=reuse_mistakes(a, b, b_pages, c),
        worked=f"In 2.6.32, `vfree(a)` only marks a's `vmap_area` `VM_LAZY_FREE`: the area stays in the tree "
        "until a purge, so its addresses are not free yet. `alloc_vmap_area` walks past it, and past b: b starts "
        f"at `{b:#x}`, and its {b_pages} pages, its guard page and the extra page 2.6.28 leaves take "
        f"{b_pages + 2} pages, so the first gap starts at `{c:#x}`. Section 3 says why a's range waits.",
    )


def predict_purge(eid: str = "d in a full vmalloc area") -> ChoiceExercise:
    """Lesson 7's predict-then-check: 2.6.32's vmalloc finds no gap while a lazily freed area waits."""
    answer = "it purges the lazy areas, then d takes a's old address"
    return ChoiceExercise(
        eid,
        "Linux 2.6.32, vmalloc area of 16 pages: a (freed, lazy), b and c as printed above. "
        "What does d = vmalloc(4 pages) do?",
        hint="What does alloc_vmap_area do when it finds no gap?",
        explain="alloc_vmap_area found no gap, purged the lazy areas (one TLB flush) and retried: "
        "d took a's old addresses.",
        options={
            "it returns NULL: out of vmalloc space": "Not yet: before giving up, alloc_vmap_area purges "
            "the lazily freed areas and tries once more.",
            answer: "",
            "it takes a's old address at once": "a's vmap_area is still in the tree: alloc_vmap_area "
            "cannot hand out those addresses before a purge.",
        },
        correct=answer,
    )


def lazy_reuse(seed: int, attempt: int = 0) -> NumberExercise:
    """2.6.32: a, b, vfree(a), c — c cannot reuse a's addresses while a waits to be purged.

    ``attempt`` > 0 draws other numbers (see :func:`~vmwidgets.exercises.core.unlike_seed0`)."""
    rng = random.Random(seed * 7919 + 1 if not attempt else f"lazy_reuse-{seed}-{attempt}")
    ram = rng.choice(RAMS)
    n1, n2 = rng.randint(2, 6), rng.randint(1, 5)
    n3 = rng.randint(1, n1)  # fits in a's old hole: 2.6.24 would reuse it
    k = Kernel(Config(era="2.6.32", ram=ram), record=False)
    vs = k.layout.vmalloc_start
    a = ok(k.vmalloc(n1 * PAGE_SIZE, caller=rng.choice(CALLERS)), "vmalloc")
    b = ok(k.vmalloc(n2 * PAGE_SIZE, caller=rng.choice(CALLERS)), "vmalloc")
    k.vfree(a)
    c = ok(k.vmalloc(n3 * PAGE_SIZE, caller=rng.choice(CALLERS)), "vmalloc")
    mistakes = reuse_mistakes(a, b, n2, c)
    return NumberExercise(
        "lazy_reuse",
        f"A Linux 2.6.32 machine with {ram >> 20} MB of RAM has VMALLOC_START = {vs:#010x} and an empty vmalloc "
        f"area. A driver calls a = vmalloc({n1} * 4096), b = vmalloc({n2} * 4096), then vfree(a), then "
        f"c = vmalloc({n3} * 4096). At which address does c start? (a is at {a:#010x}; one page is 0x1000.)",
        hint=(
            "Each area takes its pages plus a guard page, 2.6.32 leaves one extra free page after each area, "
            "and in 2.6.32 vfree does not give the addresses back at once."
        ),
        explain=(
            f"a's vmap_area ({a:#010x}-{a + (n1 + 1) * PAGE_SIZE:#010x}) is still in vmap_area_root, marked "
            f"VM_LAZY_FREE, so the first hole alloc_vmap_area finds is after b: b = {b:#010x}, plus {_pages(n2)}, "
            f"plus the guard page, plus the extra page = {c:#010x}."
        ),
        value=c,
        mistakes=mistakes,
    )


def lazy_count(seed: int) -> NumberExercise:
    """2.6.32: how many pages wait in vmap_lazy_nr after some vfrees."""
    rng = random.Random(seed * 104729 + 2)
    sizes = [rng.choice((100, 4096, 5000, 8192, 9000, 12288, 16384, 20000)) for _ in range(4)]
    freed = sorted(rng.sample(range(4), rng.randint(2, 3)))
    order = freed[:]
    rng.shuffle(order)
    k = Kernel(Config(era="2.6.32"), record=False)
    addrs = [ok(k.vmalloc(s, caller=rng.choice(CALLERS)), "vmalloc") for s in sizes]
    for i in order:
        k.vfree(addrs[i])
    value = lazy_pages(k)
    data = sum((s + PAGE_SIZE - 1) // PAGE_SIZE for s in (sizes[i] for i in freed))
    wrong = [  # most telling first: a later mistake with the same number does not replace it
        (
            data,
            "That counts only the data pages. A vmap_area covers the guard page too, and vmap_lazy_nr adds "
            "(va_end - va_start) >> PAGE_SHIFT for each freed area.",
        ),
        (
            value + len(freed),
            "The extra free page 2.6.32 leaves after each area belongs to no vmap_area, so it is not counted.",
        ),
        (
            sum(s // PAGE_SIZE + 1 for s in (sizes[i] for i in freed)),
            "Sizes are rounded up to whole pages (PAGE_ALIGN) before the guard page is added: for example "
            "5000 bytes take 2 pages, plus 1 guard page.",
        ),
        (len(freed), "That is the number of freed areas; vmap_lazy_nr counts pages."),
    ]
    mistakes: dict[int, str] = {}
    for n, text in wrong:
        if n != value and n not in mistakes:
            mistakes[n] = text
    calls = ", ".join(f"v{i} = vmalloc({s})" for i, s in enumerate(sizes))
    frees = ", ".join(f"vfree(v{i})" for i in order)
    return NumberExercise(
        "lazy_count",
        f"On a fresh Linux 2.6.32 machine a module calls {calls}, then {frees}. No purge has run yet. How many "
        "pages does vmap_lazy_nr count now (pages waiting for __purge_vmap_area_lazy)?",
        hint="Round each size up to whole pages, add the guard page, and add up the areas that were freed.",
        explain=(
            "Each freed vmap_area adds its whole length, guard page included: "
            + " + ".join(f"{(sizes[i] + PAGE_SIZE - 1) // PAGE_SIZE + 1}" for i in freed)
            + f" = {value} pages, far below lazy_max_pages() = 8192 on one CPU, so they wait."
        ),
        value=value,
        hex=False,
        units=True,
        unit=PAGE_SIZE,  # "4" and "4 pages" read alike
        mistakes=mistakes,
    )


def find_vma_64(seed: int) -> NumberExercise:
    """find_vma on the 64-bit sample process, for an address in a hole between two VMAs."""
    rng = random.Random(seed * 1299709 + 3)
    mm = from_proc_maps(SAMPLE_MAPS, kernel=Kernel(Config(), record=False), name="cat")
    vmas = list(mm)
    # holes between VMAs, except the one below [vsyscall] (a gate VMA the real mm does not hold)
    holes = [(p, n) for p, n in itertools.pairwise(vmas) if p.vm_end < n.vm_start and n.vm_end <= 1 << 47]
    prev, nxt = rng.choice(holes)
    pages = (nxt.vm_start - prev.vm_end) // PAGE_SIZE
    addr = prev.vm_end + rng.randrange(pages) * PAGE_SIZE + rng.randrange(0, PAGE_SIZE, 8)
    found = mm.find_vma(addr)  # the model's find_vma takes 64-bit addresses (up to task_size)
    value = found.vm_start if found is not None else 0
    after = vmas[vmas.index(nxt) + 1]
    names = {}  # vm_start -> the name column of its maps line ([heap], a path, or nothing)
    for row in SAMPLE_MAPS.splitlines():
        parts = row.split(None, 5)
        names[int(parts[0].split("-")[0], 16)] = parts[5] if len(parts) > 5 else "(anonymous)"

    def line(v: VmAreaStruct) -> str:
        return f"{v.vm_start:x}-{v.vm_end:x} {names[v.vm_start]}"

    mistakes = {
        prev.vm_start: (
            "That VMA lies below the address and ends before it. find_vma does not look for the VMA below: it "
            "returns the first VMA whose vm_end is above addr, even when addr falls in a hole."
        ),
        0: (
            "NULL only comes back when no VMA at all ends above addr. Here the address is in a hole, and the VMA "
            "after the hole ends above it: find_vma returns that one (the caller then checks vm_start <= addr)."
        ),
        after.vm_start: "That VMA is further up: find_vma returns the lowest VMA that ends above addr.",
    }
    mistakes.pop(value, None)
    return NumberExercise(
        "find_vma_64",
        "The lesson's 64-bit sample process (cat) has, among others, these three VMAs in a row:\n"
        f"  {line(prev)}\n  {line(nxt)}\n  {line(after)}\n"
        f"What vm_start does find_vma(mm, {addr:#x}) return? (Answer 0 for NULL.)",
        hint=(
            "find_vma returns the first VMA, in address order, with addr < vm_end; it does not need "
            "vm_start <= addr. Compare the address with each vm_end, from the lowest VMA up."
        ),
        explain=(
            f"{addr:#x} lies in the hole between {prev.vm_end:#x} and {nxt.vm_start:#x}. The first VMA ending "
            f"above it starts at {value:#x}; a caller that needs addr inside the VMA must also check "
            "vm_start <= addr (a page fault there is a SIGSEGV unless the VMA is a stack that may grow down)."
        ),
        value=value,
        mistakes=mistakes,
    )


def vma_structure(seed: int) -> ChoiceExercise:
    rng = random.Random(seed * 15485863 + 4)
    options = {
        "a maple tree (mm->mm_mt)": "",
        "the mm_rb red-black tree and the vm_next list": (
            "That was the design from 2.6 up to 6.0. Linux 6.1 removed both (commits 'mm: remove rb tree.' and "
            "'mm: remove the vma linked list') and keeps the VMAs in a maple tree."
        ),
        "vmap_area_root": (
            "vmap_area_root holds the kernel's vmalloc/vmap areas (2.6.28 on), not a process's user-space VMAs."
        ),
        "vmlist": "vmlist is 2.6.24's list of vmalloc areas in the kernel; it never held user-space VMAs.",
    }
    return ChoiceExercise(
        "vma_structure",
        "In Linux 6.1 and later, which structure holds the VMAs of a process's address space, the one find_vma "
        "searches?",
        hint="Linux 6.1 replaced three structures (a tree, a list and a cache) with one B-tree for ranges.",
        explain=(
            "Each mm_struct holds its VMAs in a maple tree (mm->mm_mt), a B-tree of non-overlapping ranges "
            "(Documentation/mm/process_addrs.rst); find_vma walks it with mt_find."
        ),
        options=_shuffled(rng, options),
        correct="a maple tree (mm->mm_mt)",
    )


def hole_search(seed: int) -> ChoiceExercise:
    rng = random.Random(seed * 32452843 + 5)
    options = {
        "2.6.24": "",
        "2.6.32": (
            "2.6.32 still keeps vmlist sorted (insert_vmalloc_vm), but only for /proc/vmallocinfo and lookups: the "
            "hole comes from alloc_vmap_area, which descends the vmap_area_root red-black tree."
        ),
        "both": (
            "Not both: from 2.6.28 alloc_vmap_area finds the hole in the vmap_area_root tree, and vmlist is only "
            "kept in order."
        ),
        "today's kernels (6.x)": (
            "Today vmlist only exists during early boot (since 3.10), and the free space is found in "
            "free_vmap_area_root, an augmented red-black tree of free blocks."
        ),
    }
    return ChoiceExercise(
        "hole_search",
        "vmalloc needs a free range of kernel addresses. In which kernel does it find that range by walking the "
        "vmlist of vm_structs one by one, first fit?",
        hint="Which era has no vmap_area at all?",
        explain=(
            "2.6.24's __get_vm_area_node walks vmlist from VMALLOC_START until a gap is big enough. Nick Piggin's "
            "vmap rewrite (2.6.28) moved the search to alloc_vmap_area and the vmap_area_root tree."
        ),
        options=_shuffled(rng, options),
        correct="2.6.24",
    )


def make(seed: int) -> list[Exercise]:
    return [
        unlike_seed0(seed, make, lambda a: lazy_reuse(seed, a)),
        lazy_count(seed),
        find_vma_64(seed),
        vma_structure(seed),
        hole_search(seed),
    ]


LESSON = register(Lesson(7, "From then to now", make))
