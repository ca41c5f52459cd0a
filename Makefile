# The README's two commands: `make demo` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system faces demo test test-fast lint format bench lab clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## setup: the virtualenv with the package (editable) and the system packages for PDF and Chinese
setup: $(STAMP) system faces

system:
	@bash scripts/system-packages.sh

# the CJK faces of Chinese PDFs copied with TrueType outlines, once (render/faces.py)
faces: $(STAMP) system
	@$(BIN)/python -m sipm_helpers.render.faces

## demo: every self-evaluation of the demo country, rendered to HTML and PDF with an index
demo: setup
	$(BIN)/sipm demo

## test: unit tests, the bad-input corpus, notebook runs and rendering checks, on every core
test: setup
	$(BIN)/python -m pytest -n auto --dist worksteal

## test-fast: the unit tests alone (no notebook, batch, browser or PDF), for the edit-test loop
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist worksteal -m "not notebook and not slow"

## lab: JupyterLab on the notebooks with the project's environment (localhost, with a token)
lab: setup
	$(BIN)/sipm lab

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: the benchmark script (not a test): batch throughput against plain CLI calls, national data
bench: setup
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf outputs/demo outputs/interactive
