#!/usr/bin/env bash
# `make run`: until the web app lands, score the bundled example with the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
"$BIN/diam" model check models/radiology
"$BIN/diam" example -o /tmp/diam-example.json
"$BIN/diam" score /tmp/diam-example.json
