#!/usr/bin/env bash
# `make bench`: every benchmark script under bench/, each printing its figures. Database-backed
# benchmarks use PostgreSQL (the local server, or a throwaway one; see with-postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
for script in bench/bench_*.py; do
  echo "==> $script"
  scripts/with-postgres.sh "$BIN/python" "$script"
  echo
done
