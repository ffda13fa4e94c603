# `make` builds every assignment and grades the sample submissions; `make test` runs the tests,
# `make test-fast` the fast lane (no kernel, no full build).
# Both create .venv and install the pinned requirements on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all build test test-fast bench clean

all: build

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/backprop build

# the linter first: a lint error fails CI in seconds, before the slow tests
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# Everything that needs no kernel and no full otter assign: under a minute.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	$(BIN)/backprop bench

clean:
	rm -rf dist
