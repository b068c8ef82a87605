"""Replay pages: scene changes round-trip (in Python and in delta.js), recorded tracks give
exactly the scenes the live views draw at every step, and export_html writes a safe,
standalone page or refuses bad input before writing anything."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import SCENES, TEXTS
from hypothesis import given, settings
from hypothesis import strategies as st

from vmwidgets import InvalidArgument, Kernel, VmError
from vmwidgets.render.delta import apply_delta, decode_text, decode_track, encode_text, encode_track, scene_delta
from vmwidgets.widgets import ExerciseWidget, Player, VmlistView, export_html
from vmwidgets.widgets.replay import STEP, PageData

HERE = Path(__file__).parent
DELTA_JS = HERE.parent / "vmwidgets" / "widgets" / "delta.js"

scenes, texts = SCENES, TEXTS


@settings(max_examples=300, deadline=None)
@given(scenes, scenes)
def test_a_change_turns_the_old_scene_into_the_new(old: dict, new: dict) -> None:
    before = json.dumps(old)
    assert apply_delta(old, scene_delta(old, new)) == new
    assert json.dumps(old) == before  # the old scene is left as it was
    assert (scene_delta(old, new) is None) == (old == new)


@settings(max_examples=100, deadline=None)
@given(st.lists(scenes, min_size=1, max_size=12), st.lists(texts, min_size=1, max_size=12))
def test_tracks_give_back_every_step(seq: list, strs: list) -> None:
    track = encode_track(seq)
    assert all(decode_track(track, i) == s for i, s in enumerate(seq))
    text = encode_text(strs)
    assert all(decode_text(text, i) == s for i, s in enumerate(strs))


def test_delta_js_decodes_as_python_does() -> None:
    """The same tracks (scenes with emoji and long patched strings; texts as patches and as
    tables) decoded at every step by delta.js in Node equal Python's decoding."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    seq = [{"title": "t", "nodes": [{"id": "a", "vals": "x" * 60 + str(i) + "😀" * (i % 3), "x": i}]} for i in range(9)]
    seq += [
        {"title": "u", "nodes": [{"id": "b", "rows": [["😀", str(j)]]}, {"id": "a", "vals": "y" * 50}]}
        for j in range(3)
    ]
    rows = [[f"row {r}", "x" * 12] for r in range(12)]
    seq += [
        {"title": "v", "nodes": [{"id": "a", "rows": [*rows[: 6 + j], ["😀", str(j)], *rows[6 + j :]]}]}
        for j in range(5)
    ]
    assert any("=" in str(e) for e in encode_track(seq))  # a box's rows patched, not resent
    strs = [f"<b>step</b> 😀{'é' * i} {i % 2}" * 3 for i in range(10)]
    cases = [
        ("s", encode_track(seq), seq),
        ("t", encode_text(strs), strs),
        ("t", encode_text(["a", "b"] * 6), ["a", "b"] * 6),
    ]
    script = DELTA_JS.read_text() + (
        "\nconst cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "\nconsole.log(JSON.stringify(cases.map(([kind, tr, n]) => { const t = new Track(tr);"
        " return Array.from({length: n}, (_, i) => t.at(i)); })));"
    )
    payload = json.dumps([[k, tr, len(want)] for k, tr, want in cases])
    out = subprocess.run([node, "-e", script], input=payload, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [want for _, _, want in cases]


def _scenario() -> tuple[Kernel, Player, VmlistView]:
    k = Kernel()
    a = k.vmalloc(3 * 4096, caller="a<script>")
    k.vmalloc(8192)
    k.vfree(a)
    k.vmalloc(4096)
    view = VmlistView(k)
    return k, Player(k, [view]), view


def test_recorded_tracks_are_what_the_live_views_draw_at_every_step() -> None:
    k, player, view = _scenario()
    player.seek(7)
    page = PageData()
    tree = page.tree(player)
    page.steps()
    assert tree == {"t": "player", "id": "p0"}
    data = page.players["p0"]
    assert data["n"] == len(k.timeline) and data["start"] == 7 and player.position == 7  # left where it was
    for pos in range(len(k.timeline) + 1):
        player.seek(pos)
        for sw in view.scenes:
            key = data["tracks"][page.ident(sw, "s")]
            assert decode_track(page.tracks[key], pos) == sw.scene, pos
        narr = decode_text(page.tracks[data["narr"]], pos) + decode_text(page.tracks[data["say"]], pos)
        narr = narr.replace(STEP, f"step {pos} of {data['n']}", 1)
        assert narr == player.narration.value
        assert decode_text(page.tracks[data["code"]], pos) == player.code.value


def test_a_held_player_stays_held_on_the_page(tmp_path: Path) -> None:
    from vmwidgets.exercises import NumberExercise

    k, player, _view = _scenario()
    op = k.timeline.operations[-1]
    player.seek(op.start)
    ex = ExerciseWidget(NumberExercise("next", "Where?", value=1), player=player, reveal=op.end)
    page = PageData()
    tree = page.tree(ex)
    page.steps()
    assert tree["reveal"] == op.end and tree["spec"]["kind"] == "number" and "after" not in tree
    assert page.players[tree["player"]]["limit"] == op.start
    worked = PageData().tree(ExerciseWidget(NumberExercise("n", "?", value=1), after="It is `1` <i>."))
    assert worked["after"] == "<p>It is <code>1</code> &lt;i&gt;.</p>"  # page.js shows it after a commit
    alone = PageData()  # the player without its question: nothing on the page could release it
    alone.tree(player)
    alone.steps()
    assert alone.players["p0"]["limit"] is None and alone.players["p0"]["start"] == op.start


def test_export_html_writes_a_standalone_page_with_labels_kept_as_data(tmp_path: Path) -> None:
    from ipywidgets import VBox

    _, player, view = _scenario()
    out = export_html(VBox([player, view]), tmp_path / "page.html", title="vfree </title><script>x</script>")
    text = out.read_text()
    assert "<script>x</script>" not in text and "&lt;/title&gt;" in text
    assert text.count("</script") == 2  # the data block and the front end: no label closes one
    start = text.index('class="vmw-data">') + len('class="vmw-data">')
    data = json.loads(text[start : text.index("</script>", start)].replace("<\\/", "</"))
    assert "a<script>" in json.dumps(data["tracks"], ensure_ascii=False)  # the label, kept as data
    assert "http://" not in text.split("<script>")[0] and "src=" not in text  # nothing to fetch
    assert 'class="vmw-data"' in text and "vmwScene" in text


@pytest.mark.parametrize(
    ("args", "name"),
    [(("not a widget", "x.html"), "obj"), ((None, "x.txt"), "path"), ((None, "missing/x.html"), "path")],
)
def test_export_html_refuses_bad_input_and_writes_nothing(tmp_path: Path, args: tuple, name: str) -> None:
    _, player, _ = _scenario()
    obj = player if args[0] is None else args[0]
    with pytest.raises(InvalidArgument, match=name) as e:
        export_html(obj, tmp_path / args[1])
    assert isinstance(e.value, VmError)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidArgument, match="title"):
        export_html(player, tmp_path / "x.html", title=3)


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_each_part_of_a_view_is_on_the_page_once(era: str) -> None:
    """A VmaView's tree sits in a nested box; a 2.6.32 VmlistView adds its vmap_area tree
    later: each scene is on the page exactly once, and every part a player steps has a track."""
    from vmwidgets import MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, Config
    from vmwidgets.widgets import VmaView
    from vmwidgets.widgets.replay import _nodes

    k = Kernel(Config(era=era))
    task = k.spawn("cat")
    task.mmap(0, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS)
    vma, vml = VmaView(task), VmlistView(k)
    k.vmalloc(4096)
    page = PageData()
    trees = [page.tree(Player(task, [vma])), page.tree(vma), page.tree(Player(k, [vml])), page.tree(vml)]
    page.steps()
    for tree, view in ((trees[1], vma), (trees[3], vml)):
        ids = [n["id"] for n in _nodes(tree) if n["t"] in ("scene", "html")]
        assert len(ids) == len(set(ids)) and len(ids) >= len(view.scenes)
        player = page.players[tree_player(tree)]
        assert set(ids) <= set(player["tracks"])


def tree_player(tree: dict) -> str:
    from vmwidgets.widgets.replay import _nodes

    return next(n["player"] for n in _nodes(tree) if "player" in n)
