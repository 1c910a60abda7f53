"""``python -m batch`` as cron runs it: flags, exit codes, one error line, the seed's example."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from batch.__main__ import parser
from common import schema
from common.lake_store import LakeStore
from common.s3 import S3Options

from ..helpers import arrow_pool_of, query, run_module
from ..services import role_url, s3_env
from .conftest import both_lakes
from .data import A0, A1
from .lake import read_bytes, write_bytes, write_events

pytestmark = pytest.mark.integration

# The seed document's bytes_hourly for 2022-10-29 13:00, user NN -> bytes.
SEED_13 = {9: 110603, 17: 102160, 14: 97876, 1: 104115, 13: 128169, 5: 132313, 18: 93140, 19: 131393,
           3: 106127, 12: 107221, 15: 131188, 10: 133697, 20: 129184, 7: 100423, 2: 102333, 8: 115711,
           4: 115494, 6: 108944, 11: 111530, 16: 118326}


def batch(lake_env: dict[str, str], url: str, *args: str) -> tuple[int, str]:
    done = run_module("batch", *args, env={**lake_env, "DATABASE_URL": url, "TZ": "Europe/Madrid"})
    return done.returncode, done.stderr


def test_help_documents_every_flag_and_every_setting() -> None:
    done = run_module("batch", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for action in parser()._actions:
        assert action.help, action.option_strings
        for flag in action.option_strings:
            assert flag in text
    for env in ("DATA_DIR", "LAKE_URL", "LOG_LEVEL"):
        assert f"env {env}" in text
    assert "secrets (environment only" in text and "DATABASE_URL:" in text and "AWS_SECRET_ACCESS_KEY:" in text


@pytest.mark.parametrize(("setting", "pool"), [(None, "jemalloc"), ("system", "system")])
def test_the_job_reads_with_arrows_jemalloc_pool_unless_the_environment_names_another(
        setting: str | None, pool: str) -> None:
    assert arrow_pool_of("batch", setting) == pool


@both_lakes
def test_the_seeds_hour_gives_the_seeds_users_over_quota(
        provisioned: str, lake: LakeStore, lake_env: dict[str, str]) -> None:
    events = []
    for n, total in SEED_13.items():
        user = f"00000000-0000-0000-0000-0000000000{n:02d}"
        events += [(f"2022-10-29T13:{n:02d}:00", user, A0, total // 2, "SKYPE"),
                   (f"2022-10-29T13:{n + 30:02d}:00", user, A1, total - total // 2, "TELEGRAM")]
    write_events(lake, "2022-10-29T13", "part-0.parquet", events)
    code, err = batch(lake_env, role_url(provisioned, schema.BATCH_ROLE), "--hour", "2022-10-29T13")
    assert code == 0, err
    users = query(provisioned, "SELECT id, value FROM bytes_hourly WHERE type = 'user_total_bytes'")
    assert {int(i[-2:]): v for i, v in users} == SEED_13
    rows = query(provisioned, "SELECT email, usage, quota, timestamp::text FROM user_quota_limit ORDER BY email")
    assert ("fede@gmail.com", 115494, 5000, "2022-10-29 13:00:00") in rows
    assert [r[0] for r in rows] == ["carlos@gmail.com", "fede@gmail.com", "juan@gmail.com"]


def test_the_partition_hour_is_the_utc_hour_of_its_events_whatever_the_local_zone(
        provisioned: str, lake: LakeStore, lake_env: dict[str, str]) -> None:
    write_events(lake, "2022-10-29T23", "p.parquet", [("2022-10-29T23:59:59.5", A0, A1, 5, "SKYPE")])
    code, err = batch(lake_env, role_url(provisioned, schema.BATCH_ROLE), "--hour", "2022-10-29T23")
    assert code == 0, err
    assert query(provisioned, "SELECT DISTINCT timestamp FROM bytes_hourly") == [(datetime(2022, 10, 29, 23),)]


@both_lakes
def test_a_corrupt_file_is_one_error_line_naming_it_and_a_nonzero_exit(
        provisioned: str, lake: LakeStore, lake_env: dict[str, str]) -> None:
    write_events(lake, "2022-10-29T13", "part-0.parquet", [("2022-10-29T13:01:00", A0, A1, 5, "SKYPE")])
    bad = write_bytes(lake, "2022-10-29T13", "part-1.parquet", b"PAR1" + b"\0" * 64)
    code, err = batch(lake_env, role_url(provisioned, schema.BATCH_ROLE), "--hour", "2022-10-29T13")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and bad in lines[0] and "Traceback" not in err
    assert query(provisioned, "SELECT count(*) FROM bytes_hourly") == [(0,)]


def test_without_an_hour_the_last_complete_hour_is_processed_and_no_data_is_fine(
        provisioned: str, lake: LakeStore, lake_env: dict[str, str]) -> None:
    code, err = batch(lake_env, role_url(provisioned, schema.BATCH_ROLE))
    assert code == 0, err
    assert "no data (no files under" in err and "nothing written" in err


def test_a_range_shows_progress_and_a_summary(
        provisioned: str, lake: LakeStore, lake_env: dict[str, str]) -> None:
    write_events(lake, "2022-10-29T14", "p.parquet", [("2022-10-29T14:01:00", A0, A1, 5, "SKYPE")])
    code, err = batch(lake_env, role_url(provisioned, schema.BATCH_ROLE), "--from", "2022-10-29T13", "--to", "2022-10-29T16")
    assert code == 0, err
    assert "] 1/3" in err and "] 3/3" in err
    assert "1 hour(s) written, 2 without data, 0 failed; 1 events" in err.splitlines()[-1]


def test_catch_up_from_the_command_line_processes_what_changed(
        provisioned: str, lake: LakeStore, lake_env: dict[str, str]) -> None:
    write_events(lake, "2022-10-29T14", "p.parquet", [("2022-10-29T14:01:00", A0, A1, 5, "SKYPE")])
    assert batch(lake_env, role_url(provisioned, schema.BATCH_ROLE), "--catch-up")[0] == 0
    code, err = batch(lake_env, role_url(provisioned, schema.BATCH_ROLE), "--catch-up")
    assert code == 0 and "Catch-up: 0 hour(s)" in err


@pytest.mark.parametrize(("args", "message"), [
    (["--hour", "tomorrow"], "not an hour"),
    (["--hour", "2022-10-29T13:30"], "not the start of an hour"),
    (["--from", "2022-10-29T13"], "--from and --to go together"),
    (["--from", "2022-10-29T13", "--to", "2022-10-29T13"], "must be after"),
    (["--hour", "2022-10-29T13", "--catch-up"], "choose one of"),
])
def test_a_wrong_argument_is_one_error_line_and_exit_code_2(local_lake_env: dict[str, str], args: list[str],
                                                            message: str) -> None:
    code, err = batch(local_lake_env, "postgresql://postgres@127.0.0.1:1/nowhere", *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_an_unreachable_database_is_one_error_line_and_exit_code_1(local_lake_env: dict[str, str]) -> None:
    code, err = batch(local_lake_env, "postgresql://postgres@127.0.0.1:1/nowhere", "--hour", "2022-10-29T13")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "cannot connect to PostgreSQL at postgres@127.0.0.1:1/nowhere" in err


def test_a_database_without_the_tables_is_one_error_line_pointing_at_the_provisioner(
        database_url: str, local_lake_env: dict[str, str]) -> None:
    code, err = batch(local_lake_env, database_url, "--catch-up")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "run `python -m provision` first" in err


@both_lakes
def test_a_file_with_damaged_data_pages_is_one_error_line_naming_it(
        provisioned: str, lake: LakeStore, lake_env: dict[str, str]) -> None:
    events = [(f"2022-10-29T13:{i % 60:02d}:00", f"u{i % 50}", A0, i, "SKYPE") for i in range(5000)]
    path = write_events(lake, "2022-10-29T13", "part-0.parquet", events)
    data = bytearray(read_bytes(lake, "2022-10-29T13", "part-0.parquet"))
    data[100:2000] = bytes(b ^ 0x5A for b in data[100:2000])  # the footer stays readable
    write_bytes(lake, "2022-10-29T13", "part-0.parquet", bytes(data))
    code, err = batch(lake_env, role_url(provisioned, schema.BATCH_ROLE), "--hour", "2022-10-29T13")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"unreadable Parquet file {path}" in lines[0]
    assert query(provisioned, "SELECT count(*) FROM batch_runs") == [(0,)]


def test_refused_credentials_are_one_error_line_naming_the_bucket_never_the_secret(
        provisioned: str, s3: S3Options, new_bucket: Callable[[], str]) -> None:
    bucket, secret = new_bucket(), "not-the-right-secret-1234"
    env = s3_env(s3, f"s3://{bucket}/lake") | {"AWS_SECRET_ACCESS_KEY": secret}
    code, err = batch(env, role_url(provisioned, schema.BATCH_ROLE), "--hour", "2022-10-29T13")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert f"bucket {bucket}" in err and secret not in err and "Traceback" not in err
