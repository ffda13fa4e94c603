# `make` builds every assignment and grades the sample submissions; `make test` runs the tests,
# `make test-fast` the fast lane (no kernel, no full build).
# Both create .venv and install the pinned requirements on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all build test test-fast bench clean browser

# Python keeps the compiled form of this project's modules (git-ignored __pycache__/): where
# the environment says not to, every process of the tests (graders, kernels, otter assign)
# would compile them again.
unexport PYTHONDONTWRITEBYTECODE

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
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q --durations=20

# The report's browser test (tests/test_report_browser.py) needs Chromium: installed from the
# distribution's packages when missing and apt-get can run as root (a clean CI machine);
# elsewhere the test skips and says why.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x "$(CHROMIUM)" ] || command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium (apt-get) for the report's browser test"; \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } \
			|| echo "note: chromium could not be installed: the report's browser test will skip"; \
	else \
		echo "note: no chromium and no root apt-get here: the report's browser test will skip"; \
	fi

# Everything that needs no kernel and no full otter assign: under a minute.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	$(BIN)/backprop bench

clean:
	rm -rf dist
