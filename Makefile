# Two commands set up a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint chat format clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	EHRENAMT_DEMO_LOG_LINKS=1 $(BIN)/ehrenamt run

chat: $(STAMP)
	$(BIN)/ehrenamt chat

# Browser tests need Debian's Chromium and axe-core; the script installs them when missing.
BROWSER_SETUP := tests/bots/web/install_browser.sh

test: $(STAMP)
	if [ -f $(BROWSER_SETUP) ]; then bash $(BROWSER_SETUP); fi
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m tests.perf.bench $(if $(QUICK),--quick,)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var/*.db
