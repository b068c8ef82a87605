"""Lesson 9 exercises: kmalloc and the SLUB allocator versus vmalloc (2.6.24 and 2.6.32).

Every answer is read off the model: a kernel is booted, the calls of the question are run
on it, and the cache, address, order or source of the object it gives is the key.  The
typical wrong answers (the next power of two when kmalloc-96/192 exist, a freelist read
first-in first-out, an order off by one, an address in the vmalloc area …) are computed
from the same numbers with the wrong rule.
"""

from __future__ import annotations

import random

from ..model.config import Config
from ..model.constants import GFP_KERNEL, PAGE_SIZE
from ..model.kernel import Kernel
from ..model.slub import SLAB_DESTROY_BY_RCU, SLAB_HWCACHE_ALIGN, KmemCache
from . import register
from .core import ChoiceExercise, Exercise, Lesson, NumberExercise, ok, recorded, step_lines, unlike_seed0

__all__ = [
    "ERAS",
    "LESSON",
    "SOURCES",
    "cache_of",
    "calls_text",
    "make",
    "next_address",
    "slab_count",
    "where_from",
    "which_cache",
]

ERAS = ("2.6.24", "2.6.32")
SOURCES = {
    "fast": "c->freelist (the fast path)",
    "partial": "the partial list (get_partial)",
    "new": "a new slab (new_slab)",
}


def _pages(n: int) -> str:
    return f"{n} page" + ("" if n == 1 else "s")


def _boot(era: str) -> Kernel:
    return Kernel(Config(era=era))


def _pow2(n: int) -> int:
    return 1 << max(3, (n - 1).bit_length())


def _align(x: int, a: int) -> int:
    return (x + a - 1) // a * a


def _steps(k: Kernel, start: int, end: int) -> str:
    """Steps ``start`` to ``end`` of ``k``'s timeline as the player numbers them (core.step_lines)."""
    return step_lines(recorded(k), start, end)


def cache_of(k: Kernel, addr: int) -> KmemCache:
    """The cache whose slab holds the object at ``addr`` (found among the kernel's slabs)."""
    return next(sp.slab for sp in k.slub.slabs() if addr in sp.object_addresses())


def which_cache(k: Kernel, size: int, id: str = "which_cache") -> NumberExercise:
    """Ask which kmalloc cache serves ``kmalloc(size)`` on ``k``, then run it on ``k`` for the key."""
    era = k.config.era
    addr = ok(k.kmalloc(size, GFP_KERNEL), "kmalloc")
    s = cache_of(k, addr)
    n = s.size
    mistakes: dict[int, str] = {}
    if _pow2(size) != n:
        mistakes[_pow2(size)] = (
            "That is the next power of two. Between 64 and 256 bytes SLUB has two caches whose size is not a power "
            "of two, and get_slab uses them (size_index): look at the list of kmalloc caches again."
        )
    if size != n:
        mistakes.setdefault(
            size,
            "kmalloc has no cache for every size: it rounds the request up to the smallest kmalloc-N with N at "
            "least the size asked for.",
        )
    smaller = [c.size for c in k.slub.kmalloc_caches.values() if c.size < size]
    if smaller:
        mistakes.setdefault(
            max(smaller),
            "That cache's objects are smaller than the request: get_slab rounds up, never down.",
        )
    bigger = sorted(c.size for c in k.slub.kmalloc_caches.values() if c.size > n)
    if bigger:
        mistakes.setdefault(
            bigger[0],
            "One cache too big: a request fits a cache whose objects are at least as big as it, an exact fit "
            "included, and a smaller cache than that one holds it.",
        )
    return NumberExercise(
        id,
        f"Linux {era}. A driver calls kmalloc({size}, GFP_KERNEL). Which kmalloc cache serves it? "
        "Give N of its name kmalloc-N.",
        hint="get_slab picks the smallest kmalloc cache whose objects hold the request. The caches are the "
        "powers of two from 8 bytes, plus kmalloc-96 and kmalloc-192.",
        explain=f"The smallest kmalloc cache that holds {size} bytes is kmalloc-{n} "
        f"({n - size} bytes of the object stay unused).",
        value=n,
        hex=False,
        mistakes=mistakes,
    )


