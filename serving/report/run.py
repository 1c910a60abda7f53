"""``python -m serving report``: read the tables and write the report page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from common.db import connect

from ..errors import ReportError
from ..settings import ReportSettings
from .data import read
from .page import render


def write_report(settings: ReportSettings, out: Path) -> Path:
    with connect(settings.database) as conn:
        data = read(conn)
    html = render(data, datetime.now(UTC))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    except OSError as e:
        raise ReportError(f"cannot write report {out}: {e.strerror}") from e
    return out
