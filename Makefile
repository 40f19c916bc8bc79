# Two commands set everything up on a fresh machine with Python 3.11+:
#   make run    install, migrate, load the demo data, serve under gunicorn on 127.0.0.1:$(PORT)
#   make test   install and run the whole suite (ruff, mypy, pytest)
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
WORKERS ?= 2
THREADS ?= 4
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint audit clean-db messages

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

# The catalogues are compiled on every install (cheap); the .mo files are not committed.
install: $(STAMP)
	$(BIN)/pybabel -q compile -d webapp/translations

# For maintainers: extract the messages (babel.cfg), update both catalogues (Chinese filled in
# from the source, English left empty where new) and compile; lists what is left to translate.
messages: install
	$(BIN)/python -c 'from webapp.i18n import main; main()'

run: install
	$(BIN)/innomatch db upgrade
	$(BIN)/innomatch seed-demo
	# webapp/gunicorn_conf.py: threaded workers, keep-alive, access log without query strings,
	# matcher indexes warmed as each worker starts.
	$(BIN)/gunicorn -c python:webapp.gunicorn_conf --workers $(WORKERS) --threads $(THREADS) \
	  --bind 127.0.0.1:$(PORT) wsgi:app

# Security in lint: no high-severity bandit finding (the medium ones, B704 on escaped Markup,
# are reviewed); pip-audit on the locked versions, which says loudly when it cannot audit here.
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/bandit -q -r matcher models webapp --severity-level high --confidence-level low
	$(BIN)/python tools/audit_dependencies.py

# The dependency audit alone, failing when PyPI's vulnerability service cannot be used.
audit: install
	AUDIT_REQUIRED=1 $(BIN)/python tools/audit_dependencies.py

test: lint
	$(BIN)/python -m pytest

clean-db:
	rm -f instance/innomatch.db instance/innomatch.db-wal instance/innomatch.db-shm
