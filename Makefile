# Two commands matter: `make run` (the whole product on a simulated fleet) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SHELL := /bin/bash

.PHONY: run test demo lint audit install lock clean-run

# Hash-checked lock files made by `make lock` from pyproject.toml, for CPython 3.11 on Linux x86_64:
# requirements.lock (runtime: the Docker image), requirements-dev.lock (runtime + dev + the build backend: make,
# CI), requirements-build.lock (the build backend alone: the image's build stage).
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
BUILD_LOCK := requirements-build.lock
PIP_TOOLS := pip-tools==7.7.0

# The project itself goes in without dependencies and without build isolation: everything comes from the lock.
$(BIN)/.installed: pyproject.toml $(DEV_LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r $(DEV_LOCK)
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $@

install: $(BIN)/.installed

# Re-resolve after editing pyproject.toml's dependencies: existing pins are kept where they still fit; add
# LOCK_ARGS=--upgrade (or --upgrade-package NAME) to move them. Resolved against PyPI alone, whatever pip
# configuration this machine has (a local mirror's own builds would carry hashes PyPI does not serve).
PIP_COMPILE = env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null \
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	--index-url https://pypi.org/simple $(LOCK_ARGS)
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c 'import platform, sys; assert sys.version_info[:2] == (3, 11) and sys.platform == "linux" \
	  and platform.machine() == "x86_64", "make lock: the locks are for CPython 3.11 on Linux x86_64; run it there"'
	$(BIN)/pip install -q '$(PIP_TOOLS)'
	$(PIP_COMPILE) -o $(LOCK) pyproject.toml
	$(PIP_COMPILE) --extra dev --all-build-deps -c $(LOCK) -o $(DEV_LOCK) pyproject.toml
	$(PIP_COMPILE) --all-build-deps --only-build-deps -c $(DEV_LOCK) -o $(BUILD_LOCK) pyproject.toml

run: install
	source scripts/devenv.sh && scripts/ensure-db.sh && $(BIN)/carecast migrate && $(BIN)/carecast up

demo: install
	source scripts/devenv.sh && scripts/ensure-db.sh && $(BIN)/carecast migrate && $(BIN)/carecast demo --case

# The suite runs on one pytest-xdist worker per core, a test file per worker at a time (a file's tests share their
# module-scoped servers); PYTEST_ARGS="-p no:xdist tests/api" runs serially, or picks files.
PYTEST_ARGS ?= -n auto --dist loadfile
test: install
	source scripts/devenv.sh && $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy domain core ingest detection notify api simulators bench

# Offline dependency audit: ADVISORIES is a checkout of github.com/pypa/advisory-database or OSV's PyPI all.zip.
audit: install
	$(BIN)/python scripts/audit_deps.py $(ADVISORIES) --python $(BIN)/python

clean-run:
	rm -rf .run
