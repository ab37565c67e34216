# Two commands for a newcomer (see README):
#   make run    install the app and serve the map on the shipped data
#   make test   install what the tests need (Chromium, CJK fonts, Playwright) and run them
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run serve-production test install install-test system-deps lint validate clean bench-lighthouse

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.installed

# Lighthouse lives in its own npm folder so the app's `npm ci` never depends on it.
bench/lighthouse-npm/node_modules/.installed: bench/lighthouse-npm/package.json bench/lighthouse-npm/package-lock.json
	cd bench/lighthouse-npm && (npm ci --no-audit --no-fund || npm install --no-audit --no-fund)
	touch $@

bench-lighthouse: install-test bench/lighthouse-npm/node_modules/.installed
	$(BIN)/python bench/lighthouse.py

install-test: install $(VENV)/.installed-test system-deps

system-deps:
	scripts/install-system-deps

run: install
	$(BIN)/webmap validate
	$(BIN)/webmap serve --host $(HOST) --port $(PORT)

# nginx in front of gunicorn, in the foreground (README "Production"); Ctrl-C stops both.
serve-production: install
	$(BIN)/webmap validate
	PYTHON=$(BIN)/python $(BIN)/python scripts/serve-production --host $(HOST) --port $(PORT)

validate: install
	$(BIN)/webmap validate

test: install-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	# Not instance/webmap.sqlite3: it holds the stewards' edits (see docs/stewardship.md).
	rm -rf $(VENV) node_modules instance/cache test-artifacts
