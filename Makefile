# The few commands a person types. Each sets itself up from nothing first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo test run bench lint postgres chromium clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## demo: the replay server on the bundled fixtures, a crawl into ./toolscout.db, the queue.
demo: setup
	$(VENV)/bin/toolscout demo --once

## test: the whole suite, with a real PostgreSQL server started by the tests themselves.
test: setup postgres chromium
	$(PY) -m pytest

## run: the real thing, against the live sources in sources.toml.
run: setup
	$(VENV)/bin/toolscout crawl --all

$(VENV)/.bench-stamp: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

## bench: every script in bench/ (make_catalog.py and _*.py are their helpers). Sizes of the
## backfill: BENCH_SIZES=10000,100000,1000000; seconds per toolscout run: BENCH_BUDGET=3600.
bench: $(VENV)/.bench-stamp postgres
	@set -e; for script in bench/*.py; do \
	  case "$$script" in bench/_*|bench/make_catalog.py) continue;; esac; \
	  echo "== $$script"; $(PY) "$$script"; \
	done

## lint: ruff, and the package boundaries (import-linter contracts in pyproject.toml), which
## the suite runs too (tests/test_import_contracts.py).
lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports

## postgres: install the server binaries from the system's packages if they are missing.
postgres:
	@sh scripts/ensure-postgres.sh

## chromium: the system's Chromium for the browser tests (Playwright never downloads one).
chromium:
	@sh scripts/ensure-chromium.sh

clean:
	rm -rf $(VENV) toolscout.db toolscout.db-* .pytest_cache build
