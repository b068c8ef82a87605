# The two set-up commands of the README: `make lab` and `make test`.
# Both create .venv with pip. `make lab` needs nothing but Python >= 3.10 (no root, apt,
# Chromium or Graphviz); `make test` also installs Debian's chromium and graphviz
# (apt-get as root, or it prints the line to run).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAB_STAMP := $(VENV)/.lab-installed
STAMP := $(VENV)/.installed

.PHONY: lab test fast lint format bench system clean notebooks lite site

$(BIN)/python:
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "vmwidgets needs Python 3.10 or newer; try: make lab PY=python3.12" >&2; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(LAB_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[lab]'
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,lab]'
	touch $@

system:
	@bash .ci/system-packages.sh

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab notebooks/

# mypy --strict over vmwidgets/ (modules not yet clean: ONE list in pyproject's [tool.mypy], marked issue 12)
# and the import contracts of [tool.importlinter] (the layers: CONTRIBUTING.md)
LINT = $(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy && $(BIN)/lint-imports

lint: $(STAMP)
	$(LINT)

test: system $(STAMP)
	$(LINT)
	$(BIN)/pytest -q

# the edit loop: no browser, packaging, Binder, site or lesson runs (markers in pyproject), a worker a core.
# About 80 s of CPU in all; on 2 shared cores 2 workers took 204 s where one took 252 s (CONTRIBUTING.md)
# `make fast FAST_N=0` runs the same tests in one process
FAST_N ?= auto
FAST_MARKS = not slow and not browser and not binder and not lite and not site and not notebook
fast: $(STAMP)
	$(BIN)/pytest -q -n $(FAST_N) -m "$(FAST_MARKS)" -p no:nbval -o addopts="--doctest-modules --doctest-glob=README.md \
	  -p no:cacheprovider --strict-markers" tests vmwidgets README.md

notebooks: $(STAMP)  # rebuild and re-execute the lessons from notebooks/src/ (make notebooks N=04)
	$(BIN)/python notebooks/src/nbbuild.py $(N)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

.PHONY: lite
lite:  # the zero-install JupyterLite site of the lessons in build/lite/ (Python >= 3.11, Node.js, npm)
	$(PY) lite/build.py

site: $(STAMP)  # the course website in build/site/: every lesson a replay page, the guide and the API reference (Python >= 3.11)
	$(BIN)/python website/build.py
