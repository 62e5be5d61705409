# The two set-up commands of the README are `make run` and `make test`; the rest are helpers.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench lint fix docs install clean audit-refresh audit-osv audit-extract

$(STAMP): pyproject.toml scripts/bootstrap.sh
	VENV=$(VENV) scripts/bootstrap.sh
	@touch $@

install: $(STAMP)

## Install what is missing, prepare the database and demo data, serve on http://127.0.0.1:8000
run: $(STAMP)
	VENV=$(VENV) scripts/run.sh

## Lint, type-check, and run the whole test suite on SQLite and PostgreSQL
test: $(STAMP)
	VENV=$(VENV) scripts/test.sh

## Print performance figures (see docs/benchmarks.md)
bench: $(STAMP)
	VENV=$(VENV) scripts/bench.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

fix: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

## Regenerate docs that are built from the model (a test fails when they are stale)
docs: $(STAMP)
	$(BIN)/python -m diam.docs

## Refresh the advisory snapshot that `make test` audits the pinned dependencies against (network)
audit-refresh: $(STAMP)
	$(BIN)/python scripts/audit_dependencies.py --refresh

## The same from a clone of an OSV advisory database, e.g. OSV=../advisory-database/vulns (see security/README.md)
OSV ?= ../advisory-database/vulns
SOURCE ?= pypa/advisory-database
audit-osv: $(STAMP)
	$(BIN)/python scripts/audit_dependencies.py --from-osv "$(OSV)" --source "$(SOURCE)"

clean:
	rm -rf $(VENV) data

## Rebuild the committed snapshot from the committed extract (after a pin changed; no network)
audit-extract: $(STAMP)
	$(BIN)/python scripts/audit_dependencies.py --from-osv security/osv-extract.json \
	  --source "pypa/advisory-database (stored copy, read through a search index; extract in security/osv-extract.json)" \
	  --coverage "$$(cat security/osv-extract-coverage.txt)"
