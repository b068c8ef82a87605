// Scene changes and tracks, the mirror of vmwidgets/render/delta.py (tests/test_page.py runs
// both on the same tracks): a classic script, part of the replay pages' bundle (page.py).
function applyItem(old, d) {
  const item = Object.assign({}, old);
  for (const [k, v] of Object.entries(d)) if (k !== "-" && k !== "~" && k !== "=") item[k] = v;
  for (const k of d["-"] || []) delete item[k];
  for (const [k, patch] of Object.entries(d["~"] || {})) item[k] = patchText(old[k], patch);
  for (const [k, [length, changed]] of Object.entries(d["="] || {})) {
    const entries = old[k].slice(0, length);
    while (entries.length < length) entries.push(null);
    for (const [i, v] of changed) entries[i] = v;
    item[k] = entries;
  }
  return item;
}
// Python counts characters (code points); JavaScript's slice counts UTF-16 units
const SURROGATE = /[\uD800-\uDFFF]/;
function patchText(s, [head, tail, mid]) {
  if (!SURROGATE.test(s)) return s.slice(0, head) + mid + s.slice(s.length - tail);
  const cps = Array.from(s);
  return cps.slice(0, head).join("") + mid + cps.slice(cps.length - tail).join("");
}
function applyList(old, d) {
  const items = new Map(old.map((i) => [i.id, i]));
  for (const r of d.r || []) items.delete(r);
  let order = old.map((i) => i.id).filter((i) => items.has(i));
  for (const u of d.u || []) {
    if (items.has(u.id)) items.set(u.id, applyItem(items.get(u.id), u));
    else {
      items.set(u.id, u);
      order.push(u.id);
    }
  }
  if (d.o) order = d.o;
  return order.map((i) => items.get(i));
}
function applyDelta(old, delta) {
  if (!delta) return old;
  const out = Object.assign({}, old);
  for (const k of delta.x || []) delete out[k];
  Object.assign(out, delta.s || {});
  for (const [k, d] of Object.entries(delta)) if (k !== "s" && k !== "x") out[k] = applyList(old[k] || [], d);
  return out;
}

// A track (render/delta.py): per step 0 (as before), {k: whole}, {d: scene change} or
// {p: text patch}; reaching a step replays from the nearest keyframe or the value last shown.
class Track {
  constructor(entries) {
    this.table = Array.isArray(entries) ? null : entries;
    if (this.table) return;
    this.entries = entries;
    this.keys = [];
    entries.forEach((e, i) => {
      if (e && e.k !== undefined) this.keys.push(i);
    });
    this.last = null;
  }
  at(pos) {
    if (this.table) return this.table.t[this.table.i[pos]];
    const ks = this.keys;
    let lo = 0;
    let hi = ks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ks[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    let at = ks[lo];
    let value = this.entries[at].k;
    if (this.last && this.last.pos <= pos && this.last.pos > at) ({ pos: at, value } = this.last);
    for (let i = at + 1; i <= pos; i++) {
      const e = this.entries[i];
      if (!e) continue;
      value = e.d !== undefined ? applyDelta(value, e.d) : patchText(value, e.p);
    }
    this.last = { pos, value };
    return value;
  }
}
const TRACKS = {};
function track(key) {
  if (!TRACKS[key]) TRACKS[key] = new Track(PAGE.tracks[key]);
  return TRACKS[key];
}

