"""compose.yaml cannot drift from the code: each of our services' commands, run natively with the
environment compose gives it, against the real local Kafka and PostgreSQL.

Compose resolves the file (so the commands, variables and volumes are exactly what Docker would
run) with the documented way to use an existing Kafka and PostgreSQL (KAFKA_ADDRESS,
POSTGRES_HOST, POSTGRES_PORT) pointing at the test's servers; each named volume becomes a folder
of the test's own, and the metrics server a free loopback port.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import stat
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow.dataset as ds
import pytest

from batch.settings import BatchSettings
from common import schema
from common.kafka import end_offsets
from common.lake import counts, hour_dir
from common.retry import within
from common.schema import LAKE_SUBDIR
from common.settings import ServiceSettings
from devstack.ports import free_port
from devstack.postgres import PostgresCluster
from processor.settings import ProcessorSettings
from provision.settings import ProvisionSettings
from serving.settings import BundleSettings
from simulator.settings import SimulatorSettings

from ..helpers import query
from ..services import ROLE_PASSWORDS, unique
from ..serving.conftest import superset_python
from .compose import BIN, REPO, resolved

pytestmark = pytest.mark.integration

SETTINGS: dict[str, type[ServiceSettings]] = {
    "antenna-provision": ProvisionSettings, "antenna-simulator": SimulatorSettings,
    "antenna-processor": ProcessorSettings, "antenna-batch": BatchSettings, "antenna-serving": BundleSettings}
LOAD_EVENTS = 3000


class Native:
    """Compose's services translated to this machine."""

    def __init__(self, config: dict[str, Any], volumes: Path) -> None:
        self.services, self.volumes = config["services"], volumes
        self.metrics_port = str(free_port())

    def _path(self, service: str, value: str) -> str:
        for mount in self.services[service].get("volumes", []):
            if value == mount["target"] or value.startswith(mount["target"] + "/"):
                base = self.volumes / mount["source"] if mount["type"] == "volume" else Path(mount["source"])
                return str(base) + value[len(mount["target"]):]
        return value

    def env(self, service: str) -> dict[str, str]:
        env = {}
        for key, value in self.services[service].get("environment", {}).items():
            local = "@postgres:" not in str(value) and "kafka:19092" not in str(value)
            assert local and (key, value) != ("PGHOST", "postgres"), (service, key)
            env[key] = self._path(service, str(value))
        if "METRICS_PORT" in env:  # per-instance port on a shared host; loopback instead of all interfaces
            env.update(METRICS_PORT=self.metrics_port, METRICS_HOST="127.0.0.1")
        return env

    def argv(self, service: str) -> list[str]:
        command = [self._path(service, arg) for arg in self.services[service]["command"]]
        local = BIN / command[0]
        return [str(local) if local.exists() else command[0], *command[1:]]

    def run(self, service: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(service), env={**os.environ, **self.env(service)}, capture_output=True,
                              text=True, timeout=timeout)

    def start(self, service: str, log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            return subprocess.Popen(self.argv(service), env={**os.environ, **self.env(service)}, stdout=out,
                                    stderr=subprocess.STDOUT)

    def healthy(self, service: str) -> bool:
        test = self.services[service]["healthcheck"]["test"]
        assert test[0] == "CMD", test
        argv = [str(BIN / "python") if test[1] == "python" else test[1], *test[2:]]
        return subprocess.run(argv, env={**os.environ, **self.env(service)}, capture_output=True).returncode == 0


@pytest.fixture
def native(kafka_brokers: str, database_url: str, tmp_path: Path) -> Native:
    name = urlsplit(database_url).path[1:]
    topic = unique("compose")
    server = urlsplit(database_url)
    overrides = {"KAFKA_ADDRESS": kafka_brokers, "POSTGRES_HOST": str(server.hostname), "POSTGRES_PORT": str(server.port),
                 "POSTGRES_USER": "postgres", "POSTGRES_DB": name, "KAFKA_TOPIC": topic,
                 "KAFKA_DLQ_TOPIC": topic + "-dlq", "CONSUMER_GROUP": unique("group"), "LAKE_FLUSH_SECONDS": "1",
                 "LOAD_EVENTS": str(LOAD_EVENTS), "LOAD_RATE": "50000",
                 # Roles are cluster-wide: the session's passwords, which every other test uses too.
                 "PROCESSOR_PASSWORD": ROLE_PASSWORDS[schema.PROCESSOR_ROLE],
                 "BATCH_PASSWORD": ROLE_PASSWORDS[schema.BATCH_ROLE], "READER_PASSWORD": ROLE_PASSWORDS[schema.READER_ROLE]}
    return Native(resolved(overrides), tmp_path / "volumes")


def stop(proc: subprocess.Popen[bytes], log: Path) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"did not stop on SIGTERM: {log.read_text()[-3000:]}") from None


