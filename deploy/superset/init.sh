#!/bin/sh
# One-shot set-up of Superset in compose: the steps `python -m serving setup` runs natively, each
# safe to repeat. The bundle comes from `antenna-serving bundle` (the `dashboards` service).
#   SUPERSET_BUNDLE   the import bundle (default /bundle/dashboards.zip)
#   SUPERSET_IMPORT_SCRIPT   serving/superset/import_assets.py (default: where the image puts it)
#   SUPERSET_ADMIN_SCRIPT    serving/superset/admin_user.py (default: where the image puts it)
#   ADMIN_USERNAME, ADMIN_PASSWORD, ADMIN_EMAIL   Superset's administrator
set -eu
: "${ADMIN_PASSWORD:?ADMIN_PASSWORD must be set}"
ADMIN_USERNAME=${ADMIN_USERNAME:-admin}
ADMIN_EMAIL=${ADMIN_EMAIL:-admin@localhost}
BUNDLE=${SUPERSET_BUNDLE:-/bundle/dashboards.zip}

superset db upgrade
echo "init: Superset metadata database is up to date"
# The password on standard input (printf is a shell builtin: no process shows it in its arguments).
# It prints "Administrator NAME exists; ..." or "Created administrator NAME".
printf '%s\n' "$ADMIN_PASSWORD" | python "${SUPERSET_ADMIN_SCRIPT:-/app/pythonpath/admin_user.py}" \
  "$ADMIN_USERNAME" "$ADMIN_EMAIL"
superset init
echo "init: roles and permissions are initialised"
python "${SUPERSET_IMPORT_SCRIPT:-/app/pythonpath/import_assets.py}" "$BUNDLE" "$ADMIN_USERNAME"
echo "init: imported the dashboards: /superset/dashboard/speed-layer/ and /superset/dashboard/batch-layer/"
