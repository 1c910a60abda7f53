#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to run the pipeline and its tests:
# PostgreSQL server binaries, Java 17, Maven and promtool (Debian packages, only when missing), a Python
# virtualenv with the pinned packages (constraints.txt), the Kafka broker jars and the s3proxy jar
# (Maven Central; the tests' S3 server).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

need=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null || need+=(postgresql)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
command -v promtool >/dev/null || need+=(prometheus)  # promtool: tests/deploy runs the alert rules' unit tests
if [ ${#need[@]} -gt 0 ]; then
  echo "install: apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
  # Debian starts a cluster of its own on 5432: the tests and devstack run their own clusters.
  if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | while read -r v c; do $SUDO pg_ctlcluster "$v" "$c" stop || true; done
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "install: virtualenv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -c constraints.txt -e ".[test]"
"$VENV/bin/python" -c "from devstack.kafka import jars_dir; from devstack.maven import default_cache_dir; print('install: Kafka jars in', jars_dir(default_cache_dir()))"
"$VENV/bin/python" -c "from devstack.s3 import s3proxy_jar; from devstack.maven import default_cache_dir; print('install: S3 server (s3proxy) in', s3proxy_jar(default_cache_dir()))"
