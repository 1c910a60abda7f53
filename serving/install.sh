#!/usr/bin/env bash
# Installs the serving layer's heavy parts apart from the pipeline: Debian's chromium (for the
# headless-browser checks; never a downloaded browser) and Apache Superset, pinned by
# serving/superset-constraints.txt, in its own virtualenv ($SUPERSET_VENV, default .venv-superset).
# Idempotent: a venv whose pins already match is left alone (a marker holds the constraints' hash).
set -euo pipefail
cd "$(dirname "$0")/.."
SUPERSET_VENV=${SUPERSET_VENV:-.venv-superset}
PYTHON=${PYTHON:-python3}
CONSTRAINTS=serving/superset-constraints.txt
PACKAGES=("apache-superset[postgres]" flask-caching rich cachetools gunicorn playwright)

if ! command -v chromium >/dev/null; then
  echo "serving/install: apt-get install chromium"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

want=$(sha256sum "$CONSTRAINTS" | cut -c1-16)
marker="$SUPERSET_VENV/.constraints-$want"
check() { SUPERSET_SECRET_KEY=install-check "$SUPERSET_VENV/bin/superset" version >/dev/null 2>&1; }
if [ -f "$marker" ] && check; then
  echo "serving/install: Superset already installed in $SUPERSET_VENV"
  exit 0
fi
if [ ! -x "$SUPERSET_VENV/bin/python" ]; then
  echo "serving/install: virtualenv $SUPERSET_VENV"
  "$PYTHON" -m venv "$SUPERSET_VENV"
fi
"$SUPERSET_VENV/bin/python" -m pip install -q --upgrade pip
"$SUPERSET_VENV/bin/python" -m pip install -q -c "$CONSTRAINTS" "${PACKAGES[@]}"
check || { echo "serving/install: superset does not start in $SUPERSET_VENV" >&2; exit 1; }
rm -f "$SUPERSET_VENV"/.constraints-*
touch "$marker"
echo "serving/install: Superset $("$SUPERSET_VENV/bin/pip" show apache-superset | sed -n 's/^Version: //p') in $SUPERSET_VENV"
