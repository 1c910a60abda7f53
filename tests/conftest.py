"""Session-scoped real services and per-test factories (unique topics, databases), and the test tiers.

Tiers: every test that uses a service fixture (directly, through other fixtures, or by
``request.getfixturevalue``) is marked with that service (``kafka``, ``postgres``, ``s3``,
``superset``) and ``integration``, at collection, so nobody has to remember a marker.
``pytest --no-services`` (``make check``) runs the others, and fails a test that asks for a
service it was not marked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _pytest.nodeid import NodeId

from common.kafka import ensure_topic
from common.s3 import S3Options
from devstack.kafka import KafkaBroker
from devstack.postgres import PostgresCluster
from devstack.s3 import S3Server

from .chaos.oracle import FIGURES_PROPERTY, figures_table
from .needs import needed_services, run_group
from .services import (
    create_bucket,
    create_database,
    delete_bucket,
    drop_database,
    kafka_service,
    postgres_service,
    s3_service,
    unique,
)
from .superset_setup import pipeline_database as pipeline_database  # session fixtures shared by the serving,
from .superset_setup import superset_setup as superset_setup  # demo and deploy tests: Superset set up once


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--no-services", action="store_true",
                     help="run only the tests that need no service (Kafka, PostgreSQL, S3, Superset): make check")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by the services it needs and with its pytest-xdist group (tests/needs.py);
    with ``--no-services``, deselect those that need a service."""
    needing: list[pytest.Item] = []
    for item in items:
        if group := run_group(getattr(item, "fixturenames", ()), item.get_closest_marker("chaos") is not None,
                              item.nodeid.split("::")[0], Path(__file__).parent):
            item.add_marker(pytest.mark.xdist_group(group))
        callspec = getattr(item, "callspec", None)
        services = needed_services(getattr(item, "fixturenames", ()), getattr(item, "function", None),
                                   callspec.params if callspec is not None else {}, Path(__file__).parent)
        for name in services:
            item.add_marker(name)
        if services:
            item.add_marker("integration")
            needing.append(item)  # a hand-written `integration` mark alone does not keep a test out
    if config.getoption("no_services") and needing:
        config.hook.pytest_deselected(items=needing)
        chosen = set(map(id, needing))
        items[:] = [item for item in items if id(item) not in chosen]


class GroupIds:
    """pytest-xdist 3.8 sends a test to its group's worker (``--dist loadgroup``) by an ``@group`` suffix it
    gives the node id in ``item._nodeid``, which pytest 9.2 no longer reads (the id is ``item._id``): without
    this the groups are silently ignored. Gives the suffix where it is missing, after xdist's own hook."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if not getattr(config.option, "loadgroup", False):  # set by xdist in a worker under --dist loadgroup
            return
        for item in items:
            mark = item.get_closest_marker("xdist_group")
            if mark is not None and not item.nodeid.endswith(f"@{mark.args[0]}"):  # a parameter may hold an @
                item._id = NodeId.parse(f"{item.nodeid}@{mark.args[0]}")  # type: ignore[attr-defined]


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(GroupIds(), "group-ids")


CHAOS_FIGURES: list[dict[str, object]] = []  # from the reports of the chaos scenarios (tests/chaos/conftest.py)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    CHAOS_FIGURES.extend(value for name, value in report.user_properties  # type: ignore[misc]
                         if name == FIGURES_PROPERTY)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The chaos figures, one line per scenario, whichever process (or pytest-xdist worker) ran it."""
    if CHAOS_FIGURES:
        terminalreporter.section("chaos figures")
        for line in figures_table(CHAOS_FIGURES):
            terminalreporter.write_line(line)


def refuse_without_services(request: pytest.FixtureRequest, service: str) -> None:
    """Under ``--no-services`` a service is never started: the test asking for it was not tiered."""
    if request.config.getoption("no_services"):
        pytest.fail(f"{service} was asked for under --no-services: request it as a fixture argument "
                    "(tests/needs.py then marks the test) rather than in a way the tiers cannot see")


