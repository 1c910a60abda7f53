"""Where the processor's lake is, checked before it consumes: a bucket it can reach, and no staged
events stranded by a switch of LAKE_URL (real PostgreSQL, S3 server and processor command)."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from ...helpers import run_module
from ..harness import Pipeline

pytestmark = pytest.mark.integration


def processor(env: dict[str, str]) -> tuple[int, str]:
    done = run_module("processor", env=env | {"METRICS_PORT": "0"}, timeout=60)
    return done.returncode, done.stderr


def test_a_bucket_that_does_not_exist_is_one_error_line_and_exit_code_1(new_pipeline: Callable[..., Pipeline]) -> None:
    p = new_pipeline("s3")
    code, err = processor(p.env | {"LAKE_URL": "s3://no-such-bucket-anywhere/lake"})
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "bucket no-such-bucket-anywhere" in err and p.env["AWS_SECRET_ACCESS_KEY"] not in err


def test_moving_a_folder_lake_with_staged_files_to_a_bucket_is_refused(new_pipeline: Callable[..., Pipeline]) -> None:
    p = new_pipeline("s3")
    staged = p.data / "staging" / p.topic / "0" / "00000000000000000000-00000000000000000009.arrow"
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"a committed batch of the folder lake")
    code, err = processor(p.env)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "staged in" in err
    assert staged.exists()


def test_moving_a_bucket_lake_with_staged_rows_to_a_folder_is_refused(new_pipeline: Callable[..., Pipeline]) -> None:
    p = new_pipeline()
    with psycopg.connect(p.url) as conn:
        conn.execute("INSERT INTO processor_staging VALUES (%s, 0, 0, 9, %s)", (p.topic, b"a batch"))
    code, err = processor(p.env)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "staged in PostgreSQL" in err
