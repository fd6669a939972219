# Two commands do all set-up on a fresh Debian/Ubuntu machine:
#   make run    the platform with demo data on SQLite, at http://127.0.0.1:8000 (PORT to change)
#   make test   the whole suite, on SQLite and (when reachable) PostgreSQL
#   make demo-reset   the demo data from scratch (the SQLite database of make run)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test demo-reset system-deps translations i18n-update lint clean

run: system-deps $(VENV)/.runtime translations
	@scripts/run.sh

test: system-deps $(VENV)/.test translations
	@scripts/test.sh

# The demo from scratch (SQLite only): removes instance/app.db and loads the demo again.
demo-reset: $(VENV)/.runtime translations
	@scripts/demo-reset.sh

system-deps:
	@scripts/system-deps.sh

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.test: requirements.txt requirements-test.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements-test.txt
	@touch $@ $(VENV)/.runtime

translations: $(VENV)/.runtime
	@$(VENV)/bin/pybabel compile -d translations 2>&1 | grep -v "^compiling" || true

# After adding or changing strings: extract, merge, then translate translations/zh/.../messages.po.
i18n-update: $(VENV)/.runtime
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output \
		-o translations/messages.pot app
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) instance
