"""Fixtures of the chaos suite: the processor tests' pipeline factory, and the figures table."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ..batch.conftest import provisioned  # noqa: F401  (a provisioned database of the test's own)
from ..processor.conftest import new_pipeline  # noqa: F401  (the same provisioned topic + database + folder)
from ..processor.harness import Pipeline
from ..processor.hostile import allow_large_messages
from .oracle import FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per chaos scenario: runs, disruptions, events, lost, doubled, dead letters."""
    if not FIGURES:
        return
    terminalreporter.section("chaos figures")
    terminalreporter.write_line(f"{'scenario':44} runs  hits  events  lost  doubled  rows  dlq  dlq-lost  dlq-again")
    for f in FIGURES:
        terminalreporter.write_line(
            f"{f.scenario:44} {f.runs:4} {f.disruptions:5} {f.events:7} {f.lost:5} {f.doubled:8} {f.wrong_rows:5} "
            f"{f.dead_letters:4} {f.dead_letters_lost:9} {f.dead_letters_repeated:10}  {'; '.join(f.notes)}")


@pytest.fixture
def chaos_pipeline(new_pipeline: Callable[[], Pipeline]) -> Callable[[], Pipeline]:  # noqa: F811
    """Factory: a pipeline whose input topic accepts the hostile stream's largest messages."""

    def make() -> Pipeline:
        p = new_pipeline()
        allow_large_messages(p.brokers, p.topic)
        p.env["LAKE_FLUSH_SECONDS"] = "1"
        return p

    return make
