"""Scene changes: what differs between two scenes, as plain JSON-able data.

A replay page carries each view's scenes as a few whole scenes (*keyframes*) and, for
every other step, only what changed since the step before: the front end (``page.js``)
applies the change to the scene it holds, exactly as :func:`apply_delta` does here.

A change is a dict:

- ``"s"``: top-level fields set (``title``, ``w``, ``h`` …), ``"x"``: fields removed;
- for each keyed list (``nodes``, ``edges``, ``grids``; items carry an ``id``) under its
  own name: ``{"u": [...], "r": [...], "o": [...]}``: items added or changed (``id`` plus
  the fields that changed, ``"-"`` naming fields removed, ``"~"`` patching long strings
  such as a grid's cell values as ``[keep_head, keep_tail, middle]``, ``"="`` patching lists
  such as a box's rows as ``[new_length, [[index, entry], ...]]``), ids removed, and the
  new order of ids, sent only when it is not the old order with removals dropped and new
  items appended.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["apply_delta", "decode_text", "decode_track", "encode_text", "encode_track", "scene_delta", "size"]

_PATCH_MIN = 48  # strings at least this long change by a middle patch, not whole


def _keyed(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "id" in i for i in value) and bool(value)


def _patch(old: str, new: str) -> list[Any]:
    head = 0
    top = min(len(old), len(new))
    while head < top and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < top - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return [head, tail, new[head : len(new) - tail]]


def _list_patch(old: list[Any], new: list[Any]) -> list[Any] | None:
    """``[len(new), [[i, new[i]], ...]]`` for the entries that differ, if that is smaller."""
    changed = [[i, v] for i, v in enumerate(new) if i >= len(old) or old[i] != v]
    patch = [len(new), changed]
    return patch if size(patch) < size(new) else None


def _item_delta(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    gone = [k for k in old if k not in new]
    patches: dict[str, Any] = {}
    lists: dict[str, Any] = {}
    for k, v in new.items():
        if k in old and old[k] == v:
            continue
        ov = old.get(k)
        if isinstance(v, str) and isinstance(ov, str) and len(v) >= _PATCH_MIN:
            patches[k] = _patch(ov, v)
        elif isinstance(v, list) and isinstance(ov, list) and (lp := _list_patch(ov, v)) is not None:
            lists[k] = lp
        else:
            out[k] = v
    if not out and not gone and not patches and not lists:
        return None
    if gone:
        out["-"] = gone
    if patches:
        out["~"] = patches
    if lists:
        out["="] = lists
    out["id"] = new["id"]
    return out


def _list_delta(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, Any] | None:
    before = {i["id"]: i for i in old}
    ids = [i["id"] for i in new]
    now = set(ids)
    removed = [i["id"] for i in old if i["id"] not in now]
    upd = []
    for item in new:
        prev = before.get(item["id"])
        if prev is None:
            upd.append(item)
        else:
            d = _item_delta(prev, item)
            if d is not None:
                upd.append(d)
    expected = [i["id"] for i in old if i["id"] in now] + [i for i in ids if i not in before]
    out: dict[str, Any] = {}
    if upd:
        out["u"] = upd
    if removed:
        out["r"] = removed
    if ids != expected:
        out["o"] = ids
    return out or None


def scene_delta(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
    """What turns ``old`` into ``new``; None when they are equal."""
    out: dict[str, Any] = {}
    sets = {}
    for k, v in new.items():
        ov = old.get(k)
        if (_keyed(v) or v == []) and isinstance(ov, list) and (_keyed(ov) or ov == []):
            d = _list_delta(ov, v)
            if d is not None:
                out[k] = d
        elif ov != v or k not in old:
            sets[k] = v
    if sets:
        out["s"] = sets
    gone = [k for k in old if k not in new]
    if gone:
        out["x"] = gone
    return out or None


def _apply_item(old: dict[str, Any], d: dict[str, Any]) -> dict[str, Any]:
    item = {**old, **{k: v for k, v in d.items() if k not in ("-", "~", "=")}}
    for k in d.get("-", ()):
        item.pop(k, None)
    for k, (head, tail, mid) in d.get("~", {}).items():
        s = old[k]
        item[k] = s[:head] + mid + s[len(s) - tail :]
    for k, (length, changed) in d.get("=", {}).items():
        entries = list(old[k][:length])
        entries.extend([None] * (length - len(entries)))
        for i, v in changed:
            entries[i] = v
        item[k] = entries
    return item


def _apply_list(old: list[dict[str, Any]], d: dict[str, Any]) -> list[dict[str, Any]]:
    items = {i["id"]: i for i in old}
    order = [i["id"] for i in old]
    for rid in d.get("r", ()):
        items.pop(rid, None)
    order = [i for i in order if i in items]
    for u in d.get("u", ()):
        if u["id"] in items:
            items[u["id"]] = _apply_item(items[u["id"]], u)
        else:
            items[u["id"]] = u
            order.append(u["id"])
    if "o" in d:
        order = d["o"]
    return [items[i] for i in order]


def apply_delta(old: dict[str, Any], delta: dict[str, Any] | None) -> dict[str, Any]:
    """``old`` changed by ``delta`` (a new dict; ``old`` is left as it was)."""
    if not delta:
        return old
    new = dict(old)
    for k in delta.get("x", ()):
        new.pop(k, None)
    new.update(delta.get("s", {}))
    for k, d in delta.items():
        if k not in ("s", "x"):
            new[k] = _apply_list(old.get(k) or [], d)
    return new


def size(value: Any) -> int:
    """Bytes of ``value`` as compact JSON (how much a page carries for it); a lone surrogate
    (a hostile name) counts as the three bytes it would take, not as an error."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _chain(values: list[Any], change: Any, cost: Any, tag: str) -> list[Any]:
    """Keyframes and changes: a keyframe when the changes since the last one would cost
    more than the value itself (so reaching any step replays about one value's worth)."""
    out: list[Any] = []
    prev: Any = None
    since = 0
    for i, value in enumerate(values):
        d = change(prev, value) if i else None
        if i and d is None:
            out.append(0)
        elif i and since + cost(d) <= cost(value):
            out.append({tag: d})
            since += cost(d)
        else:
            out.append({"k": value})
            since = 0
        prev = value
    return out


