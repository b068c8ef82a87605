"""The views: thin widgets that turn a view state and a step's focus into a scene.

Each view works alone (it then shows the newest state and redraws after every
operation) or under a :class:`~vmwidgets.widgets.Player`, which moves it through time.
Selection keys are shared by all views: ``vm:0x…`` (a vm_struct), ``vma:MM:ID`` (a VMA),
``addr:0x…`` (an address), ``pfn:0x…`` (a frame) and ``slab:0x…`` (a slab, by its first frame).
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

import ipywidgets as w
import traitlets

from ..errors import InvalidArgument, check_int
from ..render.focus import Focus
from ..render.incremental import Dirty, Memo, RbSizes
from ..render.layout_scene import layout_scene
from ..render.pagetable_scene import pagetable_scene
from ..render.physmem_scene import physmem_scene
from ..render.rbtree_scene import rbtree_scene
from ..render.scene import Scene
from ..render.selection import parse_key
from ..render.slab_scene import slab_scene, slab_span
from ..render.svg import maps_scene, stack_svg, svg_to_png
from ..render.tables import mapped_frames, walk_path
from ..render.vma_scene import has_vm_prev, maps_html, vma_list_scene
from ..render.vmlist_scene import area_key, vmlist_scene
from ..state import ViewState
from .cells import adopt
from .compat import VBox, _nothing, close_tree
from .scene import SceneWidget
from .source import Source, source_of

__all__ = ["LayoutView", "PageTableView", "PhysicalMemoryView", "SlabView", "View", "VmaView", "VmlistView"]


class View(VBox):
    """Base of the views: holds the state and focus to draw, and the selection."""

    selected = traitlets.Unicode("", help="selection key shared with other views ('' for none)")

    def __init__(self, source: Any, **kwargs: Any) -> None:
        self.source: Source = source_of(source)
        self.player: Any = None
        self.scenes: list[SceneWidget] = []
        self._state: ViewState | None = None
        self._focus = Focus()
        # what changed since the last drawing (None: unknown, rebuild), and what a big view keeps
        self._moved: Dirty | None = None
        self._memo = Memo()
        self._sizes: dict[str, RbSizes] = {}
        # alone, the view follows the end with a cursor of its own; under a player it draws the player's
        self.cursor = self.source.timeline.cursor()
        super().__init__(**kwargs)
        self.add_class("vmw-view")
        self._unobserve = self.source.timeline.observe(self._recorded, weak=True)
        adopt(self)  # closed when its cell runs again

    def close(self) -> None:
        """Stop following the timeline (and any player) and close the view's widgets."""
        getattr(self, "_unobserve", _nothing)()  # (also called for one whose __init__ raised)
        player = getattr(self, "player", None)
        if player is not None and self in player.views:
            player.views.remove(self)
        self.player = None
        for sw in getattr(self, "scenes", ()):  # a scene not shown yet (VmlistView's tree) is in no box
            sw.close()
        close_tree(self)

    def _scene(self, **kwargs: Any) -> SceneWidget:
        sw = SceneWidget(**kwargs)
        self.scenes.append(sw)
        sw.observe(lambda ch: setattr(self, "selected", ch["new"]), "selected")
        return sw

    def _recorded(self, tl: Any) -> None:
        if self.player is None:  # alone: follow the newest state
            self.show(self.cursor.state, Focus())

    def show(self, state: ViewState, focus: Focus, moved: Dirty | None = None) -> None:
        """Draw ``state`` with ``focus``'s highlights (the player calls this at each step);
        ``moved`` says what changed since the state last drawn (None: anything)."""
        self._state, self._focus, self._moved = state, focus, moved
        self.draw()

    def _changes(self) -> Dirty | None:
        """What changed since the last drawing (read once by ``draw``): forgets the scene parts it
        invalidates.  A redraw for a new selection changed nothing."""
        moved, self._moved = self._moved, Dirty()
        self._memo.forget(moved)
        return moved

    def _tree_sizes(self, tree: str, moved: Dirty | None) -> RbSizes:
        sizes = self._sizes.get(tree)
        if sizes is None:
            sizes = self._sizes[tree] = RbSizes(tree)
            moved = None
        return sizes.sync(self._now(), None if moved is None else moved.rb.get(tree, set()))

    @traitlets.observe("selected")
    def _selected(self, change: dict[str, Any]) -> None:
        for sw in self.scenes:
            sw.selected = change["new"]
        if self._state is not None:
            self.draw()

    def _now(self) -> ViewState:
        """The state to draw: the player's (or, alone, the newest)."""
        if self._state is None:
            self._state = self.cursor.state
        return self._state

    def _ensure_state(self) -> None:
        if self._state is None:
            self._state = self.cursor.state

    def draw(self) -> None:  # pragma: no cover - every view overrides it
        raise NotImplementedError

    def picture_scenes(self) -> list[Scene]:
        """The scenes of the view's current drawing, top to bottom (those with something in them)."""
        return [sw.scene for sw in self.scenes if sw.scene and (sw.scene.get("nodes") or sw.scene.get("grids"))]

    def to_svg(self, dark: bool = False) -> str:
        """The view's current drawing as a standalone SVG document, for slides and handouts.

        The picture holds what the view shows at this step, highlights and selection included:
        each of its diagrams at full size (not the zoomed or scrolled part in the page), in the
        widgets' light palette (or the dark one with ``dark=True``), on a plain background.  A
        view of several diagrams (the vmlist and the vmap_area tree, the VMA list and mm_rb)
        gives them under one another, each below its title in bold; a view of one gives just
        that diagram, its title as the document's ``<title>``.
        """
        parts = self.picture_scenes()
        return stack_svg(parts, dark=dark, captions=len(parts) > 1)

    def save(self, path: str | PathLike[str], dark: bool = False, scale: float = 2.0) -> Path:
        """Write :meth:`to_svg`'s picture to ``path``: ``.svg`` as it is, ``.png`` rendered at ``scale``
        times its size (2: sharp on a projector) with cairosvg (``pip install cairosvg``, or
        ``pip install 'vmwidgets[png]'``; without it :class:`~vmwidgets.render.dot.RenderError`).
        Returns the path written; a ``path`` ending otherwise raises :class:`~vmwidgets.errors.InvalidArgument`.
        """
        if not isinstance(path, (str, PathLike)):
            raise InvalidArgument("path", path, "a file name ending in .svg or .png")
        out = Path(path)
        kind = out.suffix.lower()
        if kind not in (".svg", ".png"):
            raise InvalidArgument("path", str(path), "a file name ending in .svg or .png")
        if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not 0 < scale <= 16:
            raise InvalidArgument("scale", scale, "a number above 0, at most 16")
        svg = self.to_svg(dark=dark)
        if kind == ".svg":
            out.write_text(svg, encoding="utf-8")
            return out
        out.write_bytes(svg_to_png(svg, scale))
        return out


