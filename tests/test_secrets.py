"""No password in any output, error, metric, `--help` or process argument of the pipeline.

Runs provision, the simulator (through SASL), the processor (through SASL, as its role), the batch
job and the report (as theirs) with known passwords and DEBUG logs, plus their failures and
`--help`, while a watcher records the command line of every process started; then searches it all.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from common import schema
from common.kafka import end_offsets
from devstack.kafka import KafkaBroker

from .helpers import query, run_module
from .processes import CommandLines
from .processor.harness import ProcessorRun, wait_caught_up
from .services import ROLE_PASSWORDS, role_url, unique

pytestmark = pytest.mark.integration
COMMANDS = ("provision", "simulator", "processor", "batch", "serving")


def run(module: str, *args: str, env: dict[str, str], outputs: list[str]) -> subprocess.CompletedProcess[str]:
    done = run_module(module, *args, env=env)
    outputs += [done.stdout, done.stderr]
    return done


def test_the_pipeline_never_shows_a_password(database_url: str, kafka_sasl: KafkaBroker, tmp_path: Path) -> None:
    wrong_db, wrong_kafka = f"wrong-db-{unique('pw')}", f"wrong-kafka-{unique('pw')}"
    secrets = [ROLE_PASSWORDS[schema.PROCESSOR_ROLE], ROLE_PASSWORDS[schema.BATCH_ROLE],
               ROLE_PASSWORDS[schema.READER_ROLE], kafka_sasl.sasl_password, wrong_db, wrong_kafka]
    topic, data = unique("secrets"), tmp_path / "data"
    kafka = {"KAFKA_BROKERS": kafka_sasl.sasl_bootstrap, "KAFKA_TOPIC": topic, "KAFKA_DLQ_TOPIC": f"{topic}-dlq",
             "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
             "KAFKA_SASL_USERNAME": kafka_sasl.sasl_user, "KAFKA_SASL_PASSWORD": kafka_sasl.sasl_password}
    passwords = {"PROCESSOR_PASSWORD": ROLE_PASSWORDS[schema.PROCESSOR_ROLE],
                 "BATCH_PASSWORD": ROLE_PASSWORDS[schema.BATCH_ROLE], "READER_PASSWORD": ROLE_PASSWORDS[schema.READER_ROLE]}
    outputs: list[str] = []
    with CommandLines() as commands:
        assert run("provision", env={"DATABASE_URL": database_url, **passwords}, outputs=outputs).returncode == 0
        assert run("simulator", "course", "--start", "2022-10-29T13:00", "--hours", "1",
                   env={**kafka, "LOG_LEVEL": "DEBUG"}, outputs=outputs).returncode == 0
        processor = ProcessorRun({**kafka, "DATABASE_URL": role_url(database_url, schema.PROCESSOR_ROLE),
                                  "DATA_DIR": str(data), "CONSUMER_GROUP": unique("group"), "COMMIT_INTERVAL": "0.5",
                                  "LAKE_FLUSH_SECONDS": "1", "LOG_LEVEL": "DEBUG"}, tmp_path / "processor.log").start()
        wait_caught_up(database_url, topic, end_offsets(kafka_sasl.sasl_config(), topic))
        for path in ("/metrics", "/healthz", "/ready"):
            outputs.append(urllib.request.urlopen(f"http://127.0.0.1:{processor.metrics_port}{path}").read().decode())
        assert processor.stop() == 0
        outputs.append((tmp_path / "processor.log").read_text())
        batch = {"DATABASE_URL": role_url(database_url, schema.BATCH_ROLE), "DATA_DIR": str(data), "LOG_LEVEL": "DEBUG"}
        assert run("batch", "--hour", "2022-10-29T13", env=batch, outputs=outputs).returncode == 0
        report = {"DATABASE_URL": role_url(database_url, schema.READER_ROLE), "LOG_LEVEL": "DEBUG"}
        assert run("serving", "report", "--out", str(tmp_path / "r.html"), env=report, outputs=outputs).returncode == 0
        # Failures: a wrong password for PostgreSQL and for Kafka, each one error line.
        bad_db = {**batch, "DATABASE_URL": role_url(database_url, schema.BATCH_ROLE).replace(
            ROLE_PASSWORDS[schema.BATCH_ROLE], wrong_db)}
        assert run("batch", "--hour", "2022-10-29T13", env=bad_db, outputs=outputs).returncode == 1
        assert "password authentication failed" in outputs[-1]
        assert run("simulator", "load", "--events", "1", env={**kafka, "KAFKA_SASL_PASSWORD": wrong_kafka},
                   outputs=outputs).returncode == 1
        every_secret = {**kafka, **passwords, "DATABASE_URL": role_url(database_url, schema.PROCESSOR_ROLE),
                        "ADMIN_PASSWORD": wrong_db}
        for module in COMMANDS:
            assert run(module, "--help", env=every_secret, outputs=outputs).returncode == 0
        for sub in ("setup", "serve", "bundle", "report"):
            assert run("serving", sub, "--help", env=every_secret, outputs=outputs).returncode == 0
        time.sleep(0.1)
    # The runs did happen, under the roles, and the watcher saw them.
    assert query(database_url, "SELECT count(*) FROM bytes_hourly")[0][0] > 0
    for module in ("provision", "simulator", "processor", "batch", "serving"):
        assert commands.containing(f"-m {module}"), f"the watcher never saw {module}"
    text = "\n".join(outputs)
    names = ["processor", "batch", "reader", "kafka", "wrong db", "wrong kafka"]  # of `secrets`, for the report
    assert [name for name, secret in zip(names, secrets, strict=True) if secret in text] == [], "printed"
    assert [name for name, secret in zip(names, secrets, strict=True) if commands.containing(secret)] == [], "argv"


def test_a_secret_setting_has_no_flag_so_it_cannot_reach_argv() -> None:
    done = run_module("batch", "--database-url", "postgresql://u:pw@h/db", "--hour", "2022-10-29T13")
    assert done.returncode == 2 and "unrecognized arguments: --database-url" in done.stderr



SUPERSET_CONFIG = Path(__file__).parents[1] / "serving" / "superset" / "superset_config.py"
SUPERSET_DB_SCRIPT = Path(__file__).parents[1] / "deploy" / "postgres" / "superset_db.py"
SASL = {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "u"}
UNREACHABLE = "postgresql://pipeline_batch@127.0.0.1:1/nowhere"
# (what runs, the environment with one bad secret, the setting the one error line must name)
REFUSED = [
    (["-m", "provision"], {"DATABASE_URL": UNREACHABLE, "PROCESSOR_PASSWORD": "change-me-processor"}, "PROCESSOR_PASSWORD"),
    (["-m", "provision"], {"DATABASE_URL": UNREACHABLE, "BATCH_PASSWORD": "CHANGEME"}, "BATCH_PASSWORD"),
    (["-m", "batch", "--hour", "2022-10-29T13"], {"DATABASE_URL": "postgresql://b:change-me-batch@127.0.0.1:1/db"},
     "DATABASE_URL"),
    (["-m", "processor"], {**SASL, "KAFKA_SASL_PASSWORD": "change_me"}, "KAFKA_SASL_PASSWORD"),
    (["-m", "simulator", "load", "--events", "1"], {**SASL, "KAFKA_SASL_PASSWORD": ""}, "KAFKA_SASL_PASSWORD"),
    (["-m", "batch", "--hour", "2022-10-29T13"], {"LAKE_URL": "s3://lake/events", "AWS_SECRET_ACCESS_KEY": "change-me-s3"},
     "AWS_SECRET_ACCESS_KEY"),
    (["-m", "serving", "setup"], {"ADMIN_PASSWORD": "change-me-admin"}, "ADMIN_PASSWORD"),
    (["-m", "serving", "setup"], {"ADMIN_PASSWORD": "x" * 40, "SUPERSET_SECRET_KEY": "change-me-to-a-long-random-string"},
     "SUPERSET_SECRET_KEY"),
    (["-m", "serving", "setup"], {"ADMIN_PASSWORD": "x" * 40, "SUPERSET_SECRET_KEY": " "}, "SUPERSET_SECRET_KEY"),
    (["-m", "serving", "setup"], {"ADMIN_PASSWORD": "x" * 40,
                                  "SUPERSET_METADATA_URL": "postgresql://superset:change-me-superset-db@h/superset"},
     "SUPERSET_METADATA_URL"),
    (["-m", "serving", "bundle", "--out", "/nonexistent/b.zip"], {"READER_PASSWORD": "change-me-reader"}, "READER_PASSWORD"),
    ([str(SUPERSET_DB_SCRIPT)], {"DATABASE_URL": UNREACHABLE, "SUPERSET_DB_PASSWORD": "change-me-superset-db"},
     "SUPERSET_DB_PASSWORD"),
    ([str(SUPERSET_CONFIG)], {"SUPERSET_SECRET_KEY": "change-me-to-a-long-random-string"}, "SUPERSET_SECRET_KEY"),
    ([str(SUPERSET_CONFIG)], {"SUPERSET_SECRET_KEY": ""}, "SUPERSET_SECRET_KEY"),
]


@pytest.mark.parametrize(("argv", "env", "setting"), REFUSED, ids=[f"{Path(a[-1]).name}-{s}" for a, _, s in REFUSED])
def test_a_service_refuses_an_empty_or_change_me_secret_with_one_line_and_exit_2(
        argv: list[str], env: dict[str, str], setting: str) -> None:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "AWS_", "SUPERSET_", "ADMIN_"))}
    done = subprocess.run([sys.executable, *argv], env={**kept, **env}, capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert setting in lines[0] and ("placeholder" in lines[0] or "empty" in lines[0]), lines[0]
    bad = next(v for k, v in env.items() if k == setting)
    assert not bad.strip() or bad not in done.stdout + done.stderr
