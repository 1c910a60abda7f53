"""Superset's configuration (SUPERSET_CONFIG_PATH points here); loaded by Superset, in its own venv.

Every value comes from the environment that ``python -m serving setup|serve`` passes on, so no
secret is written to disk here.
"""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
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
