# Two commands set up a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint chat format clean rasa rasa-env

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,rasa]'
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

# Rasa 3.6 in its own virtualenv (it pins SQLAlchemy 1.4, APScheduler 3.9, numpy 1.23):
# see deploy/README.md for what is pinned and why. Idempotent: a stamp file per
# requirements file, and a model is retrained only when its training data changed.
RASA_VENV := .venv-rasa
RASA_BIN := $(RASA_VENV)/bin
RASA_REQ := deploy/rasa/requirements-py311.txt
RASA_STAMP := $(RASA_VENV)/.installed
RASA_VERSION := 3.6.21
RASA_NO_EXT := MULTIDICT_NO_EXTENSIONS=1 YARL_NO_EXTENSIONS=1 FROZENLIST_NO_EXTENSIONS=1 AIOHTTP_NO_EXTENSIONS=1
RASA_BINARY := numpy,scipy,scikit-learn,tensorflow,tensorflow-text,matplotlib,regex,pydantic

$(RASA_STAMP): $(RASA_REQ)
	test -d $(RASA_VENV) || $(PY) -m venv $(RASA_VENV)
	$(RASA_NO_EXT) $(RASA_BIN)/pip install --quiet --ignore-requires-python --prefer-binary \
	  --only-binary $(RASA_BINARY) -r $(RASA_REQ)
	$(RASA_BIN)/pip install --quiet --no-deps --ignore-requires-python rasa==$(RASA_VERSION)
	$(RASA_BIN)/rasa --version
	touch $(RASA_STAMP)

rasa-env: $(RASA_STAMP)

# One NLU model per language, trained on a project exported from data/ at this moment.
rasa: $(STAMP) $(RASA_STAMP)
	$(BIN)/ehrenamt rasa train --out var/rasa

clean:
	rm -rf $(VENV) $(RASA_VENV) var/*.db var/rasa
