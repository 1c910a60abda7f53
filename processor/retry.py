"""Waiting out an outage: exponential backoff, interruptible by SIGTERM/SIGINT."""

from __future__ import annotations

import signal
import threading
from typing import Any


class Backoff:
    """Exponential delays: 0.5 s doubling up to ``maximum``."""

    def __init__(self, maximum: float) -> None:
        self.maximum, self._next = maximum, 0.5

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self.maximum)
        return delay


class Stopping(threading.Event):
    """Set by SIGTERM/SIGINT while the processor waits between two attempts."""

    def watch(self) -> None:
        """Take over the stop signals (Quix installs its own while it runs)."""
        def stop(*_: Any) -> None:
            self.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
