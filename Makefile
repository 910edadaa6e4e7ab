# Two commands for a newcomer: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export UV_PYTHON := $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test lint format install install-dev system-packages migrate demo clean bench

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen --no-dev

install-dev: $(UV)
	$(UV) sync --frozen

# Debian packages the suite needs (browser, PDF tools, clamd); present ones are skipped.
system-packages:
	bash scripts/install-system-packages

# The embedded demo: SQLite under var/, Celery eager, mail to var/mail/, test-mode payments.
run: export DJANGO_DEBUG := true
run: install
	mkdir -p var/mail
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The whole suite against real PostgreSQL and Redis (settings in tests/test.env).
test: export DJANGO_ENV_FILE := tests/test.env
test: system-packages install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	DATABASE_URL=sqlite:// $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

# Scale benchmark (bench/README.md): seeds HOLDERS holders into its own PostgreSQL database
# (reused when already seeded at that size; RESEED=1 seeds again), runs the portal under
# gunicorn on 127.0.0.1 and writes bench/results.json and bench/results.md.
HOLDERS ?= 100000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/renewal_bench
bench: install-dev
	command -v wrk >/dev/null || apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk) || echo "wrk is not installable here: bench/loadgen.py generates the load"
	dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || echo "libharfbuzz-subset0 is missing (.ci/run installs it): PDF renders will be slow"
	$(BIN)/python bench/run.py --holders $(HOLDERS) --database-url $(BENCH_DATABASE_URL) $(if $(RESEED),--reseed)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .tools var/portal.sqlite3 var/staticfiles .pytest_cache
