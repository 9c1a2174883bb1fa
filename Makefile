# The few commands people need. `make run` and `make test` install what is missing on first use.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

export RAY_USAGE_STATS_ENABLED ?= 0
export EVENTBOOK_VAR_DIR ?= $(CURDIR)/var

.PHONY: install run status test check lint typecheck unit integration e2e clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)  ## create the virtualenv and install the project with its dev tools

run: $(STAMP)  ## start the platform on http://localhost:8000 (embedded SQLite and demo data unless configured)
	$(BIN)/serve run serve_config.yaml

status: $(STAMP)  ## what Serve runs, deployment by deployment (Ray keeps its dashboard token in ~/.ray)
	RAY_AUTH_MODE=token $(BIN)/serve status

test: check  ## the whole suite, as CI runs it
	$(BIN)/pytest -q -p no:cacheprovider

check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit tests/http

integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/pytest -q tests/e2e

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
