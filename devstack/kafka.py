"""A single-node Apache Kafka broker (KRaft, broker+controller) run from Maven Central jars."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion
from pydantic import SecretStr

from common.errors import DevStackError
from common.kafka import KafkaConfig, admin

from .kafka_properties import server_properties
from .maven import copy_dependencies, pom_version
from .ports import port_open
from .processes import start_detached, stop_detached
from .tls import SelfSigned, self_signed

HERE = Path(__file__).parent
POM = HERE / "kafka-jars.pom.xml"
LOG4J = HERE / "log4j2.properties"


def jars_dir(cache_dir: Path) -> Path:
    """Fetch the broker jars through Maven once; later calls reuse the cached folder."""
    version = pom_version(POM, "kafka.version")
    return copy_dependencies(POM, cache_dir / f"kafka-{version}")


@dataclass(frozen=True)
class KafkaBroker:
    """A broker whose data lives in ``data_dir`` and listens on ``127.0.0.1:port`` (PLAINTEXT).

    With ``sasl_port`` it also listens there with SASL_PLAINTEXT: mechanisms PLAIN and
    SCRAM-SHA-256, one user ``sasl_user`` with ``sasl_password``, for testing clients' SASL settings.
    With ``tls_port`` it also listens there with SSL, on a self-signed certificate for 127.0.0.1
    (``tls_ca_file`` is what a client trusts), for testing clients' TLS settings.
    With ``sasl_ssl_port`` (and a ``sasl_password``) it also listens there with SASL_SSL, the two
    combined as production runs them: SCRAM-SHA-512 only, the same user, the same certificate.
    """

    data_dir: Path
    port: int
    controller_port: int
    jars: Path
    sasl_port: int | None = None
    sasl_user: str = "pipeline"
    sasl_password: str = field(default="", repr=False)
    tls_port: int | None = None
    sasl_ssl_port: int | None = None

    def __post_init__(self) -> None:
        if (self.sasl_port or self.sasl_ssl_port) and not self.sasl_password:
            raise DevStackError("a SASL listener needs sasl_password")

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_bootstrap(self) -> str:
        return f"127.0.0.1:{self.sasl_port}"

    def sasl_config(self, mechanism: str = "SCRAM-SHA-256") -> KafkaConfig:
        """How a client reaches the SASL listener."""
        return KafkaConfig(self.sasl_bootstrap, "SASL_PLAINTEXT", mechanism, self.sasl_user,
                           SecretStr(self.sasl_password))

    @property
    def tls_bootstrap(self) -> str:
        return f"127.0.0.1:{self.tls_port}"

    @property
    def tls_ca_file(self) -> Path:
        return self._certificate().certificate

    def tls_config(self, ca_file: Path | None = None) -> KafkaConfig:
        """How a client reaches the TLS listener (trusting ``ca_file``, by default the broker's own)."""
        return KafkaConfig(self.tls_bootstrap, "SSL", ssl_ca_file=ca_file or self.tls_ca_file)

    @property
    def sasl_ssl_bootstrap(self) -> str:
        return f"127.0.0.1:{self.sasl_ssl_port}"

    def sasl_ssl_config(self) -> KafkaConfig:
        """How a client reaches the SASL_SSL listener (SCRAM-SHA-512, trusting the broker's certificate)."""
        return KafkaConfig(self.sasl_ssl_bootstrap, "SASL_SSL", "SCRAM-SHA-512", self.sasl_user,
                           SecretStr(self.sasl_password), ssl_ca_file=self.tls_ca_file)

    def _certificate(self) -> SelfSigned:
        return self_signed(self.data_dir / "tls", password=f"devstack-{self.port}")

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "broker.pid"

    def _properties(self) -> str:
        tls = self.tls_port is not None or self.sasl_ssl_port is not None
        return server_properties(self, self._certificate() if tls else None)

    def _java(self, main: str, *args: str, heap: str = "") -> list[str]:
        opts = ["-Xms256m", "-Xmx768m"] if heap else []
        return ["java", *opts, f"-Dlog4j2.configurationFile={LOG4J}", "-cp",
                f"{self.jars}/*", main, *args]

    def start(self, timeout: float = 90.0) -> None:
        """Format the storage on first use, start the broker detached, wait until it answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        props = self.data_dir / "server.properties"
        props.write_text(self._properties())
        if not (self.data_dir / "logs" / "meta.properties").exists():
            fmt = subprocess.run(
                self._java("kafka.tools.StorageTool", "format", "-t", str(uuid.uuid4()), "-c", str(props)),
                capture_output=True, text=True)
            if fmt.returncode != 0:
                raise DevStackError(f"Kafka storage format failed: {fmt.stderr[-2000:]}")
        if port_open(self.port):
            raise DevStackError(f"port {self.port} is already in use; is a broker running already?")
        start_detached(self._java("kafka.Kafka", str(props), heap="yes"), self.data_dir / "broker.log", self.pid_file,
                       self.ready, f"Kafka broker on {self.bootstrap}", timeout)
        if self.sasl_port is not None or self.sasl_ssl_port is not None:
            self._add_scram_user()

    def _add_scram_user(self, timeout: float = 30.0) -> None:
        """Store the SCRAM-SHA-256 and SCRAM-SHA-512 credentials of ``sasl_user`` (PLAIN's is in the properties)."""
        client = admin(self.bootstrap)  # kept alive until the futures are done
        try:
            for mechanism in (ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512):  # one per request
                upsert = UserScramCredentialUpsertion(self.sasl_user, ScramCredentialInfo(mechanism, 4096),
                                                      self.sasl_password.encode())
                for future in client.alter_user_scram_credentials([upsert]).values():
                    future.result(timeout)
        except KafkaException as e:
            self.stop()
            raise DevStackError(f"could not add the SCRAM user {self.sasl_user!r}: {e}") from e

    def ready(self) -> bool:
        """True when the broker answers a metadata request."""
        if not port_open(self.port):
            return False
        try:
            admin(self.bootstrap).list_topics(timeout=2)
        except Exception:  # noqa: BLE001 - any failure simply means "not ready yet"
            return False
        return True

    def stop(self) -> None:
        """SIGTERM the broker, then SIGKILL it if it lingers."""
        stop_detached(self.pid_file, grace=30)

    def kill(self) -> None:
        """SIGKILL the broker, as a crash would stop it (no controlled shutdown)."""
        stop_detached(self.pid_file, grace=0)

