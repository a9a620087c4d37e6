# ClusterCase: `make run` serves the app on SQLite with demo data; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run migrate seed test test-pg lint typecheck check-migrations bench clean

# Debian packages the PDF reports need: HarfBuzz's subsetter (without it every render warns and
# runs ~25% slower) and the fonts the report stylesheet names. Installed when run as root;
# otherwise the command to run is printed. Chromium drives the browser tests (tests/web/browser).
SYSTEM_PACKAGES := libharfbuzz-subset0 fonts-liberation2 fonts-dejavu-core chromium

# The application's dependencies, pinned (docs/dependencies.md): `make install` installs
# exactly these; `make lock` computes them again from pyproject.toml's ranges.
LOCK := requirements.lock

$(STAMP): pyproject.toml $(LOCK)
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else echo "warning: reports need: sudo apt-get install $$missing" >&2; fi; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Pin the dependencies again after a change to pyproject.toml (newest versions in its ranges,
# for every platform, Python 3.11 and later); commit requirements.lock with the change.
.PHONY: lock
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
	  --quiet -o $(LOCK)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/clustercase db upgrade

seed: migrate
	$(BIN)/clustercase seed demo --if-empty

run: seed
	@echo
	@echo "ClusterCase is starting on http://$(HOST):$(PORT)"
	@echo "  Open http://$(HOST):$(PORT)/ in a browser and sign in with one of the logins below"
	@echo "  API docs (try every endpoint): http://$(HOST):$(PORT)/docs"
	@echo "  Database: $${CLUSTERCASE_DATABASE_URL:-sqlite:///./clustercase.db}"
	@echo "  Logins (the web sign-in, or POST /api/v1/auth/token / Authorize in /docs):"
	@$(BIN)/clustercase seed logins | sed 's/^/  /'
	@echo
	$(BIN)/clustercase serve --host $(HOST) --port $(PORT)

# The suite on SQLite, browser tests included; the tests that move data into PostgreSQL
# (marker `postgres`) run in test-pg, so that this needs no PostgreSQL server.
test: $(STAMP)
	$(BIN)/pytest -m "not postgres"

# The browser tests (tests/web/browser) serve a SQLite demo database of their own whatever the
# suite's database is: they run once, in `make test`.
test-pg: $(STAMP)
	CLUSTERCASE_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -m "not browser"

lint: $(STAMP)
	$(BIN)/ruff check app tests bench migrations scripts
	$(BIN)/ruff format --check app tests bench migrations scripts

typecheck: $(STAMP)
	$(BIN)/mypy app

# The migrations against the models (tests/models/test_migrations.py: upgrade, downgrade to
# base, upgrade again; `alembic check` finds nothing to generate; every revision has a real
# downgrade), on SQLite and on PostgreSQL (PG_TEST_URL).
check-migrations: $(STAMP)
	$(BIN)/pytest -q tests/models/test_migrations.py
	CLUSTERCASE_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q tests/models/test_migrations.py

# API benchmarks (bench/README.md), about 4 minutes: list/healthz on SQLite and PostgreSQL, mixed
# load, writer isolation; a summary of every figure and goal at the end. BENCH_PG_URL names a
# PostgreSQL database (created if missing, dropped and rebuilt) whose name has "bench".
BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/clustercase_bench
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/suite.py --pg-url $(BENCH_PG_URL)

.PHONY: bench-reports
bench-reports: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/report_render.py

# Statistics import (docs/statistics-import.md): observations/s and peak RSS on SQLite and on
# PostgreSQL (STAT_BENCH_URL, created if missing, name with "bench"), then a 100 MB file for memory.
STAT_BENCH_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/stat_bench
.PHONY: bench-statistics
bench-statistics: $(STAMP)
	$(BIN)/python bench/statistics_import.py --pg-url $(STAT_BENCH_URL) --big-mb 100

# Needs PostgreSQL: PORTFOLIO_BENCH_URL names a database (created if missing) whose name has "bench".
PORTFOLIO_BENCH_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/portfolio_bench
.PHONY: bench-portfolio
bench-portfolio: $(STAMP)
	$(BIN)/python bench/portfolio.py --database-url $(PORTFOLIO_BENCH_URL)

# A region's profile and peers with 300 regions x 60 indicators x 15 years (docs/statistics-analysis.md),
# about a minute: PROFILE_BENCH_URL names a PostgreSQL database (created if missing) whose name has "bench".
PROFILE_BENCH_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/profile_bench
.PHONY: bench-profile
bench-profile: $(STAMP)
	$(BIN)/python bench/region_profile.py --pg-url $(PROFILE_BENCH_URL)

# Web pages under load (bench/README.md, "Web pages"), about 10 minutes: on SQLite with the demo
# data and 1,000 synthetic engagements, the overview and the list (the consultant, 16
# connections), the portfolio (the monitor, 8) and the portal (the Wallonia officer, 16), the
# overview's HTML and asset weights and their cache headers; then the portfolio on PostgreSQL
# with 10,000 engagements (WEB_BENCH_PG_URL: a database whose name has "bench", rebuilt).
WEB_BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/web_bench
.PHONY: bench-web
bench-web: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/web.py; sqlite=$$?; \
	$(BIN)/python bench/web.py --database-url $(WEB_BENCH_PG_URL) --engagements 10000 \
	  --pages portfolio --figures bench/out/web_pg.json; pg=$$?; \
	exit $$(( sqlite > pg ? sqlite : pg ))

# PNGs of the main pages (docs/screenshots/, shown in the README and docs/pages.md), taken by
# Debian's Chromium on a new demo database.
.PHONY: screenshots
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache bench/out
