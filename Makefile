# MonQuartier. `make demo` runs the demo, `make test` runs every check CI runs.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
# The demo always runs on its own SQLite file, whatever DATABASE_URL says.
DEMO_ENV := DJANGO_ENV=development DEBUG=1 DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3

.PHONY: install demo run worker scheduler test check lint format security browser espeak gettext nginx messages makemessages lock bench clean api-schema

$(VENV)/.installed: requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) pip sync --quiet --python $(PY) --require-hashes requirements.lock
	touch $@

install: $(VENV)/.installed messages espeak

messages: $(VENV)/.installed
	$(PY) manage.py compile_translations

demo: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py load_demo_data
	$(DEMO_ENV) $(PY) manage.py run_demo

run: install
	$(DEMO_ENV) $(PY) manage.py runserver

worker: install
	$(DEMO_ENV) $(PY) manage.py db_worker

scheduler: install
	$(DEMO_ENV) $(PY) manage.py run_scheduler

# Debian's Chromium drives the browser tests (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Chromium first: sudo apt-get install -y chromium"; exit 1; fi; }

# espeak-ng synthesises the voice alerts' audio (outbox/voice/audio.py), in the worker and
# in the tests of the calls.
espeak:
	@command -v espeak-ng >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq espeak-ng >/dev/null; \
	  else echo "Install espeak-ng first: sudo apt-get install -y espeak-ng"; exit 1; fi; }

# GNU gettext: `make makemessages` and the test that every string has its English translation.
gettext:
	@command -v xgettext >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq gettext >/dev/null; \
	  else echo "Install gettext first: sudo apt-get install -y gettext"; exit 1; fi; }

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

# Bandit fails on a HIGH finding (lower ones are fixed or marked `# nosec` with a reason);
# the dependency audit fails on a vulnerability not explained in security/known_vulnerabilities.txt.
security: $(VENV)/.installed
	$(VENV)/bin/bandit -c pyproject.toml -r monquartier --severity-level high
	$(PY) -m security.audit_dependencies

# The suite runs on every core with pytest-xdist (each worker has its own test database,
# live server and Chromium); PYTEST_WORKERS=0 runs it in this one process.
PYTEST_WORKERS ?= auto

test: install browser espeak gettext lint check security
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

makemessages: $(VENV)/.installed gettext
	$(PY) manage.py makemessages --all --no-obsolete --no-location --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=tests

# Debian's nginx, with docs/deployment.md's configuration, in front of the benchmarks' gunicorn.
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nginx >/dev/null; \
	  else echo "Install nginx first: sudo apt-get install -y nginx"; exit 1; fi; }

# Benchmarks run on PostgreSQL (BENCH_DATABASE_URL, default: the local server); the page-weight one drives Chromium through nginx.
bench: install browser nginx
	$(PY) bench/run.py $(BENCH_ARGS)

# The API's OpenAPI schema, checked in: a change to the API is a visible diff.
api-schema: $(VENV)/.installed
	$(PY) manage.py api_schema

lock: $(VENV)/.installed
	$(UV) pip compile pyproject.toml --extra dev --generate-hashes --quiet -o requirements.lock

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
	find locale -name '*.mo' -delete
