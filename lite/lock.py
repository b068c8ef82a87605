"""Write the site's pyodide-lock.json for a set of pure-Python wheels.

Run by build.py with the build venv's Python (it needs ``packaging``):

    python lite/lock.py OUT_LOCK BASE_LOCK WHEEL...

The lock keeps the base lock's ``info`` (the Pyodide runtime's ABI and Python) and lists
only our wheels, so nothing outside the site can be asked for. ``depends`` comes from each
wheel's Requires-Dist as evaluated inside Pyodide; a dependency that is not among the wheels
must be in OMITTED, with the reason, or the build fails. Wheels named in OMITTED may be given
for their lab extensions: they stay out of the lock, but their versions must satisfy what
the locked packages ask for.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# Requirements the lessons never import in the browser, so the lock leaves them out.
OMITTED = {
    "widgetsnbextension": "front-end files only; the site ships the widget manager as a lab extension",
    "jupyterlab-widgets": "front-end files only; the site ships the widget manager as a lab extension",
}


def pyodide_env(python: str) -> dict[str, str]:
    """PEP 508 marker values inside Pyodide (``python`` is the lock's ``info.python``)."""
    return {
        "implementation_name": "cpython",
        "implementation_version": python,
        "os_name": "posix",
        "platform_machine": "wasm32",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Emscripten",
        "platform_version": "",
        "python_full_version": python,
        "python_version": ".".join(python.split(".")[:2]),
        "sys_platform": "emscripten",
        "extra": "",
    }


def read_wheel(path: Path) -> tuple[dict, list[str]]:
    """(metadata headers as a dict of lists, top-level import names) of one wheel."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        headers = HeaderParser().parsestr(zf.read(meta_name).decode())
        top_level = next((n for n in names if n.endswith(".dist-info/top_level.txt") and n.count("/") == 1), None)
        if top_level:
            imports = [line.strip() for line in zf.read(top_level).decode().splitlines() if line.strip()]
        else:  # packages (a folder with __init__.py) and modules at the top of the wheel
            imports = sorted(
                {n.split("/")[0] for n in names if n.count("/") == 1 and n.endswith("/__init__.py")}
                | {n.removesuffix(".py") for n in names if "/" not in n and n.endswith(".py")}
            )
    meta = {key: headers.get_all(key) or [] for key in ("Name", "Version", "Requires-Dist")}
    return meta, imports


def lock_entries(wheels: list[Path], python: str) -> dict[str, dict]:
    env = pyodide_env(python)
    metas = {path: read_wheel(path) for path in sorted(wheels)}
    versions = {canonicalize_name(meta["Name"][0]): meta["Version"][0] for meta, _ in metas.values()}
    packages, missing = {}, []
    for path, (meta, imports) in metas.items():
        name = canonicalize_name(meta["Name"][0])
        if name in OMITTED:
            continue
        depends = []
        for spec in meta["Requires-Dist"]:
            req = Requirement(spec)
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            dep = canonicalize_name(req.name)
            if dep in versions and not req.specifier.contains(versions[dep], prereleases=True):
                missing.append(f"{name} needs {spec}, not {versions[dep]}")
            elif dep in versions and dep not in OMITTED:
                depends.append(dep)
            elif dep not in OMITTED:
                missing.append(f"{name} needs {spec}")
        packages[name] = {
            "name": name,
            "version": meta["Version"][0],
            "file_name": path.name,
            "install_dir": "site",
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "package_type": "package",
            "imports": imports,
            "depends": sorted(set(depends)),
            "unvendored_tests": False,
        }
    if missing:
        raise SystemExit("the Pyodide lock lacks run-time dependencies:\n  " + "\n  ".join(missing))
    return packages


def write_lock(out: Path, base_lock: Path, wheels: list[Path]) -> dict:
    info = json.loads(base_lock.read_text())["info"]
    lock = {"info": info, "packages": lock_entries(wheels, info["python"])}
    out.write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    return lock


if __name__ == "__main__":
    dest, base, *wheels = map(Path, sys.argv[1:])
    written = write_lock(dest, base, wheels)
    print(f"lock: {len(written['packages'])} packages for Python {written['info']['python']}")
