# Every target creates what it needs; `make demo` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: setup demo test lint typecheck messages portal portal-down orchestrate orchestrate-down reference bench fuzz crash mutation clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The demo speaks Arabic by default (the catalogues ship with the code): DEMO_LANG=fr or en.
DEMO_LANG ?= ar
demo: setup
	$(BIN)/infitah demo --lang $(DEMO_LANG)

reference: setup
	$(BIN)/infitah reference --source ../shared/data/morocco-admin-divisions --out datasets/reference

lint: setup
	$(BIN)/ruff check pipelines tests benchmarks portal
	$(BIN)/ruff format --check pipelines tests benchmarks portal
	$(BIN)/lint-imports

# Extract the messages marked in the code (English source), merge them into the ar/fr
# catalogues (translators then edit the .po files), and compile the .mo files the
# package reads. tests/test_messages.py fails until every message is translated.
LOCALE := pipelines/locale
KEYWORDS := -k N_ -k Np_:1,2 -k tr:2 -k trn:2,3 -k trp:2c,3
messages: setup
	$(BIN)/pybabel -q extract -F babel.cfg --no-default-keywords $(KEYWORDS) --project=infitah \
		--copyright-holder=REMACTO --sort-by-file --omit-header -o $(LOCALE)/infitah.pot .
	$(BIN)/pybabel -q update -i $(LOCALE)/infitah.pot -d $(LOCALE) -D infitah --no-fuzzy-matching --ignore-obsolete \
		--width 100 --ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(LOCALE) -D infitah --statistics

typecheck: setup
	$(BIN)/mypy
	$(BIN)/mypy benchmarks/*.py

test: setup lint typecheck
	$(BIN)/python -m pytest -q --durations=15

bench: setup
	$(BIN)/python benchmarks/bench_validate.py
	$(BIN)/python benchmarks/bench_pii.py

# The fuzzer of tests/test_fuzz.py for much longer than `make test` runs it (40 examples).
FUZZ_EXAMPLES ?= 2000
fuzz: setup
	INFITAH_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q tests/test_fuzz.py

# The real CKAN killed after every one of a publish's calls (tests/test_ckan_crash.py;
# `make test` tries every 12th call and the last): about a minute and a half.
crash: setup
	INFITAH_CRASH_EVERY=1 $(BIN)/python -m pytest -q tests/test_ckan_crash.py

# Mutation testing (mutmut; pyproject's [tool.mutmut]): every mutant of the checks, the
# egress guard and the versioning rules against their fast tests (tests/test_rules.py),
# about a minute on 2 cores. Prints every surviving mutant and the score; fails under
# MUTATION_MIN percent killed. The survivors left are equivalent mutants (README).
MUTATION_MIN ?= 95
mutation: setup
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 > /dev/null
	$(BIN)/mutmut results
	$(BIN)/mutmut export-cicd-stats > /dev/null
	$(BIN)/python -c "import json, sys; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
		k, t = s['killed'] + s['timeout'], s['total']; \
		print(f'mutation score: {k}/{t} mutants killed ({100 * k / t:.1f} %)'); \
		sys.exit(100 * k < $(MUTATION_MIN) * t)"

portal:
	@bash portal/portal.sh up

portal-down:
	@bash portal/portal.sh down

orchestrate: setup
	@bash orchestration/orchestrate.sh up

orchestrate-down:
	@bash orchestration/orchestrate.sh down

clean:
	rm -rf $(VENV) .prefect catalog mutants .pytest_cache .mypy_cache .ruff_cache
