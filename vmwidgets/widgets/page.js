// Replay pages: players, views, explorers and exercises that step in the browser with no
// Python. The page carries, in <script type="application/json" class="vmw-data"> blocks, each
// player's steps as scene keyframes and changes (vmwidgets/render/delta.py) and each output's
// widget tree (vmwidgets/widgets/replay.py); every view draws with the widgets' own front end
// (vmwScene.render, scene.js) behind a small stand-in for the widget model. Text from the data
// is set with textContent; the narration, pseudo-code and /proc panels are HTML that Python
// built with every label escaped, as the live widgets show them.
const PAGE = { players: {}, statics: {}, roots: {}, tracks: {}, live: "" };
const RUNTIMES = {};

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function styled(e, style) {
  for (const [k, v] of Object.entries(style || {})) e.style.setProperty(k, v);
  return e;
}

// -- HTML panels ------------------------------------------------------------------------------
// The narration, pseudo-code and /proc tables are HTML that Python built (every label escaped).
// They are still parsed inert (DOMParser runs no script) and copied through an allowlist of
// tags and attributes, so nothing but text and styling classes can reach the page.
const TAGS = new Set(["DIV", "SPAN", "P", "UL", "LI", "CODE", "B", "I", "EM", "STRONG", "BR", "PRE", "SMALL", "TABLE", "CAPTION", "THEAD", "TBODY", "TR", "TD", "TH"]);
const ATTRS = new Set(["class", "title", "colspan", "rowspan"]);
function copySafe(from, to) {
  for (const n of from.childNodes) {
    if (n.nodeType === Node.TEXT_NODE) to.appendChild(document.createTextNode(n.nodeValue));
    else if (n.nodeType === Node.ELEMENT_NODE) {
      if (!TAGS.has(n.tagName)) {
        copySafe(n, to);
        continue;
      }
      const e = document.createElement(n.tagName.toLowerCase());
      for (const a of n.attributes) if (ATTRS.has(a.name)) e.setAttribute(a.name, a.value);
      copySafe(n, e);
      to.appendChild(e);
    }
  }
}
const SHOWN = new WeakMap();
function setHtml(holder, html) {
  if (SHOWN.get(holder) === html) return;
  SHOWN.set(holder, html);
  holder.replaceChildren();
  copySafe(new DOMParser().parseFromString(html, "text/html").body, holder);
}

// -- a stand-in for the widget model (what scene.js asks of it) ------------------------------
function standInModel(values) {
  const data = Object.assign({}, values);
  const handlers = {};
  return {
    get: (k) => data[k],
    set(k, v) {
      if (data[k] === v) return;
      data[k] = v;
      for (const f of handlers["change:" + k] || []) f();
    },
    on(name, f) {
      (handlers[name] = handlers[name] || []).push(f);
    },
    off(name, f) {
      handlers[name] = (handlers[name] || []).filter((g) => g !== f);
    },
    save_changes() {},
    send() {},
  };
}

// -- players ---------------------------------------------------------------------------------
class PlayerRuntime {
  constructor(id, d) {
    this.id = id;
    this.d = d;
    this.pos = Math.min(d.start, d.n);
    this.limit = d.limit === null || d.limit === undefined ? null : d.limit;
    this.listeners = [];
  }
  get max() {
    return this.limit === null ? this.d.n : Math.min(this.limit, this.d.n);
  }
  listen(f) {
    this.listeners.push(f);
  }
  seek(i) {
    i = Math.max(0, Math.min(this.max, Math.round(i)));
    this.pos = i;
    for (const f of this.listeners) f(i);
  }
  hold(limit) {
    this.limit = limit;
    this.seek(limit);
  }
  release() {
    this.limit = null;
    this.seek(this.pos);
  }
  nextOperation() {
    for (const [, end] of this.d.ops) if (end > this.pos) return this.seek(end);
    this.seek(this.d.n);
  }
  prevOperation() {
    for (let i = this.d.ops.length - 1; i >= 0; i--) if (this.d.ops[i][0] < this.pos) return this.seek(this.d.ops[i][0]);
    this.seek(0);
  }
  // what the view part `leaf` (or "narr", "code") shows at `pos`
  value(leaf, pos) {
    if (leaf === "narr") return track(this.d.narr).at(pos) + track(this.d.say).at(pos);
    const key = leaf === "narr" || leaf === "code" ? this.d[leaf] : this.d.tracks[leaf];
    return key === undefined ? undefined : track(key).at(pos);
  }
}
function runtime(pid) {
  if (!RUNTIMES[pid]) RUNTIMES[pid] = new PlayerRuntime(pid, PAGE.players[pid]);
  return RUNTIMES[pid];
}

