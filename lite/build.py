"""Build the zero-install JupyterLite site of the lessons into build/lite/ (`make lite`).

    python lite/build.py            # rebuild if an input changed (the lessons, vmwidgets, lite/)
    python lite/build.py --force    # rebuild anyway

Needs Python >= 3.11 (the pinned build tooling no longer supports 3.10; the site's own Python
is Pyodide's 3.14), Node.js with npm, and PyPI and the npm registry at build time; the site
itself fetches nothing from anywhere but itself. The steps, each cached under build/:

1. build/lite-env: a venv with the pinned build tooling of lite/requirements.txt;
2. build/lite-npm: the npm package `pyodide` at exactly the version the installed
   jupyterlite-pyodide-kernel was made for;
3. build/lite-cache/wheels: the pure wheels of lite/pyodide-requirements.txt, from PyPI;
4. the vmwidgets wheel built from this checkout (so it always has the current code);
5. static/pyodide/ of the site: the runtime, those wheels and the kernel's own wheels
   (piplite, pyodide-kernel, its ipykernel shim), with a pyodide-lock.json of ours
   (lite/lock.py) listing only them; the kernel preloads them all
   (loadPyodideOptions.packages) and never falls back to PyPI. The wheels lose what Pyodide
   never reads (front-end files, vmwidgets' lesson notebooks), and they and the stdlib are
   compiled to bytecode by Pyodide itself in Node.js (lite/pycompile.mjs), which halves the
   kernel's start on 2 cores;
6. the lab extensions of anywidget and the ipywidgets manager, taken out of the very wheels
   whose Python side runs in Pyodide, so their versions match;
7. `jupyter lite build`, with the lessons stripped of outputs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "lite"
BUILD = ROOT / "build"
ENV = BUILD / "lite-env"
NPM = BUILD / "lite-npm"
WHEELS = BUILD / "lite-cache" / "wheels"
SRC = BUILD / "lite-src"
OUT = BUILD / "lite"
DIGEST = OUT / ".inputs-sha256"
# lite/ files the site is made from (drive.py only serves it)
SITE_INPUTS = "build.py lock.py pycompile.mjs jupyter-lite.json requirements.txt pyodide-requirements.txt".split()
KERNEL_EXT = "@jupyterlite/pyodide-kernel-extension"
# what the pyodide kernel installs at start unless it is preloaded (its worker's initKernel)
KERNEL_PACKAGES = ["micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython"]
# the lab extensions the site needs, by the wheel that carries each
EXTENSION_WHEELS = {"anywidget": "anywidget", "jupyterlab_widgets": "@jupyter-widgets/jupyterlab-manager"}
RUNTIME_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"]
# wheels whose only use is the lab extension they carry: never in the lock (see lock.py)
FRONT_END_ONLY = ("jupyterlab_widgets-", "widgetsnbextension-")
# what the wheels in the lock leave out (see slim_wheel)
SLIMMED = ("/data/share/jupyter/", "vmwidgets/lessons/")


def run(*cmd: str | Path, **kw) -> subprocess.CompletedProcess:
    shown = [str(c).replace(str(ROOT) + "/", "") for c in cmd]
    print("+", " ".join(shown[:6]), f"... ({len(shown) - 6} more)" if len(shown) > 6 else "", flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def lessons() -> list[Path]:
    nbs = ROOT / "notebooks"
    return [*sorted(nbs.glob("[0-9][0-9]-*.ipynb")), nbs / "demo-widgets.ipynb", nbs / "teachers-guide.ipynb"]


def inputs_digest() -> str:
    """A hash of everything the site is made from, to skip a build that would change nothing."""
    files = [*lessons(), ROOT / "pyproject.toml", *(HERE / n for n in SITE_INPUTS)]
    files += [p for p in (ROOT / "vmwidgets").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    h = hashlib.sha256()
    for p in sorted(f for f in files if f.is_file()):
        h.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def stamped(folder: Path, key: str) -> bool:
    stamp = folder / ".stamp"
    return stamp.exists() and stamp.read_text() == key


def stamp(folder: Path, key: str) -> None:
    (folder / ".stamp").write_text(key)


def file_key(*paths: Path, extra: str = "") -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in paths) + extra.encode()).hexdigest()


def build_env() -> Path:
    req = HERE / "requirements.txt"
    key = file_key(req, extra=sys.version)
    if not stamped(ENV, key):
        shutil.rmtree(ENV, ignore_errors=True)
        run(sys.executable, "-m", "venv", ENV)
        run(ENV / "bin" / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(ENV / "bin" / "python", "-m", "pip", "install", "--quiet", "-r", req)
        stamp(ENV, key)
    return ENV / "bin" / "python"


def pyodide_runtime(py: Path) -> Path:
    """The npm package `pyodide` at the version the kernel requires (never a CDN)."""
    code = "from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION; print(PYODIDE_VERSION)"
    version = subprocess.run([py, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    pkg = NPM / "node_modules" / "pyodide"
    if not stamped(NPM, version):
        NPM.mkdir(parents=True, exist_ok=True)
        (NPM / "package.json").write_text(json.dumps({"private": True, "dependencies": {"pyodide": version}}))
        run("npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--omit=optional", cwd=NPM)
        stamp(NPM, version)
    found = json.loads((pkg / "package.json").read_text())["version"]
    if found != version:
        raise SystemExit(f"npm installed pyodide {found}, the kernel needs {version}")
    return pkg


def pyodide_wheels(py: Path, python_version: str) -> list[Path]:
    """The pinned pure wheels for Pyodide's Python, from PyPI (py3-none-any only)."""
    req = HERE / "pyodide-requirements.txt"
    key = file_key(req, extra=python_version)
    if not stamped(WHEELS, key):
        shutil.rmtree(WHEELS, ignore_errors=True)
        WHEELS.mkdir(parents=True)
        pure = ["--only-binary=:all:", "--implementation", "py", "--abi", "none", "--platform", "any"]
        run(py, "-m", "pip", "download", "--quiet", "--no-deps", *pure, "--python-version", python_version,
            "-d", WHEELS, "-r", req)  # fmt: skip
        stamp(WHEELS, key)
    return sorted(WHEELS.glob("*.whl"))


