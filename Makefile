# The few commands a person types. Each sets itself up from nothing first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# The normalizers compiled with mypyc (setup.py, normalize/native.py), rebuilt when a source
# changes. A failed compile falls back to the Python sources; `make test` and `make bench`
# require the compiled build (TOOLSCOUT_NATIVE=require), so CI measures and tests what runs.
NATIVE := normalize/native.json
NATIVE_SOURCES := $(filter-out normalize/__init__.py normalize/native.py,$(wildcard normalize/*.py))

.PHONY: setup native demo test run bench lint postgres chromium clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# A fresh install has compiled them already (pip runs setup.py): then nothing is redone.
$(NATIVE): $(NATIVE_SOURCES) setup.py | $(STAMP)
	$(PY) -c 'from normalize import native; exit(not native.build_current())' 2>/dev/null \
	  || $(PY) setup.py --quiet build_ext --inplace

## native: compile the normalizers again after an edit (the sources run until then).
native: $(NATIVE)

## demo: the replay server on the bundled fixtures, a crawl into ./toolscout.db, the queue.
demo: setup native
	$(VENV)/bin/toolscout demo --once

## test: the whole suite, with a real PostgreSQL server started by the tests themselves, on
## the compiled normalizers; then the normalizer tests again on their Python sources.
test: export TOOLSCOUT_NATIVE = require
test: setup native postgres chromium
	TOOLSCOUT_EXPECT_NATIVE=1 $(PY) -m pytest
	TOOLSCOUT_PURE_PYTHON=1 $(PY) -m pytest -q tests/normalize tests/test_names.py

## run: the real thing, against the live sources in sources.toml.
run: setup native
	$(VENV)/bin/toolscout crawl --all

$(VENV)/.bench-stamp: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

## bench: every script in bench/ (make_catalog.py and _*.py are their helpers). Sizes of the
## backfill: BENCH_SIZES=10000,100000,1000000; seconds per toolscout run: BENCH_BUDGET=3600.
bench: export TOOLSCOUT_NATIVE = require
bench: $(VENV)/.bench-stamp native postgres
	@set -e; for script in bench/*.py; do \
	  case "$$script" in bench/_*|bench/make_catalog.py) continue;; esac; \
	  echo "== $$script"; $(PY) "$$script"; \
	done

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

## postgres: install the server binaries from the system's packages if they are missing.
postgres:
	@sh scripts/ensure-postgres.sh

## chromium: the system's Chromium for the browser tests (Playwright never downloads one).
chromium:
	@sh scripts/ensure-chromium.sh

clean:
	rm -rf $(VENV) toolscout.db toolscout.db-* .pytest_cache build $(NATIVE)
	rm -f normalize/*.so normalize__mypyc.*.so
