#!/usr/bin/env bash
# Install what is missing on a fresh Debian/Ubuntu machine: system packages (as root or with
# sudo), a virtual environment with uv, and the project with its dev dependencies.
# Safe to run again: it only installs what is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
APT_PACKAGES=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core  # WeasyPrint (PDF)
  poppler-utils                                                           # pdftotext/pdftoppm in tests
  chromium                                                                # browser tests
  libreoffice-calc-nogui libreoffice-writer-nogui                         # proves XLSX/DOCX open in an office suite
  postgresql                                                              # the second test database
  wrk                                                                     # HTTP load figures in `make bench`
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
command -v npm >/dev/null 2>&1 || missing+=(npm)   # axe-core for the accessibility audits
# Debian's python3 needs python3-venv for `python3 -m venv`.
if [ "$(command -v python3 || true)" = /usr/bin/python3 ] && ! python3 -c 'import ensurepip' 2>/dev/null; then
  missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python >= 3.11: the system python3 on Debian 12, else the newest pyenv 3.11+ if present.
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for cand in python3 python3.13 python3.12 python3.11; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY=$(command -v "$cand"); break
    fi
  done
fi
[ -n "$PY" ] || { echo "Python 3.11 or newer is needed (apt-get install python3 python3-venv)." >&2; exit 1; }

if [ ! -x "$VENV/bin/python" ]; then
  echo "==> Creating $VENV with $("$PY" --version)"
  "$PY" -m venv "$VENV"
fi
if [ ! -x "$VENV/bin/uv" ]; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check uv 2>&1 | grep -v "is ignored" || true
fi
# axe-core (accessibility audits in the browser tests) comes from npm, pinned in package-lock.json.
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "==> Installing browser test tools (npm ci)"
    npm ci --no-audit --no-fund --silent
  else
    echo "warning: npm not found; the accessibility audits in the browser tests will fail" >&2
  fi
fi
echo "==> Installing diam and its dependencies"
UV_PYTHON_DOWNLOADS=never "$VENV/bin/uv" pip install -q --python "$VENV/bin/python" -e ".[dev]"
