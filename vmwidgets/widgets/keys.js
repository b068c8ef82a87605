// Keyboard shortcuts for the player: listens on the player's box (the nearest
// .vmw-player ancestor) and sends the key to Python, which moves the timeline.
const KEYS = new Set(["ArrowLeft", "ArrowRight", "PageUp", "PageDown", "Home", "End", " ", "k", "j"]);

function render({ model, el }) {
  el.className = "vmw-keys";
  const hint = document.createElement("span");
  hint.textContent = "keys: ← → step · PgUp PgDn operation · Home End · space play";
  el.appendChild(hint);
  let box = null;
  const onKey = (e) => {
    if (!KEYS.has(e.key) || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    // a focused slider or text box keeps its own keys
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.closest(".noUi-target, .widget-slider"))) return;
    e.preventDefault();
    e.stopPropagation();
    model.send({ key: e.key });
  };
  const attach = () => {
    box = el.closest(".vmw-player");
    if (!box) return requestAnimationFrame(attach);
    if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
    box.addEventListener("keydown", onKey);
  };
  requestAnimationFrame(attach);
  return () => box && box.removeEventListener("keydown", onKey);
}

export default { render };
