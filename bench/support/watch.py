"""Running one baseline or system under test: a deadline, an idle timeout, the tree's peak memory.

Every process a benchmark starts runs under ``Watched``: in its own process group (so stopping it
stops whatever it started, a JVM included, and nothing else), with its output kept, and with its
whole tree's resident memory sampled. ``wait`` returns when the process is done; if it stops
making progress for ``idle`` seconds or is not done within ``deadline`` seconds, the tree is
killed and ``Stalled`` says, in one line, what it was waiting for.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .proctree import high_water_mb, tree_usage


class Stalled(Exception):
    """A watched process made no progress, overran its deadline or failed: one line says which."""


@dataclass(frozen=True)
class Limits:
    """Seconds without progress before giving up, and seconds in all."""

    idle: float = 120.0
    deadline: float = 1800.0


class Watched:
    """A subprocess in a process group of its own, its output kept and its tree's memory sampled."""

    def __init__(self, cmd: list[str], label: str, limits: Limits, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> None:
        self.label, self.limits = label, limits
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, cwd=cwd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.output: collections.deque[str] = collections.deque(maxlen=200)
        self.lines = 0
        self.peak_rss_mb = 0.0
        self.cpu_s = 0.0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line.rstrip())
            self.lines += 1

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def last_line(self) -> str:
        return self.output[-1][:200] if self.output else "(no output)"

    def sample(self) -> None:
        """Peak memory: the tree's sampled sum, or the root's own high-water mark if higher."""
        rss, cpu = tree_usage(self.proc.pid)
        self.peak_rss_mb = max(self.peak_rss_mb, rss, high_water_mb(self.proc.pid))
        self.cpu_s = max(self.cpu_s, cpu)

    def wait(self, waiting_for: str, done: Callable[[], bool] | None = None,
             progress: Callable[[], object] | None = None, interval: float = 0.2) -> float:
        """Seconds from start until ``done()`` (default: the process exits with status 0).

        Progress is ``progress()`` changing (default: a new output line or more CPU time used).
        """
        last, changed = None, time.monotonic()
        while True:
            self.sample()
            code = self.proc.poll()
            if done is not None and done():
                return self.elapsed
            if code is not None:
                self._reader.join(5)
                if done is None and code == 0:
                    return self.elapsed
                raise Stalled(f"{self.label} exited with status {code} while waiting for {waiting_for}; "
                              f"last output: {self.last_line()}")
            value = progress() if progress is not None else (self.lines, round(self.cpu_s, 1))
            now = time.monotonic()
            if value != last:
                last, changed = value, now
            elif now - changed > self.limits.idle:
                self.kill()
                raise Stalled(f"{self.label}: no progress for {self.limits.idle:.0f}s while waiting for "
                              f"{waiting_for} (progress {value}; last output: {self.last_line()})")
            if self.elapsed > self.limits.deadline:
                self.kill()
                raise Stalled(f"{self.label}: not done within its {self.limits.deadline:.0f}s deadline, waiting for "
                              f"{waiting_for} (progress {value}; last output: {self.last_line()})")
            time.sleep(interval)

    def stop(self, grace: float = 60.0) -> float:
        """SIGTERM the group, wait for the exit (sampling memory), SIGKILL after ``grace``; seconds from start."""
        self._signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.kill()
                raise Stalled(f"{self.label} did not exit within {grace:.0f}s of SIGTERM; last output: {self.last_line()}")
            self.sample()
            time.sleep(0.05)
        self._reader.join(5)
        return self.elapsed

    def kill(self) -> None:
        self._signal(signal.SIGKILL)
        self.proc.wait()

    def _signal(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
