"""The benchmarks stand on the product's packages, never on test code."""

from __future__ import annotations

import ast
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_benchmark_module_imports_the_tests_package() -> None:
    sources = sorted(BENCH.rglob("*.py"))
    assert sources, f"no benchmark sources under {BENCH}"
    offenders = {str(p.relative_to(BENCH)): sorted(m for m in imported_modules(p) if m.split(".")[0] == "tests")
                 for p in sources}
    assert {p: m for p, m in offenders.items() if m} == {}
