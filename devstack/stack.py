"""The local stack as one unit: where it lives, start, stop, and the settings to export."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .kafka import KafkaBroker, jars_dir
from .maven import default_cache_dir
from .postgres import PostgresCluster
from .settings import DevstackSettings


@dataclass(frozen=True)
class StackConfig:
    """Folder and ports of a local stack."""

    base_dir: Path
    kafka_port: int = 9092
    controller_port: int = 9093
    postgres_port: int = 5432
    cache_dir: Path = field(default_factory=default_cache_dir)

    def broker(self) -> KafkaBroker:
        return KafkaBroker(self.base_dir / "kafka", self.kafka_port, self.controller_port,
                           jars_dir(self.cache_dir))

    def postgres(self) -> PostgresCluster:
        return PostgresCluster(self.base_dir / "postgres", self.postgres_port)

    def env(self) -> dict[str, str]:
        """The environment variables that point the pipeline at this stack."""
        return {
            "KAFKA_BROKERS": f"127.0.0.1:{self.kafka_port}",
            "DATABASE_URL": self.postgres().url,
        }

    def save(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        state = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}
        (self.base_dir / "stack.json").write_text(json.dumps(state, indent=2))

    @classmethod
    def from_settings(cls, settings: DevstackSettings) -> StackConfig:
        """The stack saved in ``DEVSTACK_DIR`` by an earlier ``up``, or a new one on the settings' ports."""
        return cls.load(settings.devstack_dir) or cls(
            base_dir=settings.devstack_dir, kafka_port=settings.kafka_port, controller_port=settings.kafka_port + 1,
            postgres_port=settings.postgres_port)

    @classmethod
    def load(cls, base_dir: Path) -> StackConfig | None:
        path = base_dir / "stack.json"
        if not path.exists():
            return None
        raw = json.loads(path.read_text())
        return cls(base_dir=Path(raw["base_dir"]), kafka_port=raw["kafka_port"],
                   controller_port=raw["controller_port"], postgres_port=raw["postgres_port"],
                   cache_dir=Path(raw["cache_dir"]))


def up(config: StackConfig) -> None:
    """Start PostgreSQL and Kafka (PostgreSQL first: it is quicker and Kafka needs the jars)."""
    config.save()
    pg = config.postgres()
    if not pg.running():
        pg.start()
    broker = config.broker()
    if not broker.ready():
        broker.start()


def down(config: StackConfig) -> None:
    """Stop both services; their data stays for the next ``up``."""
    config.broker().stop()
    config.postgres().stop()
