"""Graphviz DOT for the vmlist and for red-black trees (static export, tests, widgets).

Labels are Graphviz HTML-like labels built with :func:`escape`, so a caller or file name
holding ``<``, ``&`` or quotes renders as text; characters that would hide or forge text
(controls, lone surrogates, bidirectional and zero-width marks) are shown as ``\\u202e``.
IDs are quoted with :func:`dot_id`, which leaves no backslash in a quoted string (an mm
named ``a\\`` would otherwise escape the closing quote).
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable

from ..errors import VmError
from ..model.constants import vm_flag_names
from ..state import ViewState
from .tables import all_tables, flags, table_rows

__all__ = ["BLACK", "HIGHLIGHT", "RED", "RenderError", "escape", "pagetable_dot", "rbtree_dot", "to_svg", "vmlist_dot"]

RED, BLACK, HIGHLIGHT = "#c62828", "#212121", "#ffb300"


class RenderError(VmError):
    """Rendering needs something this machine lacks (Graphviz's ``dot``)."""


# Shown escaped rather than as they are: controls (forge lines), lone surrogates (no UTF-8 for
# them), format characters such as bidi overrides and zero-width joiners (hide what text says),
# line/paragraph separators, and the two code points XML 1.0 forbids.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _visible(text: str, keep: str) -> str:
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in keep or (unicodedata.category(ch) not in _HIDDEN and ch not in "\ufffe\uffff"):
            out.append(ch)
        else:
            o = ord(ch)
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")
    return "".join(out)


def escape(text: object, one_line: bool = False) -> str:
    """Text made safe for an HTML-like DOT label and for HTML: ``<``, ``>``, ``&``, quotes
    escaped; controls, lone surrogates, bidirectional and zero-width characters shown as
    ``\\x1b``/``\\u202e``.  Newlines and tabs stay (HTML white space) unless ``one_line``.

    >>> escape('<b a="1">\\u202eexe.txt\\n')
    '&lt;b a=&quot;1&quot;&gt;\\\\u202eexe.txt\\n'
    >>> escape("a\\nb", one_line=True)
    'a\\\\x0ab'
    """
    return html.escape(_visible(str(text), "" if one_line else "\n\t"), quote=True)


def dot_id(text: object) -> str:
    """A quoted DOT ID showing ``text``: as :func:`escape` on one line, with backslashes
    as ``&#92;``, since in a DOT quoted string ``\\"`` does not end the string.

    >>> dot_id('mm_rb:a\\\\')
    '"mm_rb:a&#92;"'
    """
    return '"' + escape(text, one_line=True).replace("\\", "&#92;") + '"'


def rbtree_dot(state: ViewState, tree: str, highlight: Iterable[int] = (), path: Iterable[int] = ()) -> str:
    """The red-black tree ``tree`` of ``state`` as DOT, in-order left to right.

    Red and black nodes are also marked R/B for readers who cannot tell the colours
    apart; ``highlight`` (nodes the current step changed) get a thick amber border,
    ``path`` (a search path) amber edges.  Missing children get invisible placeholders so
    a lone child still hangs on its own side.
    """
    nodes = state.rb.get(tree, {})
    labels = state.rb_labels.get(tree, {})
    marked, on_path = set(highlight), set(path)
    out = [
        f"digraph {dot_id(tree)} {{",
        "  graph [ordering=out, nodesep=0.25, ranksep=0.35];",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, fontcolor=white];',
        "  edge [arrowsize=0.6];",
    ]
    if not nodes:
        out.append('  empty [label="(empty tree)", shape=plaintext, fontcolor=black, style=""];')
    for node in sorted(nodes):
        color = nodes[node][3]
        fill, mark = (RED, "R") if color == 0 else (BLACK, "B")
        border = f', penwidth=3, color="{HIGHLIGHT}"' if node in marked else ""
        label = f"{escape(labels.get(node, hex(node)), one_line=True)}<BR/><B>{mark}</B>"
        out.append(f'  n{node} [label=<{label}>, fillcolor="{fill}"{border}];')
    for node in sorted(nodes):
        _, left, right, _ = nodes[node]
        for side, child in (("l", left), ("r", right)):
            if child is None:
                if (left is None) != (right is None):  # keep a lone child on its side
                    out.append(f'  nil{node}{side} [label="", width=0.1, style=invis];')
                    out.append(f"  n{node} -> nil{node}{side} [style=invis];")
                continue
            edge = f' [color="{HIGHLIGHT}", penwidth=2.5]' if node in on_path and child in on_path else ""
            out.append(f"  n{node} -> n{child}{edge};")
    out.append("}")
    return "\n".join(out)


