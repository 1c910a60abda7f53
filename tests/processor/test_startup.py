"""Starting the processor where it cannot run: one clear error line and a non-zero exit, no traceback."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from ..helpers import run_module
from .harness import Pipeline

pytestmark = pytest.mark.integration


def test_a_metrics_port_in_use_is_one_error_line_and_a_non_zero_exit(new_pipeline: Callable[[], Pipeline]) -> None:
    pipeline = new_pipeline()
    with socket.socket() as taken:  # another processor on this host, say
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_module("processor", env={**pipeline.env, "METRICS_PORT": str(port)}, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if " ERROR " in f" {line} " or line.startswith("ERROR")]
    assert len(errors) == 1 and f"127.0.0.1:{port}" in errors[0] and "METRICS_PORT" in errors[0], done.stderr
