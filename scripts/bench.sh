#!/usr/bin/env bash
# `make bench`: every benchmark script under bench/, each printing its figures.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
for script in bench/bench_*.py; do
  echo "==> $script"
  "$BIN/python" "$script"
done