def slim_wheel(src: Path, dest: Path) -> Path:
    """A copy of a wheel without what Pyodide never reads: lab and notebook extension files (the
    site has the lab extensions) and vmwidgets' lesson notebooks (the site has them as files)."""
    out = dest / src.name
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if any(d in "/" + info.filename for d in SLIMMED):
                continue
            zout.writestr(info, zin.read(info))  # pycompile.mjs rewrites RECORD
    return out


def vmwidgets_wheel(py: Path) -> Path:
    """The wheel of this checkout (built each time, so it always has the current code)."""
    tmp = BUILD / "lite-cache" / "vmwidgets"
    shutil.rmtree(tmp, ignore_errors=True)
    run(py, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp, ROOT)
    (whl,) = tmp.glob("vmwidgets-*.whl")
    return whl


def compiled_deps(runtime: Path, wheels: list[Path]) -> Path:
    """The stdlib zip and the dependency wheels, slimmed and compiled (cached: it takes a while)."""
    out = BUILD / "lite-cache" / "compiled"
    key = file_key(HERE / "pycompile.mjs", runtime / "package.json", *wheels, extra=repr(SLIMMED))
    if not stamped(out, key):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        shutil.copy2(runtime / "python_stdlib.zip", out)
        slim = [slim_wheel(w, out) for w in wheels]
        run("node", HERE / "pycompile.mjs", runtime, out / "python_stdlib.zip", *slim)
        stamp(out, key)
    return out


def kernel_wheels(py: Path) -> list[Path]:
    """piplite, pyodide-kernel and the ipykernel shim, as shipped in the kernel's lab extension."""
    code = "import sys; print(sys.prefix)"
    prefix = Path(subprocess.run([py, "-c", code], check=True, capture_output=True, text=True).stdout.strip())
    pypi = prefix / "share" / "jupyter" / "labextensions" / KERNEL_EXT / "static" / "pypi"
    return sorted(pypi.glob("*.whl"))


def extract_extension(wheel: Path, name: str, dest: Path) -> None:
    """Copy the lab extension ``name`` out of ``wheel`` into the labextensions folder ``dest``."""
    marker = f"/data/share/jupyter/labextensions/{name}/"
    with zipfile.ZipFile(wheel) as zf:
        members = [m for m in zf.namelist() if marker in m and not m.endswith("/")]
        if not members:
            raise SystemExit(f"{wheel.name} has no lab extension {name}")
        for m in members:
            target = dest / name / m.split(marker, 1)[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(m))


