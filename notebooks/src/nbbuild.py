"""Build lesson notebooks from their sources: ``python notebooks/src/nbbuild.py [NAME ...]``.

Each source ``notebooks/src/NN_name.py`` defines ``CELLS``, a list made with :func:`md`
and :func:`code`; the notebook ``notebooks/NN-name.ipynb`` is written, formatted with
ruff and executed (outputs and widget state stored), so it is what nbval checks.
The notebooks that are not lessons have unnumbered sources, listed in ``GUIDES`` and
built by their whole name (``nbbuild.py teachers_guide`` writes ``teachers-guide.ipynb``).
Without names, every source is built.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

SRC = Path(__file__).resolve().parent
NOTEBOOKS = SRC.parent
GUIDES = ["teachers_guide"]  # unnumbered sources: notebooks that are not lessons


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip())


def code(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(textwrap.dedent(text).strip())


def build(source: Path) -> Path:
    spec = importlib.util.spec_from_file_location(source.stem, source)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    nb = nbformat.v4.new_notebook(cells=mod.CELLS)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    out = NOTEBOOKS / (source.stem.replace("_", "-") + ".ipynb")
    nbformat.write(nb, out)
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(out)], check=True)
    nb = nbformat.read(out, as_version=4)
    ExecutePreprocessor(timeout=300, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(NOTEBOOKS)}})
    nbformat.write(nb, out)
    return out


def main(names: list[str]) -> int:
    sources = sorted(p for p in SRC.glob("[0-9][0-9]_*.py"))
    if names:
        sources = [p for p in sources if any(n in p.stem for n in names)]
    sources += [SRC / f"{g}.py" for g in GUIDES if not names or g in names]
    for p in sources:
        print("built", build(p).relative_to(NOTEBOOKS.parent))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(SRC))
    sys.exit(main(sys.argv[1:]))
