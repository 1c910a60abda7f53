"""Settings of the Parquet lake: the local data folder, and where the lake is (a folder or an S3 bucket)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from . import schema
from .errors import ConfigError
from .lake_store import LakeStore, parse_lake_url
from .s3 import S3Options
from .settings import OptionalRealSecret, ServiceSettings


class LakeSettings(ServiceSettings):
    """Where the Parquet lake is."""

    data_dir: Path = Field(Path("./data"), description="Local folder: the lake's default place (events/) unless LAKE_URL "
                           "says otherwise, and the processor's staging/, tmp/ and state/.")

    @property
    def lake_dir(self) -> Path:
        """The hive-partitioned events dataset."""
        return self.data_dir / schema.LAKE_SUBDIR

    @property
    def staging_dir(self) -> Path:
        """Committed batches of the speed layer not yet published into the lake."""
        return self.data_dir / schema.STAGING_SUBDIR

    @property
    def tmp_dir(self) -> Path:
        """Files being written, outside the lake.

        On the lake's file system only with the default lake (``DATA_DIR/events``): a ``LAKE_URL`` folder
        elsewhere gets a hidden copy beside the final name (``processor.lake.durable.commit_temp``), and a
        bucket's hour files are written here and read back for their PUT.
        """
        return self.data_dir / schema.TMP_SUBDIR


class LakeStorageSettings(LakeSettings):
    """Where the lake is: ``DATA_DIR/events``, another folder, or an S3 bucket prefix."""

    lake_url: str | None = Field(None, description="The lake: a folder or s3://bucket/prefix (default: DATA_DIR/events).")
    aws_endpoint_url: str | None = Field(
        None, description="S3 endpoint of a store that is not AWS S3 (GCS, s3proxy...); unset for AWS S3.")
    aws_access_key_id: str | None = Field(None, description="S3 access key (unset: the SDK's credential chain).")
    aws_secret_access_key: OptionalRealSecret = Field(None, description="S3 secret key (never logged).")
    aws_region: str = Field("us-east-1", description="Region the S3 requests are signed for.")
    aws_allow_http: bool = Field(False, description="Allow a plain-http AWS_ENDPOINT_URL (local test servers).")

    @field_validator("lake_url", "aws_endpoint_url", "aws_access_key_id", "aws_secret_access_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("lake_url")
    @classmethod
    def _folder_or_s3(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_lake_url(value)
            except ConfigError as e:
                raise ValueError(str(e)) from e
        return value

    @field_validator("aws_endpoint_url")
    @classmethod
    def _endpoint_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"expected http(s)://host[:port], got {value!r}")
        return value

    @model_validator(mode="after")
    def _http_allowed(self) -> LakeStorageSettings:
        if (self.aws_endpoint_url or "").startswith("http://") and not self.aws_allow_http:
            raise ValueError("AWS_ENDPOINT_URL is plain http: set AWS_ALLOW_HTTP=true to allow it")
        return self

    def lake(self) -> LakeStore:
        """The lake's store, built from these settings."""
        s3 = S3Options(endpoint_url=self.aws_endpoint_url, access_key_id=self.aws_access_key_id,
                       secret_access_key=self.aws_secret_access_key, region=self.aws_region,
                       allow_http=self.aws_allow_http)
        return LakeStore(self.lake_url or str(self.lake_dir), s3)
