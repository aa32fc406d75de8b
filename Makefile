# make run  — serve the portal with demo data on http://127.0.0.1:8000 (SQLite, no services;
#             PORT=8001 to serve elsewhere), the periodic jobs in the same process
# make test — the whole suite (ruff, mypy, pytest); PostgreSQL and Redis when DATABASE_URL
#             and REDIS_URL point to them, SQLite and in-process tasks otherwise
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: run test lint pytest install install-dev messages screens clean

$(RUNTIME): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e .
	touch $@

$(DEV): $(RUNTIME)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	touch $@

install: $(RUNTIME)
install-dev: $(DEV)

# make run PORT=8001 serves elsewhere; the links in emails follow.
PORT ?= 8000
run: export PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(RUNTIME)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: lint pytest

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

pytest: $(DEV)
	$(BIN)/python -m pytest

# A screenshot of every public, client and staff page per demo persona, 1280 and 390 px.
screens: $(DEV)
	$(BIN)/python tools/screens.py

messages: $(DEV)
	$(BIN)/python manage.py makemessages -l en --no-obsolete --ignore=.venv
	$(BIN)/python tools/french_plurals.py
	$(BIN)/python manage.py compilemessages -l en -l fr --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 .test-db.sqlite3 private-media staticfiles .cache screens
