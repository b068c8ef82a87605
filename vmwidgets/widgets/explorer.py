"""`Explorer`: the player and the views that fit a kernel, a task or an mm, in one widget."""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import traitlets

from ..errors import InvalidArgument
from ..render.dot import escape
from ..render.selection import parse_key
from .cells import adopt
from .compat import VBox, close_tree, set_titles
from .player import Player
from .source import source_of
from .views import LayoutView, PageTableView, PhysicalMemoryView, SlabView, View, VmaView, VmlistView

__all__ = ["Explorer", "explore"]


class Explorer(VBox):
    """Player on top; the views below share one selection.

    Click a vm_struct, VMA, slab, page table or frame in any view (or type an address) and
    every view highlights it: the layout marks it, the physical view lights its frames,
    the page-table view walks an address or marks the entries that map it.

    ``views``: for a kernel, the vmlist, layout, page-table, physical-memory and slab views;
    for a task or an mm, its VMAs in place of the vmlist and no slab view (SLUB's caches are
    the kernel's, not an address space's: explore the kernel to see them).
    """

    selected = traitlets.Unicode("")

    def __init__(self, obj: Any) -> None:
        src = source_of(obj)
        self.source = src
        views: list[View]
        if src.mm is not None:
            views = [VmaView(src), LayoutView(src), PageTableView(src), PhysicalMemoryView(src)]
        else:
            views = [VmlistView(src), LayoutView(src), PageTableView(src), PhysicalMemoryView(src), SlabView(src)]
        self.views = views
        self.player = Player(src, views)
        self._links = [traitlets.link((self, "selected"), (v, "selected")) for v in views]
        self.address = w.Text(
            placeholder="0xc0801234", description="address", continuous_update=False, layout=w.Layout(width="260px")
        )
        self.address.observe(self._typed, "value")
        self.player.observe(self._stepped, "position")  # a slab comes and goes with the steps
        self._watching = True
        clear = w.Button(description="clear selection", layout=w.Layout(width="auto"))
        clear.on_click(lambda _: setattr(self, "selected", ""))
        self.info = w.HTML()
        self.info.add_class("vmw-selinfo")
        main, layout, *tabbed = views
        tabs = w.Tab(tabbed)
        set_titles(tabs, ("page tables", "physical memory", "slab caches")[: len(tabbed)])
        right = w.VBox([main, tabs], layout=w.Layout(flex="1 1 auto", min_width="0"))
        layout.layout.width = "440px"
        layout.layout.flex = "0 0 440px"
        super().__init__([self.player, w.HBox([self.address, clear, self.info]), w.HBox([layout, right])])
        self.add_class("vmw-explorer")
        self._describe()
        adopt(self)  # closed when its cell runs again

    def close(self) -> None:
        """Close the player, the views and every widget inside: nothing of the explorer stays
        subscribed to the kernel, and the explorer can be collected."""
        for link in getattr(self, "_links", ()):
            link.unlink()
        self._links = []
        if hasattr(self, "player"):
            if getattr(self, "_watching", False):  # (close may run twice: by its cell, then __del__)
                self.player.unobserve(self._stepped, "position")
                self._watching = False
            self.player.close()
        for v in getattr(self, "views", ()):
            v.close()
        close_tree(self)

    def _typed(self, change: dict[str, Any]) -> None:
        text = change["new"].strip()
        if not text:
            return
        try:
            value = int(text, 0)
            if not 0 <= value < 1 << 32:
                raise ValueError
        except ValueError:
            self.info.value = f"<b>not an address:</b> {escape(text)} (give 0x00000000–0xffffffff)"
            return
        self.selected = f"addr:{value:#x}"

    def _stepped(self, _change: dict[str, Any]) -> None:
        if self.selected.startswith("slab:"):
            self._describe()

    @traitlets.observe("selected")
    def _on_select(self, _change: dict[str, Any]) -> None:
        self._describe()

    def _describe(self) -> None:
        kind, value = parse_key(self.selected)
        text = {
            "vm": lambda: f"selected vm_struct at {value:#010x}",
            "vma": lambda: f"selected VMA {value[1]} of mm {value[0]}",
            "addr": lambda: f"selected address {value:#010x}: marked in the layout, walked in the page tables",
            "pfn": lambda: f"selected frame {value:#x} (phys {value << 12:#010x})",
            "slab": lambda: self._slab_text(value),
        }.get(kind, lambda: "click a vm_struct, VMA, slab, table or frame, or type an address")()
        self.info.value = escape(text)

    def _slab_text(self, pfn: int) -> str:
        """What a ``slab:`` key selects at the player's step: its cache, direct-map address and frames."""
        p = self.player
        r = p.cursor.seek(p.position).slabs.get(pfn)  # (this may run before the player's own redraw)
        if r is None:  # freed at this step, or not allocated yet
            return f"selected slab at frame {pfn:#x}: no slab there at this step"
        frames = f"frame {pfn:#x}" if r.order == 0 else f"frames {pfn:#x}–{pfn + (1 << r.order) - 1:#x}"
        return f"selected slab at {r.addr:#010x} of cache {r.cache}: {frames} (order {r.order}), {r.objects} objects"


def explore(obj: Any) -> Explorer:
    """The explorer for ``obj`` — a Kernel, a Task or an MmStruct (such as one from
    :func:`~vmwidgets.from_proc_maps`): player and views with linked selection.

    >>> from vmwidgets import Kernel, explore
    >>> k = Kernel()
    >>> _ = k.vmalloc(8192)
    >>> ex = explore(k)
    >>> ex.player.position == len(k.timeline)
    True
    """
    from ..timeline import Timeline

    if isinstance(obj, Timeline):
        raise InvalidArgument("obj", obj, "a Kernel, a Task or an MmStruct (a Timeline alone has no layout)")
    return Explorer(obj)
