"""A real S3-compatible server: s3proxy (Apache-2.0, a runnable jar from Maven Central) over a folder.

Requests are signed (AWS signature v2 or v4 with an access key and a secret), so the clients'
credentials and signing are exercised as against AWS S3; buckets are sub-folders of ``data_dir``.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from common.errors import DevStackError
from common.s3 import S3Options

from .maven import copy_dependencies, pom_version
from .ports import port_open
from .processes import start_detached, stop_detached

POM = Path(__file__).parent / "s3proxy-jar.pom.xml"
REGION = "us-east-1"


def s3proxy_jar(cache_dir: Path) -> Path:
    """The s3proxy jar with its dependencies, fetched through Maven once into ``cache_dir``."""
    version = pom_version(POM, "s3proxy.version")
    folder = copy_dependencies(POM, cache_dir / f"s3proxy-{version}")
    return folder / f"s3proxy-{version}-jar-with-dependencies.jar"


@dataclass(frozen=True)
class S3Server:
    """s3proxy listening on ``127.0.0.1:port``, keeping its buckets under ``data_dir/buckets``."""

    data_dir: Path
    port: int
    jar: Path
    access_key: str = "antenna"
    secret_key: SecretStr = field(default_factory=lambda: SecretStr("antenna-secret"))

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "s3proxy.pid"

    def options(self) -> S3Options:
        """How a client reaches this server (plain http on loopback, signed requests)."""
        return S3Options(endpoint_url=self.endpoint, access_key_id=self.access_key,
                         secret_access_key=self.secret_key, region=REGION, allow_http=True)

    def _properties(self) -> str:
        return "\n".join([
            f"s3proxy.endpoint={self.endpoint}", "s3proxy.authorization=aws-v2-or-v4",
            f"s3proxy.identity={self.access_key}", f"s3proxy.credential={self.secret_key.get_secret_value()}",
            "jclouds.provider=filesystem", f"jclouds.filesystem.basedir={self.data_dir / 'buckets'}",
            f"jclouds.region={REGION}", "",
        ])

    def start(self, timeout: float = 60.0) -> None:
        """Start s3proxy detached and wait until it answers HTTP."""
        if port_open(self.port):
            raise DevStackError(f"port {self.port} is already in use; is an S3 server running already?")
        (self.data_dir / "buckets").mkdir(parents=True, exist_ok=True)
        props = self.data_dir / "s3proxy.properties"
        props.touch(mode=0o600)
        props.write_text(self._properties())
        start_detached(["java", "-Xms64m", "-Xmx384m", "-jar", str(self.jar), "--properties", str(props)],
                       self.data_dir / "s3proxy.log", self.pid_file, self.ready, f"s3proxy on {self.endpoint}",
                       timeout, interval=0.3)

    def ready(self) -> bool:
        """True when the server answers an (unsigned, hence refused) HTTP request."""
        if not port_open(self.port):
            return False
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request("GET", "/")
            return conn.getresponse().status > 0
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        """SIGTERM s3proxy, then SIGKILL it if it lingers."""
        stop_detached(self.pid_file, grace=15)
