# Two commands on a fresh machine: `make demo` and `make test`. Each builds .venv itself.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo bench lint typecheck clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[testing,serve,dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check $(wildcard spmkit spmkit_testing tests benchmarks examples scenarios)

typecheck: $(STAMP)
	$(BIN)/mypy --strict spmkit spmkit_testing

test: lint typecheck
	$(BIN)/pytest -n auto -q

demo: $(STAMP)
	$(BIN)/spmkit demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) reports .pytest_cache .mypy_cache .ruff_cache
