"""Which services a test needs, from the fixtures it uses: the tiers of tests/conftest.py.

A test needs a service when its fixture closure (pytest's ``item.fixturenames``: its arguments and
theirs, recursively) holds that service's session fixture, or when it or one of those fixtures
asks for a fixture by name (``request.getfixturevalue("s3")``, found in the source), whose own
arguments are then followed the same way.

Under pytest-xdist (``make test`` runs two workers, ``--dist loadgroup``) ``run_group`` keeps together
the tests that share something slow to set up: every test over the session's Superset set-up runs on
one worker (it is set up once, not once per worker); the chaos scenarios run one at a time (two at
once on a 2-core machine would starve each other's timings); and the tests of a module whose fixture
is module-scoped run on one worker (the fixture is made once).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path

# The session fixture that starts each service, and the marker a test that needs it gets.
SERVICE_FIXTURES = {"kafka": "kafka", "postgres": "postgres", "s3_server": "s3", "superset": "superset"}
SUPERSET_SETUP = "superset_setup"  # the session's one `serving setup` (tests/superset_setup.py)
WIDE_SCOPES = {"module", "class", "package"}


def asked_by_name(node: ast.AST, when: str | None = None) -> set[tuple[str, str | None]]:
    """Fixture names ``node`` asks for with ``getfixturevalue("name")``, each with the value of
    ``request.param`` it is asked under (``if request.param == "s3": ...``), or None: always."""
    if isinstance(node, ast.If) and ast.unparse(node.test).startswith("request.param == "):
        compared = node.test.comparators[0] if isinstance(node.test, ast.Compare) else None
        if isinstance(compared, ast.Constant) and isinstance(compared.value, str):
            inside = set().union(*(asked_by_name(n, compared.value) for n in node.body))
            return inside.union(*(asked_by_name(n, when) for n in node.orelse))
    found: set[tuple[str, str | None]] = set()
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "getfixturevalue"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        found.add((node.args[0].value, when))
    return found.union(*(asked_by_name(child, when) for child in ast.iter_child_nodes(node)))


def is_fixture(node: ast.FunctionDef) -> bool:
    return any("fixture" in ast.unparse(d) for d in node.decorator_list)


@cache
def fixture_graph(tests: Path) -> dict[str, frozenset[tuple[str, str | None]]]:
    """Every fixture defined under ``tests``, by name: the fixtures it takes as arguments or asks for
    by name, with the condition of ``asked_by_name`` (fixtures of one name in several folders are
    merged: a test may get more marks, never fewer)."""
    graph: dict[str, set[tuple[str, str | None]]] = {}
    for source in tests.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.FunctionDef) and is_fixture(node):
                uses = graph.setdefault(node.name, set())
                uses.update((a.arg, None) for a in node.args.args)
                uses.update(asked_by_name(node))
    return {name: frozenset(uses) for name, uses in graph.items()}


def needed_services(fixturenames: Iterable[str], function: Callable[..., object] | None,
                    params: Mapping[str, object], tests: Path) -> list[str]:
    """The markers of the services a test needs (``kafka``, ``postgres``, ``s3``, ``superset``): from
    its fixture closure (``item.fixturenames``), its function's source and its parameters
    (``item.callspec.params``), with the fixtures defined under ``tests``."""
    names = set(fixturenames)
    if function is not None:
        names |= {name for name, _ in asked_by_name(ast.parse(textwrap.dedent(inspect.getsource(function))))}
    graph = fixture_graph(tests)
    todo = list(names)
    while todo:
        fixture = todo.pop()
        for used, when in graph.get(fixture, ()):
            if used not in names and (when is None or fixture not in params or params[fixture] == when):
                names.add(used)
                todo.append(used)
    return [marker for fixture, marker in SERVICE_FIXTURES.items() if fixture in names]


def scope_of(node: ast.FunctionDef) -> str | None:
    """The ``scope=`` a fixture's decorator names, if any."""
    return next((k.value.value for d in node.decorator_list if isinstance(d, ast.Call) for k in d.keywords
                 if k.arg == "scope" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)), None)


@cache
def module_fixtures(tests: Path) -> frozenset[str]:
    """The fixtures under ``tests`` made once per module, class or package (not per test or session)."""
    return frozenset(node.name for source in tests.rglob("*.py") for node in ast.walk(ast.parse(source.read_text()))
                     if isinstance(node, ast.FunctionDef) and is_fixture(node) and scope_of(node) in WIDE_SCOPES)


def run_group(fixturenames: Iterable[str], chaos: bool, module: str, tests: Path) -> str | None:
    """The pytest-xdist group of a test (its fixture closure, ``item.fixturenames``, whether it is marked
    ``chaos``, its module's path): ``superset`` over the Superset set-up, ``chaos`` for the chaos suite,
    the module's path over a module-scoped fixture, else None (any worker)."""
    names = set(fixturenames)
    if SUPERSET_SETUP in names:
        return "superset"
    if chaos:
        return "chaos"
    return module if names & module_fixtures(tests) else None
