"""A self-contained HTML report with the dashboards' charts, for people without Superset.

``data`` reads the tables, ``svg`` draws charts as inline SVG (pure), ``page`` assembles the page.
"""
