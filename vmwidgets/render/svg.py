"""Pictures of scenes: standalone SVG 1.1 documents for slides and handouts.

:func:`scene_svg` draws one scene (see :mod:`vmwidgets.render.scene`) as the widgets'
front end (scene.js) draws it -- the same boxes, row bands, text positions, edges with
arrowheads and grid cells -- in the light or dark palette of scene.css, written out as
concrete colours in a small embedded style sheet, over a background rect, so the file
looks the same in any browser, in Inkscape, in a slide program or through cairosvg.
:func:`stack_svg` puts several scenes (the parts of one view) under one another.

Every text is XML-escaped, and characters XML cannot hold (most control characters,
lone surrogates) are replaced by U+FFFD, so a name from the model or from a user can
never become markup nor make the document ill-formed; characters that would hide what a
text says (bidirectional overrides, zero-width marks, C1 controls) are shown as ``\\u202e``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from ..state import ViewState
from .dot import RenderError, _visible
from .focus import Focus
from .scene import ROW, Item, Row, Scene, box, mb, scene
from .vma_scene import perms, sorted_vmas, vma_key, vma_name

__all__ = [
    "CAPTION",
    "FONT",
    "MARGIN",
    "PALETTES",
    "UI_FONT",
    "clean",
    "maps_scene",
    "palette",
    "scene_svg",
    "stack_svg",
    "style",
    "svg_to_png",
    "xml_attr",
    "xml_text",
]

MARGIN = 8  # left and top, as the widget's "fit" leaves; scenes carry their own right/bottom margin
CAPTION = 20  # height of a part's title in a stack
FONT = 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace'
UI_FONT = 'system-ui, "DejaVu Sans", Helvetica, Arial, sans-serif'

# the fixed palettes of scene.css ([data-vmw-scheme=light|dark]): text and background
PALETTES = {"light": ((31, 31, 31), (255, 255, 255)), "dark": ((227, 227, 227), (30, 30, 30))}

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: object) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD, and bidirectional,
    zero-width and C1 control characters shown escaped (``\\u202e``)."""
    return _visible(_NOT_XML.sub("\ufffd", str(text)), "\t\n\r")


def xml_text(text: object) -> str:
    """Character data: cleaned, ``&``, ``<`` and ``>`` escaped."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(text: object) -> str:
    """An attribute value for double quotes: as :func:`xml_text`, quotes and line breaks as references."""
    out = xml_text(text).replace('"', "&quot;").replace("'", "&#39;")
    return out.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")


def _num(v: Any) -> str:
    """A coordinate: at most two decimals, no exponent, 0 for anything that is no finite number."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "0"
    if not math.isfinite(f):
        return "0"
    s = f"{f:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _hex(rgb: Iterable[float]) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def _mix(a: tuple[float, ...], b: tuple[float, ...], t: float) -> str:
    """CSS ``color-mix(in srgb, a t, b)`` as a hex colour."""
    return _hex(x * t + y * (1 - t) for x, y in zip(a, b, strict=True))


def _fill(colour: str, prop: str = "fill") -> str:
    """``fill`` (or ``stroke``) and its opacity from ``#rrggbb`` or ``rgba(r, g, b, a)``: SVG 1.1 has no
    alpha in colours, so every paint sets both (a later rule must not inherit an earlier alpha)."""
    m = re.fullmatch(r"rgba\((\d+), (\d+), (\d+), ([\d.]+)\)", colour)
    if m:
        return f"{prop}:{_hex(int(m[i]) for i in (1, 2, 3))};{prop}-opacity:{m[4]}"
    return f"{prop}:{colour};{prop}-opacity:1"


