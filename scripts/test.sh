#!/usr/bin/env bash
# The whole check, as CI runs it: lint, types, import rules, the shipped model, then the test
# suite on SQLite and on PostgreSQL. Stops at the first failure with a non-zero exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
BIN=$VENV/bin
export PATH="$PWD/$BIN:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step "ruff"
ruff check src tests bench
ruff format --check src tests bench
step "mypy (strict on the core)"
mypy
step "import rules"
lint-imports
step "dependency audit (pip-audit against the vendored advisory snapshot; offline)"
python scripts/audit_dependencies.py
step "bandit (no high-severity finding)"
bandit -q -r src --severity-level high
step "shipped model"
diam model check models/radiology

# pytest exits 5 when it collects nothing; with `set -e` that fails the run, as it must.
step "tests on SQLite"
env -u DATABASE_URL pytest -n 2 --dist loadgroup -q "$@"
step "tests on PostgreSQL"
scripts/with-postgres.sh pytest -n 2 --dist loadgroup -q "$@"
