"""The collector around a command's start-up: paused only for ``python -m``, frozen and resumed after."""

from __future__ import annotations

import gc
import subprocess
import sys


def test_importing_a_command_module_leaves_the_collector_running() -> None:
    import batch.__main__  # noqa: F401  (as tests/batch/test_cli.py does)

    assert gc.isenabled()


def test_a_command_runs_its_main_with_the_collector_on_and_start_up_frozen() -> None:
    probe = ("import gc, sys; from common.startup import quiet_start; from common.cli import run_main\n"
             "quiet_start(); import polars\n"
             "def main(argv):\n"
             "    print(gc.isenabled(), gc.get_freeze_count() > 10_000); return 0\n"
             "run_main(main)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.split()) == (0, ["True", "True"]), done.stderr
