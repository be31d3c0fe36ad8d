# The few commands a person types. Each sets itself up from nothing first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo test run bench lint postgres clean

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
test: setup postgres
	$(PY) -m pytest

## run: the real thing, against the live sources in sources.toml.
run: setup
	$(VENV)/bin/toolscout crawl --all

bench: setup
	$(PY) bench/normalize.py

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

## postgres: install the server binaries from the system's packages if they are missing.
postgres:
	@sh scripts/ensure-postgres.sh

clean:
	rm -rf $(VENV) toolscout.db toolscout.db-* .pytest_cache
