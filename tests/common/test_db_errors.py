"""The one mapping of driver errors to ours: a refused value, a missing table or right, an outage."""

from __future__ import annotations

import psycopg
import pytest

from common.db import database_error, database_errors
from common.errors import ConfigError, DatabaseUnavailable, DataRejected, Unavailable


def test_a_value_postgresql_refuses_is_rejected_data_even_when_psycopg_calls_it_operational() -> None:
    too_large = psycopg.errors.ProgramLimitExceeded("index row size 8200 exceeds maximum")
    assert isinstance(too_large, psycopg.OperationalError)
    for error in (too_large, psycopg.errors.NumericValueOutOfRange("bigint out of range")):
        mapped = database_error(error, "processor", "pipeline_processor")
        assert isinstance(mapped, DataRejected) and not isinstance(mapped, Unavailable)
    assert str(database_error(too_large, "batch job", "pipeline_batch", "PostgreSQL at u@db:5432/x")) == (
        "PostgreSQL at u@db:5432/x refused a value: index row size 8200 exceeds maximum")


def test_an_outage_is_unavailable_and_says_what_it_interrupted() -> None:
    mapped = database_error(psycopg.OperationalError("server closed the connection unexpectedly\nmore"),
                            "processor", "pipeline_processor", during="during a batch")
    assert isinstance(mapped, DatabaseUnavailable)
    assert str(mapped) == "PostgreSQL failed during a batch: server closed the connection unexpectedly"


def test_a_missing_table_or_right_is_a_configuration_error_naming_the_role() -> None:
    assert isinstance(database_error(psycopg.errors.UndefinedTable("x"), "batch job", "pipeline_batch"), ConfigError)
    refused = database_error(psycopg.errors.InsufficientPrivilege("x"), "batch job", "pipeline_batch")
    assert isinstance(refused, ConfigError) and "refused the batch job" in str(refused)
    assert "connect as pipeline_batch" in str(refused)


def test_a_driver_error_no_user_can_meet_passes_unchanged() -> None:
    assert database_error(psycopg.errors.SyntaxError("x"), "processor", "pipeline_processor") is None
    with pytest.raises(psycopg.errors.SyntaxError), database_errors("processor", "pipeline_processor"):
        raise psycopg.errors.SyntaxError("x")
    with pytest.raises(DatabaseUnavailable) as raised, database_errors("processor", "pipeline_processor"):
        raise psycopg.OperationalError("connection refused")
    assert isinstance(raised.value.__cause__, psycopg.OperationalError)
