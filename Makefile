# lockgate: the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PROFILE ?= local
RUN_DATE ?= 2026-11-20
DOCS ?= 10000
VENV := $(CURDIR)/.venv

export LOCKGATE_HOME ?= $(CURDIR)/.lockgate
export LOCKGATE_PROFILE := $(PROFILE)
export PATH := $(VENV)/bin:$(PATH)
export PYSPARK_PYTHON := $(VENV)/bin/python
export PYSPARK_DRIVER_PYTHON := $(VENV)/bin/python

.PHONY: help install demo ui test test-unit test-cluster eval-extraction bench-extract bench lint lock clean cluster-up cluster-down cluster-status

help:
	@echo "make demo   - install, generate a corpus and run the pipeline DAG through Airflow"
	@echo "make test   - install and run the whole test suite"
	@echo "make ui     - start the Airflow UI (airflow standalone) on http://localhost:8080 (make ui PORT=8181: another port)"
	@echo "make cluster-up / cluster-down / cluster-status - HDFS, YARN, PostgreSQL and MLflow on this host"
	@echo "make demo PROFILE=yarn - the same pipeline on the cluster (after make cluster-up)"
	@echo "make eval-extraction - precision/recall/F1 per field: a 20,000-document generated corpus, and 814 real files (167 labelled by hand)"
	@echo "make bench-extract   - lockgate's extractor vs Presidio's AnalyzerEngine, same documents"
	@echo "make bench  - performance: scoring vs mlflow spark_udf vs a predict_proba loop, the pipeline at 10k/100k/1M documents, DAG parse times"
	@echo "make lint   - ruff"
	@echo "make lock   - re-resolve constraints.txt from pyproject.toml"

$(VENV)/.installed: pyproject.toml constraints.txt infra/bootstrap.sh infra/datadocs/package-lock.json
	infra/bootstrap.sh

# Every JVM Spark starts from the venv (a spark-submit typed by hand too) gets the local
# profile's settings: lockgate.spark.install_local_defaults.
$(VENV)/.spark-defaults: $(VENV)/.installed infra/profiles/local.toml
	$(VENV)/bin/python -c "from lockgate.spark import install_local_defaults; print('spark defaults:', install_local_defaults())"
	touch $@

install: $(VENV)/.installed $(VENV)/.spark-defaults

demo: install
	lockgate demo --run-date $(RUN_DATE) --documents $(DOCS)

PORT ?= 8080

ui: install
	AIRFLOW__API__PORT=$(PORT) lockgate airflow standalone

# The suite's homes share one cache of generated corpora and the trained name model
# (lockgate/storage/cache.py), emptied first so that every run, like a new machine's, builds
# them once.
test: install
	rm -rf .lockgate/test-cache
	LOCKGATE_CACHE=$(CURDIR)/.lockgate/test-cache python -m pytest -n 2 --dist loadgroup -ra --durations=30

test-unit: install
	python -m pytest -ra tests/unit tests/dags

test-cluster: install
	python -m pytest -ra tests/cluster

EVAL_DOCS ?= 20000
BENCH_DOCS ?= 2000

eval-extraction: install
	lockgate eval-extraction --documents $(EVAL_DOCS)

bench-extract: install
	lockgate bench-extract --documents $(BENCH_DOCS)

BENCH_SIZES ?= 10000,100000,1000000
SCORE_ROWS ?= 500000

# The local profile's figures; then, when the cluster is up (make cluster-up and
# make demo PROFILE=yarn), the yarn profile's: scoring on YARN executors, extraction, DAG parsing.
bench: install
	LOCKGATE_PROFILE=local lockgate bench --sizes $(BENCH_SIZES) --score-rows $(SCORE_ROWS)
	@if infra/hadoop/cluster status >/dev/null 2>&1; then \
		LOCKGATE_PROFILE=yarn lockgate bench --score-rows $(SCORE_ROWS); \
	else \
		echo "make bench: the cluster is not up (make cluster-up), so no yarn-profile figures"; \
	fi

# The yarn profile's services, in start order; cluster-down stops them in reverse.
cluster-up: install
	infra/postgres/postgres start
	infra/hadoop/cluster start
	infra/mlflow/server start
	LOCKGATE_PROFILE=yarn lockgate cluster publish

cluster-down:
	-infra/mlflow/server stop
	-infra/hadoop/cluster stop
	-infra/postgres/postgres stop

cluster-status:
	-infra/hadoop/cluster status
	-infra/postgres/postgres status
	-infra/mlflow/server status

lint: install
	ruff check lockgate dags jobs tests plugins
	ruff format --check lockgate dags jobs tests plugins
	lint-imports

lock:
	infra/lock.sh

clean: cluster-down
	-[ ! -x $(VENV)/bin/lockgate ] || LOCKGATE_PROFILE=local $(VENV)/bin/lockgate spark-server stop
	rm -rf $(LOCKGATE_HOME)
