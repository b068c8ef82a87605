"""Build the course website: ``python website/build.py [--out build/site] [--lessons 04 05]``.

Every lesson becomes a page whose players step in the browser with no Python:

1. each lesson notebook is executed afresh (nbclient) with a recorder in its kernel that
   notes, after every cell, where each player stood and what each free view showed; then
   the kernel writes every displayed widget's replay data (vmwidgets.widgets.replay);
2. each widget output becomes an HTML output: a place to mount it and a JSON block with its
   tree and the players it is the first to show (steps as scene changes);
3. Sphinx (myst-nb, no execution) builds those notebooks with the guide and the API
   reference from ``docs/``, warnings as errors; the front end (scene.js, check.js,
   page.js) is one classic script in ``_static/``, so pages also work from ``file://``.

The guide for teachers (``notebooks/teachers-guide.ipynb``, not a lesson) goes the same way
and becomes the site's ``teachers`` page, beside ``install`` and ``api``.

If ``build/lite`` (``make lite``) exists it is copied to ``live/`` and each page links to
its lesson there; otherwise the page says how to run the lesson live.  Nothing is fetched.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from traitlets.config import Config

from vmwidgets.widgets.page import bundle_css, bundle_js, fragment, players_in, tracks_of

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WIDGET = "application/vnd.jupyter.widget-view+json"
GUIDE = NOTEBOOKS / "teachers-guide.ipynb"  # the "For teachers" page: executed as the lessons are
GUIDE_PAGE = "teachers"  # its name on the site (docs/index.md's toctree lists it)
SETUP = "from vmwidgets.widgets.replay import NotebookRecorder as _VmwRecorder\n_vmw_rec = _VmwRecorder.start()"


def lessons(names: list[str] | None = None) -> list[Path]:
    found = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    return [p for p in found if not names or any(p.name.startswith(n) for n in names)]


def execute(path: Path, live: str) -> tuple[nbformat.NotebookNode, dict]:
    """The lesson executed afresh, and the replay data of its widget outputs."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    with tempfile.TemporaryDirectory() as tmp:
        sockets = Config({"AsyncKernelManager": {"transport": "ipc", "ip": str(Path(tmp) / "kernel")}})
        client = NotebookClient(  # local sockets, not TCP: nothing listens on a port
            nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(NOTEBOOKS)}}, config=sockets
        )
        client.reset_execution_trackers()
        os.environ["VMWIDGETS_STORED_MAPS"] = "1"  # the kernel inherits it: a page cannot show its reader's process
        nb.cells.insert(0, nbformat.v4.new_code_cell(SETUP))  # nbclient writes each cell back at its index
        with client.setup_kernel():
            client.wait_for_reply(client.kc.kernel_info())
            for i, cell in enumerate(nb.cells):
                client.execute_cell(cell, i)
            del nb.cells[0]
            wanted = [
                [cell.execution_count, out["data"][WIDGET]["model_id"], f"c{i}o{j}"]
                for i, cell in enumerate(nb.cells)
                for j, out in enumerate(cell.get("outputs", []))
                if WIDGET in out.get("data", {})
            ]
            dump = Path(tmp) / "replay.json"
            nb.cells.append(nbformat.v4.new_code_cell(f"_vmw_rec.dump({str(dump)!r}, {wanted!r}, {live!r})"))
            client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
            del nb.cells[-1]
            data = json.loads(dump.read_text())
    return nb, data


def live_note(name: str, live: str, up: str = "../", what: str = "lesson") -> str:
    """The note under a page's title; ``up`` leads from the page to the site's root."""
    if live:  # a raw link: MyST would look for a document at that path
        how = (
            f'<a href="{html.escape(live)}">open it live in your browser</a> (JupyterLite: Python runs in the '
            "page, nothing to install; it needs a web server, not <code>file://</code>)"
        )
    else:
        how = (
            "run it live: <code>pip install vmwidgets jupyterlab</code>, then <code>vmwidgets lessons vm-lessons</code>"
            " and <code>jupyter lab vm-lessons</code> (or <code>make lite</code> for a version in the browser)"
        )
    return (
        "```{note}\n"
        f"This page replays the {what} without Python: press ▶ or step with ← → on a player (click it first), "
        f"and answer the questions here: each is checked on the page. See [Install]({up}install.md) for every "
        "way to run the lessons.\n"
        "```\n\n"
        f'<p class="vmw-live">To change the code and run it, {how}.</p>'
    )