class LayoutView(View):
    """The 4 GB virtual space with the kernel's gigabyte enlarged; ``mark`` points at an address."""

    mark = traitlets.Int(None, allow_none=True, help="an address to point at")

    def __init__(self, source: Any, mark: int | None = None, **kwargs: Any) -> None:
        if mark is not None:
            check_int("mark", mark, 0, (1 << 32) - 1, "None or an address from 0 to 0xffffffff")
        if not source_of(source).regions:
            raise InvalidArgument("source", source, "a Kernel, Task or MmStruct (a bare Timeline has no layout)")
        super().__init__(source, **kwargs)
        self.scene = self._scene(max_height=700)
        self.children = [self.scene]
        self.mark = mark
        self._ensure_state()
        self.draw()

    @traitlets.validate("mark")
    def _check_mark(self, proposal: dict[str, Any]) -> int | None:
        v: int | None = proposal["value"]
        if v is not None:
            check_int("mark", v, 0, (1 << 32) - 1, "None or an address from 0 to 0xffffffff")
        return v

    @traitlets.observe("mark")
    def _marked(self, _change: dict[str, Any]) -> None:
        if self._now() is not None:
            self.draw()

    def draw(self) -> None:
        kind, value = parse_key(self.selected)
        mark = value if kind == "addr" else self.mark
        lowmem = next((r for r in self.source.regions if r.kind == "lowmem"), None)
        if kind == "pfn" and lowmem is not None and value << 12 < lowmem.end - lowmem.start:
            mark = lowmem.start + (value << 12)  # __va(): where the direct map shows this frame
        slab = self._now().slabs.get(value) if kind == "slab" else None
        if slab is not None:
            mark = slab.addr  # page_address: slabs are lowmem, in the direct map
        self._changes()
        self.scene.scene = layout_scene(
            self.source.regions, self._now(), self._focus, self.selected, mark, self.source.mm, memo=self._memo
        )


