# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or make PYTHON=python3)"; exit 2; }
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

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