const STEP = "\ue000"; // "step N of TOTAL" in a stored narration (replay.py)
const KEYS = {
  ArrowLeft: (p) => p.seek(p.pos - 1),
  j: (p) => p.seek(p.pos - 1),
  ArrowRight: (p) => p.seek(p.pos + 1),
  k: (p) => p.seek(p.pos + 1),
  PageUp: (p) => p.prevOperation(),
  PageDown: (p) => p.nextOperation(),
  Home: (p) => p.seek(0),
  End: (p) => p.seek(p.d.n),
};

// the player's icons (fonts may lack ⏮ ⏭), as ipywidgets draws them: 16 × 16 paths
const ICON = {
  start: "M1 3h2v10H1z M8 3v10L3 8z M14 3v10L9 8z",
  prev: "M8 3v10L2 8z M14 3v10L8 8z",
  back: "M3 3h2v10H3z M13 3v10L6 8z",
  play: "M4 3v10l9-5z",
  pause: "M4 3h3v10H4z M9 3h3v10H9z",
  forward: "M3 3v10l7-5z M11 3h2v10h-2z",
  next: "M2 3v10l6-5z M8 3v10l6-5z",
  end: "M2 3v10l5-5z M7 3v10l5-5z M13 3h2v10h-2z",
};
function icon(name) {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "14");
  svg.setAttribute("height", "14");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(NS, "path");
  path.setAttribute("d", ICON[name]);
  path.setAttribute("fill", "currentColor");
  svg.appendChild(path);
  return svg;
}

function mountPlayer(node) {
  const p = runtime(node.id);
  const box = el("div", "vmw-player vmw-page-player");
  box.tabIndex = 0;
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "player");
  box.dataset.player = node.id;
  const bar = el("div", "vmw-bar");
  const button = (name, aria, action) => {
    const b = el("button", "vmw-btn");
    b.appendChild(icon(name));
    b.dataset.icon = name;
    b.type = "button";
    b.title = aria;
    b.setAttribute("aria-label", aria);
    b.addEventListener("click", action);
    bar.appendChild(b);
    return b;
  };
  let timer = null;
  const stopPlay = () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.replaceChildren(icon("play"));
    play.setAttribute("aria-label", "play (space)");
    play.title = "play (space)";
    box.dataset.playing = "0";
  };
  const startPlay = () => {
    if (p.pos >= p.max) p.seek(0);
    play.replaceChildren(icon("pause"));
    play.setAttribute("aria-label", "pause (space)");
    play.title = "pause (space)";
    box.dataset.playing = "1";
    timer = setInterval(() => {
      if (p.pos >= p.max) return stopPlay();
      p.seek(p.pos + 1);
    }, p.d.speeds[speed.value]);
  };
  const toggle = () => (timer === null ? startPlay() : stopPlay());
  button("start", "to the start (Home)", () => p.seek(0));
  button("prev", "to the start of this or the previous operation (PageUp)", () => p.prevOperation());
  button("back", "one step back (←)", () => p.seek(p.pos - 1));
  const play = button("play", "play (space)", toggle);
  button("forward", "one step forward (→)", () => p.seek(p.pos + 1));
  button("next", "to the end of this or the next operation (PageDown)", () => p.nextOperation());
  button("end", "to the end (End)", () => p.seek(p.d.n));
  const slider = el("input", "vmw-slider");
  slider.type = "range";
  slider.min = 0;
  slider.setAttribute("aria-label", "step");
  slider.addEventListener("input", () => p.seek(Number(slider.value)));
  const where = el("span", "vmw-pos");
  bar.append(slider, where);
  const bar2 = el("div", "vmw-bar");
  const speedLabel = el("label", "vmw-speed", "speed ");
  const speed = el("select");
  for (const name of Object.keys(p.d.speeds)) {
    const o = el("option", "", name);
    o.value = name;
    speed.appendChild(o);
  }
  speed.value = p.d.speed || node.speed || "1×";
  speed.addEventListener("change", () => {
    if (timer !== null) {
      stopPlay();
      startPlay();
    }
  });
  speedLabel.appendChild(speed);
  bar2.append(speedLabel, el("span", "vmw-keys", "keys: ← → step · PgUp PgDn operation · Home End · space play"));
  const row = el("div", "vmw-narr-row");
  const narration = el("div", "vmw-narr");
  const code = el("div", "vmw-codebox");
  row.append(narration, code);
  box.append(bar, bar2, row);
  box.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
    if (e.key === " ") {
      e.preventDefault();
      return toggle();
    }
    const act = KEYS[e.key];
    if (!act) return;
    e.preventDefault();
    act(p);
  });
  const show = (pos) => {
    slider.max = p.max;
    slider.value = pos;
    where.textContent = `${pos} / ${p.d.n}` + (p.limit !== null ? " (held: answer the question)" : "");
    setHtml(narration, p.value("narr", pos).replace(STEP, `step ${pos} of ${p.d.n}`));
    setHtml(code, p.value("code", pos));
    box.dataset.position = pos;
  };
  p.listen(show);
  show(p.pos);
  return box;
}

