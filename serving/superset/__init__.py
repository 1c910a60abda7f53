"""Superset as code: one description of datasets, charts and dashboards, rendered as an import bundle.

``description`` says what exists; ``charts`` and ``dashboards`` turn it into Superset's params,
query contexts and layouts; ``bundle`` writes the zip; ``instance`` drives a Superset install.
"""
