"""The text of the test broker's ``server.properties``: KRaft roles, listeners, SASL users, TLS keystores.

Pure: it reads the broker's ports and user, and the certificate already made for it, and returns text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .kafka import KafkaBroker
    from .tls import SelfSigned

SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule required;"


def _sasl(broker: KafkaBroker) -> list[str]:
    if broker.sasl_port is None:
        return []
    plain = (f'org.apache.kafka.common.security.plain.PlainLoginModule required '
             f'user_{broker.sasl_user}="{broker.sasl_password}";')
    return ["listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256",
            f"listener.name.sasl_plaintext.plain.sasl.jaas.config={plain}",
            f"listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config={SCRAM_LOGIN}"]


def _keystore(listener: str, certificate: SelfSigned | None) -> list[str]:
    if certificate is None:
        raise ValueError(f"the {listener} listener needs the broker's certificate")
    return [f"listener.name.{listener}.ssl.keystore.location={certificate.keystore}",
            f"listener.name.{listener}.ssl.keystore.type=PKCS12",
            f"listener.name.{listener}.ssl.keystore.password={certificate.password}"]


def _tls(broker: KafkaBroker, certificate: SelfSigned | None) -> list[str]:
    return [] if broker.tls_port is None else _keystore("ssl", certificate)


def _sasl_ssl(broker: KafkaBroker, certificate: SelfSigned | None) -> list[str]:
    if broker.sasl_ssl_port is None:
        return []
    return ["listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512",
            f"listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config={SCRAM_LOGIN}", *_keystore("sasl_ssl", certificate)]


def server_properties(broker: KafkaBroker, certificate: SelfSigned | None) -> str:
    """``broker``'s configuration; ``certificate`` is needed (and used) only with a TLS listener."""
    c, p = broker.controller_port, broker.port
    extra = f",SASL_PLAINTEXT://127.0.0.1:{broker.sasl_port}" if broker.sasl_port else ""
    extra += f",SSL://127.0.0.1:{broker.tls_port}" if broker.tls_port else ""
    extra += f",SASL_SSL://127.0.0.1:{broker.sasl_ssl_port}" if broker.sasl_ssl_port else ""
    return "\n".join([
        "process.roles=broker,controller", "node.id=1",
        f"controller.quorum.voters=1@127.0.0.1:{c}",
        f"listeners=PLAINTEXT://127.0.0.1:{p},CONTROLLER://127.0.0.1:{c}{extra}",
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{p}{extra}",
        "inter.broker.listener.name=PLAINTEXT", "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,"
        "SSL:SSL,SASL_SSL:SASL_SSL",
        *_sasl(broker), *_tls(broker, certificate), *_sasl_ssl(broker, certificate),
        f"log.dirs={broker.data_dir / 'logs'}",
        "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1", "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1", "group.initial.rebalance.delay.ms=0",
        "offsets.topic.num.partitions=4", "transaction.state.log.num.partitions=4",
        "log.cleaner.dedupe.buffer.size=16777216", "num.partitions=1",
        "auto.create.topics.enable=false", "",
    ])