// -- views -----------------------------------------------------------------------------------
// A selection group: the views of an explorer (or one view) share the box last clicked; the
// page lights that box's key in each of them (the live widgets let Python redraw instead).
class Group {
  constructor() {
    this.models = [];
    this.roots = [];
    this.key = "";
    this.info = null;
  }
  select(key) {
    this.key = key;
    for (const m of this.models) m.set("selected", key);
    this.paint();
    if (this.info) this.info(key);
  }
  paint() {
    for (const r of this.roots) {
      for (const e of r.querySelectorAll(".vmw-picked")) e.classList.remove("vmw-picked", "sel");
      if (!this.key) continue;
      for (const e of r.querySelectorAll("[data-sel]"))
        if (e.dataset.sel === this.key) e.classList.add("vmw-picked", "sel");
    }
  }
}

function mountScene(node, group) {
  const holder = styled(el("div", "vmw-leaf"), node.style);
  const p = node.player ? runtime(node.player) : null;
  const current = () => (p ? p.value(node.id, p.pos) : PAGE.statics[node.id]) || {};
  const model = standInModel({
    scene: current(),
    selected: "",
    duration: node.duration === undefined ? 350 : node.duration,
    max_height: node.max_height || 460,
    refit: !!node.refit,
  });
  const empty = (s) => !s || !Object.keys(s).length;
  holder.hidden = empty(model.get("scene"));
  vmwScene.render({ model, el: holder });
  group.models.push(model);
  group.roots.push(holder);
  model.on("change:selected", () => {
    if (model.get("selected") !== group.key) group.select(model.get("selected"));
  });
  model.on("change:scene", () => group.paint());
  if (p)
    p.listen(() => {
      const s = current();
      holder.hidden = empty(s);
      model.set("scene", s);
    });
  return holder;
}

function mountHtml(node) {
  const holder = styled(el("div", "vmw-html"), node.style);
  const p = node.player ? runtime(node.player) : null;
  const show = () => {
    setHtml(holder, (p ? p.value(node.id, p.pos) : PAGE.statics[node.id]) || "");
  };
  show();
  if (p) p.listen(show);
  return holder;
}

// -- exercises -------------------------------------------------------------------------------
const REVEALED = "The player now shows what the kernel did: step back and forth to see why.";

