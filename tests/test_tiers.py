"""The test tiers: a test is marked by the services its fixtures need, however it asks for them; and
the pytest-xdist groups: what must share one worker does."""

from __future__ import annotations

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
