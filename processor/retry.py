"""Waiting out an outage: exponential backoff, interruptible by SIGTERM/SIGINT; probing a folder."""

from __future__ import annotations

import logging
import os
import signal
import threading
import uuid
from pathlib import Path
from typing import Any

log = logging.getLogger("processor")


class Backoff:
    """Exponential delays: 0.5 s doubling up to ``maximum``."""

    def __init__(self, maximum: float) -> None:
        self.maximum = maximum
        self._next: float
        self.reset()

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self.maximum)
        return delay

    def reset(self) -> None:
        """Start again from 0.5 s (a new back-off, or the outage is over)."""
        self._next = 0.5


class Stopping(threading.Event):
    """Set by SIGTERM/SIGINT while the processor waits between two attempts."""

    def watch(self) -> None:
        """Take over the stop signals (Quix installs its own while it runs)."""
        def stop(*_: Any) -> None:
            self.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)


def interrupt_on_signal() -> None:
    """From now on SIGTERM and SIGINT raise ``KeyboardInterrupt``: after a first stop signal, a second
    one ends what the shutdown is still doing (a publish, a wait) at once."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def wait_until_writable(folder: Path, backoff: Backoff, stopping: Stopping) -> None:
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