@pytest.fixture(scope="session")
def kafka(request: pytest.FixtureRequest) -> Iterator[tuple[str, KafkaBroker | None]]:
    """Bootstrap address of a real Apache Kafka broker, and the broker when the session owns it."""
    refuse_without_services(request, "Kafka")
    with kafka_service() as service:
        yield service


@pytest.fixture(scope="session")
def kafka_sasl(kafka: tuple[str, KafkaBroker | None]) -> KafkaBroker:
    """The session broker, whose SASL listener (PLAIN, SCRAM-SHA-256) the SASL tests use."""
    if kafka[1] is None or kafka[1].sasl_port is None:
        pytest.skip("an external broker (KAFKA_BROKERS): no SASL listener of the session's")
    return kafka[1]


@pytest.fixture(scope="session")
def kafka_tls(kafka: tuple[str, KafkaBroker | None]) -> KafkaBroker:
    """The session broker, whose TLS listener (a self-signed certificate for 127.0.0.1) the TLS tests use."""
    if kafka[1] is None or kafka[1].tls_port is None:
        pytest.skip("an external broker (KAFKA_BROKERS): no TLS listener of the session's")
    return kafka[1]


@pytest.fixture(scope="session")
def kafka_sasl_ssl(kafka: tuple[str, KafkaBroker | None]) -> KafkaBroker:
    """The session broker, whose SASL_SSL listener (SCRAM-SHA-512 over TLS) the production-like tests use."""
    if kafka[1] is None or kafka[1].sasl_ssl_port is None:
        pytest.skip("an external broker (KAFKA_BROKERS): no SASL_SSL listener of the session's")
    return kafka[1]


@pytest.fixture(scope="session")
def kafka_brokers(kafka: tuple[str, KafkaBroker | None]) -> str:
    return kafka[0]


@pytest.fixture(scope="session")
def postgres(request: pytest.FixtureRequest) -> Iterator[tuple[str, PostgresCluster | None]]:
    """URL of a real PostgreSQL server (superuser), and the cluster when the session owns it."""
    refuse_without_services(request, "PostgreSQL")
    with postgres_service() as service:
        yield service


@pytest.fixture(scope="session")
def postgres_url(postgres: tuple[str, PostgresCluster | None]) -> str:
    return postgres[0]


@pytest.fixture(scope="session")
def s3_server(request: pytest.FixtureRequest) -> Iterator[tuple[S3Options, S3Server | None]]:
    """A real S3-compatible server (s3proxy over a folder, signed requests), and the server when the
    session owns it."""
    refuse_without_services(request, "S3")
    with s3_service() as service:
        yield service


@pytest.fixture(scope="session")
def s3(s3_server: tuple[S3Options, S3Server | None]) -> S3Options:
    """How to reach the S3 server."""
    return s3_server[0]


def made_then_removed(create: Callable[[], str], remove: Callable[[str], None]) -> Iterator[Callable[[], str]]:
    """A factory fixture's body: ``create`` on each call, ``remove`` each one made at the end."""
    created: list[str] = []

    def make() -> str:
        created.append(create())
        return created[-1]

    yield make
    for name in created:
        remove(name)


@pytest.fixture
def new_bucket(s3: S3Options) -> Iterator[Callable[[], str]]:
    """Factory: an empty bucket of this test's own; deleted with its objects afterwards."""
    yield from made_then_removed(lambda: create_bucket(s3), lambda name: delete_bucket(s3, name))


@pytest.fixture
def new_database(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Factory: an empty database of its own for this test; dropped afterwards."""
    yield from made_then_removed(lambda: create_database(postgres_url), drop_database)


@pytest.fixture
def database_url(new_database: Callable[[], str]) -> str:
    """An empty database of this test's own."""
    return new_database()


@pytest.fixture
def new_topic(kafka_brokers: str) -> Callable[..., str]:
    """Factory: a topic of this test's own with the given number of partitions."""

    def make(partitions: int = 1, prefix: str = "t") -> str:
        name = unique(prefix)
        ensure_topic(kafka_brokers, name, partitions)
        return name

    return make
