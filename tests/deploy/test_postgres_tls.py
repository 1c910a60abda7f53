"""The TLS path to PostgreSQL, proven end to end: a server that presents a certificate and refuses
every connection without TLS (devstack's cluster with ``tls``), reached with ``verify-full`` by
provision, the processor, the batch job and Superset's connection URI."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from common import schema
from common.kafka import end_offsets
from devstack.ports import free_port
from devstack.postgres import PostgresCluster
from devstack.tls import self_signed_pem
from serving.reader import reader_uri

from ..helpers import query, run_module
from ..processor.harness import ProcessorRun, processor_env, wait_caught_up
from ..services import ROLE_PASSWORDS, role_url, unique
from ..serving.conftest import superset_python

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tls_database() -> Iterator[tuple[str, Path]]:
    """The owner's ``verify-full`` URL of a provisioned database on a TLS-only cluster, and the root certificate."""
    folder = Path(tempfile.mkdtemp(prefix="test-pg-tls-"))
    os.chmod(folder, 0o755)
    certificate = self_signed_pem(folder / "tls")
    cluster = PostgresCluster(folder / "data", free_port(), tls=certificate)
    cluster.start()
    try:
        url = f"{cluster.url}?sslmode=verify-full&sslrootcert={certificate.certificate}"
        passwords = {f"{role.removeprefix('pipeline_').upper()}_PASSWORD": ROLE_PASSWORDS[role]
                     for role in (schema.PROCESSOR_ROLE, schema.BATCH_ROLE, schema.READER_ROLE)}
        done = run_module("provision", env={"DATABASE_URL": url, **passwords})
        assert done.returncode == 0, done.stderr
        yield url, certificate.certificate
    finally:
        cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def test_the_tls_server_refuses_plaintext_and_a_certificate_from_another_authority(
        tls_database: tuple[str, Path], tmp_path: Path) -> None:
    url, root = tls_database
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        psycopg.connect(url.replace("sslmode=verify-full", "sslmode=disable"), connect_timeout=10)
    stranger = self_signed_pem(tmp_path / "stranger").certificate
    with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
        psycopg.connect(url.replace(str(root), str(stranger)), connect_timeout=10)
    assert query(url, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == [(True,)]


def test_the_processor_and_the_batch_job_work_through_verify_full(
        tls_database: tuple[str, Path], kafka_brokers: str, tmp_path: Path) -> None:
    url, _ = tls_database
    topic, data = unique("tls"), tmp_path / "data"
    done = run_module("simulator", "course", "--start", "2022-10-29T13:00", "--hours", "1",
                      env={"KAFKA_BROKERS": kafka_brokers, "KAFKA_TOPIC": topic, "PARTITIONS": "2"})
    assert done.returncode == 0, done.stderr
    env = {**processor_env(kafka_brokers, topic, url, data, unique("group")), "DATABASE_SSLMODE": "verify-full"}
    processor = ProcessorRun(env, tmp_path / "processor.log").start()
    try:
        wait_caught_up(url, topic, end_offsets(kafka_brokers, topic))
    finally:
        code = processor.stop(60)
    assert code == 0, (tmp_path / "processor.log").read_text()[-3000:]
    batch = run_module("batch", "--hour", "2022-10-29T13", env={
        "DATABASE_URL": role_url(url, schema.BATCH_ROLE), "DATABASE_SSLMODE": "verify-full", "DATA_DIR": str(data)})
    assert batch.returncode == 0, batch.stderr
    assert query(url, "SELECT sum(events) FROM batch_runs WHERE hour = '2022-10-29 13:00'") == [(1200,)]


@pytest.mark.superset
def test_supersets_connection_uri_reaches_the_tls_server_with_verify_full(tls_database: tuple[str, Path]) -> None:
    url, _ = tls_database
    uri = reader_uri(SecretStr(url), SecretStr(ROLE_PASSWORDS[schema.READER_ROLE]), "verify-full")
    script = ("import sys, sqlalchemy as sa\n"
              "with sa.create_engine(sys.stdin.read()).connect() as c:\n"
              "    print(c.execute(sa.text('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).scalar(),"
              " c.execute(sa.text('SELECT count(id) FROM user_metadata')).scalar())\n")
    done = subprocess.run([str(superset_python()), "-c", script], input=uri, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "20"]
