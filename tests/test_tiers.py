"""The test tiers: a test is marked by the services its fixtures need, however it asks for them; and
the pytest-xdist groups: what must share one worker does."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest

from .conftest import refuse_without_services
from .needs import needed_services, run_group

TESTS = Path(__file__).parent


def asks_for_a_bucket_by_name(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("new_bucket")


def uses_nothing() -> None:
    pass


def test_a_test_needs_the_services_behind_the_fixtures_of_its_closure() -> None:
    assert needed_services(["database_url", "new_topic"], uses_nothing, {}, TESTS) == ["kafka", "postgres"]
    assert needed_services(["tmp_path"], uses_nothing, {}, TESTS) == []


def test_a_fixture_asked_for_by_name_in_the_test_counts_with_what_it_needs() -> None:
    assert needed_services(["request"], asks_for_a_bucket_by_name, {}, TESTS) == ["s3"]


def test_a_fixture_asked_for_under_one_parameter_is_needed_only_with_that_parameter() -> None:
    # tests/batch/conftest.py: lake_env asks for the S3 server only when its parameter is "s3".
    assert needed_services(["lake_env", "request"], uses_nothing, {"lake_env": "local"}, TESTS) == []
    assert needed_services(["lake_env", "request"], uses_nothing, {"lake_env": "s3"}, TESTS) == ["s3"]


def test_superset_tests_need_superset_and_the_database_it_shows() -> None:
    assert needed_services(["superset"], uses_nothing, {}, TESTS) == ["postgres", "superset"]


def test_without_services_a_service_asked_for_unseen_fails_the_test() -> None:
    request = SimpleNamespace(config=SimpleNamespace(getoption=lambda name: name == "no_services"))
    with pytest.raises(pytest.fail.Exception, match="Kafka was asked for under --no-services"):
        refuse_without_services(request, "Kafka")  # type: ignore[arg-type]


def test_every_test_over_the_superset_set_up_shares_one_worker_even_a_chaos_one() -> None:
    assert run_group(["superset", "superset_setup", "postgres"], False, "tests/serving/test_a.py", TESTS) == "superset"
    assert run_group(["live_demo", "superset_setup"], True, "tests/devstack/test_demo.py", TESTS) == "superset"


def test_the_chaos_scenarios_run_one_at_a_time_and_other_tests_anywhere() -> None:
    assert run_group(["chaos_pipeline", "kafka"], True, "tests/chaos/test_a.py", TESTS) == "chaos"
    assert run_group(["database_url", "new_topic", "kafka"], False, "tests/processor/test_a.py", TESTS) is None


def test_the_tests_of_a_module_scoped_fixture_share_one_worker_so_it_is_made_once() -> None:
    # tests/provision/test_roles.py: `shared` is module-scoped; `database_url` is made per test.
    assert run_group(["shared", "postgres_url"], False, "tests/provision/test_roles.py", TESTS) \
        == "tests/provision/test_roles.py"
    assert run_group(["database_url", "postgres_url"], False, "tests/provision/test_roles.py", TESTS) is None


GROUPED_SUITE = '''
import os

import pytest


@pytest.mark.xdist_group("together")
@pytest.mark.parametrize("n", range(4))
def test_grouped(n, record_property):
    record_property("worker", os.environ["PYTEST_XDIST_WORKER"])
'''


def test_under_two_workers_a_groups_tests_all_run_on_one_worker(tmp_path: Path) -> None:
    """Guards tests/conftest.py::GroupIds (pytest's private ``item._id``): without it pytest-xdist's
    groups are silently ignored under this pytest, and Superset is set up on both workers."""
    (tmp_path / "test_grouped.py").write_text(GROUPED_SUITE)
    (tmp_path / "conftest.py").write_text("from tests.conftest import GroupIds\n\n\n"
                                          "def pytest_configure(config):\n"
                                          "    config.pluginmanager.register(GroupIds(), 'group-ids')\n")
    report = tmp_path / "report.xml"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
                           "--dist", "loadgroup", "--rootdir", str(tmp_path), "-c", "/dev/null",
                           f"--junitxml={report}", str(tmp_path)],
                          cwd=TESTS.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    workers = {p.get("value") for p in ET.parse(report).iter("property") if p.get("name") == "worker"}
    assert len(workers) == 1, workers
