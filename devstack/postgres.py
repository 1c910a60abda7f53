"""A PostgreSQL cluster of our own, from the machine's server binaries, on a loopback port.

PostgreSQL refuses to run as root; when we are root, the cluster runs as the ``postgres`` system
user (``runuser``) and its folder is handed to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from common.errors import DevStackError
from common.retry import within

from .ports import port_open
from .tls import PemCertificate


def server_bin_dir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl`` (Debian keeps them off PATH)."""
    if found := shutil.which("pg_ctl"):
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if not candidates:
        raise DevStackError("PostgreSQL server binaries not found (apt-get install postgresql)")
    return Path(candidates[0]).parent


# The superuser is trusted on loopback (devstack, tests, `python -m provision`); every other role,
# the services' ones included, must give its password (stored as a SCRAM-SHA-256 verifier).
HBA = """local all all trust
host all postgres 127.0.0.1/32 trust
host all postgres ::1/128 trust
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""
# With TLS: every TCP connection must use it (a plaintext one is refused), the rest as above.
TLS_HBA = """local all all trust
hostnossl all all 0.0.0.0/0 reject
hostnossl all all ::/0 reject
hostssl all postgres 127.0.0.1/32 trust
hostssl all all 127.0.0.1/32 scram-sha-256
"""


@dataclass(frozen=True)
class PostgresCluster:
    """A cluster in ``data_dir`` on ``127.0.0.1:port``: superuser postgres trusted, other roles by SCRAM.

    With ``tls``, the server presents that certificate and refuses every connection without TLS.
    """

    data_dir: Path
    port: int
    tls: PemCertificate | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(server_bin_dir() / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True)

    def _prepare_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            os.chown(self.data_dir, pg.pw_uid, pg.pw_gid)
            os.chmod(self.data_dir, 0o700)
            probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(self.data_dir)])
            if probe.returncode != 0:
                raise DevStackError(f"user postgres cannot write {self.data_dir}: choose a folder outside private directories")

    def start(self, timeout: float = 60.0) -> None:
        """initdb on first use, then start the server and wait until it accepts connections."""
        if port_open(self.port):
            raise DevStackError(f"port {self.port} is already in use; is a PostgreSQL running already?")
        self._prepare_dir()
        if not (self.data_dir / "PG_VERSION").exists():
            init = self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "-A", "trust",
                             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
            if init.returncode != 0:
                raise DevStackError(f"initdb failed: {init.stderr.strip()[-2000:]}")
        (self.data_dir / "pg_hba.conf").write_text(TLS_HBA if self.tls else HBA)
        options = (f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 "
                   "-c max_connections=200 -c fsync=on -c shared_buffers=256MB")
        if self.tls is not None:
            options += " -c ssl=on" + self._install_tls(self.tls)
        started = self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.data_dir / "server.log"),
                            "-o", options, "-w", "-t", str(int(timeout)), "start")
        if started.returncode != 0 or not within(lambda: port_open(self.port), timeout, interval=0.25):
            log_tail = (self.data_dir / "server.log").read_text(errors="replace")[-2000:]
            raise DevStackError(f"PostgreSQL did not start on port {self.port}: {started.stderr.strip()}\n{log_tail}")

    def _install_tls(self, tls: PemCertificate) -> str:
        """Copy the certificate and key into the data folder, readable by the server only; its options."""
        for source, name in ((tls.certificate, "server.crt"), (tls.key, "server.key")):
            target = self.data_dir / name
            shutil.copyfile(source, target)
            target.chmod(0o600)
            if os.geteuid() == 0:
                pg = pwd.getpwnam("postgres")
                os.chown(target, pg.pw_uid, pg.pw_gid)
        return " -c ssl_cert_file=server.crt -c ssl_key_file=server.key"

    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists() and port_open(self.port)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast`` rolls back open transactions; ``immediate`` is a crash)."""
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")


def role_url(url: str, role: str, password: str) -> str:
    """``url`` with ``role`` and its password as the user: how a service connects to the same database."""
    parts = urlsplit(url)
    netloc = f"{quote(role, safe='')}:{quote(password, safe='')}@{parts.hostname}:{parts.port or 5432}"
    return parts._replace(netloc=netloc).geturl()
