# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The PostgreSQL server the suite creates its own databases on (named after this one, then dropped).
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist): each one migrates a database of its own (tests/conftest.py).
TEST_WORKERS ?= 2

.PHONY: run test test-sqlite test-postgres lint format install migrate demo bench bench-smoke clean lock

# Installs exactly the versions (and files, by hash) of requirements-dev.lock; `make lock` renews the locks
# after a change to pyproject.toml (requirements.lock: what production runs, see the Dockerfile).
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Production's lock takes the development lock's versions: what the tests ran is what production runs.
LOCK := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet
lock: $(STAMP)
	$(LOCK) --extra demo --extra dev -o requirements-dev.lock
	$(LOCK) -c requirements-dev.lock -o requirements.lock

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/loyaltyhub migrate

# Never in production (LOYALTYHUB_ENV=prod): the demo's admin has a published password.
demo: migrate
	$(BIN)/loyaltyhub demo --if-empty --unless-prod

run: demo
	@$(BIN)/python -m loyaltyhub.devinfo http://$(HOST):$(PORT)
	$(BIN)/loyaltyhub serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Lint, then the whole suite on SQLite, then on PostgreSQL when one answers
# (LOYALTYHUB_REQUIRE_POSTGRES=1 turns a missing PostgreSQL into a failure, as in CI).
test: lint test-sqlite test-postgres

test-sqlite: $(STAMP)
	@echo "== test suite on SQLite =="
	LOYALTYHUB_TEST_DATABASE_URL=sqlite $(BIN)/pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@if $(BIN)/python -m loyaltyhub.db.ping "$(PG_TEST_URL)"; then \
		echo "== test suite on PostgreSQL =="; \
		LOYALTYHUB_TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS); \
	elif [ "$(LOYALTYHUB_REQUIRE_POSTGRES)" = "1" ]; then \
		echo "PostgreSQL at $(PG_TEST_URL) is required but does not answer"; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $(PG_TEST_URL): suite ran on SQLite only =="; \
	fi

bench: $(STAMP)
	$(BIN)/python -m bench

# Every benchmark's smoke mode (tiny data, answers checked, nothing written) on PostgreSQL (databases
# named after $(PG_TEST_URL)'s, dropped afterwards) and on SQLite where the benchmark supports it;
# fails past BENCH_SMOKE_BUDGET seconds in total. 240 s: the smoke runs took 110-146 s on a quiet 2-core machine
# once every domain had one (150 s left no margin); with `make test` (~16 min) CI stays well under 30 minutes.
BENCH_SMOKE_BUDGET ?= 240
bench-smoke: $(STAMP)
	$(BIN)/python -m bench --smoke --database-url "$(PG_TEST_URL)" --budget $(BENCH_SMOKE_BUDGET)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