def palette(dark: bool = False) -> dict[str, str]:
    """The concrete colours of scene.css's variables in its fixed light or dark palette."""
    fg, bg = PALETTES["dark" if dark else "light"]
    return {
        "fg": _hex(fg),
        "bg": _hex(bg),
        "fg2": _mix(fg, bg, 0.72),
        "bg2": _mix(fg, bg, 0.09),
        "line": _mix(fg, bg, 0.4),
        "mark": _mix((0xD8, 0x1B, 0x60), fg, 0.35),
        "hl": "#ffb300",
        "sel": "#1e88e5",
    }


def style(dark: bool = False) -> str:
    """scene.css's rules for the drawing (no transitions, focus or cursors), with concrete colours."""
    c = palette(dark)
    F = _fill
    on_tint = ", ".join(
        [f".vmw-text.{k}" for k in ("hl", "sel", "walk0", "walk1", "walk2")]
        + [
            f".vmw-node.{k} .vmw-text"
            for k in (
                "k-user k-kernel k-lowmem k-gap k-guard k-vmalloc k-pkmap k-fixmap walk0 walk1 walk2 walkoff".split()
            )
        ]
    )
    rules = [
        f".vmw-bg{{{F(c['bg'])};stroke:none}}",
        f"text{{font-family:{FONT};font-size:11px}}",
        f".vmw-caption{{{F(c['fg'])};font-family:{UI_FONT};font-size:12px;font-weight:bold}}",
        f".vmw-edge{{fill:none;{F(c['fg2'], 'stroke')};stroke-width:1.2}}",
        f".vmw-box{{{F(c['bg'])};{F(c['fg2'], 'stroke')};stroke-width:1}}",
        f".vmw-text{{{F(c['fg'])}}}",
        f".vmw-text.c0{{{F(c['fg2'])}}}",
        ".vmw-row{fill:none;stroke:none}",
        f".vmw-row.hl{{{F('rgba(255, 179, 0, 0.25)')}}}",
        f".vmw-row.sel{{{F('rgba(30, 136, 229, 0.3)')}}}",
        f".vmw-row.walk0{{{F('rgba(216, 27, 96, 0.3)')}}}",
        f".vmw-row.walk1{{{F('rgba(0, 137, 123, 0.3)')}}}",
        f".vmw-row.walk2{{{F('rgba(94, 53, 177, 0.3)')}}}",
        f".vmw-text.head{{font-weight:bold;{F(c['fg'])}}}",
        f".vmw-text.muted{{{F(c['fg2'])};font-style:italic}}",
        f"{on_tint}{{{F(c['fg'])}}}",
        f".vmw-node.hl>.vmw-box{{{F(c['hl'], 'stroke')};stroke-width:3}}",
        f".vmw-node.sel>.vmw-box{{{F(c['sel'], 'stroke')};stroke-width:3}}",
        f".vmw-node.visit>.vmw-box{{{F(c['sel'], 'stroke')};stroke-width:2;stroke-dasharray:4 2}}",
        f".vmw-node.label .vmw-text{{{F(c['fg'])}}}",
        ".vmw-node.dim{opacity:0.45}",
        f".vmw-node.rb-red>.vmw-box{{{F('#c62828')};{F('#7f0000', 'stroke')}}}",
        f".vmw-node.rb-black>.vmw-box{{{F('#212121')};{F(c['fg2'], 'stroke')}}}",
        f".vmw-node.rb-red .vmw-text,.vmw-node.rb-black .vmw-text{{{F('#ffffff')}}}",
        f".vmw-node.rb-red.hl>.vmw-box,.vmw-node.rb-black.hl>.vmw-box{{{F(c['hl'], 'stroke')};stroke-width:4}}",
        f".vmw-node.rb-red.sel>.vmw-box,.vmw-node.rb-black.sel>.vmw-box{{{F(c['sel'], 'stroke')};stroke-width:4}}",
        f".vmw-node.rb-red.visit>.vmw-box,.vmw-node.rb-black.visit>.vmw-box{{{F('#64b5f6', 'stroke')};stroke-width:4}}",
        f".vmw-node.k-user>.vmw-box{{{F('rgba(120, 144, 156, 0.25)')}}}",
        f".vmw-node.k-lowmem>.vmw-box{{{F('rgba(67, 160, 71, 0.3)')}}}",
        f".vmw-node.k-gap>.vmw-box,.vmw-node.k-guard>.vmw-box{{{F('rgba(158, 158, 158, 0.15)')};stroke-dasharray:3 2}}",
        f".vmw-node.k-vmalloc>.vmw-box{{{F('rgba(30, 136, 229, 0.2)')}}}",
        f".vmw-node.k-pkmap>.vmw-box{{{F('rgba(142, 36, 170, 0.3)')}}}",
        f".vmw-node.k-fixmap>.vmw-box{{{F('rgba(244, 81, 30, 0.3)')}}}",
        f".vmw-node.k-kernel>.vmw-box{{{F('rgba(141, 110, 99, 0.3)')}}}",
        f".vmw-node.k-area>.vmw-box{{{F('rgba(30, 136, 229, 0.65)')};{F(c['fg'], 'stroke')}}}",
        f".vmw-node.k-area.k-lazy>.vmw-box{{{F('rgba(30, 136, 229, 0.2)')};stroke-dasharray:2 2}}",
        f".vmw-node.k-vma>.vmw-box{{{F('rgba(0, 137, 123, 0.55)')};{F(c['fg'], 'stroke')}}}",
        f".vmw-node.k-mark>.vmw-box{{{F('#d81b60')};{F('#d81b60', 'stroke')}}}",
        f".vmw-node.k-mark .vmw-text{{{F(c['mark'])};font-weight:bold}}",
        f".vmw-edge.hl{{{F(c['hl'], 'stroke')};stroke-width:3}}",
        f".vmw-edge.visit{{{F(c['sel'], 'stroke')};stroke-width:2.5}}",
        f".vmw-edge.sel{{{F(c['sel'], 'stroke')};stroke-width:2.5}}",
        ".vmw-edge.prev{stroke-dasharray:4 3}",
        f".vmw-arrowhead{{{F(c['fg2'])};stroke:none}}",
        ".vmw-grid rect{stroke:none}",
        f".vmw-grid .v0{{{F('rgba(158, 158, 158, 0.18)')}}}",
        f".vmw-grid .v1{{{F('rgba(67, 160, 71, 0.35)')}}}",
        f".vmw-grid .v2{{{F('rgba(67, 160, 71, 0.55)')}}}",
        f".vmw-grid .v3{{{F('rgba(67, 160, 71, 0.75)')}}}",
        f".vmw-grid .v4{{{F('#2e7d32')}}}",
        f".vmw-grid .vr{{{F('rgba(84, 110, 122, 0.6)')}}}",
        f".vmw-grid .vh{{{F('#1e88e5')}}}",
        f".vmw-grid .vc{{{F('#ffb300')}}}",
        f".vmw-node.walk0>.vmw-box{{{F('rgba(216, 27, 96, 0.3)')}}}",
        f".vmw-node.walk1>.vmw-box{{{F('rgba(0, 137, 123, 0.3)')}}}",
        f".vmw-node.walk2>.vmw-box{{{F('rgba(94, 53, 177, 0.3)')}}}",
        f".vmw-node.walkoff>.vmw-box{{{F('rgba(158, 158, 158, 0.2)')}}}",
    ]
    return "\n".join(rules)