def test_every_variable_compose_gives_our_services_is_one_of_their_settings() -> None:
    for name, service in resolved()["services"].items():
        command = service.get("command") or [""]
        if command[0] in SETTINGS:
            fields = {f.upper() for f in SETTINGS[command[0]].model_fields}
            assert set(service["environment"]) <= fields, (name, set(service["environment"]) - fields)


def test_the_services_of_compose_run_natively_end_to_end(native: Native, database_url: str, kafka_brokers: str,
                                                          tmp_path: Path) -> None:
    provision = native.run("provision")
    assert provision.returncode == 0, provision.stderr

    for _ in range(2):  # Superset's metadata database and login role; safe to repeat
        done = native.run("superset-db")
        assert done.returncode == 0, done.stderr
    assert query(database_url, "SELECT count(*) FROM pg_database WHERE datname = 'superset'") == [(1,)]

    bundle = native.run("dashboards")
    assert bundle.returncode == 0, bundle.stderr
    assert stat.S_IMODE((tmp_path / "volumes" / "superset-bundle" / "dashboards.zip").stat().st_mode) == 0o600
    with zipfile.ZipFile(tmp_path / "volumes" / "superset-bundle" / "dashboards.zip") as zf:
        database = next(zf.read(n).decode() for n in zf.namelist() if "/databases/" in n)
    assert f"pipeline_reader:{ROLE_PASSWORDS[schema.READER_ROLE]}@127.0.0.1" in database

    logs = {name: tmp_path / f"{name}.log" for name in ("processor", "simulator", "batch")}
    processor = native.start("processor", logs["processor"])
    simulator = native.start("simulator", logs["simulator"])
    batch: subprocess.Popen[bytes] | None = None
    try:
        load = native.run("simulator-load")
        assert load.returncode == 0, load.stderr
        topic = native.env("processor")["KAFKA_TOPIC"]
        assert within(lambda: sum(end_offsets(kafka_brokers, topic).values()) > LOAD_EVENTS, 90), \
            f"the live simulator produced nothing: {logs['simulator'].read_text()[-2000:]}"
        assert within(lambda: native.healthy("processor"), 90), logs["processor"].read_text()[-3000:]
        assert within(lambda: lake_events(native, "2022-10-29T13") == LOAD_EVENTS, 90), logs["processor"].read_text()[-3000:]
        live = "SELECT count(*) FROM bytes WHERE timestamp > (now() AT TIME ZONE 'UTC') - interval '1 hour'"
        assert within(lambda: rows(database_url, live) > 0, 60), "no totals of the live simulator"

        batch = native.start("batch", logs["batch"])
        assert within(lambda: rows(database_url, "SELECT coalesce(sum(events), 0) FROM batch_runs "
                                                     "WHERE hour = '2022-10-29 13:00'") == LOAD_EVENTS, 60), \
            logs["batch"].read_text()[-3000:]
        assert rows(database_url, "SELECT count(*) FROM bytes_hourly WHERE timestamp = '2022-10-29 13:00'") > 0
    finally:
        simulator.terminate()
        simulator.wait(30)
        codes = {"processor": stop(processor, logs["processor"])}
        if batch is not None:
            codes["batch"] = stop(batch, logs["batch"])
    assert codes == {"processor": 0, "batch": 0}, {k: logs[k].read_text()[-2000:] for k in codes}


def rows(url: str, statement: str) -> int:
    return int(query(url, statement)[0][0])


def lake_events(native: Native, hour: str) -> int:
    """Events the processor published into the lake folder of ``hour`` (``2022-10-29T13``)."""
    lake = Path(native.env("processor")["DATA_DIR"]) / LAKE_SUBDIR
    folder = hour_dir(lake, datetime.fromisoformat(hour + ":00+00:00"))
    files = [p for p in folder.glob("*") if counts(p.name)] if folder.exists() else []
    return int(ds.dataset(files, format="parquet").count_rows()) if files else 0



