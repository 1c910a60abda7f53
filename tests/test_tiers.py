"""The test tiers: a test is marked by the services its fixtures need, however it asks for them."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from .conftest import refuse_without_services
from .needs import needed_services

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