def transform(
    nb: nbformat.NotebookNode, data: dict, name: str, live: str, note: str | None = None
) -> tuple[nbformat.NotebookNode, int]:
    """Widget outputs replaced by replay fragments; returns the notebook and its data bytes."""
    shown: set[str] = set()
    size = 0
    for i, cell in enumerate(nb.cells):
        outs = []
        for j, out in enumerate(cell.get("outputs", [])):
            if WIDGET not in out.get("data", {}):
                outs.append(out)
                continue
            root = f"c{i}o{j}"
            tree = data["roots"][root]
            new = [p for p in players_in(tree) if p not in shown]
            keys = [k for p in new for k in tracks_of(data["players"][p]) if k not in shown]
            shown.update(new, keys)
            players = {p: data["players"][p] for p in new}
            html = fragment(root, tree, players, data["statics"], {k: data["tracks"][k] for k in keys}, live)
            size += len(html.encode())
            outs.append(nbformat.v4.new_output("display_data", data={"text/html": html}))
        if cell.cell_type == "code":
            cell.outputs = outs
    nb.metadata.pop("widgets", None)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(live_note(name, live) if note is None else note))
    return nb, size


def build(out: Path, names: list[str] | None = None, lite: Path | None = None) -> dict[str, dict]:
    """Build the site into ``out``; returns per lesson the seconds and data bytes."""
    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(ROOT / "docs", src)
        (src / "lessons").mkdir(exist_ok=True)
        static = src / "_static"
        static.mkdir(exist_ok=True)
        (static / "vmw-page.js").write_text(bundle_js(), encoding="utf-8")
        (static / "vmw-page.css").write_text(bundle_css(), encoding="utf-8")
        for path in lessons(names):
            t0 = time.perf_counter()
            live = f"../live/lab/index.html?path={path.name}" if lite else ""
            nb, data = execute(path, live)
            nb, size = transform(nb, data, path.stem, live)
            nbformat.write(nb, src / "lessons" / path.name)
            figures[path.stem] = {"seconds": round(time.perf_counter() - t0, 1), "data_bytes": size}
            print(
                f"{path.stem}: executed and recorded in {figures[path.stem]['seconds']} s, {size:,} bytes of page data"
            )
        t0 = time.perf_counter()  # the guide, always: docs/index.md links to it
        live = f"live/lab/index.html?path={GUIDE.name}" if lite else ""
        nb, data = execute(GUIDE, live)
        nb, size = transform(nb, data, GUIDE.stem, live, live_note(GUIDE.stem, live, up="", what="guide"))
        nbformat.write(nb, src / f"{GUIDE_PAGE}.ipynb")
        figures[GUIDE.stem] = {"seconds": round(time.perf_counter() - t0, 1), "data_bytes": size}
        print(f"{GUIDE.stem}: executed and recorded in {figures[GUIDE.stem]['seconds']} s, {size:,} bytes of page data")
        if out.exists():
            shutil.rmtree(out)
        t0 = time.perf_counter()
        sphinx = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
        subprocess.run([*sphinx, "-d", str(Path(tmp) / "doctrees"), str(src), str(out)], check=True)
        print(f"sphinx: {time.perf_counter() - t0:.1f} s")
        shutil.rmtree(out.parent / "jupyter_execute", ignore_errors=True)  # myst-nb's scratch folder
        if (out / "_sources").is_dir() and not any((out / "_sources").iterdir()):
            (out / "_sources").rmdir()
    if lite:
        shutil.copytree(lite, out / "live")
    (out / ".nojekyll").touch()
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    ap.add_argument("--lessons", nargs="*", help="lesson numbers to build (default: all; the guide is always built)")
    ap.add_argument("--lite", type=Path, default=ROOT / "build" / "lite", help="a built JupyterLite site to include")
    ap.add_argument("--no-lite", action="store_true", help="do not include the JupyterLite site")
    args = ap.parse_args(argv)
    lite = None if args.no_lite or not (args.lite / "lab" / "index.html").exists() else args.lite
    build(args.out, args.lessons, lite)
    print(f"built {args.out}" + (" with the live JupyterLite site in live/" if lite else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
