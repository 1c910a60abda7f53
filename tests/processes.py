"""Watching the command lines of every process a test starts, for secrets in argv.

A thread walks ``/proc/<pid>/task/*/children`` from this process down every few milliseconds and
keeps each descendant's ``/proc/<pid>/cmdline``: short-lived children (a Superset command, a
processor killed early) are caught as long as they live longer than one interval.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def descendants(root: int) -> set[int]:
    """Every living process below ``root``."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        for child in _children(todo.pop()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


class CommandLines:
    """Context manager: ``seen`` holds the command line (arguments joined by spaces) of every
    descendant of this process observed while it was active, keyed by pid."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.seen: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="cmdline-watch", daemon=True)

    def _watch(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            for pid in descendants(me):
                try:
                    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if raw:
                    self.seen[pid] = raw.replace(b"\0", b" ").decode(errors="replace").strip()
            self._stop.wait(self.interval)

    def __enter__(self) -> CommandLines:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def containing(self, text: str) -> list[str]:
        """The command lines seen that hold ``text``."""
        return [line for line in self.seen.values() if text in line]
