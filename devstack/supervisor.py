"""The demo's long-running services: each started with a log file, watched, stopped upstream first.

Children run in sessions of their own, so a Ctrl-C reaches the demo only and the demo stops them
in the order they started (the simulator before the processor, so the processor's last
checkpoint holds every event produced). Any child that dies stops the demo with one line naming it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from common.errors import DevStackError
from common.retry import wait_until


@dataclass(frozen=True)
class Child:
    name: str
    command: str
    proc: subprocess.Popen[bytes]
    log: Path

    def last_line(self) -> str:
        lines = [line for line in self.log.read_text(errors="replace").splitlines() if line.strip()]
        return lines[-1].strip() if lines else "no output"


class Supervisor:
    """Starts ``python -m MODULE`` children with ``env``, their output in ``logs/<name>.log``."""

    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self.logs, self.env = logs, env
        self.children: list[Child] = []
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, module: str, *args: str, env: dict[str, str] | None = None) -> Child:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", module, *args], env={**self.env, **(env or {})},
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        child = Child(name, " ".join(["python -m", module, *args]), proc, log)
        self.children.append(child)
        print(f"  started {name}: `{child.command}` (log {log})", flush=True)
        return child

    def check(self) -> None:
        """Raise ``DevStackError`` naming the first child that is no longer running."""
        for child in self.children:
            code = child.proc.poll()
            if code is not None:
                raise DevStackError(f"the {child.name} (`{child.command}`) exited with {code}: {child.last_line()}")

    def wait_for(self, what: str, done: Callable[[], bool], timeout: float) -> None:
        """Poll ``done`` while every child runs; ``DevStackError`` at once if one dies, ``TimedOut``
        naming ``what`` once ``timeout`` passes."""
        def ready() -> bool:
            if done():
                return True
            self.check()
            return False

        wait_until(ready, timeout, interval=0.5, what=what)

    def stop_all(self, grace: float = 60.0) -> None:
        """Ctrl-C (SIGINT) each child in start order and wait for it (SIGKILL after ``grace`` seconds)."""
        for child in self.children:
            if child.proc.poll() is None:
                child.proc.send_signal(signal.SIGINT)
                try:
                    child.proc.wait(grace)
                except subprocess.TimeoutExpired:
                    child.proc.kill()
                    child.proc.wait()
            print(f"  stopped {child.name} (exit {child.proc.returncode})", flush=True)
        self.children.clear()