def vmlist_dot(state: ViewState, highlight: Iterable[int] = (), visiting: int | None = None) -> str:
    """``vmlist`` as a chain of ``struct vm_struct`` records, fields as the kernel names them.

    ``highlight``: areas the current step changed; ``visiting``: the node a hole search
    is looking at.
    """
    marked = set(highlight)
    out = [
        "digraph vmlist {",
        "  graph [rankdir=LR, nodesep=0.2];",
        '  node [shape=plaintext, fontname="Helvetica", fontsize=10];',
        "  vmlist [label=<<B>vmlist</B>>];",
    ]
    prev = "vmlist"
    for addr in state.vmlist:
        a = state.areas[addr]
        pages = state.area_pages.get(addr, [])
        color = HIGHLIGHT if addr in marked else ("#1e88e5" if addr == visiting else "#9e9e9e")
        rows = [
            ("addr", f"{a.addr:#010x}"),
            ("size", f"{a.size:#x} ({a.size >> 10} kB)"),
            ("flags", "|".join(vm_flag_names(a.flags)) or "0"),
            ("nr_pages", str(a.nr_pages)),
            ("pages", ", ".join(f"{p:#x}" for p in pages[:4]) + (" …" if len(pages) > 4 else "") or "NULL"),
            ("phys_addr", f"{a.phys_addr:#x}"),
            ("caller", a.caller or "NULL"),
        ]
        cells = "".join(
            f'<TR><TD ALIGN="LEFT">{k}</TD><TD ALIGN="LEFT">{escape(v, one_line=True)}</TD></TR>' for k, v in rows
        )
        table = (
            f'<TABLE BORDER="2" CELLBORDER="0" CELLSPACING="0" COLOR="{color}">'
            f'<TR><TD COLSPAN="2"><B>struct vm_struct</B></TD></TR>{cells}'
            f'<TR><TD ALIGN="LEFT" PORT="next">next</TD><TD></TD></TR></TABLE>'
        )
        out.append(f"  a{addr:x} [label=<{table}>];")
        out.append(f"  {prev} -> a{addr:x};" if prev == "vmlist" else f"  {prev}:next:e -> a{addr:x}:w [weight=5];")
        prev = f"a{addr:x}"
    out.append('  null [label="NULL"];')
    out.append(f"  {prev} -> null;" if prev == "vmlist" else f"  {prev}:next:e -> null;")
    out.append("}")
    return "\n".join(out)


def to_svg(dot: str) -> str:
    """Lay out ``dot`` with Graphviz's ``dot`` (the static export path).

    Raises :class:`RenderError` with one clear sentence when ``dot`` is not installed.
    """
    import graphviz

    try:
        svg: str = graphviz.Source(dot).pipe(format="svg", encoding="utf-8")
        return svg
    except graphviz.ExecutableNotFound as exc:
        raise RenderError(
            "static SVG needs Graphviz's dot program: install it with 'apt-get install graphviz' "
            "(the interactive views do not need it)"
        ) from exc


def pagetable_dot(
    state: ViewState, root: int, pae: bool, walk: Iterable[tuple[int, int]] = (), max_children: int = 12
) -> str:
    """The page-table tree under ``root`` as the textbook draws it.

    Each table shows only its used entries; empty index ranges collapse into one row
    ("entries 0–767 empty") and runs of entries that map consecutive frames with the same
    flags into another ("768–991 → frames …").  ``walk`` — (table, index) pairs of an
    address walk — is highlighted; at most ``max_children`` lower tables are drawn per
    table, the rest summed up.
    """
    steps = set(walk)
    tables = all_tables(state)
    out = [
        f"digraph pagetables_{root:x} {{",
        "  graph [rankdir=LR, nodesep=0.15, ranksep=0.6];",
        '  node [shape=plaintext, fontname="Helvetica", fontsize=9];',
    ]
    todo, seen = [root], set()
    while todo:
        pfn = todo.pop(0)
        if pfn in seen or pfn not in tables:
            continue
        seen.add(pfn)
        level, base = state.table_meta.get(pfn, ("pgd", 0))
        rows, children = [], []
        for r in table_rows(state, pfn, pae, tables):
            if r.kind == "empty":
                rows.append(f'<TR><TD COLSPAN="3"><I>entries {r.first}–{r.last} empty</I></TD></TR>')
                continue
            lit = any((pfn, i) in steps for i in range(r.first, r.last + 1))
            bg = ' BGCOLOR="#ffe082"' if lit else ""
            port = f' PORT="e{r.first}"' if r.kind == "table" else ""
            span = f"{r.first}" if r.first == r.last else f"{r.first}–{r.last}"
            rows.append(
                f'<TR><TD ALIGN="RIGHT"{bg}>{span}</TD><TD ALIGN="LEFT"{bg}>{escape(r.what)}</TD>'
                f'<TD ALIGN="LEFT"{bg}{port}>{escape(flags(r.entry))}</TD></TR>'
            )
            if r.kind == "table":
                children.append((r.first, r.child))
        head = f"{level.upper()} frame {pfn:#x}" + ("" if level == "pgd" else f" (from {base:#010x})")
        out.append(
            f'  t{pfn:x} [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0">'
            f'<TR><TD COLSPAN="3"><B>{escape(head)}</B></TD></TR>{"".join(rows)}</TABLE>>];'
        )
        for k, (index, child) in enumerate(children):
            if k == max_children:
                out.append(f'  more{pfn:x} [label="… {len(children) - max_children} more tables"];')
                out.append(f"  t{pfn:x} -> more{pfn:x};")
                break
            lit = (pfn, index) in steps
            style = f' [color="{HIGHLIGHT}", penwidth=2.5]' if lit else ""
            out.append(f"  t{pfn:x}:e{index}:e -> t{child:x}:w{style};")
            todo.append(child)
    out.append("}")
    return "\n".join(out)