# Where deploy/superset/Dockerfile puts our files in Superset's image, and where they are here.
IMAGE_FILES = {"/app/pythonpath/": REPO / "serving" / "superset", "/app/deploy/": REPO / "deploy" / "superset"}


@pytest.mark.superset
def test_the_superset_set_up_of_compose_runs_natively_into_its_own_postgres_database(
        native: Native, database_url: str) -> None:
    venv = superset_python().parent
    dockerfile = (REPO / "deploy" / "superset" / "Dockerfile").read_text()
    for image_dir, here in IMAGE_FILES.items():
        assert f" {image_dir}" in dockerfile and here.is_dir()
    for service in ("provision", "superset-db", "dashboards"):
        done = native.run(service)
        assert done.returncode == 0, (service, done.stderr)
    env = native.env("superset-init")
    env.update(SUPERSET_CONFIG_PATH=str(IMAGE_FILES["/app/pythonpath/"] / "superset_config.py"),
               SUPERSET_IMPORT_SCRIPT=str(IMAGE_FILES["/app/pythonpath/"] / "import_assets.py"),
               SUPERSET_ADMIN_SCRIPT=str(IMAGE_FILES["/app/pythonpath/"] / "admin_user.py"),
               PATH=f"{venv}:{os.environ['PATH']}")
    command = native.services["superset-init"]["command"]
    script = str(IMAGE_FILES["/app/deploy/"] / Path(command[0]).name)
    # Once: its steps are `serving setup`'s, whose second run (finding the administrator, re-importing
    # by UUID) tests/serving/test_superset.py::test_setup_again_changes_nothing_and_exits_zero checks.
    done = subprocess.run(["sh", script, *command[1:]], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    # The `superset` database is the cluster's: an earlier session on an external server may have made the admin.
    assert "Created administrator admin" in done.stdout or "Administrator admin exists" in done.stdout
    superset_db = urlsplit(database_url)._replace(path="/superset").geturl()
    assert query(superset_db, "SELECT slug FROM dashboards ORDER BY slug") == [("batch-layer",), ("speed-layer",)]
    uri = query(superset_db, "SELECT sqlalchemy_uri FROM dbs")[0][0]
    assert uri.startswith("postgresql+psycopg2://pipeline_reader:") and f"/{urlsplit(database_url).path[1:]}" in uri


def test_every_variable_compose_gives_superset_is_read_by_our_config_or_set_up_script() -> None:
    readers = "".join((REPO / path).read_text() for path in ("serving/superset/superset_config.py",
                                                             "deploy/superset/init.sh"))
    for name in ("superset-init", "superset"):
        for key in resolved()["services"][name]["environment"]:
            assert key in readers, (name, key)
    fields = {f.upper() for f in superset_db_script().SupersetDatabaseSettings.model_fields}
    assert set(resolved()["services"]["superset-db"]["environment"]) <= fields


def superset_db_script() -> Any:
    """deploy/postgres/superset_db.py as a module (compose runs it as a script in the pipeline's image)."""
    spec = importlib.util.spec_from_file_location("superset_db", REPO / "deploy" / "postgres" / "superset_db.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_superset_db_sends_a_scram_verifier_never_the_password_and_the_role_logs_in(
        native: Native, database_url: str, postgres: tuple[str, PostgresCluster | None]) -> None:
    cluster = postgres[1]
    if cluster is None:
        pytest.skip("PostgreSQL is external (DATABASE_URL): the test cannot read its statement log")
    password = native.env("superset-db")["SUPERSET_DB_PASSWORD"]
    log = cluster.data_dir / "server.log"
    before = log.stat().st_size
    logged = {**native.env("superset-db")}
    logged["DATABASE_URL"] += "?options=-c%20log_statement%3Dall"  # the owner may log its own statements
    for _ in range(2):  # create, then update: safe to repeat
        done = subprocess.run(native.argv("superset-db"), env={**os.environ, **logged}, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    with log.open("rb") as f:
        f.seek(before)
        statements = f.read().decode(errors="replace")
    assert statements.count("PASSWORD 'SCRAM-SHA-256$4096:") == 2 and password not in statements
    assert password not in done.stdout + done.stderr
    server = urlsplit(database_url)
    as_superset = f"postgresql://superset:{password}@{server.hostname}:{server.port}/superset"
    assert query(as_superset, "SELECT current_user") == [("superset",)]
