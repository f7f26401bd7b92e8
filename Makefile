# Every target creates what it needs; `make demo` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: setup demo test lint typecheck portal portal-down orchestrate orchestrate-down reference bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/infitah demo

reference: setup
	$(BIN)/infitah reference --source ../shared/data/morocco-admin-divisions --out datasets/reference

lint: setup
	$(BIN)/ruff check pipelines tests benchmarks portal
	$(BIN)/ruff format --check pipelines tests benchmarks portal

typecheck: setup
	$(BIN)/mypy

test: setup lint typecheck
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench_validate.py

portal:
	@bash portal/portal.sh up

portal-down:
	@bash portal/portal.sh down

orchestrate: setup
	@bash orchestration/orchestrate.sh up

orchestrate-down:
	@bash orchestration/orchestrate.sh down

clean:
	rm -rf $(VENV) .prefect catalog .pytest_cache .mypy_cache .ruff_cache
