# Two commands on a fresh machine: `make demo` and `make test`. Each builds .venv itself.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo bench fuzz lint typecheck examples conformance conformance-two-workers clean

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The distribution is spmkit-shopimind; a venv from before the rename has it as spmkit.
	$(BIN)/python -m pip uninstall --quiet --yes spmkit 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -e '.[testing,serve,dev]' hatchling
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check $(wildcard spmkit spmkit_testing tests benchmarks examples scenarios)
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy --strict spmkit spmkit_testing benchmarks examples/acme_crm/src
	MYPYPATH=examples/acme_crm/src $(BIN)/mypy --explicit-package-bases tests

# The example integration is tested as a third party would: built, installed (not
# editable) next to spmkit-shopimind, and tested from its own folder with its own configuration:
# its own tests, its adapter against the cassette of its partner's API (check-adapter: exit
# 2 on drift), then the conformance suite (serial and on two xdist workers).
examples: $(STAMP)
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps --no-build-isolation ./examples/acme_crm
	cd examples/acme_crm && ../../$(BIN)/pytest -q -p no:cacheprovider
	cd examples/acme_crm && ../../$(BIN)/spmkit check-adapter --adapter acme_crm.testing:adapter \
		--cassette tests/cassettes > /dev/null
	$(MAKE) --no-print-directory conformance conformance-two-workers

# The conformance suite on the example, as its CI would run it: serial and on two workers
# (the property run's shards spread over both), one after the other.
conformance conformance-two-workers: $(STAMP)
	cd examples/acme_crm && ../../$(BIN)/pytest -q -p no:cacheprovider \
		$(if $(findstring two,$@),-n 2) --spmkit-conformance

test: lint typecheck
	$(BIN)/pytest -n auto --dist worksteal -q
	$(MAKE) --no-print-directory examples

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