def _classes(*parts: Any) -> str:
    return xml_attr(" ".join(str(p) for p in parts if p).strip())


def _node(n: Item) -> list[str]:
    """A box as drawRows draws it: the rect, each classed row's band, each non-empty cell's text."""
    cls = str(n.get("cls") or "")
    w, h = n.get("w", 20), n.get("h", ROW)
    out = [f'<g class="{_classes("vmw-node", cls)}" transform="translate({_num(n.get("x"))},{_num(n.get("y"))})">']
    if n.get("tip"):
        out.append(f"<title>{xml_text(n['tip'])}</title>")
    if "label" not in cls.split():  # a label's box is never painted
        out.append(f'<rect class="vmw-box" width="{_num(w)}" height="{_num(h)}" rx="3" ry="3"/>')
    cols = n.get("cols") or [0]
    for i, row in enumerate(n.get("rows") or []):
        cells = row if isinstance(row, list) else row.get("c", [])
        rcls = "" if isinstance(row, list) else str(row.get("cls") or "")
        top = 3 + i * ROW
        if rcls:
            out.append(
                f'<rect class="{_classes("vmw-row", rcls)}" x="1" y="{top}" '
                f'width="{_num(max(0.0, float(w) - 2))}" height="{ROW}"/>'
            )
        for j, text in enumerate(cells):
            if text is None or text == "":
                continue
            x = (cols[j] if j < len(cols) else 0) + 5
            out.append(
                f'<text class="{_classes("vmw-text", "c0" if j == 0 else "", rcls)}" '
                f'x="{_num(x)}" y="{top + 11}">{xml_text(text)}</text>'
            )
    out.append("</g>")
    return out


