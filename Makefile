# The two set-up commands of the README: `make lab` and `make test`.
# Both create .venv with everything the project needs; system packages come from apt-get.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test lint format bench system clean notebooks

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,lab]'
	touch $(STAMP)

system:
	@bash .ci/system-packages.sh

lab: system $(STAMP)
	$(BIN)/jupyter lab notebooks/

test: system $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

notebooks: $(STAMP)  # rebuild and re-execute the lessons from notebooks/src/ (make notebooks N=04)
	$(BIN)/python notebooks/src/nbbuild.py $(N)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
