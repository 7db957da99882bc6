# lockgate: the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PROFILE ?= local
RUN_DATE ?= 2026-11-20
DOCS ?= 600
VENV := $(CURDIR)/.venv

export LOCKGATE_HOME ?= $(CURDIR)/.lockgate
export LOCKGATE_PROFILE := $(PROFILE)
export PATH := $(VENV)/bin:$(PATH)
export PYSPARK_PYTHON := $(VENV)/bin/python
export PYSPARK_DRIVER_PYTHON := $(VENV)/bin/python

.PHONY: help install demo ui test test-unit lint lock clean

help:
	@echo "make demo   - install, generate a corpus and run the pipeline DAG through Airflow"
	@echo "make test   - install and run the whole test suite"
	@echo "make ui     - start the Airflow UI (airflow standalone) on http://localhost:8080"
	@echo "make lint   - ruff"
	@echo "make lock   - re-resolve constraints.txt from pyproject.toml"

$(VENV)/.installed: pyproject.toml constraints.txt infra/bootstrap.sh
	infra/bootstrap.sh

install: $(VENV)/.installed

demo: install
	lockgate demo --run-date $(RUN_DATE) --documents $(DOCS)

ui: install
	lockgate airflow standalone

test: install
	python -m pytest -ra

test-unit: install
	python -m pytest -ra tests/unit tests/dags

lint: install
	ruff check lockgate dags jobs tests plugins
	ruff format --check lockgate dags jobs tests plugins

lock:
	infra/lock.sh

clean:
	rm -rf $(LOCKGATE_HOME)
