"""Where the lake lives, a local folder or an S3 bucket prefix, behind one pyarrow filesystem.

Lake objects are named by paths relative to the lake's root (``year=2022/.../part-x.parquet``).
A ``LakeStore`` turns them into what pyarrow needs (``filesystem`` + ``path``) and what Polars
needs (``uri`` + ``storage_options``), and lists one folder, or the whole lake, with each object's
size and modification time. The secret key is a ``SecretStr`` and appears in no repr or message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.fs as pafs

from .errors import ConfigError, LakeUnavailable, one_line
from .lake import temporary_name
from .s3 import S3Options


def parse_lake_url(url: str) -> tuple[str, str]:
    """``(scheme, root)``: ``("s3", "bucket/prefix")`` or ``("", "/absolute/folder")``; else ConfigError."""
    parts = urlsplit(url)
    if parts.scheme == "s3":
        bucket = parts.netloc
        if not bucket or "@" in bucket or parts.query or parts.fragment:
            raise ConfigError(f"LAKE_URL {url!r}: expected s3://bucket[/prefix]")
        return "s3", f"{bucket}{parts.path}".rstrip("/")
    if "://" in url:
        raise ConfigError(f"LAKE_URL {url!r}: a folder or s3://bucket/prefix expected (GCS, MinIO and other "
                          "S3-compatible stores are reached through s3:// and AWS_ENDPOINT_URL)")
    return "", str(Path(url).absolute())


@dataclass(frozen=True)
class LakeObject:
    """One object (file) of the lake as a listing shows it."""

    path: str  # on the store's filesystem: "bucket/prefix/year=..." or "/abs/folder/year=..."
    relative: str  # below the lake's root, "/"-separated
    uri: str  # as Polars and messages name it
    size: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return self.relative.rsplit("/", 1)[-1]


class LakeStore:
    """The lake's root on its filesystem; ``url`` is how messages name it."""

    def __init__(self, url: str, s3: S3Options | None = None) -> None:
        scheme, self.root = parse_lake_url(url)
        self.is_s3 = scheme == "s3"
        options = s3 or S3Options()
        self.filesystem: pafs.FileSystem = options.filesystem() if self.is_s3 else pafs.LocalFileSystem()
        self.storage_options: dict[str, str] | None = options.storage_options() if self.is_s3 else None
        self.url = f"s3://{self.root}" if self.is_s3 else self.root

    def __repr__(self) -> str:
        return f"LakeStore({self.url!r})"

    def path(self, relative: str) -> str:
        """The filesystem path of ``relative`` (a path below the lake's root)."""
        return f"{self.root}/{relative}" if relative else self.root

    def uri(self, path: str) -> str:
        """``path`` as Polars and log lines name it: ``s3://bucket/key`` or the local path."""
        return f"s3://{path}" if self.is_s3 else path

    def check(self) -> None:
        """``LakeUnavailable`` unless the lake's bucket exists and answers (a local lake is always fine:
        a missing folder is a lake without data)."""
        if not self.is_s3:
            return
        bucket = self.root.split("/", 1)[0]
        try:
            found = self.filesystem.get_file_info(bucket)
        except (OSError, ValueError) as e:
            raise LakeUnavailable(f"cannot reach bucket {bucket} of {self.url}: {one_line(e)}") from e
        if found.type == pafs.FileType.NotFound:
            raise LakeUnavailable(f"bucket {bucket} of {self.url} does not exist")

    def put(self, relative: str, data: bytes | memoryview) -> str:
        """Write one object whole at ``relative``, replacing any; its filesystem path.

        In a bucket this is a single PUT or one completed multipart upload, straight to the final
        key (no copy, no rename): readers see the old object or the new one, never a part. In a
        folder, a hidden temporary file is fsynced and renamed into place.
        """
        path = self.path(relative)
        if self.is_s3:
            with self.filesystem.open_output_stream(path) as out:
                out.write(data)
            return path
        final = Path(path)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(temporary_name(final.name, str(os.getpid())))
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
        return path

    def files(self, folder: str) -> list[LakeObject]:
        """The objects directly inside ``folder`` (relative), by name; none if it does not exist."""
        return sorted(self._list(folder, recursive=False), key=lambda o: o.name)

    def walk(self) -> list[LakeObject]:
        """Every object of the lake (one paged listing on S3), by relative path."""
        return sorted(self._list("", recursive=True), key=lambda o: o.relative)

    def _list(self, folder: str, recursive: bool) -> list[LakeObject]:
        selector = pafs.FileSelector(self.path(folder), allow_not_found=True, recursive=recursive)
        try:
            infos = self.filesystem.get_file_info(selector)
        except (OSError, ValueError) as e:  # NotADirectory, no such bucket, refused credentials...
            raise LakeUnavailable(f"cannot list {self.uri(self.path(folder))}: {one_line(e)}") from e
        prefix = len(self.root) + 1
        return [LakeObject(i.path, i.path[prefix:], self.uri(i.path), i.size or 0, i.mtime_ns or 0)
                for i in infos if i.type == pafs.FileType.File]
