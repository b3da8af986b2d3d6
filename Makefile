# `make run` serves the demo on http://127.0.0.1:8000 (SQLite); `make test` runs ruff and pytest,
# the browser tests included when Chromium is at /usr/bin/chromium (apt-get install chromium).
# DATABASE_URL=postgres://postgres@127.0.0.1:5432/writeoffs switches both to PostgreSQL.

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The first Python >= 3.12 found: python3 (pyenv honours .python-version), python3.13,
# python3.12, then any pyenv-installed 3.12+.
FIND_PYTHON := for p in python3 python3.13 python3.12 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3; do \
	if "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
		command -v "$$p"; exit 0; fi; done; exit 1

.PHONY: run test lint format migrate clean bench bench-report

$(VENV)/.python:
	@python=$$($(FIND_PYTHON)) || { \
		echo "No Python 3.12 or newer found. Install one (e.g. 'pyenv install 3.12'," \
		     "or your system's python3.12 package with venv) and run make again." >&2; exit 1; }; \
	echo "Creating $(VENV) with $$python"; \
	"$$python" -m venv $(VENV) && echo "$$python" > $@

$(VENV)/.requirements: $(VENV)/.python requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.requirements-dev: $(VENV)/.requirements requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# axe-core, which the accessibility test injects into pages; npm is only needed for tests.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the accessibility test will skip (install Node.js and npm)"; fi

migrate: $(VENV)/.requirements
	$(PY) manage.py migrate --no-input

run: migrate
	$(PY) manage.py seed_demo
	@echo
	@echo "  Open http://$(HOST):$(PORT)/ and sign in as finance / finance-demo-only"
	@echo "  (or controller / controller-demo-only, who may reverse write-offs)"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/ as admin / admin-demo-only"
	@echo "  (demo passwords for this local copy only)"
	@echo
	@# One background worker for bulk write-offs beside the server, stopped with it.
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.requirements-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint node_modules/.package-lock.json
	$(VENV)/bin/pytest $(PYTEST_ARGS)

format: $(VENV)/.requirements-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The benchmark of the scale goals (README, "Benchmark"); not part of `make test` or CI. It needs
# PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/writeoffs_bench), wrk and
# Chromium, and installs the last two with apt-get when they are missing.
# BENCH_ARGS=--quick for a smoke run; BENCH_ARGS=--full also imports 100,000 invoices.
bench: $(VENV)/.requirements-dev
	@command -v wrk >/dev/null || { echo "wrk not found: installing it with apt-get"; \
		apt-get update -q && apt-get install -y -q wrk; }
	@command -v chromium >/dev/null || { echo "Chromium not found: installing it with apt-get"; \
		apt-get update -q && apt-get install -y -q chromium; }
	$(PY) -m bench $(BENCH_ARGS)

# The Write-Off Report at 10,000 and 1,000,000 memo items (README, "Write-Off Report"): page
# times and queries, the CSV's time and the server's peak memory. Needs PostgreSQL
# (BENCH_REPORT_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/writeoffs_report_bench;
# each size gets its own database, made and filled on the first run). Not part of `make test`.
# BENCH_REPORT_ARGS="--items 10000" for a quick run.
bench-report: $(VENV)/.requirements-dev
	$(PY) -m bench.write_off_report $(BENCH_REPORT_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache .ruff_cache .hypothesis
