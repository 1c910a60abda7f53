"""Background services by pid file: started detached and awaited, stopped with SIGTERM then SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

from common.errors import DevStackError
from common.retry import within


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
    if within(lambda: not alive(pid), grace):
        return
    os.kill(pid, signal.SIGKILL)
    within(lambda: not alive(pid), 10, interval=0.05)


def start_detached(cmd: list[str], log: Path, pid_file: Path, ready: Callable[[], bool], what: str,
                   timeout: float, interval: float = 0.5) -> None:
    """Start ``cmd`` in a session of its own (output appended to ``log``, pid in ``pid_file``) and
    wait until ``ready()``; if it dies or stays unready, stop it and raise with the log's tail."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    pid_file.write_text(str(proc.pid))
    if not within(lambda: proc.poll() is None and ready(), timeout, interval):
        stop_detached(pid_file, grace=10)
        raise DevStackError(f"{what} did not become ready:\n{log.read_text(errors='replace')[-3000:]}")


def stop_detached(pid_file: Path, grace: float) -> None:
    """Stop the process ``pid_file`` names, if any, and forget it."""
    if pid_file.exists():
        terminate(int(pid_file.read_text()), grace=grace)
        pid_file.unlink(missing_ok=True)
