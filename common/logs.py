"""Logging set-up shared by the entrypoints: one line per record, UTC timestamps."""

from __future__ import annotations

import logging
import time


def setup_logging(level: str = "INFO") -> None:
    """Configure the root logger once for a command-line process."""
    formatter = logging.Formatter(
        "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
