"""What the dashboards' deployment keeps safe: the bundle's mode, and TLS carried into Superset's connection."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pydantic import SecretStr

from serving.reader import reader_uri
from serving.superset.bundle import write_zip


def test_the_bundle_is_written_mode_600_whatever_the_umask_and_an_older_open_one_is_narrowed(tmp_path: Path) -> None:
    old = tmp_path / "old.zip"
    old.write_bytes(b"older bundle")
    old.chmod(0o644)
    previous = os.umask(0)
    try:
        for out in (tmp_path / "new.zip", old):
            write_zip({"metadata.yaml": "{}"}, out)
            assert stat.S_IMODE(out.stat().st_mode) == 0o600, out.name
    finally:
        os.umask(previous)


def test_superset_checks_the_servers_certificate_as_the_pipeline_does() -> None:
    url = SecretStr("postgresql://owner:pw@db.example:5432/antenna?sslrootcert=/etc/ca%20dir/root.crt"
                    "&sslcrl=/etc/crl.pem&sslcert=/etc/owner.crt&sslkey=/etc/owner.key")
    uri = urlsplit(reader_uri(url, SecretStr("reader"), "verify-full"))
    params = parse_qs(uri.query)
    assert params == {"sslmode": ["verify-full"], "sslrootcert": ["/etc/ca dir/root.crt"], "sslcrl": ["/etc/crl.pem"]}
    plain = reader_uri(SecretStr("postgresql://owner@db.example/antenna?sslmode=require"), None)
    assert plain.endswith("/antenna?sslmode=require")