function mountExercise(node) {
  const spec = node.spec;
  const box = el("div", "vmw-exercise vmw-page-exercise");
  const prompt = el("div", "vmw-prompt");
  prompt.append(el("b", "", spec.id + ". "), document.createTextNode(spec.prompt));
  box.appendChild(prompt);
  if (spec.kind === "live") {
    const note = el("div", "vmw-feedback vmw-live-note", "This question is checked by Python: answer it in the live notebook. ");
    if (PAGE.live) {
      const a = el("a", "", "Open the live version");
      a.href = PAGE.live;
      note.appendChild(a);
    }
    box.appendChild(note);
    return box;
  }
  const p = node.player ? runtime(node.player) : null;
  const reveal = node.reveal === undefined ? null : node.reveal;
  if (p && reveal !== null && p.limit === null && p.pos < reveal) p.hold(p.pos);
  const row = el("div", "vmw-answer");
  let reply;
  if (spec.kind === "choice") {
    reply = el("div", "vmw-choices");
    reply.setAttribute("role", "radiogroup");
    const name = "vmw-" + Math.random().toString(36).slice(2);
    for (const [option] of spec.options) {
      const label = el("label", "vmw-choice");
      const input = el("input");
      input.type = "radio";
      input.name = name;
      input.value = option;
      label.append(input, document.createTextNode(" " + option));
      reply.appendChild(label);
    }
  } else {
    reply = el("input", "vmw-reply");
    reply.type = "text";
    reply.placeholder = spec.kind === "fields" ? spec.fields.map(([k]) => k + "=…").join(" ") : "your answer";
    reply.setAttribute("aria-label", "your answer to " + spec.id);
  }
  const value = () => {
    if (spec.kind !== "choice") return reply.value;
    const on = reply.querySelector("input:checked");
    return on ? on.value : null;
  };
  const commit = el("button", "vmw-btn vmw-primary", node.label || (reveal !== null ? "Commit and reveal" : "Check"));
  commit.type = "button";
  const hintButton = el("button", "vmw-btn", "Hint");
  hintButton.type = "button";
  hintButton.disabled = !spec.hint;
  const showMe = el("button", "vmw-btn", "Show me");
  showMe.type = "button";
  showMe.title = reveal !== null ? "reveal the step without the right answer" : "show the worked answer";
  showMe.hidden = true;
  row.append(reply, commit, hintButton, showMe);
  const feedback = el("div", "vmw-feedback-box");
  feedback.setAttribute("aria-live", "polite");
  const hint = el("div", "vmw-feedback vmw-hint");
  hint.hidden = true;
  const after = el("div", "vmw-after");
  after.hidden = true;
  box.append(row, feedback, hint, after);
  const hides = (p && reveal !== null) || Boolean(node.after) || Boolean(spec.explain);
  let revealed = false;
  let right = false;
  const say = (correct, message, extra) => {
    feedback.textContent = "";
    const line = el("div", "vmw-feedback " + (correct ? "vmw-right" : "vmw-wrong"));
    line.append(el("b", "", correct ? "✔" : "✘"), document.createTextNode(" " + message));
    feedback.appendChild(line);
    if (extra) feedback.appendChild(el("div", "vmw-feedback", extra));
  };
  const doReveal = () => {
    // true when the player moved; the worked answer (node.after) shows only now, after a commit
    if (revealed || !hides) return false;
    revealed = true;
    showMe.hidden = true;
    if (node.after) {
      setHtml(after, node.after);
      after.hidden = false;
    } else if (!right && spec.explain) {
      after.textContent = spec.explain; // Show me: a stuck student's way out (a right answer said it)
      after.hidden = false;
    }
    if (!p || reveal === null) return false;
    p.release();
    p.seek(reveal);
    for (const id of node.also || []) runtime(id).release(); // the earlier players it held
    return true;
  };
  commit.addEventListener("click", () => {
    const r = vmwCheck(spec, value());
    box.dataset.attempts = String(Number(box.dataset.attempts || 0) + (r.readable ? 1 : 0));
    if (!r.readable) return say(false, r.message);
    if (r.correct) {
      right = true;
      const shown = doReveal();
      say(true, r.message, shown ? REVEALED : "");
    } else {
      say(false, r.message);
      if (hides && !revealed) showMe.hidden = false;
    }
    box.dataset.correct = r.correct ? "1" : "0";
  });
  if (spec.kind !== "choice")
    reply.addEventListener("keydown", (e) => {
      if (e.key === "Enter") commit.click();
    });
  showMe.addEventListener("click", () => {
    if (doReveal()) feedback.appendChild(el("div", "vmw-feedback", REVEALED));
  });
  hintButton.addEventListener("click", () => {
    hint.hidden = false;
    hint.textContent = "";
    hint.append(el("b", "", "Hint: "), document.createTextNode(spec.hint));
  });
  return box;
}

function mountQuiz(node) {
  const box = el("div", "vmw-quiz");
  const head = el("div", "vmw-bar");
  const label = el("span", "vmw-seed");
  const next = el("button", "vmw-btn", "new numbers");
  next.type = "button";
  next.title = "another seed: the same questions with different numbers";
  head.append(label, next);
  const body = el("div");
  box.append(head, body);
  let at = 0;
  const show = () => {
    const [seed, specs] = node.seeds[at];
    label.textContent = `seed ${seed} `;
    body.textContent = "";
    for (const spec of specs) body.appendChild(mountExercise({ spec }));
  };
  next.addEventListener("click", () => {
    at = (at + 1) % node.seeds.length;
    show();
  });
  show();
  return box;
}

