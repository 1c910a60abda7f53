"""Publishing from PostgreSQL staging into a bucket, crash windows included (real PostgreSQL and S3 server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr

from common import schema
from common.db import DatabaseConfig
from common.errors import LakeUnavailable
from common.lake_store import LakeStore
from common.s3 import S3Options
from processor.metrics import Metrics
from processor.postgres.connection import ReconnectingConnection
from processor.staging.bucket import BucketStaging
from processor.staging.rows import publishing, staged_batches

from ...helpers import query
from ...services import provisioned_database, role_url
from ..harness import lake_events
from .test_publish import DEVICES_0, T13, Crash, checkpoint

pytestmark = pytest.mark.integration
NAME = "part-devices-0-00000000000000000000-00000000000000000004.parquet"


@pytest.fixture
def shared(postgres_url: str, s3: S3Options, new_bucket: Callable[[], str],
           tmp_path: Path) -> Iterator[tuple[BucketStaging, ReconnectingConnection, LakeStore, str]]:
    """A staging in a provisioned database, a lake in a new bucket, and a connection like the processor's."""
    with provisioned_database(postgres_url) as url:
        lake = LakeStore(f"s3://{new_bucket()}/lake", s3)
        # As the processor's own role: the grants of migration 0007 are exercised too.
        db = ReconnectingConnection(DatabaseConfig(SecretStr(role_url(url, schema.PROCESSOR_ROLE))), Metrics())
        yield BucketStaging(lake, tmp_path / "tmp"), db, lake, url
        db.close()


def objects(lake: LakeStore) -> dict[str, bytes]:
    found = {}
    for o in lake.walk():
        with lake.filesystem.open_input_stream(o.path) as source:
            found[o.relative] = bytes(source.read())
    return found


def test_a_publish_puts_one_object_per_hour_at_its_final_key_and_empties_the_staging(shared: Any) -> None:
    staging, db, lake, url = shared
    checkpoint(staging, db, DEVICES_0, 0, 1, (T13 + 5, T13 + 3600))
    checkpoint(staging, db, DEVICES_0, 2, 4, (T13 + 10,))
    written = staging.publish(db, DEVICES_0)
    assert sorted(objects(lake)) == [f"year=2022/month=10/day=29/hour={h}/{NAME}" for h in (13, 14)]
    assert sorted(written) == sorted(lake.uri(lake.path(k)) for k in objects(lake))
    assert query(url, "SELECT count(*) FROM processor_staging") == [(0,)]
    assert query(url, "SELECT count(*) FROM processor_publishing") == [(0,)]
    assert [(r[1], r[3]) for r in lake_events(lake)] == [("u0", 0), ("u0", 0), ("u1", 1)]


def test_a_batch_whose_transaction_rolled_back_was_never_staged(shared: Any) -> None:
    staging, db, lake, _ = shared
    checkpoint(staging, db, DEVICES_0, 0, 1, (T13, T13 + 1), commit=False)
    assert staging.publish(db, DEVICES_0) == [] and objects(lake) == {}


def test_a_publish_interrupted_after_its_puts_is_finished_by_the_next_owner_with_the_same_keys_and_bytes(
        shared: Any) -> None:
    staging, db, lake, _ = shared
    checkpoint(staging, db, DEVICES_0, 0, 1, (T13 + 5, T13 + 3600))
    checkpoint(staging, db, DEVICES_0, 2, 4, (T13 + 10,))
    span, _ = db.transaction(staging.publisher.plan, DEVICES_0)  # the manifest is committed...
    assert span == (0, 4)

    def crash_before_commit(conn: psycopg.Connection[Any]) -> None:
        staging.publisher.execute(conn, DEVICES_0, span)  # ...the objects are PUT...
        raise Crash  # ...and the owner dies before its COMMIT
    with pytest.raises(Crash):
        db.transaction(crash_before_commit)
    first_attempt = objects(lake)
    assert len(first_attempt) == 2 and db.transaction(lambda c: publishing(c, DEVICES_0)) == (0, 4)
    checkpoint(staging, db, DEVICES_0, 5, 5, (T13 + 20,))  # the next owner stages before its first publish
    staging.publish(db, DEVICES_0)
    after = objects(lake)
    assert {k: after[k] for k in first_attempt} == first_attempt  # same keys, same content
    assert sorted(after) == sorted([*first_attempt, "year=2022/month=10/day=29/hour=13/"
                                    "part-devices-0-00000000000000000005-00000000000000000005.parquet"])
    assert [r[3] for r in lake_events(lake)] == [0, 0, 0, 1]
    assert db.transaction(lambda c: staged_batches(c, DEVICES_0)) == []


def test_a_temporary_folder_that_cannot_be_written_is_lake_unavailable_and_loses_nothing(shared: Any,
                                                                                      tmp_path: Path) -> None:
    staging, db, lake, _ = shared
    checkpoint(staging, db, DEVICES_0, 0, 1, (T13, T13 + 3600))
    (tmp_path / "tmp").write_bytes(b"")  # DATA_DIR/tmp is a file: every write under it fails, as on a full disk
    with pytest.raises(LakeUnavailable, match="tmp"):
        staging.publish(db, DEVICES_0)
    assert objects(lake) == {} and [(b.first, b.last) for b in db.transaction(lambda c: staged_batches(c, DEVICES_0))] == [(0, 1)]
    (tmp_path / "tmp").unlink()  # space again
    staging.publish(db, DEVICES_0)
    assert [(r[1], r[3]) for r in lake_events(lake)] == [("u0", 0), ("u1", 1)]
