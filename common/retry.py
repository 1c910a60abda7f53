"""Waiting: exponential backoff, stopping on SIGTERM/SIGINT, probing a folder, polling until true.

The product's services wait out an outage with ``Backoff`` and a ``Stopping`` event; tools and
tests poll a condition with ``wait_until`` (``TimedOut`` naming what never happened) or ``within``.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import TimedOut

log = logging.getLogger(__name__)


class Backoff:
    """Exponential delays: ``first`` seconds doubling, never more than ``maximum``."""

    def __init__(self, maximum: float, first: float = 0.5) -> None:
        self.maximum, self.first = maximum, first
        self._next: float
        self.reset()

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self.maximum)
        return delay

    def reset(self) -> None:
        """Start again from ``first`` (a new back-off, or the outage is over)."""
        self._next = min(self.first, self.maximum)


class Stopping(threading.Event):
    """Set by SIGTERM/SIGINT (once ``watch`` has taken them over): a wait on it ends at once."""

    def watch(self, announce: Callable[[signal.Signals], None] | None = None) -> None:
        """Take over the stop signals (Quix installs its own while it runs); ``announce`` is told which."""
        def stop(signum: int, _: Any) -> None:
            if announce is not None:
                announce(signal.Signals(signum))
            self.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)


def interrupt_on_signal() -> None:
    """From now on SIGTERM and SIGINT raise ``KeyboardInterrupt``: after a first stop signal, a second
    one ends what the shutdown is still doing (a publish, a wait) at once."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def wait_until_writable(folder: Path, backoff: Backoff, stopping: threading.Event) -> None:
    """Sleep with backoff until a file can be written in ``folder`` again (or a stop is asked)."""
    while not stopping.wait(backoff.next()):
        probe = folder / f".probe-{uuid.uuid4().hex}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(probe, "wb") as f:
                f.write(b"probe")
                os.fsync(f.fileno())
            probe.unlink()
            return
        except OSError as e:
            log.debug("%s still not writable: %s", folder, e)


def within(predicate: Callable[[], object], timeout: float, interval: float = 0.1) -> bool:
    """Whether ``predicate()`` turns true within ``timeout`` seconds, asked every ``interval`` (and
    once more at the deadline, so a slow last step still counts)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        left = deadline - time.monotonic()
        if left <= 0:
            return bool(predicate())
        time.sleep(min(interval, left))
    return True


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.1,
               what: str = "the condition") -> None:
    """Return once ``predicate()`` is true; ``TimedOut`` naming ``what`` after ``timeout`` seconds."""
    if not within(predicate, timeout, interval):
        raise TimedOut(f"timed out after {timeout:g}s waiting for {what}")
