"""A few calls of Superset's REST API, with the standard library only."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class Api:
    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.token = self.call("/api/v1/security/login", {"username": username, "password": password,
                                                          "provider": "db", "refresh": False})["access_token"]

    def call(self, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as e:
            raise AssertionError(f"{path}: HTTP {e.code} {e.read().decode(errors='replace')[:1000]}") from e

    def charts(self) -> dict[str, dict[str, Any]]:
        """Charts by name."""
        found = self.call("/api/v1/chart/?q=(page_size:100)")["result"]
        return {c["slice_name"]: c for c in found}

    def chart_rows(self, chart_id: int) -> list[dict[str, Any]]:
        """Rows the saved query context gives (what the dashboard shows)."""
        result = self.call(f"/api/v1/chart/{chart_id}/data/")["result"]
        assert len(result) == 1
        return result[0]["data"]

    def dashboard_charts(self, slug: str) -> list[str]:
        return sorted(c["slice_name"] for c in self.call(f"/api/v1/dashboard/{slug}/charts")["result"])