def _replay(track: list[Any], index: int, apply: Any, tag: str) -> Any:
    k = index
    while not (isinstance(track[k], dict) and "k" in track[k]):
        k -= 1
    value = track[k]["k"]
    for entry in track[k + 1 : index + 1]:
        if entry:
            value = apply(value, entry[tag])
    return value


def encode_track(scenes: list[dict[str, Any]]) -> list[Any]:
    """A view's scenes at every step as keyframes and changes: each entry is ``0`` (as the
    step before), ``{"d": change}`` or ``{"k": whole scene}``.  A keyframe is written when the
    changes since the last one would cost more than the scene itself, so a page stays
    small and reaching any step replays no more than about one scene's worth of changes."""
    return _chain(scenes, scene_delta, size, "d")


def decode_track(track: list[Any], index: int) -> dict[str, Any]:
    """The scene at ``index`` of an :func:`encode_track` track (as page.js finds it)."""
    scene: dict[str, Any] = _replay(track, index, apply_delta, "d")
    return scene


def encode_text(texts: list[str]) -> Any:
    """An HTML panel's text at every step.  Few distinct texts (the pseudo-code: one block
    per function, one line lit) give ``{"t": [texts], "i": [index per step]}``; otherwise a
    list like :func:`encode_track`: ``0`` (as before), ``{"k": text}`` or
    ``{"p": [keep_head, keep_tail, middle]}`` (a text that changes a little)."""
    table: dict[str, int] = {}
    index = [table.setdefault(t, len(table)) for t in texts]
    if len(table) * 4 <= len(texts):
        return {"t": list(table), "i": index}
    return _chain(texts, _text_change, lambda v: len(v[2]) + 12 if isinstance(v, list) else len(v), "p")


def _text_change(old: str, new: str) -> list[Any] | None:
    return None if old == new else _patch(old, new)


def _apply_text(text: str, patch: list[Any]) -> str:
    head, tail, mid = patch
    return text[:head] + str(mid) + text[len(text) - tail :]


def decode_text(track: Any, index: int) -> str:
    """The text at ``index`` of an :func:`encode_text` track."""
    if isinstance(track, dict):
        return str(track["t"][track["i"][index]])
    text: str = _replay(track, index, _apply_text, "p")
    return text
