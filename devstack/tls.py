"""Self-signed certificates for local servers' TLS: a broker's (JDK ``keytool``) and PostgreSQL's (``openssl``).

The broker (Java) reads the PKCS12 keystore; clients (librdkafka) trust the exported PEM
certificate as their CA file. PostgreSQL reads a PEM certificate and key; clients give the same
certificate as ``sslrootcert``. Each names ``127.0.0.1`` (a SAN), so clients check the host name
as they would in production (``verify-full``). Nothing here is for production use.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from common.errors import DevStackError


@dataclass(frozen=True)
class SelfSigned:
    """A keystore holding one self-signed key pair, and its certificate as PEM."""

    keystore: Path  # PKCS12
    password: str
    certificate: Path  # PEM: what a client gives as its CA file


def _keytool(*args: str) -> None:
    result = subprocess.run(["keytool", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise DevStackError(f"keytool {args[0]} failed: {(result.stderr or result.stdout).strip()[-1000:]}")


def self_signed(folder: Path, password: str, host: str = "127.0.0.1", days: int = 7) -> SelfSigned:
    """Create (or reuse) ``folder/broker.p12`` and ``folder/ca.pem`` for ``host``."""
    made = SelfSigned(folder / "broker.p12", password, folder / "ca.pem")
    if made.keystore.exists() and made.certificate.exists():
        return made
    folder.mkdir(parents=True, exist_ok=True)
    store = ["-keystore", str(made.keystore), "-storetype", "PKCS12", "-storepass", password]
    made.keystore.unlink(missing_ok=True)
    _keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", str(days),
             "-dname", f"CN={host}", "-ext", f"SAN=IP:{host}", *store)
    _keytool("-exportcert", "-rfc", "-alias", "broker", "-file", str(made.certificate), *store)
    return made


@dataclass(frozen=True)
class PemCertificate:
    """A self-signed certificate and its unencrypted key, both PEM."""

    certificate: Path  # what a client gives as its root certificate (libpq ``sslrootcert``)
    key: Path


def self_signed_pem(folder: Path, host: str = "127.0.0.1", days: int = 7) -> PemCertificate:
    """Create (or reuse) ``folder/server.crt`` and ``folder/server.key`` for ``host``."""
    made = PemCertificate(folder / "server.crt", folder / "server.key")
    if made.certificate.exists() and made.key.exists():
        return made
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(days),
                             "-keyout", str(made.key), "-out", str(made.certificate), "-subj", f"/CN={host}",
                             "-addext", f"subjectAltName=IP:{host}"], capture_output=True, text=True)
    if result.returncode != 0:
        raise DevStackError(f"openssl req failed: {(result.stderr or result.stdout).strip()[-1000:]}")
    made.key.chmod(0o600)
    return made
