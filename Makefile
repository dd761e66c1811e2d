# Quick start:  make run   (portal + worker + beat on SQLite, demo data loaded)
#               make test  (the whole test suite)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# The quick start's address: the web process listens on WEB_PORT and every printed URL and
# e-mail link starts with SITE_URL (`make run WEB_PORT=9000` moves both).
WEB_PORT ?= 8000
SITE_URL ?= http://127.0.0.1:$(WEB_PORT)

.PHONY: install run setup test lint messages

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: install
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py setup_portal

run: setup
	SITE_URL="$(SITE_URL)" WEB_PORT="$(WEB_PORT)" PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start

test: install
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

messages: install
	$(BIN)/python manage.py makemessages -l pt_BR --ignore=.venv --ignore=tests --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv
