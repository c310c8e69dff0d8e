# Two commands on a fresh machine: `make demo` and `make test`. Each builds .venv itself.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo bench fuzz lint typecheck clean

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

# The long profile of the hostile-request fuzz of the fake API (make test runs 2,000).
FUZZ_EXAMPLES ?= 50000
fuzz: $(STAMP)
	SPMKIT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -s -p no:cacheprovider \
		tests/fake/test_fuzz.py

clean:
	rm -rf $(VENV) reports .pytest_cache .mypy_cache .ruff_cache