def _edge(e: Item) -> str:
    cls = str(e.get("cls") or "")
    arrow = ' marker-end="url(#vmw-arrow)"' if "arrow" in cls.split() else ""
    return f'<path class="{_classes("vmw-edge", cls)}" d="{xml_attr(e.get("d", ""))}"{arrow}/>'


def _grid(g: Item) -> list[str]:
    vals, cell, cols = str(g.get("vals") or ""), g.get("cell") or 6, g.get("cols") or 64
    out = [
        f'<g class="{_classes("vmw-grid", g.get("cls"))}" transform="translate({_num(g.get("x"))},{_num(g.get("y"))})">'
    ]
    side = _num(cell - 1)
    for i, v in enumerate(vals):
        out.append(
            f'<rect class="v{xml_attr(v)}" x="{_num((i % cols) * cell)}" y="{_num((i // cols) * cell)}" '
            f'width="{side}" height="{side}"/>'
        )
    out.append("</g>")
    return out


def _body(sc: Scene) -> list[str]:
    """A scene's layers in scene.js's order: grids under edges under nodes."""
    out = ['<g class="vmw-grids">']
    for g in sc.get("grids") or []:
        out += _grid(g)
    out.append('</g><g class="vmw-edges">')
    out += [_edge(e) for e in sc.get("edges") or []]
    out.append('</g><g class="vmw-nodes">')
    for n in sc.get("nodes") or []:
        out += _node(n)
    out.append("</g>")
    return out


def _document(title: str, w: float, h: float, body: list[str], dark: bool) -> str:
    x0 = y0 = -MARGIN
    vw, vh = w + MARGIN, h + MARGIN
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_num(vw)}" height="{_num(vh)}" '
        f'viewBox="{_num(x0)} {_num(y0)} {_num(vw)} {_num(vh)}" xml:space="preserve">',
        f"<title>{xml_text(title)}</title>",
        f'<style type="text/css">\n{style(dark)}\n</style>',
        '<defs><marker id="vmw-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
        'orient="auto"><path class="vmw-arrowhead" d="M0,0 L8,4 L0,8 z"/></marker></defs>',
        f'<rect class="vmw-bg" x="{_num(x0)}" y="{_num(y0)}" width="{_num(vw)}" height="{_num(vh)}"/>',
    ]
    return "\n".join([*head, *body, "</svg>", ""])