def slab_count(k: Kernel, size: int, count: int, id: str = "slab_count") -> NumberExercise:
    """Ask how many slabs ``count`` calls of ``kmalloc(size)`` make on ``k`` (its cache empty),
    then run them on ``k`` for the key (the SlabCreated steps on its timeline)."""
    t = recorded(k)
    start = len(t)
    for _ in range(count):
        ok(k.kmalloc(size, GFP_KERNEL), "kmalloc")
    made = sum(t[i].kind == "SlabCreated" for i in range(start, len(t)))
    s = k.slub.get_slab(size)
    first = next(o for o in t.operations if o.start >= start)
    worked = (
        f"`get_slab` rounds {size} up to the smallest cache that holds it, **{s.name}**. One of its slabs is "
        f"{_pages(1 << s.order)} of {s.objects} objects ({PAGE_SIZE << s.order} / {s.size}, "
        f"{(PAGE_SIZE << s.order) - s.objects * s.size} bytes left over). `new_slab` runs at the first call and "
        f"again each time a slab is used up: **{made}** slab{'' if made == 1 else 's'}, {count} of their "
        f"{made * s.objects} objects in use.\n\nThe first call, step by step (`file:function`, then what "
        "happened):\n\n" + _steps(k, first.start, first.end)
    )
    mistakes: dict[int, str] = {}
    p2 = _pow2(size)
    if p2 != s.size and p2 <= k.slub.kmalloc_max:
        per = (PAGE_SIZE << k.slub.get_slab(p2).order) // p2
        mistakes[-(-count // per)] = (
            f"That counts slabs of kmalloc-{p2}, the next power of two. get_slab has a cache between 64 and "
            "256 bytes that is not a power of two: which cache takes this size?"
        )
    mistakes.setdefault(
        -(-count * size // PAGE_SIZE),
        "That packs the bytes asked for into pages. Each request takes a whole object of its cache, bigger than "
        "the request, and a slab holds only whole objects.",
    )
    mistakes.pop(made, None)
    era = k.config.era
    return NumberExercise(
        id,
        f"Linux {era}, the cache kmalloc({size}) uses is still empty. A driver calls kmalloc({size}, GFP_KERNEL) "
        f"{count} times and frees nothing. How many slabs does the cache have afterwards (how many times does "
        "new_slab run)?",
        worked=worked,
        hint="First find the cache get_slab picks for this size (the kmalloc caches of /proc/slabinfo), then how "
        "many of its objects one slab holds: the pages per slab times 4096, divided by the object size, rounded down.",
        explain=f"kmalloc({size}) is served by {s.name}: {s.objects} objects per slab, so {count} objects need "
        f"{made} slab" + ("" if made == 1 else "s") + ".",
        value=made,
        hex=False,
        mistakes=mistakes,
    )


def calls_text(calls: list[tuple[str, int, int | None]]) -> str:
    """The calls of a scenario as the prompts list them: ``("kmalloc", size, result)`` or
    ``("kfree", addr, None)``, one a line."""
    return "".join(
        f"  kmalloc({a}) = {r:#010x}\n" if name == "kmalloc" and r is not None else f"  kfree({a:#010x})\n"
        for name, a, r in calls
    )


def next_address(k: Kernel, size: int, freed: list[int], id: str = "next_address", intro: str = "") -> NumberExercise:
    """Ask which address the next ``kmalloc(size)`` returns on ``k``, then run it for the key.

    ``freed`` are the objects the scenario has just given back with kfree, in that order
    (the prompt lists the calls in ``intro``); the key is read off the model's kmalloc."""
    s = k.slub.get_slab(size)
    c = s.cpu_slab
    fp = k.slub.free_pointers
    free = []  # c->freelist from its head
    p = c.freelist
    while p:
        free.append(p)
        p = fp[p]
    untouched = [a for a in free if a not in freed]
    start = len(recorded(k))
    addr = ok(k.kmalloc(size, GFP_KERNEL), "kmalloc")
    worked = (
        "Each `kfree` of a cpu-slab object pushes it on the head of `c->freelist`; the fast path of `slab_alloc` "
        f"pops the head: **{addr:#010x}**, the object freed last. The one freed before it is next, then the "
        "objects never used. No list is searched and nothing is sorted.\n\n" + _steps(k, start, len(recorded(k)))
    )
    mistakes: dict[int, str] = {}
    if len(freed) > 1:
        mistakes[freed[0]] = (
            "That object was freed first of the ones freed. c->freelist is a stack: kfree pushes an object on "
            "its head, and kmalloc pops the head (last in, first out)."
        )
        mistakes.setdefault(
            min(freed),
            "The free list is not sorted by address: each kfree pushes its object on the head, whatever its address.",
        )
    if untouched:
        mistakes.setdefault(
            untouched[0],
            "That is the next object never handed out. It is still on c->freelist, but behind the objects freed "
            "since: kfree puts an object on the head of the list.",
        )
    mistakes.pop(addr, None)
    return NumberExercise(
        id,
        f"{intro}What address does the next kmalloc({size}, GFP_KERNEL) return?",
        worked=worked,
        hint="The objects freed went back to the cpu slab (the fast path of slab_free). How does kfree put an "
        "object on c->freelist, and which one does kmalloc take?",
        explain=f"kfree pushes each freed object on the head of c->freelist and kmalloc pops the head, so the "
        f"object freed last comes back first: {addr:#010x}.",
        value=addr,
        mistakes=mistakes,
    )


def _source_of(k: Kernel, start: int) -> str:
    """Where the object of the kmalloc that begins at event ``start`` came from."""
    t = recorded(k)
    op = next(o for o in t.operations if o.start == start)
    kinds = {t[i].kind for i in range(op.start, op.end)}
    if "SlabCreated" in kinds:
        return "new"
    if "SlabPartialRemoved" in kinds:
        return "partial"
    return "fast"


_WRONG_SOURCE = {
    "fast": "The fast path needs c->freelist to hold an object. Count the objects the cpu slab has handed out, "
    "and those freed into it.",
    "partial": "get_partial takes a slab from the partial list, but only a slab that is not the cpu slab and has "
    "a free object gets on that list (a full slab off the cpu gets there at its first kfree).",
    "new": "new_slab runs only when the cpu slab has nothing left and the partial list is empty. Look again at "
    "the frees: where did each freed object go?",
}


def where_from(k: Kernel, size: int, id: str = "where_from", intro: str = "") -> ChoiceExercise:
    """Ask where the next ``kmalloc(size)`` on ``k`` gets its object, then run it for the key."""
    t = recorded(k)
    before = t.operations[-1] if t.operations else None
    start = len(t)
    ok(k.kmalloc(size, GFP_KERNEL), "kmalloc")
    src = _source_of(k, start)
    s = k.slub.get_slab(size)
    right = {
        "fast": "c->freelist still holds an object, so slab_alloc pops it without a lock or a list.",
        "partial": "c->freelist is empty and the cpu slab is used up, so __slab_alloc deactivates it and "
        "get_partial takes the head of the partial list: the slab where an object was freed.",
        "new": f"c->freelist is empty and no slab of {s.name} is on the partial list, so __slab_alloc calls "
        f"new_slab for {_pages(1 << s.order)} from the buddy allocator.",
    }
    options = {SOURCES[o]: ("Right: " + right[o]) if o == src else "No: " + _WRONG_SOURCE[o] for o in SOURCES}
    last = before if before is not None and before.name == "kfree" else None
    worked = (
        f"**{SOURCES[src]}**. {right[src]} "
        + ("The last kfree and the kmalloc" if last is not None else "The kmalloc")
        + ", step by step:\n\n"
        + (_steps(k, last.start, last.end) + "\n" if last is not None else "")
        + _steps(k, start, len(t))
    )
    return ChoiceExercise(
        id,
        f"{intro}Where does the next kmalloc({size}, GFP_KERNEL) take its object from?",
        worked=worked,
        hint="slab_alloc tries c->freelist first; __slab_alloc then tries the cpu slab's own freelist, then the "
        "head of the partial list, then new_slab. A kfree of an object of the cpu slab goes to c->freelist.",
        explain=right[src],
        options=options,
        correct=SOURCES[src],
    )


def _which_cache(rng: random.Random) -> Exercise:
    """kmalloc(n): which cache? Half the sizes fall in 65-96 or 129-192."""
    era = rng.choice(ERAS)
    lo, hi = rng.choice(((65, 96), (129, 192), (65, 96), (129, 192), (97, 128), (193, 2048), (9, 64)))
    if era == "2.6.32" and rng.random() < 0.2:
        lo, hi = 2049, 8192
    return which_cache(_boot(era), rng.randint(lo, hi))


def _slab_count(rng: random.Random) -> Exercise:
    """count x kmalloc(n) on an empty cache: how many slabs? Most sizes fall in 65-96 or 129-192."""
    era = rng.choice(ERAS)
    lo, hi = rng.choice(((65, 96), (129, 192), (129, 192), (200, 1000), (17, 60)))
    return slab_count(_boot(era), rng.randint(lo, hi), rng.randint(20, 90))


def _cache_size(rng: random.Random) -> Exercise:
    """kmem_cache_create(name, size, 0, flags): the slot size s->size (alignment, moved free pointer)."""
    era = rng.choice(ERAS)
    kind = rng.choice(("hwcache", "rcu", "plain"))
    flags = {"hwcache": SLAB_HWCACHE_ALIGN, "rcu": SLAB_DESTROY_BY_RCU, "plain": 0}[kind]
    names = {"hwcache": "ext3_inode", "rcu": "sighand_cache", "plain": "dentry_cache"}
    kmalloc_sizes = {8 << i for i in range(11)} | {96, 192}
    if kind == "hwcache":  # over 256 bytes: 64-byte slots of other sizes than 512 and 1024 merge nowhere
        size = rng.choice([n for n in range(257, 1000) if _align(n, 64) not in kmalloc_sizes])
    elif kind == "plain":
        size = rng.choice([n for n in range(20, 300) if _align(n, 8) not in kmalloc_sizes])
    else:  # SLAB_DESTROY_BY_RCU never merges
        size = rng.randint(20, 300)
    k = _boot(era)
    s = ok(k.kmem_cache_create(names[kind], size, 0, flags), "kmem_cache_create")
    if s.name != names[kind]:  # pragma: no cover - the sizes above are chosen so that nothing merges
        raise RuntimeError(f"{names[kind]} merged into {s.name}")
    flag_text = {"hwcache": "SLAB_HWCACHE_ALIGN", "rcu": "SLAB_DESTROY_BY_RCU", "plain": "0"}[kind]
    mistakes: dict[int, str] = {}
    if kind == "hwcache":
        mistakes.setdefault(
            _align(size, 8),
            "That is the default 8-byte alignment. SLAB_HWCACHE_ALIGN aligns objects bigger than half a cache "
            "line to a whole cache line (calculate_alignment).",
        )
    if kind == "rcu":
        mistakes.setdefault(
            _align(size, 8),
            "That keeps the free pointer inside the object. With SLAB_DESTROY_BY_RCU an object may still be read "
            "after kfree, so calculate_sizes puts the free pointer after it: one word more before the alignment.",
        )
    mistakes.setdefault(
        size,
        "That is the size asked for (objsize). Each slot is the object rounded up to a word, plus the free "
        "pointer if it has to live outside the object, rounded up to the alignment.",
    )
    if _pow2(size) not in mistakes:
        mistakes[_pow2(size)] = (
            "A cache of your own has no size classes: its slot is the object size rounded up to the alignment, "
            "not to a power of two."
        )
    if kind != "rcu":  # the free pointer added where it lives inside the free object
        with_word = _align(size, 4) + 4
        for wrong in (with_word, _align(with_word, 8 if kind == "plain" else 64)):
            mistakes.setdefault(
                wrong,
                "That adds a word for the free pointer. Without SLAB_DESTROY_BY_RCU (or a constructor) the free "
                "pointer lives inside the free object itself (s->offset 0): no extra word.",
            )
    mistakes.pop(s.size, None)
    return NumberExercise(
        "cache_size",
        f'Linux {era}. A subsystem creates its own cache: kmem_cache_create("{names[kind]}", {size}, 0, '
        f"{flag_text}, NULL) (no constructor; no existing cache is merged). How many bytes does each object's "
        "slot take (s->size, the objsize column of /proc/slabinfo)?",
        hint="calculate_sizes: round the size up to a multiple of 4 (a word); with SLAB_DESTROY_BY_RCU add one "
        "4-byte word for the free pointer; then round up to the alignment: 8 bytes at least, the 64-byte cache "
        "line with SLAB_HWCACHE_ALIGN for objects over 32 bytes.",
        explain=f"The slot is {s.size} bytes, so one slab of {PAGE_SIZE << s.order} bytes holds {s.objects} "
        f"objects (objects = (PAGE_SIZE << order) / size).",
        value=s.size,
        hex=False,
        units=True,
        mistakes=mistakes,
    )


def _alloc_run(k: Kernel, size: int, count: int) -> list[int]:
    return [ok(k.kmalloc(size, GFP_KERNEL), "kmalloc") for _ in range(count)]


def _calls_text(size: int, got: list[int], freed: list[int]) -> str:
    lines = [f"  kmalloc({size}) = {a:#010x}" for a in got] + [f"  kfree({a:#010x})" for a in freed]
    return "\n".join(lines) + "\n"


def _next_address(rng: random.Random) -> Exercise:
    """A few objects from a fresh cache, some freed in a random order: which comes back next?"""
    era = rng.choice(ERAS)
    k = _boot(era)
    size = rng.choice((24, 40, 50, 60, 80, 100, 120, 150, 200, 300))
    got = _alloc_run(k, size, rng.randint(4, 8))
    freed = rng.sample(got, rng.choice((2, 3)))
    for a in freed:
        k.kfree(a)
    other = rng.choice([n for n in range(1, size + 64) if k.slub.get_slab(n) is k.slub.get_slab(size) and n != size])
    intro = (
        f"Linux {era}, a kernel just booted (its kmalloc caches are empty). These calls run in this order:\n"
        + _calls_text(size, got, freed)
    )
    return next_address(k, other, freed, intro=intro)


def _where_from(rng: random.Random) -> Exercise:
    """Which of c->freelist, the partial list or new_slab serves the next kmalloc?"""
    era = rng.choice(ERAS)
    k = _boot(era)
    size = rng.choice((300, 400, 500, 1000)) if era == "2.6.24" else rng.choice((300, 400, 500))
    s = k.slub.get_slab(size)
    per = s.objects
    case = rng.choice(("fast", "fast-freed", "new", "partial", "new-freed"))
    got = _alloc_run(k, size, per if case != "fast" else rng.randint(1, per - 1))
    freed: list[int] = []
    if case == "fast-freed":  # the cpu slab is used up, but an object of it was freed: back on c->freelist
        freed = [rng.choice(got)]
    elif case in ("partial", "new-freed"):  # a second slab is used up too
        got += _alloc_run(k, size, per)
        if case == "partial":  # an object of the first, full slab: that slab goes on the partial list
            freed = [rng.choice(got[:per])]
    for a in freed:
        k.kfree(a)
    if case == "new-freed":  # free one object of the second slab and take it again: still full, no partial
        a = rng.choice(got[per:])
        k.kfree(a)
        got.append(ok(k.kmalloc(size, GFP_KERNEL), "kmalloc"))
        freed = [a]
        lines = [f"  kmalloc({size}) = {x:#010x}" for x in got[:-1]]
        lines += [f"  kfree({a:#010x})", f"  kmalloc({size}) = {got[-1]:#010x}"]
        calls = "\n".join(lines) + "\n"
    else:
        calls = _calls_text(size, got, freed)
    intro = (
        f"Linux {era}, a kernel just booted (its kmalloc caches are empty). kmalloc({size}) is served by "
        f"{s.name}, whose slabs are {_pages(1 << s.order)} of {per} objects. These calls run in this order:\n" + calls
    )
    return where_from(k, size, intro=intro)


def _large_order(rng: random.Random) -> Exercise:
    """A kmalloc above the largest cache: the order of the page-allocator block."""
    era = rng.choice(ERAS)
    k = _boot(era)
    top = k.slub.kmalloc_max
    pages = rng.choice([p for p in (1, 2, 3, 4, 5, 8, 9, 16, 17, 30, 32, 100) if p * PAGE_SIZE > top])
    n = max(top + 1, pages * PAGE_SIZE - rng.choice((0, 0, rng.randint(1, PAGE_SIZE - 1))))
    addr = ok(k.kmalloc(n, GFP_KERNEL), "kmalloc")
    order = k.slub.large[addr]
    npages = -(-n // PAGE_SIZE)
    mistakes: dict[int, str] = {}
    for wrong, why in (
        (
            order + 1,
            "One order too many: get_order gives the smallest order whose block of 2^order pages holds the "
            "request, and a smaller block already does.",
        ),
        (
            npages,
            "That is the number of pages the request covers; the page allocator hands out blocks of 2^order "
            "pages, and the question asks for the order.",
        ),
        (1 << order, "That is the number of pages in the block, 2^order; the question asks for the order itself."),
        (order - 1, "One order too few: a block of that order is smaller than the request (get_order rounds up)."),
    ):
        if wrong >= 0 and wrong != order:
            mistakes[wrong] = (
                f"{mistakes[wrong]} Or: {why}" if wrong in mistakes and why not in mistakes[wrong] else why
            )
    mistakes.pop(order, None)
    return NumberExercise(
        "large_order",
        f"Linux {era}: the largest kmalloc cache holds {top} bytes. A driver calls kmalloc({n}, GFP_KERNEL). "
        "Which order of block does kmalloc ask the page allocator for?",
        hint="Above the largest cache kmalloc takes whole pages: get_order(size), the smallest order whose block "
        "of 2^order pages of 4096 bytes holds the request.",
        explain=f"{n} bytes cover {_pages(npages)}; the smallest power of two that is at least that is "
        f"2^{order} = {1 << order} pages, so get_order gives {order}.",
        value=order,
        hex=False,
        mistakes=mistakes,
    )


def _which_address(rng: random.Random) -> Exercise:
    """Four kernel addresses: which one can kmalloc have returned?"""
    era = rng.choice(ERAS)
    k = Kernel(Config(era=era, ram=rng.choice((512, 768, 1024)) << 20))
    lay = k.layout
    size = rng.choice((64, 200, 1000, 3000, 6000))
    addr = ok(k.kmalloc(size, GFP_KERNEL), "kmalloc")
    vm = ok(k.vmalloc(rng.randint(1, 4) * PAGE_SIZE), "vmalloc")
    user = rng.randrange(0x08048, 0x0A000) * PAGE_SIZE + rng.choice((0, 0x40, 0x100))
    pkmap = ok(lay.pkmap_base, "PKMAP_BASE") + rng.randrange(0, 64) * PAGE_SIZE  # the pkmap area of lesson 8
    options = {
        f"{addr:#010x}": "Right: it lies between PAGE_OFFSET (0xc0000000) and high_memory, in the direct map: "
        "kmalloc's memory is lowmem, reached through the direct map without a new PTE.",
        f"{vm:#010x}": "No: that address is in the vmalloc area, at or above VMALLOC_START. Only vmalloc, vmap and "
        "ioremap build mappings there; kmalloc writes no PTE.",
        f"{user:#010x}": "No: that address is below PAGE_OFFSET (0xc0000000), in a process's user space.",
        f"{pkmap:#010x}": "No: that address is in the pkmap area near the top of the kernel's gigabyte, where kmap "
        "maps highmem pages for a while; slab pages are never highmem.",
    }
    order = sorted(options)
    rng.shuffle(order)
    return ChoiceExercise(
        "which_address",
        f"Linux {era} on a machine with {k.config.ram >> 20} MB of RAM: high_memory = {lay.high_memory:#010x}, "
        f"VMALLOC_START = {lay.vmalloc_start:#010x}. One of these addresses was returned by "
        f"kmalloc({size}, GFP_KERNEL); the others come from elsewhere. Which one is it?",
        hint="kmalloc's memory is lowmem, used through the direct map: PAGE_OFFSET + physical address, below "
        "high_memory. Place each address in the layout of lesson 1.",
        explain=f"{addr:#010x} is below high_memory ({lay.high_memory:#010x}): a direct-map address, "
        f"frame {(addr - 0xC0000000) >> 12:#x}.",
        options={o: options[o] for o in order},
        correct=f"{addr:#010x}",
    )


def make(seed: int) -> list[Exercise]:
    """The lesson's exercises for ``seed``: every number comes from ``random.Random(seed)``."""
    rng = random.Random(seed)
    return [
        unlike_seed0(seed, make, lambda _: _which_cache(rng)),
        _slab_count(rng),
        _cache_size(rng),
        _next_address(rng),
        _where_from(rng),
        unlike_seed0(seed, make, lambda _: _large_order(rng)),
        _which_address(rng),
    ]


LESSON = register(Lesson(9, "kmalloc and the slab allocator versus vmalloc", make))
