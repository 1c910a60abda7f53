#!/usr/bin/env bash
# The main job, locally: provision, simulate the course's hours 13-17 of 2022-10-29, and (as the
# layers land) run the speed layer, the batch layer and the dashboards over them.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
eval "$($PY -m devstack env)"
export KAFKA_BROKERS DATABASE_URL
$PY -m provision
$PY -m simulator course --start 2022-10-29T13:00 --hours 4
