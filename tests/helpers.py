"""Small helpers shared by tests: querying, consuming a whole topic, running a module."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition

from common.kafka import KafkaConfig, end_offsets, kafka_config
from common.retry import within
from common.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def settings_from_env(cls: type[S], env: Mapping[str, str], **fixed: Any) -> S:
    """``cls`` from environment-style names (``DATA_DIR`` is the field ``data_dir``), plus ``fixed`` fields."""
    values: dict[str, Any] = {k.lower(): v for k, v in env.items()}
    return cls(**values, **fixed)


def query(url: str, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Rows of one query on ``url``."""
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def consume_all(brokers: KafkaConfig | str, topic: str, timeout: float = 60.0) -> list[Message]:
    """Every message of ``topic``, from the beginning up to the end it has now (no consumer group)."""
    consumer = Consumer({**kafka_config(brokers).client_config(), "group.id": f"reader-{uuid.uuid4().hex}",
                         "enable.auto.commit": False, "enable.partition.eof": False})
    try:
        ends = end_offsets(brokers, topic)
        partitions = list(ends)
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        out: list[Message] = []
        positions = {p: 0 for p in partitions}

        def read_to_the_end() -> bool:
            if all(positions[p] >= ends[p] for p in partitions):
                return True
            for msg in consumer.consume(10_000, timeout=1.0):
                if msg.error() is None:
                    out.append(msg)
                    positions[msg.partition()] = msg.offset() + 1
            return False

        within(read_to_the_end, timeout, interval=0)
    finally:
        consumer.close()
    return out


def run_module(module: str, *args: str, env: dict[str, str] | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m module args`` in a subprocess with ``env`` added to this environment."""
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def imported_modules(path: Path) -> set[str]:
    """Absolute module names a Python source file imports (``import x``, ``from x import y``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` and everything in it unwritable, even for root (the immutable flag), for a while."""
    folder.mkdir(parents=True, exist_ok=True)
    root = os.geteuid() == 0
    subprocess.run(["chattr", "-R", "+i", str(folder)] if root else ["chmod", "-R", "a-w", str(folder)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-R", "-i", str(folder)] if root else ["chmod", "-R", "u+w", str(folder)], check=True)


# ``python -m MODULE --help``, then the name of the memory pool pyarrow's arrays get by default.
_POOL_PROBE = """
import runpy, sys
sys.argv = [{module!r}, "--help"]
try:
    runpy.run_module({module!r}, run_name="__main__", alter_sys=True)
except SystemExit:
    pass
import pyarrow as pa
print(pa.default_memory_pool().backend_name)
"""


def arrow_pool_of(module: str, setting: str | None) -> str:
    """The Arrow memory pool ``python -m module`` runs on, with ``ARROW_DEFAULT_MEMORY_POOL`` unset or ``setting``."""
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if setting:
        env["ARROW_DEFAULT_MEMORY_POOL"] = setting
    done = subprocess.run([sys.executable, "-c", _POOL_PROBE.format(module=module)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-1]

