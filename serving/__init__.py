"""Serving layer: Superset dashboards as code, and a self-contained HTML report without Superset.

The package itself never imports Superset: it builds the import bundle and the report with the
pipeline's own virtualenv, and drives Superset (its own virtualenv) through subprocesses.
"""
