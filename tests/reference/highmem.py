"""A reference pkmap pool and kmap_atomic address rule, written from the kernel sources alone.

mm/highmem.c (2.6.24 e8fc8216: map_new_virtual 116-164, flush_all_zero_pkmaps 69-105,
kmap_high 166-184, kunmap_high 188-225; 2.6.32 ae8292a5: 139-187, 88-127, 197-213, 250-288)
and arch/x86/mm/highmem_32.c (kmap_atomic_prot 2.6.24 29-47, 2.6.32 30-49).  It knows
nothing of the model: pages are plain pfns, PTEs a dict slot -> pfn.
"""

from __future__ import annotations

FIXADDR_TOP = 0xFFFFF000


class Pkmap:
    """pkmap_count[], last_pkmap_nr, the pkmap PTEs and page_address for highmem pages."""

    def __init__(self, last_pkmap: int, base: int, flush_always: bool) -> None:
        self.n = last_pkmap
        self.base = base
        self.flush_always = flush_always  # 2.6.24: flush_tlb_kernel_range even if nothing was cleared
        self.count = [0] * last_pkmap
        self.last = 0
        self.pte: dict[int, int] = {}  # slot -> pfn
        self.addr: dict[int, int] = {}  # pfn -> slot
        self.flushes = 0

    def _flush(self) -> None:
        cleared = 0
        for i in range(self.n):
            if self.count[i] == 1:
                self.count[i] = 0
                pfn = self.pte.pop(i)
                del self.addr[pfn]
                cleared += 1
        if cleared or self.flush_always:
            self.flushes += 1

    def kmap(self, pfn: int) -> int | None:
        """The address, or None where the kernel would sleep on pkmap_map_wait."""
        slot = self.addr.get(pfn)
        if slot is None:
            budget = self.n
            while True:
                self.last = (self.last + 1) % self.n
                if self.last == 0:
                    self._flush()
                    budget = self.n
                if self.count[self.last] == 0:
                    break
                budget -= 1
                if budget == 0:
                    return None
            slot = self.last
            self.pte[slot] = pfn
            self.addr[pfn] = slot
            self.count[slot] = 1
        self.count[slot] += 1
        return self.base + slot * 4096

    def kunmap(self, pfn: int) -> None:
        slot = self.addr[pfn]
        self.count[slot] -= 1
        assert self.count[slot] >= 1


def kmap_atomic_addr(km_type: int, fix_kmap_begin: int = 70, cpu: int = 0, km_type_nr: int = 13) -> int:
    """__fix_to_virt(FIX_KMAP_BEGIN + type + KM_TYPE_NR * cpu)."""
    return FIXADDR_TOP - ((fix_kmap_begin + km_type + km_type_nr * cpu) << 12)
