"""The benchmarks stand on the product's packages, never on test code."""

from __future__ import annotations

from pathlib import Path

from ..helpers import imported_modules

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_no_benchmark_module_imports_the_tests_package() -> None:
    sources = sorted(BENCH.rglob("*.py"))
    assert sources, f"no benchmark sources under {BENCH}"
    offenders = {str(p.relative_to(BENCH)): sorted(m for m in imported_modules(p) if m.split(".")[0] == "tests")
                 for p in sources}
    assert {p: m for p, m in offenders.items() if m} == {}
