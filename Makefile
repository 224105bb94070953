# `make dev` and `make test` work on a fresh machine with only Python 3.11: each creates .venv if
# needed and (re)installs the project when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test check lint typecheck pytest bench record-histories bytecode clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

dev: bytecode
	$(BIN)/creatorflow dev --orders 25

# The whole suite: what CI runs (.ci/run). `pytest -m e2e`, `-m chaos`, `-m workflows` select one kind.
test: lint typecheck pytest

# The inner loop, a few minutes on 2 cores: lint, layer contracts, types, unit and replay tests.
check: lint typecheck bytecode
	$(BIN)/pytest -m "unit or replay" -q

# Style, and the layer contracts in pyproject.toml ([tool.importlinter]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: bytecode
	$(BIN)/pytest

# Temporal's workflow sandbox imports the workflow modules afresh for every workflow run: without bytecode
# on disk (PYTHONDONTWRITEBYTECODE is set on some machines) each run compiles them from source, about
# several ms per module of workflows/order/. compileall only rewrites what changed.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q creatorflow workflows activities workers starter emulators devstack bench

# Not part of `make test`: each benchmark prints one JSON line (README, "Performance"). The backfill one
# handles 10,000 orders and takes several minutes.
bench: bytecode
	$(BIN)/creatorflow bench lifecycle
	$(BIN)/creatorflow bench webhooks
	$(BIN)/creatorflow bench backfill

# Histories for tests/replay, from the end-to-end scenarios. Add to them; a failing replay means patch the workflow.
record-histories: bytecode
	$(BIN)/pytest tests/e2e --deselect tests/e2e/test_dev_command.py --record-histories tests/replay/histories

clean:
	rm -rf $(VENV) .creatorflow .pytest_cache .mypy_cache .ruff_cache
