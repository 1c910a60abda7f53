"""Stopping background processes by pid: SIGTERM, wait, then SIGKILL."""

from __future__ import annotations

import os
import signal
import time


def alive(pid: int) -> bool:
    """True if a process with ``pid`` exists (zombies count as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return True


def terminate(pid: int, grace: float = 20.0) -> None:
    """Ask ``pid`` to stop, and kill it if it is still there after ``grace`` seconds (0: kill at once)."""
    if not alive(pid):
        return
    if grace > 0:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not alive(pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
