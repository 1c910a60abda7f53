"""The demo's waits: a child that dies ends a wait at once, a wait that lasts too long names what it
waited for, and a stopped process is gone within its grace."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from common.errors import DevStackError, TimedOut
from devstack.processes import alive, terminate
from devstack.supervisor import Supervisor


def test_a_wait_that_lasts_too_long_names_what_it_waited_for(tmp_path: Path) -> None:
    with pytest.raises(TimedOut, match=r"timed out after 0\.3s waiting for the processor to publish"):
        Supervisor(tmp_path, {}).wait_for("the processor to publish", lambda: False, timeout=0.3)


def test_a_child_that_dies_ends_the_wait_at_once_naming_it(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, {})
    supervisor.start("ghost", "no_such_module_here").proc.wait(30)
    started = time.monotonic()
    with pytest.raises(DevStackError, match=r"the ghost .* exited with 1: .*no_such_module_here"):
        supervisor.wait_for("the ghost to answer", lambda: False, timeout=60)
    assert time.monotonic() - started < 30


def test_a_process_asked_to_stop_is_gone_within_its_grace() -> None:
    proc = subprocess.Popen(["sleep", "60"])
    started = time.monotonic()
    terminate(proc.pid, grace=20)
    assert not alive(proc.pid) and time.monotonic() - started < 20
    assert proc.wait(5) == -15  # SIGTERM sufficed
