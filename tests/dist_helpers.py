"""What the wheel and Colab-stack tests share: build the sdist and wheel, make a virtual
environment isolated from this checkout, and run notebooks in it with nbclient.

Everything a test makes stays under its tmp directory: the environments, the Jupyter and
IPython directories, the kernelspec and the executed notebooks.  Only pip's download
cache (outside) is shared, which is what keeps these tests fast.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))  # every notebook the package ships

# variables through which the developer's environment could leak into a test environment
_LEAKS = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "IPYTHONDIR", "PIP_REQUIRE_VIRTUALENV")


def run(cmd: list[str | Path], timeout: float = 900, **kw) -> subprocess.CompletedProcess:
    """Run ``cmd``; on failure raise with its whole output, so the test report says why."""
    cmd = [str(c) for c in cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if done.returncode != 0:
        out, err = done.stdout[-6000:], done.stderr[-6000:]
        raise AssertionError(f"{' '.join(cmd)} exited {done.returncode}\n--- stdout\n{out}\n--- stderr\n{err}")
    return done


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path

    def wheel_names(self) -> list[str]:
        with zipfile.ZipFile(self.wheel) as z:
            return z.namelist()


def build_dists(out: Path) -> Dists:
    """``python -m build`` (sdist, then the wheel from the sdist, as a package index gets them) into ``out``."""
    run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=out.parent)
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return Dists(sdist, wheel)


def norm(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


class Venv:
    """A virtual environment under ``home`` (``home/env``) with its own Jupyter and IPython
    directories, and nothing of this checkout or of the developer's environment on its path."""

    def __init__(self, home: Path, python: str | Path = sys.executable) -> None:
        self.home = home
        self.dir = home / "env"
        home.mkdir(parents=True, exist_ok=True)
        run([python, "-m", "venv", self.dir], cwd=home)
        self.python = self.dir / "bin" / "python"
        self.kernel = "vmwidgets-test"
        self.env = {k: v for k, v in os.environ.items() if k not in _LEAKS and not k.startswith("JUPYTER")}
        self.env.update(
            PATH=f"{self.dir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            VIRTUAL_ENV=str(self.dir),
            PYTHONNOUSERSITE="1",
            JUPYTER_DATA_DIR=str(home / "jupyter" / "data"),
            JUPYTER_CONFIG_DIR=str(home / "jupyter" / "config"),
            JUPYTER_RUNTIME_DIR=str(home / "jupyter" / "runtime"),
            JUPYTER_PATH=str(home / "jupyter" / "kernels" / "share" / "jupyter"),
            JUPYTER_PLATFORM_DIRS="1",
            IPYTHONDIR=str(home / "ipython"),
            PYDEVD_DISABLE_FILE_VALIDATION="1",  # debugpy's frozen-modules note, on every kernel start
        )

    def bin(self, name: str) -> Path:
        return self.dir / "bin" / name

    def run(self, *args: str | Path, cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
        """Run a command of this environment (``args[0]`` is looked up in its bin/ first), from ``home``."""
        return run(list(args), timeout=timeout, env=self.env, cwd=cwd or self.home)

    def pip(self, *args: str | Path) -> subprocess.CompletedProcess:
        """``pip ARGS`` in this environment, tried once more if the package index failed to answer
        (seen here as a pinned version "not found" once, and found on the next try)."""
        try:
            return self.run(self.python, "-m", "pip", *args)
        except AssertionError as exc:
            if not re.search(r"No matching distribution|versions: none|Could not fetch|timed out|Connection", str(exc)):
                raise
        return self.run(self.python, "-m", "pip", *args)

    def installed(self) -> dict[str, str]:
        """Every distribution installed in the environment, by normalised name: its version."""
        code = "import importlib.metadata as m, json; print(json.dumps({d.name: d.version for d in m.distributions()}))"
        out = self.run(self.python, "-c", code).stdout
        return {norm(k): v for k, v in json.loads(out).items()}

    def install_kernel(self) -> Path:
        """This environment's own kernelspec (its python, by absolute path), the only one Jupyter sees."""
        prefix = self.home / "jupyter" / "kernels"
        self.run(self.python, "-m", "ipykernel", "install", "--prefix", prefix, "--name", self.kernel)
        spec = prefix / "share" / "jupyter" / "kernels" / self.kernel / "kernel.json"
        argv0 = json.loads(spec.read_text())["argv"][0]
        assert Path(argv0) == self.python, f"the kernel would run {argv0}, not the environment's python"
        return spec


_RUNNER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    kernel, out, paths = sys.argv[1], Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]]
    results = {}
    views = lambda outputs: sum("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        saved = views(o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
        t0 = time.monotonic()
        error = None
        try:
            here = {"metadata": {"path": str(path.parent)}}
            NotebookClient(nb, timeout=600, kernel_name=kernel, resources=here).execute()
        except CellExecutionError as exc:
            error = str(exc)[-4000:]
        except Exception as exc:  # the kernel died or would not start: as much a failure
            error = f"{type(exc).__name__}: {exc}"[-4000:]
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        results[path.name] = {
            "seconds": round(time.monotonic() - t0, 1),
            "error": error,
            "stderr": [o.get("text", "") for o in outputs if o.get("name") == "stderr"],
            "errors": [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o.get("output_type") == "error"],
            "widgets": views(outputs),
            "saved_widgets": saved,
        }
        nbformat.write(nb, path)
    out.write_text(json.dumps(results, indent=1))
    """
)


def run_notebooks(venv: Venv, notebooks: list[Path]) -> dict[str, dict]:
    """Execute ``notebooks`` in place, each from its own folder, with nbclient inside ``venv``
    on ``venv``'s kernel; returns per notebook its time, error, stderr and widget count."""
    venv.install_kernel()
    runner = venv.home / "run_notebooks.py"
    runner.write_text(_RUNNER)
    out = venv.home / "notebook-results.json"
    venv.run(venv.python, runner, venv.kernel, out, *notebooks, timeout=600 * max(1, len(notebooks)))
    return json.loads(out.read_text())


def failure(r: dict) -> str:
    """What went wrong in one notebook's result ('' for nothing): an error, an error output,
    anything on stderr, or fewer or more widgets shown than the saved notebook shows."""
    if r["error"] or r["errors"] or r["stderr"]:
        return str(r["error"] or r["errors"] or r["stderr"])
    if r["widgets"] != r["saved_widgets"]:
        return f"{r['widgets']} widget views shown, the saved notebook has {r['saved_widgets']}"
    return ""


def failures(results: dict[str, dict]) -> list[str]:
    return [f"{name}: {failure(r)}" for name, r in results.items() if failure(r)]


def summary(results: dict[str, dict]) -> str:
    """One line per notebook: ok or FAIL, its time and its widget views."""
    return "\n".join(
        f"  {name:28} {'FAIL' if failure(r) else 'ok':4} {r['seconds']:5.1f} s  {r['widgets']} widget views"
        for name, r in results.items()
    )