class PhysicalMemoryView(View):
    """Frames by zone, in use or free, the selection's frames lit, and each zone's free_area lists."""

    def __init__(self, source: Any, **kwargs: Any) -> None:
        if not source_of(source).zones:
            raise InvalidArgument("source", source, "a Kernel, Task or MmStruct (a bare Timeline has no zones)")
        super().__init__(source, **kwargs)
        self.scene = self._scene(max_height=640)
        self.children = [self.scene]
        self._ensure_state()
        self.draw()

    def lit(self) -> tuple[list[int], str]:
        """The frames of the selection and what they are."""
        s, (kind, value) = self._now(), parse_key(self.selected)
        if kind == "vm" and value in s.areas:
            return s.area_pages.get(value, []), f"the pages[] of vm_struct {value:#010x}"
        if kind == "vma":
            mm, vma = value
            rec = s.vmas.get(mm, {}).get(vma)
            if rec is not None and self.source.pgd is not None and mm == self.source.mm:
                return mapped_frames(s, self.source.pgd, rec[0], rec[1], self.source.pae), (
                    f"frames mapped by VMA {rec[0]:08x}-{rec[1]:08x}"
                )
        if kind == "pfn":
            return [value], f"frame {value:#x}"
        if kind == "slab" and value in s.slabs:
            r = s.slabs[value]
            return list(range(value, value + (1 << r.order))), f"the frames of a slab of {r.cache}"
        return [], ""

    def draw(self) -> None:
        lit, what = self.lit()
        self.scene.scene = physmem_scene(self._now(), self.source.zones, self._focus, lit, what)


class PageTableView(View):
    """The page-table tree of the source's mm (or the kernel's swapper_pg_dir).

    Selecting an address (``addr:0x…``) shows its walk when no recorded walk is in focus;
    selecting a vm_struct, a VMA, a slab or a frame marks the entries that map it."""

    def __init__(self, source: Any, root: int | None = None, **kwargs: Any) -> None:
        src = source_of(source)
        if root is None:
            root = src.pgd if src.pgd is not None else src.swapper
            if root is None:
                raise InvalidArgument(
                    "source", source, "a Kernel, Task or MmStruct (a bare Timeline has no page tables)"
                )
        elif type(root) is not int or (
            root not in src.timeline.head.tables and root not in src.timeline.head.static_tables
        ):
            raise InvalidArgument("root", root, "None or the pfn of a page directory of the source's kernel")
        super().__init__(source, **kwargs)
        self.root = root
        self.scene = self._scene(max_height=560)
        self.children = [self.scene]
        self._ensure_state()
        self.draw()

    def draw(self) -> None:
        f = self._focus
        kind, value = parse_key(self.selected)
        if kind == "addr" and not f.walk:
            f = Focus(event=f.event, entries=f.entries, tables=f.tables)
            f.walk = walk_path(self._now(), self.root, value, self.source.pae)
        sel_range: tuple[int, int] | None = None
        sel_pfns: frozenset[int] = frozenset()
        s = self._now()
        if kind == "vm" and value in s.areas:
            sel_range = (value, value + s.areas[value].size)
        elif kind == "vma" and value[1] in s.vmas.get(value[0], {}):
            sel_range = s.vmas[value[0]][value[1]][:2]
        elif kind == "pfn":
            sel_pfns = frozenset({value})
        elif kind == "slab":  # lowmem: the direct map's entries (often PSE) map it
            sel_range = slab_span(s, value)
        title = f"page tables of {self.source.name}" + (" (PAE)" if self.source.pae else "")
        self.scene.scene = pagetable_scene(
            s,
            self.root,
            self.source.pae,
            f,
            self.selected,
            title,
            sel_range=sel_range,
            sel_pfns=sel_pfns,
            named=self.source.named_tables,
        )


