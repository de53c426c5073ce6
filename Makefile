# The project's interface: the README names these targets and CI runs `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
# Everything the project needs comes from the lock file; uv never fetches a Python of its own.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export DAGSTER_HOME ?= $(CURDIR)/.dagster

SAMPLE_MONTHS ?= 2021-01..2021-10
SAMPLE_SCALE ?= 0.005
SAMPLE_AS_OF ?= 2021-06-15,2021-06-16,2021-06-17
SAMPLE_WEEK ?= 2021-06-14

.PHONY: help setup sample run test test-unit lint dev docs bench render clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# Installed compiled: every `ywtb` and Dagster process imports some thousand modules, and where
# Python may not write its bytecode cache (PYTHONDONTWRITEBYTECODE) it would compile them each time.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

# Dagster reads dbt's manifest when it loads the definitions; it is built here, never at import.
MANIFEST := dbt/target/manifest.json
DBT_SOURCES := $(shell find dbt/models dbt/seeds dbt/macros dbt/tests -type f 2>/dev/null) dbt/dbt_project.yml dbt/profiles.yml
$(MANIFEST): $(VENV)/.synced $(DBT_SOURCES)
	cd dbt && ../$(BIN)/dbt parse --quiet
	@touch $@

setup: $(VENV)/.synced $(MANIFEST) ## install the locked environment into .venv and prepare dbt
	@$(BIN)/python -m compileall -q dagster_project schemas
	@# The project's Dagster instance: no usage data sent, the faster event log (dagster_project/instance.py).
	@$(BIN)/python -m dagster_project.instance $(DAGSTER_HOME)

raw/.sample: | $(VENV)/.synced
	$(BIN)/ywtb sample --months $(SAMPLE_MONTHS) --scale $(SAMPLE_SCALE) --out raw
	@touch $@

# As-of deliveries of a few days of June for the daily monitoring (docs/monitoring.md).
raw/daily/.sample: | $(VENV)/.synced
	$(BIN)/ywtb sample --as-of $(SAMPLE_AS_OF) --scale $(SAMPLE_SCALE) --out raw
	@touch $@

sample: raw/.sample raw/daily/.sample ## generate the bundled sample months into raw/ (deterministic)

run: setup raw/.sample raw/daily/.sample ## materialize every sample month: warehouse, indicators, published copy
	$(BIN)/ywtb run --months $(SAMPLE_MONTHS)
	$(BIN)/ywtb monitor --as-of $(SAMPLE_AS_OF)
	$(BIN)/ywtb bulletin --week $(SAMPLE_WEEK)

test: setup lint ## run every test (lint, unit, integration)
	$(BIN)/pytest

test-unit: $(VENV)/.synced ## the quick loop: tests/unit only, no dbt parse, no pipeline run
	$(BIN)/pytest tests/unit

lint: $(VENV)/.synced ## ruff over the Python code, sqlfluff over the dbt SQL (.sqlfluff)
	$(BIN)/ruff check dagster_project schemas tests bench
	$(BIN)/ruff format --check dagster_project schemas tests bench
	@# The macros are linted where the models call them: a file of macro definitions renders to no SQL.
	$(BIN)/sqlfluff lint dbt/models dbt/tests

bench: setup ## a city, half and province month against bare DuckDB's floors, a year, ingest per column (BENCH_CASES=20000000 BENCH_RUNS=3): BENCHMARKS.md
	$(BIN)/python bench/run.py

dev: setup ## open the Dagster UI on the same definitions `make run` uses
	$(BIN)/ywtb months
	$(BIN)/dagster dev -m dagster_project.definitions

WAREHOUSE ?= $(CURDIR)/warehouse/ywtb.duckdb
docs: setup ## build the dbt documentation site (descriptions, lineage, columns) from the warehouse
	@test -f $(WAREHOUSE) || { echo "no warehouse at $(WAREHOUSE): run 'make run' first"; exit 1; }
	@# dbt opens the file for writing: queue behind a running pipeline through the writers' lock.
	cd dbt && YWTB_WAREHOUSE=$(WAREHOUSE) flock $(WAREHOUSE).lock ../$(BIN)/dbt docs generate --static --quiet
	@echo "open dbt/target/static_index.html"

MONTH ?= 2021-06
WEEK ?= $(SAMPLE_WEEK)
render: ## the month's 通报 and workbooks, and the week's 周通报, as PDF and PNG pages (MONTH=2021-06 WEEK=2021-06-14): out/<MONTH>/render/, out/weekly/<WEEK>/render/
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk poppler-utils; }
	@test -d out/$(MONTH) || { echo "no out/$(MONTH): run 'make run' first"; exit 1; }
	mkdir -p out/$(MONTH)/render
	soffice --headless --convert-to pdf --outdir out/$(MONTH)/render out/$(MONTH)/*.docx out/$(MONTH)/*.xlsx >/dev/null
	for pdf in out/$(MONTH)/render/*.pdf; do pdftoppm -png -r 60 "$$pdf" "$${pdf%.pdf}"; done
	@echo "open out/$(MONTH)/render/*.png"
	@if test -d out/weekly/$(WEEK); then \
		mkdir -p out/weekly/$(WEEK)/render && \
		soffice --headless --convert-to pdf --outdir out/weekly/$(WEEK)/render out/weekly/$(WEEK)/bulletin.docx >/dev/null && \
		for pdf in out/weekly/$(WEEK)/render/*.pdf; do pdftoppm -png -r 60 "$$pdf" "$${pdf%.pdf}"; done && \
		echo "open out/weekly/$(WEEK)/render/*.png"; \
	else echo "no out/weekly/$(WEEK): no bulletin rendered"; fi

clean: ## remove generated data, warehouse and exports (keeps .venv)
	rm -rf raw/20* raw/daily raw/.sample warehouse out dbt/target dbt/logs .dagster
