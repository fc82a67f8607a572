# The two commands: `make run` and `make test`. Only Python >= 3.12 is needed on the machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The interpreter: $(PYTHON) if given, else the pyenv version named in .python-version,
# else the newest python3.1x on PATH that is at least 3.12.
PYTHON ?= $(shell \
  for c in "$$(pyenv which python 2>/dev/null)" \
           "$$(command -v pyenv >/dev/null && echo $$(pyenv root)/versions/$$(cat .python-version 2>/dev/null)*/bin/python 2>/dev/null | tr ' ' '\n' | tail -1)" \
           python3.14 python3.13 python3.12 python3; do \
    [ -n "$$c" ] || continue; \
    p=$$(command -v "$$c" 2>/dev/null) || continue; \
    "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$p"; break; }; \
  done)

.PHONY: run test test-dates lint venv var migrate seed messages clean lock audit a11y-report

# requirements*.txt name the direct dependencies (exact pins); requirements*.lock hold every
# package with its hashes (`make lock`), and only the locks are installed, hashes required.
$(STAMP): requirements.lock requirements-dev.lock
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer is needed (set PYTHON=/path/to/python3.12+)." >&2; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $(STAMP)

venv: $(STAMP)

var:
	@mkdir -p var/outbox var/celery/queue var/celery/processed var/celery/control var/cache

migrate: venv var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Serves http://127.0.0.1:8000 with a Celery worker and beat (the periodic jobs) beside it.
# Without DATABASE_URL / REDIS_URL: SQLite and the filesystem broker; email goes to var/outbox/.
run: seed
	@echo "Portal: http://127.0.0.1:8000/   Admin: http://127.0.0.1:8000/admin/   Outbox: var/outbox/"
	@trap 'kill 0' EXIT INT TERM; \
	$(VENV)/bin/celery -A config worker --beat --loglevel=INFO --concurrency=2 \
	  --schedule=var/celery/beat-schedule & \
	$(PY) manage.py runserver 127.0.0.1:8000

test: venv var
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The date-sensitive tests (marked `dates`) at each date that matters, one line per date
# (tests/run_dates.py; TEST_DATES="YYYY-MM-DD ..." for others). The suite runs on a clock of
# its own: `TEST_TODAY=YYYY-MM-DD make test` runs all of it at another date (tests/README.md).
test-dates: venv var
	$(PY) -m tests.run_dates $(PYTEST_ARGS)

# The accessibility page's results (docs/accessibility/results.json, shown at /accessibility/):
# runs every browser test and, when all pass, rewrites the report from what they checked.
a11y-report: venv var
	A11Y_REPORT=docs/accessibility/results.json $(VENV)/bin/pytest tests/browser -q -p no:cacheprovider

# lint-imports: the layers of the apps (pyproject.toml, [tool.importlinter]; docs/architecture.md).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

messages: venv
	$(PY) manage.py makemessages -l ja --no-obsolete --add-location file -i ".venv/*" -i "var/*"
	$(PY) manage.py compilemessages -i ".venv"

# After changing a pin in requirements*.txt: re-resolve and re-hash both lock files.
PIP_COMPILE = $(VENV)/bin/pip-compile --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-index-url --no-emit-find-links --quiet
lock:
	@[ -x $(VENV)/bin/pip-compile ] || $(PY) -m pip install --quiet pip-tools
	$(PIP_COMPILE) -o requirements.lock requirements.txt
	$(PIP_COMPILE) -o requirements-dev.lock requirements-dev.txt

# Known vulnerabilities in the locked dependencies (needs pypi.org's JSON API or api.osv.dev).
audit: venv
	$(PY) .ci/audit.py

clean:
	rm -rf $(VENV) var db.sqlite3
