"""The course site's Sphinx project (docs/) builds warning-free, offline, with working links.

The build is `make site`'s: `sphinx-build -W --keep-going -b html SRC OUT` on a copy of
docs/ with the lessons in lessons/ and the players' runtime in _static/.  Here the lessons
are the stored notebooks as they are (not re-executed) and the runtime files are empty, so
the test checks the project itself: every page is there, the API reference documents the
public calls, no page loads a script or style sheet from another host, and every relative
link and source points at a file of the site.  About 10 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = [pytest.mark.site, pytest.mark.slow]

pytest.importorskip("sphinx", minversion="9")
pytest.importorskip("myst_nb")
pytest.importorskip("furo")

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
GUIDE = ROOT / "notebooks" / "teachers-guide.ipynb"  # the "teachers" page, as website/build.py puts it
PAGES = ["index", "install", "teachers", "api", "lessons/index", "search", "genindex"]


class _Refs(HTMLParser):
    """Every (tag, attribute, value) of href and src in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.refs.append((tag, name, value))


def _refs(page: Path) -> list[tuple[str, str, str]]:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.refs


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("site")
    src, out = tmp / "src", tmp / "out"
    shutil.copytree(ROOT / "docs", src)
    (src / "lessons").mkdir(exist_ok=True)
    for nb in LESSONS:
        shutil.copyfile(nb, src / "lessons" / nb.name)
    shutil.copyfile(GUIDE, src / "teachers.ipynb")
    (src / "_static").mkdir(exist_ok=True)
    for name in ("vmw-page.js", "vmw-page.css"):
        (src / "_static" / name).write_text("/* the players' runtime, written by make site */\n")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}  # the build must not need the network
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(src), str(out)]
    run = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"sphinx-build failed:\n{run.stdout}\n{run.stderr}"
    return out


def test_pages_exist(site: Path) -> None:
    assert len(LESSONS) == 10, [p.name for p in LESSONS]  # 00-quick-start and lessons 1-9
    for page in PAGES:
        assert (site / f"{page}.html").is_file(), page
    for nb in LESSONS:
        assert (site / "lessons" / f"{nb.stem}.html").is_file(), nb.name
    assert (site / "searchindex.js").is_file()
    assert not (site / "lessons" / "demo-widgets.html").exists()
    assert not (site / "lessons" / "teachers-guide.html").exists()  # a guide, not a lesson
    assert not [p for p in (site / "_sources").rglob("*") if p.is_file()]  # html_copy_source = False


def test_lessons_index_lists_every_lesson_in_order(site: Path) -> None:
    links = [v for _, a, v in _refs(site / "lessons" / "index.html") if a == "href"]
    order = [nb.stem for nb in LESSONS]
    found = [stem for stem in order if f"{stem}.html" in links]
    assert found == order
    firsts = [min(i for i, v in enumerate(links) if v == f"{stem}.html") for stem in order]
    assert firsts == sorted(firsts)


def test_the_teachers_page_is_the_guide_notebook_with_its_outputs(site: Path) -> None:
    """One text: docs/ has no teachers.md of its own; the page is the executed guide, linked from the index."""
    assert not (ROOT / "docs" / "teachers.md").exists()
    page = (site / "teachers.html").read_text(encoding="utf-8")
    assert "<h1>For teachers" in page
    assert "teachers-guide-replay.html" in page  # an output: the name the export cell printed
    assert "answers for seed 0" in page  # the teacher's key cell's output
    index = [v for _, a, v in _refs(site / "index.html") if a == "href"]
    assert "teachers.html" in index


def test_api_reference_documents_the_public_calls(site: Path) -> None:
    text = (site / "api.html").read_text(encoding="utf-8")
    for name in (
        "vmwidgets.Kernel.vmalloc",
        "vmwidgets.Kernel.vfree",
        "vmwidgets.Kernel.translate",
        "vmwidgets.MmStruct.find_vma",
        "vmwidgets.Task.access",
        "vmwidgets.export_html",
        "vmwidgets.widgets.Player",
        "vmwidgets.widgets.ExerciseWidget",
        "vmwidgets.exercises.NumberExercise",
        "vmwidgets.exercises.Lesson.answer_key",
    ):
        assert f'id="{name}"' in text, name
    assert "A trait for unicode strings" not in text  # traitlets' own docstring
    assert "int([x])" not in text  # int's docstring under a constant


def test_nothing_loads_from_another_host(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert pages
    for page in pages:
        for tag, attr, value in _refs(page):
            if (tag, attr) in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
                assert not value.lower().startswith(("http://", "https://", "//")), (page, tag, value)
        text = page.read_text(encoding="utf-8")
        assert "cdn.jsdelivr.net" not in text and "cdnjs.cloudflare.com" not in text, page
        assert "fonts.googleapis.com" not in text, page
    for asset in (site / "_static").rglob("*.css"):
        css = asset.read_text(encoding="utf-8", errors="replace")
        assert "@import url(http" not in css and "fonts.googleapis" not in css, asset


def test_every_relative_link_points_at_a_file(site: Path) -> None:
    """Links between pages land on a file, and on an anchor of it when they name one."""
    missing = []
    for page in sorted(site.rglob("*.html")):
        for tag, attr, value in _refs(page):
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or not parts.path:  # another host, mailto:, data:, or #fragment
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                missing.append(f"{page.relative_to(site)}: <{tag} {attr}={value!r}>")
            elif parts.fragment and target.suffix == ".html":
                anchor = unquote(parts.fragment)
                if f'id="{anchor}"' not in target.read_text(encoding="utf-8"):
                    missing.append(f"{page.relative_to(site)}: <{tag} {attr}={value!r}> (no such anchor)")
    assert not missing, "\n".join(missing)