def strip_outputs(src: Path, dest: Path) -> None:
    """A lesson as a student opens it: no outputs, counts or saved widget state."""
    nb = json.loads(src.read_text())
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def make_lite_dir(py: Path, runtime: Path, wheels: list[Path]) -> dict:
    shutil.rmtree(SRC, ignore_errors=True)
    static = SRC / "static" / "pyodide"
    static.mkdir(parents=True)
    deps = [w for w in [*wheels, *kernel_wheels(py)] if not w.name.startswith(FRONT_END_ONLY)]
    compiled = compiled_deps(runtime, deps)
    for name in RUNTIME_FILES:  # the stdlib compiled, the rest as npm has it
        shutil.copy2(compiled / name if name == "python_stdlib.zip" else runtime / name, static / name)
    for whl in deps:
        shutil.copy2(compiled / whl.name, static / whl.name)
    vmw = slim_wheel(vmwidgets_wheel(py), static)
    run("node", HERE / "pycompile.mjs", runtime, "--keep-source", vmw)
    # the front-end-only wheels go to the lock writer too, which checks their versions
    extra = [w for w in wheels if w.name.startswith(FRONT_END_ONLY)]
    run(py, HERE / "lock.py", static / "pyodide-lock.json", runtime / "pyodide-lock.json",
        *sorted(static.glob("*.whl")), *extra)  # fmt: skip
    lock = json.loads((static / "pyodide-lock.json").read_text())

    exts = SRC / "labextensions"
    for prefix, name in EXTENSION_WHEELS.items():
        (whl,) = [w for w in wheels if w.name.startswith(prefix + "-")]
        extract_extension(whl, name, exts)

    files = SRC / "files"
    files.mkdir()
    for nb in lessons():
        strip_outputs(nb, files / nb.name)

    config = json.loads((HERE / "jupyter-lite.json").read_text())
    settings = config["jupyter-config-data"]["litePluginSettings"][f"{KERNEL_EXT}:kernel"]
    # preload every locked package; loadPyodide fails on a name the lock lacks
    missing = set(KERNEL_PACKAGES) - set(lock["packages"])
    if missing:
        raise SystemExit(f"the kernel would install {sorted(missing)} at start: add them to the lock")
    settings["loadPyodideOptions"]["packages"] = sorted(lock["packages"])
    (SRC / "jupyter-lite.json").write_text(json.dumps(config, indent=2) + "\n")
    kernel_ext = py.parents[1] / "share" / "jupyter" / "labextensions" / "@jupyterlite"
    (SRC / "jupyter_lite_config.json").write_text(
        json.dumps(
            {
                "LiteBuildConfig": {"ignore_sys_prefix": True, "no_sourcemaps": True, "contents": ["files"]},
                "FederatedExtensionAddon": {"extra_labextensions_path": [str(exts), str(kernel_ext)]},
            },
            indent=2,
        )
    )
    return lock


def check_site(lock: dict) -> None:
    """The built site points at its own Pyodide and holds every file its lock names."""
    settings = json.loads((OUT / "jupyter-lite.json").read_text())["jupyter-config-data"]["litePluginSettings"]
    kernel = settings[f"{KERNEL_EXT}:kernel"]
    static = OUT / "static" / "pyodide"
    missing = [p["file_name"] for p in lock["packages"].values() if not (static / p["file_name"]).exists()]
    exts = {p.parent.relative_to(OUT / "extensions").as_posix() for p in (OUT / "extensions").rglob("package.json")}
    problems = [f"lab extension {n} is missing" for n in [*EXTENSION_WHEELS.values(), KERNEL_EXT] if n not in exts]
    if not kernel["pyodideUrl"].startswith("./static/pyodide/"):
        problems.append(f"pyodideUrl is {kernel['pyodideUrl']}")
    if kernel["disablePyPIFallback"] is not True:
        problems.append("the kernel may fall back to PyPI")
    if missing:
        problems.append(f"files the lock names are missing: {missing}")
    if problems:
        raise SystemExit("the built site is wrong: " + "; ".join(problems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if no input changed")
    args = parser.parse_args()
    if sys.version_info < (3, 11):
        raise SystemExit(f"lite/build.py needs Python >= 3.11, not {sys.version.split()[0]}: PY=python3.12 make lite")
    digest = inputs_digest()
    if not args.force and DIGEST.exists() and DIGEST.read_text() == digest:
        print(f"{OUT.relative_to(ROOT)} is up to date")
        return
    started = time.perf_counter()
    py = build_env()
    runtime = pyodide_runtime(py)
    python = json.loads((runtime / "pyodide-lock.json").read_text())["info"]["python"]
    wheels = pyodide_wheels(py, ".".join(python.split(".")[:2]))
    lock = make_lite_dir(py, runtime, wheels)
    shutil.rmtree(OUT, ignore_errors=True)
    run(py, "-m", "jupyterlite_core", "build", "--lite-dir", SRC, "--output-dir", OUT, cwd=SRC)
    check_site(lock)
    DIGEST.write_text(digest)
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"built {OUT.relative_to(ROOT)}: {size / 1e6:.1f} MB, {len(lock['packages'])} locked packages, "
          f"{time.perf_counter() - started:.0f} s; to try it: python3 -m http.server -d {OUT.relative_to(ROOT)} "
          "8000, then open http://127.0.0.1:8000/lab/index.html?path=01-layout.ipynb")  # fmt: skip


if __name__ == "__main__":
    main()
