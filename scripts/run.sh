#!/usr/bin/env bash
# `make run`: prepare the database (SQLite in ./data unless DATABASE_URL is set), load the model's
# demo data, start the background worker (report files) and serve the development server on
# http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
export DIAM_DEBUG=${DIAM_DEBUG:-1}
# Demo figures are shown only in demo mode (labelled); a real deployment leaves it off.
export DIAM_DEMO_MODE=${DIAM_DEMO_MODE:-1}
mkdir -p data

"$BIN/diam" model check models/radiology
"$BIN/python" manage.py migrate --noinput -v0
# A development key that signs validation credentials (data/keys, never the repository).
"$BIN/diam" key create --if-missing
"$BIN/diam" demo --organisations "${DIAM_DEMO_ORGANISATIONS:-300}" | tee data/demo-logins.txt

cat <<MSG

  diam is running at http://127.0.0.1:8000  (Ctrl+C stops it)
  Sign in with one of the demo logins above (also in data/demo-logins.txt).
  E-mails (invitations, password resets) are not delivered in development: read them and
  follow their links in the outbox at http://127.0.0.1:8000/dev/outbox/

MSG
# The worker renders report files (PDF, DOCX) off the request path; it stops with the server.
"$BIN/python" manage.py db_worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
"$BIN/python" manage.py runserver 127.0.0.1:8000
