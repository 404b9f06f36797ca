# Two commands: `make run` brings the whole system up, `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

WEB    := web/dist/index.html
WEB_SRC := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/package-lock.json web/vite.config.ts

.PHONY: run test lint bench doctor clean web

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); \
	  else echo "python3 -m venv failed: install python3-venv (sudo apt-get install python3-venv)"; exit 1; fi; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

## Build the web UI (npm ci from web/package-lock.json, then vite build) into web/dist
$(WEB): $(STAMP) $(WEB_SRC)
	@scripts/web-build.sh

web: $(WEB)

## Start API + embedded Redis + workers on http://127.0.0.1:8000 (SQLite and files under ./var)
run: $(STAMP) $(WEB)
	@scripts/system-deps.sh run
	$(BIN)/mam serve

## Run every test (unit, integration, end to end); starts its own Redis, S3 API server and PostgreSQL
test: $(STAMP) $(WEB)
	@scripts/system-deps.sh test
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

doctor: $(STAMP)
	$(BIN)/mam doctor

bench: $(STAMP)
	@scripts/system-deps.sh test
	$(BIN)/python bench/media_pass.py
	$(BIN)/python bench/uploads.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/exports.py --repeats 1 --seconds 12
	$(BIN)/python bench/reframe.py --repeats 1 --seconds 60
	$(BIN)/python bench/finishing.py --repeats 3
	$(BIN)/python bench/auth.py --requests 2000

clean:
	rm -rf $(VENV) var .pytest_cache web/dist web/node_modules