// -- trees -----------------------------------------------------------------------------------
function describe(key) {
  const m = /^(vm|vma|addr|pfn|slab):(.*)$/.exec(key || "");
  if (!m) return "click a vm_struct, VMA, slab, table or frame: it is lit in every view";
  const [, kind, v] = m;
  if (kind === "vm") return `selected vm_struct at ${v}`;
  if (kind === "vma") return `selected VMA ${v.split(":").pop()} of mm ${v.split(":")[0]}`;
  if (kind === "pfn") return `selected frame ${v}`;
  if (kind === "slab") return `selected the slab whose first frame is ${v}`;
  return `selected address ${v}`;
}

function mount(node, group) {
  switch (node.t) {
    case "player":
      return mountPlayer(node);
    case "scene":
      return mountScene(node, group || new Group());
    case "html":
      return mountHtml(node);
    case "view": {
      const e = mount(node.box, group || new Group());
      e.classList.add("vmw-view");
      return styled(e, node.style);
    }
    case "explorer": {
      const g = new Group();
      const box = styled(el("div", "vmw-vbox vmw-explorer"), node.style);
      const player = mountPlayer({ id: node.player });
      const row = el("div", "vmw-hbox vmw-selrow");
      const clear = el("button", "vmw-btn", "clear selection");
      clear.type = "button";
      clear.addEventListener("click", () => g.select(""));
      const info = el("span", "vmw-selinfo");
      g.info = (key) => {
        info.textContent = describe(key);
      };
      g.info("");
      row.append(clear, info);
      if (PAGE.live) {
        const a = el("a", "vmw-live-link", "type an address in the live version");
        a.href = PAGE.live;
        row.appendChild(a);
      }
      box.append(player, row, mount(node.box, g));
      return box;
    }
    case "exercise":
      return mountExercise(node);
    case "quiz":
      return mountQuiz(node);
    case "tabs": {
      const box = el("div", "vmw-tabs");
      const bar = el("div", "vmw-tabbar");
      bar.setAttribute("role", "tablist");
      const panes = node.c.map((c) => mount(c, group));
      const tabs = node.titles.map((t, i) => {
        const b = el("button", "vmw-tab", t);
        b.type = "button";
        b.setAttribute("role", "tab");
        b.addEventListener("click", () => pick(i));
        bar.appendChild(b);
        return b;
      });
      const pick = (i) => {
        panes.forEach((pane, j) => {
          pane.hidden = i !== j;
          tabs[j].setAttribute("aria-selected", String(i === j));
        });
        // a view drawn while hidden fits itself once it is shown
        requestAnimationFrame(() => panes[i].querySelectorAll(".vmw-zoom[aria-label='fit to the view']").forEach((b) => b.click()));
      };
      box.append(bar, ...panes);
      pick(0);
      return box;
    }
    case "hbox":
    case "vbox": {
      const box = styled(el("div", "vmw-" + node.t), node.style);
      for (const c of node.c) box.appendChild(mount(c, group));
      return box;
    }
    default: {
      const note = el("div", "vmw-feedback vmw-live-note", `This ${node.what || "control"} needs Python: `);
      if (PAGE.live) {
        const a = el("a", "", "open the live version");
        a.href = PAGE.live;
        note.appendChild(a);
      } else note.appendChild(document.createTextNode("run the notebook in Jupyter."));
      return note;
    }
  }
}

function start() {
  for (const s of document.querySelectorAll("script.vmw-data")) {
    const d = JSON.parse(s.textContent);
    Object.assign(PAGE.players, d.players || {});
    Object.assign(PAGE.statics, d.statics || {});
    Object.assign(PAGE.roots, d.roots || {});
    Object.assign(PAGE.tracks, d.tracks || {});
    if (d.live) PAGE.live = d.live;
  }
  for (const out of document.querySelectorAll(".vmw-out[data-root]")) {
    if (out.dataset.mounted) continue;
    out.dataset.mounted = "1";
    const node = PAGE.roots[out.dataset.root];
    if (node) out.appendChild(mount(node, null));
  }
  document.documentElement.dataset.vmwReady = "1";
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
