# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv first.
# The first Python >= 3.11 on PATH: python3, then python3.11 … python3.14 (override: make PYTHON=…).
PYTHON ?= $(shell for p in python3 python3.11 python3.12 python3.13 python3.14; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench bench-history kills clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "need Python 3.11 or newer on PATH (or make PYTHON=/path/to/python3)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=compat -e '.[dev]'
	$(BIN)/python -m compileall -q secretops  # an editable install gets no bytecode; pip gives installs theirs
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python demo/demo.py

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 tests

lint: $(STAMP)
	$(BIN)/ruff check secretops tests bench demo
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy --strict secretops

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=compat -e '.[bench]'
	$(BIN)/python -m compileall -q secretops  # as a pip-installed package would be (PYTHONDONTWRITEBYTECODE)
	$(BIN)/python bench/run.py

bench-history: $(STAMP)  # check --history on the real histories (../shared/histories) against betterleaks and kingfisher
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=compat -e '.[bench]'
	$(BIN)/python -m compileall -q secretops
	$(BIN)/python bench/run.py history

kills: $(STAMP)  # the randomized kill test alone (also part of `make bench`)
	$(BIN)/python -m compileall -q secretops
	$(BIN)/python bench/run.py kills

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
