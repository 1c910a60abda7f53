"""python -m processor's start before its heavy imports: Arrow's C++ default pool."""

from __future__ import annotations

import pytest

from ..helpers import arrow_pool_of


@pytest.mark.parametrize(("setting", "pool"), [(None, "jemalloc"), ("system", "system")])
def test_the_processor_runs_on_arrows_jemalloc_pool_unless_the_environment_names_another(
        setting: str | None, pool: str) -> None:
    assert arrow_pool_of("processor", setting) == pool