class VmlistView(View):
    """``vmlist`` record by record; from 2.6.28 also the vmap_area rb-tree that finds the holes."""

    def __init__(self, source: Any, limit: int = 40, **kwargs: Any) -> None:
        check_int("limit", limit, 1, 10_000, "a number of records to draw, from 1 to 10000")
        source_of(source)
        super().__init__(source, **kwargs)
        self.limit = limit
        self.scene = self._scene(max_height=480)
        self.tree = self._scene(max_height=320)
        self._ensure_state()
        self.children = [self.scene]
        self.draw()

    def draw(self) -> None:
        s, moved = self._now(), self._changes()
        self.scene.scene = vmlist_scene(s, self._focus, self.selected, self.limit)
        if "vmap_area_root" in s.rb or "vmap_area_root" in self._focus.rb_path:
            kind, value = parse_key(self.selected)
            self.tree.scene = rbtree_scene(
                s,
                "vmap_area_root",
                self._focus,
                self.selected,
                key=area_key,
                sizes=self._tree_sizes("vmap_area_root", moved),
                chosen=value if kind == "vm" else None,
            )
            if self.tree not in self.children:
                self.children = [self.scene, self.tree]


class VmaView(View):
    """An address space's VMAs: the vm_next list, the mm_rb red-black tree and /proc/PID/maps.

    The list's ``vm_prev`` links are drawn (dashed) only for a kernel that has them, 2.6.36
    and later: 2.6.24 and mainline 2.6.32 link VMAs by ``vm_next`` alone.

    Its picture (:meth:`to_svg`) holds all three: the list, the tree, and the maps table drawn
    as rows of monospace text, the step's rows amber and the selected one blue."""

    def __init__(self, source: Any, limit: int = 30, **kwargs: Any) -> None:
        check_int("limit", limit, 1, 10_000, "a number of VMAs to draw, from 1 to 10000")
        if source_of(source).mm is None:
            raise InvalidArgument("source", source, "a Task or an MmStruct (a kernel has many address spaces)")
        super().__init__(source, **kwargs)
        self.limit = limit
        self.list = self._scene(max_height=300)
        self.tree = self._scene(max_height=360)
        self.maps = w.HTML(layout=w.Layout(overflow="auto", max_height="380px", flex="0 0 auto"))
        self.tree.layout.width = "58%"
        self.maps.layout.width = "42%"
        self.children = [self.list, w.HBox([self.tree, self.maps])]
        self._ensure_state()
        self.draw()

    def draw(self) -> None:
        s, f, mm, moved = self._now(), self._focus, self._mm(), self._changes()
        sizes = self._tree_sizes("mm_rb:" + mm, moved)
        era_prev = has_vm_prev(self.source.era)
        self.list.scene = vma_list_scene(s, mm, f, self.selected, self.limit, vm_prev=era_prev, sizes=sizes)
        key = lambda node: f"vma:{mm}:{node}"  # noqa: E731
        kind, value = parse_key(self.selected)
        self.tree.scene = rbtree_scene(
            s,
            "mm_rb:" + mm,
            f,
            self.selected,
            key=key,
            title=f"mm_rb of {self.source.name}",
            sizes=sizes,
            chosen=value[1] if kind == "vma" and value[0] == mm else None,
        )
        self.maps.value = maps_html(s, mm, f, self.selected, sizes=sizes)

    def picture_scenes(self) -> list[Scene]:
        """The VMA list, the mm_rb tree and the /proc/PID/maps table as a scene of text rows."""
        return [*super().picture_scenes(), maps_scene(self._now(), self._mm(), self._focus, self.selected)]

    def _mm(self) -> str:
        mm = self.source.mm
        assert mm is not None  # checked in __init__
        return mm


class SlabView(View):
    """SLUB's caches, their slabs and objects: the cpu slab and partial list marked, freelists drawn.

    ``limit`` slabs per cache and ``objects`` slots per slab are drawn before the rest fold.
    Selecting a slab (``slab:0x…``) lights its frames in :class:`PhysicalMemoryView`, marks
    its direct-map address in :class:`LayoutView` and the direct map's entries that map it in
    :class:`PageTableView`; selecting an object selects its address."""

    def __init__(self, source: Any, limit: int = 6, objects: int = 64, **kwargs: Any) -> None:
        check_int("limit", limit, 1, 10_000, "a number of slabs to draw per cache, from 1 to 10000")
        check_int("objects", objects, 1, 65_535, "a number of objects to draw per slab, from 1 to 65535")
        source_of(source)
        super().__init__(source, **kwargs)
        self.limit, self.objects = limit, objects
        self.scene = self._scene(max_height=560)
        self.children = [self.scene]
        self._ensure_state()
        self.draw()

    def draw(self) -> None:
        self.scene.scene = slab_scene(self._now(), self._focus, self.selected, self.limit, self.objects)
