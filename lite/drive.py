"""Serve build/lite on loopback and open it in Playwright with nothing else reachable.

Shared by tests/browser/test_lite.py and benchmarks/lite.py, which load this file by path.
In an :func:`offline_context` every request for a host other than 127.0.0.1 is aborted and
recorded in ``ctx.offsite``, and service workers are blocked: a request a service worker
made would bypass that route (JupyterLite works without its service worker, which only
serves the kernel's view of the files).
"""

from __future__ import annotations

import gzip
import http.server
import io
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "lite"
TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript", ".json": "application/json",
         ".whl": "application/zip", ".zip": "application/zip", ".ipynb": "application/json"}  # fmt: skip
# what a static host compresses (wheels and zips are compressed already)
COMPRESSIBLE = {".wasm", ".mjs", ".js", ".json", ".css", ".html", ".svg", ".ipynb", ".txt"}


def build_site(log: Path | None = None) -> None:
    """Run lite/build.py (it returns at once when no input changed); raise with its log if it fails."""
    done = subprocess.run([sys.executable, str(ROOT / "lite" / "build.py")], capture_output=True, text=True)
    if log is not None:
        log.write_text(done.stdout + done.stderr)
    if done.returncode:
        raise RuntimeError(f"lite/build.py failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}
    use_gzip = False
    gzipped: dict[Path, bytes]

    def log_message(self, *args) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # every first load is a first load
        super().end_headers()

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if not (self.use_gzip and path.suffix in COMPRESSIBLE and path.is_file()):
            return super().send_head()
        if "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().send_head()
        if path not in self.gzipped:
            self.gzipped[path] = gzip.compress(path.read_bytes(), 6)
        body = self.gzipped[path]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class SiteServer:
    """A folder (the JupyterLite site by default) on http://127.0.0.1:PORT/ from a thread; with
    ``use_gzip`` it compresses text and wasm as a static host does. Use as a context manager, or call :meth:`stop`."""

    def __init__(self, site: Path = SITE, use_gzip: bool = False) -> None:
        if not site.is_dir():
            raise FileNotFoundError(f"{site} is missing (the JupyterLite site: run make lite)")
        attrs = {"use_gzip": use_gzip, "gzipped": {}}
        handler = partial(type("Handler", (_Handler,), attrs), directory=str(site))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="lite-site", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)

    def __enter__(self) -> SiteServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def lesson_url(self, name: str) -> str:
        return f"{self.url}/lab/index.html?path={name}"


def offline_context(browser, **kw):
    """A browser context where only 127.0.0.1 answers; what else was asked for is in ``ctx.offsite``."""
    kw.setdefault("viewport", {"width": 1400, "height": 1000})
    ctx = browser.new_context(service_workers="block", **kw)
    ctx.offsite = []

    def abort(route) -> None:
        ctx.offsite.append(route.request.url)
        route.abort()

    ctx.route(lambda url: urlparse(url).hostname != "127.0.0.1", abort)
    return ctx


# Records in the page, in ms since navigation: when the notebook first showed a cell
# (__vmwShown), each change of the kernel status on JupyterLab's execution indicator
# (__vmwStatus), and when every code cell first had an execution count (__vmwDone).
TIMELINE = """
window.__vmwStatus = [];
const vmwTimer = setInterval(() => {
  const now = performance.now();
  if (!window.__vmwShown && document.querySelector('.jp-Notebook .jp-Cell')) window.__vmwShown = now;
  const el = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const s = el && el.getAttribute('data-status');
  const log = window.__vmwStatus;
  if (s && (!log.length || log[log.length - 1][0] !== s)) log.push([s, now]);
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
  if (prompts.length && prompts.every((p) => /\\[\\d+\\]/.test(p.textContent))) {
    window.__vmwDone = now;
    clearInterval(vmwTimer);
  }
}, 10);
"""


def timeline(page) -> dict[str, float | None]:
    """In ms since navigation (None: not yet): page ready, kernel requested (its first status
    after idle), kernel ready (its first busy or idle after that: the reply to kernel_info),
    every code cell run."""
    shown, log, done = page.evaluate("() => [window.__vmwShown, window.__vmwStatus || [], window.__vmwDone]")
    start = next((t for status, t in log if status not in ("idle", "busy")), None)
    ready = next((t for status, t in log if start is not None and t > start and status in ("idle", "busy")), None)
    return {"page": shown, "kernel_start": start, "kernel": ready, "done": done}
