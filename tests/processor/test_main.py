"""python -m processor's start before its heavy imports: Arrow's C++ default pool."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

POOL_PROBE = """
import runpy, sys
sys.argv = ["processor", "--help"]
try:
    runpy.run_module("processor", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
import pyarrow as pa
print(pa.default_memory_pool().backend_name)
"""


@pytest.mark.parametrize(("setting", "pool"), [(None, "jemalloc"), ("system", "system")])
def test_the_processor_runs_on_arrows_jemalloc_pool_unless_the_environment_names_another(
        setting: str | None, pool: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if setting:
        env["ARROW_DEFAULT_MEMORY_POOL"] = setting
    done = subprocess.run([sys.executable, "-c", POOL_PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == pool
