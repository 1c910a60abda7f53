"""Fixtures of the chaos suite: the processor tests' pipeline factory, and the figures handed to the summary."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import asdict
from typing import Any

import pytest

from ..batch.conftest import provisioned  # noqa: F401  (a provisioned database of the test's own)
from ..processor.conftest import new_pipeline  # noqa: F401  (the same provisioned topic + database + folder)
from ..processor.harness import Pipeline
from ..processor.hostile import allow_large_messages
from .oracle import FIGURES, FIGURES_PROPERTY


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """The figures a scenario appended ride on its report (``user_properties``), so the process that
    prints the summary gets them: under pytest-xdist the scenarios run in workers, the summary in the
    controller (tests/conftest.py prints them with ``figures_table``)."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    while FIGURES:
        report.user_properties.append((FIGURES_PROPERTY, asdict(FIGURES.pop(0))))


@pytest.fixture
def chaos_pipeline(new_pipeline: Callable[[], Pipeline]) -> Callable[[], Pipeline]:  # noqa: F811
    """Factory: a pipeline whose input topic accepts the hostile stream's largest messages."""

    def make() -> Pipeline:
        p = new_pipeline()
        allow_large_messages(p.brokers, p.topic)
        p.env["LAKE_FLUSH_SECONDS"] = "1"
        return p

    return make
