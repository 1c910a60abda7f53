"""Superset's configuration (SUPERSET_CONFIG_PATH points here); loaded by Superset, in its own venv.

Every value comes from the environment that ``python -m serving setup|serve`` passes on, so no
secret is written to disk here.
"""

import os
import re
import sys

SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY", "")
# The same refusal as the pipeline's settings (common/settings.py): an empty key, or a template's
# `change-me...`, would let anyone who reaches the server forge a session cookie.
if not SECRET_KEY.strip() or re.match(r"^\s*change[-_ ]?me", SECRET_KEY, re.IGNORECASE):
    sys.stderr.write("SUPERSET_SECRET_KEY is empty or a placeholder (change-me...): make one with: "
                     "python -c 'import secrets; print(secrets.token_urlsafe(32))'\n")
    sys.exit(2)
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_METADATA_URL"]
# Timestamps in the pipeline's tables are naive UTC; the dashboards show them as they are.
DEFAULT_TIMEZONE = "UTC"
# "Last day" / "Last week" end now, not at midnight: Superset's default ("today") hides every row of
# the current day, so a live dashboard opened on "Last day" would show "No results".
DEFAULT_RELATIVE_START_TIME = "now"
DEFAULT_RELATIVE_END_TIME = "now"
# Loopback and tests: no HTTPS, and no example data.
TALISMAN_ENABLED = os.environ.get("SUPERSET_TALISMAN", "false") == "true"
SESSION_COOKIE_SECURE = False
SUPERSET_WEBSERVER_TIMEOUT = 60
ROW_LIMIT = 50000
FEATURE_FLAGS = {"DASHBOARD_NATIVE_FILTERS": True, "ALERT_REPORTS": False}
