"""Capture a real /proc/PID/maps of >= 10,000 lines from a Chromium renderer.

    python tools/capture_browser_maps.py                         # writes vmwidgets/data/proc-maps-chromium.txt.gz
    python tools/capture_browser_maps.py --out /tmp/maps.txt.gz --chromium /usr/bin/chromium

Starts headless Chromium (``--no-sandbox``, a throwaway profile, no network: the page is a
local file) on a page whose script does the work of an image-heavy web app (below), waits
until its renderer's mapping count has stopped changing, copies that renderer's maps file,
checks it and writes it gzip-compressed with no name or time in the header, so a re-capture
differs only where the mappings do.  Linux only.  Needs only the standard library.

The page's work: 100 WebAssembly instances, each with its own WebAssembly.Memory; 3,000
generated functions run hot enough to be compiled; 1,600 decoded "images" (pixel buffers of
256..1535 x 256..1535 RGBA, sizes from a fixed LCG) kept alive with their first row written;
8 workers (each its own V8 isolate and thread) holding 200 ArrayBuffers of 1 MB.  Most lines
come from the buffers of 1 MB and more (the pixel buffers and the workers' ArrayBuffers):
PartitionAlloc maps each one above its direct-map threshold on its own, between guard pages,
so each adds about four VMAs (``--images 0`` gives about 7,500 lines, 1,600 about 13,700).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "vmwidgets" / "data" / "proc-maps-chromium.txt.gz"

PAGE = """<!doctype html><meta charset="utf-8"><title>working</title><script>
let seed = 1;  // a fixed LCG: the same image sizes each capture
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const keep = [];
// (i32, i32) -> i32 "add": the smallest module with a function
const wasm = new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,
  10,9,1,7,0,32,0,32,1,106,11]);
for (let i = 0; i < 100; i++) {
  const mem = new WebAssembly.Memory({initial: 1 + (i % 16), maximum: 256});
  const inst = new WebAssembly.Instance(new WebAssembly.Module(wasm), {});
  keep.push(mem, inst, inst.exports.add(i, 1));
}
for (let i = 0; i < 3000; i++) {
  const f = new Function("a", "b",
    `let s = ${i}; for (let j = 0; j < a; j++) s = (s * 31 + j * b + ${i}) | 0; return s;`);
  for (let j = 0; j < 50; j++) f(100, j);
  keep.push(f);
}
for (let i = 0; i < IMAGES; i++) {
  const w = 256 + Math.floor(rand() * 1280), h = 256 + Math.floor(rand() * 1280);
  const px = new Uint8ClampedArray(w * h * 4);
  px.fill(i & 255, 0, w * 4);
  keep.push(px);
}
const job = "const a = []; for (let i = 0; i < 200; i++) a.push(new ArrayBuffer(1 << 20)); postMessage(a.length);";
for (let i = 0; i < 8; i++) keep.push(new Worker(URL.createObjectURL(new Blob([job]))));
window.keep = keep;
document.title = "done " + keep.length;
</script>
"""

# a maps line of a 64-bit process; the names a renderer may show without telling anything private
_LINE = re.compile(r"[0-9a-f]+-[0-9a-f]+ [r-][w-][x-][sp] [0-9a-f]{8,} [0-9a-f]{2,3}:[0-9a-f]{2,5} \d+ *(?P<name>.*)")
_SAFE = re.compile(
    r"/usr/(lib|share)/\S+|/memfd:\S+( \(deleted\))?|/dev/shm/\.org\.chromium\.Chromium\.\w+( \(deleted\))?|"
    r"\[(heap|stack|vdso|vvar|vvar_vclock|vsyscall)\]|\[anon:[^\]]+\]|"
)


def renderers(profile: str) -> list[int]:
    """Pids of the page renderers of the browser using ``profile``.

    Zygote children rewrite their command line into one space-separated string, so search its bytes."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"--type=renderer" in cmd and profile.encode() in cmd and b"--top-chrome-webui" not in cmd:
            found.append(int(pid))
    return found


def read_maps(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


def capture(chromium: str, images: int, quiet_s: float, timeout_s: float) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp, "page.html")
        page.write_text(PAGE.replace("IMAGES", str(images)))
        profile = str(Path(tmp, "profile"))
        argv = [chromium, "--headless", "--no-sandbox", "--no-first-run", f"--user-data-dir={profile}", page.as_uri()]
        browser = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            best, since, start = "", time.monotonic(), time.monotonic()
            while time.monotonic() - start < timeout_s:
                time.sleep(0.5)
                texts = [read_maps(pid) for pid in renderers(profile)]
                text = max(texts, key=len, default="")
                if text.count("\n") != best.count("\n"):
                    best, since = text, time.monotonic()
                    print(f"{time.monotonic() - start:5.1f} s: {best.count(chr(10))} lines", file=sys.stderr)
                elif best and time.monotonic() - since >= quiet_s:
                    return best
            raise SystemExit(f"the renderer's maps were still changing after {timeout_s} s")
        finally:
            os.killpg(browser.pid, signal.SIGTERM)  # the browser's own process group, made above
            browser.wait()


def check(text: str) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        m = _LINE.fullmatch(line)
        if m is None or not _SAFE.fullmatch(m["name"]):
            raise SystemExit(f"line {number} is not a maps line or names an unexpected file: {line!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--images", type=int, default=1600, help="pixel buffers the page keeps (about 4 VMAs each)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--quiet", type=float, default=5.0, help="seconds the line count must stay unchanged")
    ap.add_argument("--timeout", type=float, default=120.0)
    args = ap.parse_args()
    text = capture(args.chromium, args.images, args.quiet, args.timeout)
    check(text)
    with open(args.out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.encode())
    print(f"{text.count(chr(10))} lines, {len(text.encode())} bytes; {args.out}: {args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
