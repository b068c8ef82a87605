"""An exercise's worked answer (``ExerciseWidget(after=...)``) as HTML, from a small Markdown subset.

The text is written by a lesson or a teacher, shown only once the student has committed an
answer, in the live widget and on a replay page alike, so one function makes the HTML for
both.  It reads just what a worked answer needs, and escapes everything else.
Indentation common to the lines after the first is removed first, as for a docstring
(:func:`inspect.cleandoc`), so the text can be indented with the code:

* paragraphs separated by a blank line;
* ``- item`` lines, a bulleted list;
* lines indented by four spaces, preformatted (a printed step list, a table of numbers);
* inline `` `code` `` and ``**bold**``.

A full Markdown library would be a run-time dependency in every kernel (Colab, Pyodide)
for these four rules; the tags it makes are the ones the replay page's allowlist copies.
"""

from __future__ import annotations

import inspect
import re

from .dot import escape

__all__ = ["MAX_NOTE", "note_html"]

MAX_NOTE = 20_000  # characters: a worked answer with a step list is under 4,000
_INLINE = re.compile(r"`([^`\n]+)`|\*\*([^*\n]+)\*\*")


def _inline(text: str) -> str:
    out, at = [], 0
    for m in _INLINE.finditer(text):
        out.append(escape(text[at : m.start()]))
        out.append(f"<code>{escape(m[1])}</code>" if m[1] is not None else f"<b>{escape(m[2])}</b>")
        at = m.end()
    out.append(escape(text[at:]))
    return "".join(out)


def note_html(text: str) -> str:
    """``text`` (the subset above) as HTML: ``<p>``, ``<ul><li>``, ``<pre>``, ``<code>``, ``<b>``.

    >>> note_html("It needs **3** pages:\\n\\n    step 1 <a>\\n- `size` has the guard")
    '<p>It needs <b>3</b> pages:</p><pre>step 1 &lt;a&gt;</pre><ul><li><code>size</code> has the guard</li></ul>'
    """
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []
    pre: list[str] = []

    def flush(keep: str = "") -> None:
        if para and keep != "p":
            blocks.append("<p>" + _inline(" ".join(para)) + "</p>")
            para.clear()
        if items and keep != "li":
            blocks.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()
        if pre and keep != "pre":
            blocks.append("<pre>" + escape("\n".join(pre)) + "</pre>")
            pre.clear()

    for line in inspect.cleandoc(text.expandtabs(4)).splitlines():
        if line.startswith("    ") and not para and not items:
            flush("pre")
            pre.append(line[4:])
        elif not line.strip():
            flush()
        elif line.lstrip().startswith("- "):
            flush("li")
            items.append(line.lstrip()[2:].strip())
        elif items and line.startswith("  "):
            items[-1] += " " + line.strip()  # a list item's continuation line
        else:
            flush("p")
            para.append(line.strip())
    flush()
    return "".join(blocks)
