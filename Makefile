# Two commands matter: `make run` (the whole product on a simulated fleet) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SHELL := /bin/bash

.PHONY: run test demo lint audit install clean-run

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 'setuptools>=70'
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	source scripts/devenv.sh && scripts/ensure-db.sh && $(BIN)/carecast migrate && $(BIN)/carecast up

demo: install
	source scripts/devenv.sh && scripts/ensure-db.sh && $(BIN)/carecast migrate && $(BIN)/carecast demo --case

test: install
	source scripts/devenv.sh && $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy domain core ingest detection notify api simulators bench

# Offline dependency audit: ADVISORIES is a checkout of github.com/pypa/advisory-database or OSV's PyPI all.zip.
audit: install
	$(BIN)/python scripts/audit_deps.py $(ADVISORIES) --python $(BIN)/python

clean-run:
	rm -rf .run