def scene_svg(sc: Scene, *, dark: bool = False) -> str:
    """One scene as a standalone SVG 1.1 document, as the widget draws it in its light (or dark) palette.

    The picture holds the scene's boxes with their rows of text, tinted row bands, edges (with
    arrowheads) and grid cells, at the scene's full size (``w`` x ``h``) plus the margin the
    widget leaves, over a background rect; the scene's title is the document's ``<title>``
    (the widget shows it in its toolbar, not in the drawing), a box's tip its ``<title>``.
    """
    return _document(
        str(sc.get("title") or "vmwidgets view"),
        sc.get("w") or 100,
        sc.get("h") or 100,
        ["<g>", *_body(sc), "</g>"],
        dark,
    )


def stack_svg(
    scenes: Iterable[Scene], *, dark: bool = False, gap: float = 16, title: str | None = None, captions: bool = True
) -> str:
    """Several scenes (the parts of one view) under one another in one SVG document.

    Each part is drawn as :func:`scene_svg` draws it, below its title in bold when
    ``captions``, ``gap`` apart; the document's ``<title>`` is ``title`` or the parts' titles.
    A single scene without a caption is exactly :func:`scene_svg`'s picture.
    """
    parts = [s for s in scenes if s]
    if not parts:
        parts = [{"title": title or "vmwidgets view", "w": 100, "h": 40, "nodes": []}]
    if len(parts) == 1 and not captions:
        return scene_svg({**parts[0], "title": title or parts[0].get("title")}, dark=dark)
    body: list[str] = []
    y, w = 0.0, 0.0
    for i, sc in enumerate(parts):
        if i:
            y += gap
        if captions:
            body.append(f'<text class="vmw-caption" x="0" y="{_num(y + 13)}">{xml_text(sc.get("title") or "")}</text>')
            y += CAPTION
        body.append(f'<g class="vmw-part" transform="translate(0,{_num(y)})">')
        body += _body(sc)
        body.append("</g>")
        y += sc.get("h") or 100
        w = max(w, float(sc.get("w") or 100))
    name = title or " / ".join(str(s.get("title") or "") for s in parts)
    return _document(name, w, y, body, dark)


def svg_to_png(svg: str, scale: float = 2.0) -> bytes:
    """A document of :func:`scene_svg` or :func:`stack_svg` as PNG, ``scale`` times its size, with
    cairosvg (optional: ``pip install cairosvg``); :class:`~vmwidgets.render.dot.RenderError` without it."""
    try:
        import cairosvg
    except (ImportError, OSError) as e:  # OSError: cairosvg is there, the cairo library is not
        raise RenderError(
            f"PNG needs cairosvg and the cairo library ({e}): pip install cairosvg "
            "(or pip install 'vmwidgets[png]'), or save as .svg"
        ) from e
    # cairo takes one family name, not a CSS list: the generic ones, which fontconfig resolves
    svg = svg.replace(FONT, "monospace").replace(UI_FONT, "sans-serif")
    png: bytes = cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)
    return png


def maps_scene(state: ViewState, mm: str, f: Focus | None = None, selected: str = "") -> Scene:
    """The /proc/PID/maps table of :func:`~vmwidgets.render.vma_scene.maps_html` as a scene: one box of
    monospace rows (range, perms, offset, size, name), the step's rows amber, the selected one blue."""
    f = f or Focus()
    changed = f.vmas.get(mm, set())
    rows: list[Row] = [{"c": ["range", "perms", "offset", "size", "name"], "cls": "head"}]
    for vma, rec in sorted_vmas(state, mm):
        start, end, flags, pgoff = rec[:4]
        off = pgoff << 12
        if end <= 1 << 32:
            off &= 0xFFFFFFFF
        cells = [f"{start:08x}-{end:08x}", perms(flags), f"{off:08x}", mb(end - start), vma_name(rec)]
        cls = "hl" if vma in changed else ("sel" if vma_key(mm, vma) == selected else "")
        rows.append({"c": cells, "cls": cls} if cls else cells)
    if len(rows) == 1:
        rows.append(["(no VMAs)"])
    return scene(f"/proc/{mm}/maps", [box("maps", 0, 0, rows, "maps")])
