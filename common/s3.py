"""How to reach an S3-compatible store, from the standard AWS variables' values, for pyarrow and Polars."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pyarrow.fs as pafs
from pydantic import SecretStr


@dataclass(frozen=True)
class S3Options:
    """How to reach an S3-compatible store: the values of the standard ``AWS_*`` variables.

    Without an access key the SDKs' own credential chain applies (instance profile, web identity).
    """

    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None
    region: str = "us-east-1"
    allow_http: bool = False

    def filesystem(self, **extra: object) -> pafs.S3FileSystem:
        """A pyarrow S3 filesystem (path-style requests when an endpoint is given); ``extra`` options added."""
        # Delayed open: an object smaller than a part is one PutObject, a larger one a multipart
        # upload; either way it becomes visible whole, when the stream closes.
        kwargs: dict[str, object] = {"region": self.region, "allow_delayed_open": True, **extra}
        if self.endpoint_url:
            endpoint = urlsplit(self.endpoint_url)
            kwargs.update(scheme=endpoint.scheme, endpoint_override=endpoint.netloc)
        if self.access_key_id and self.secret_access_key:
            kwargs.update(access_key=self.access_key_id, secret_key=self.secret_access_key.get_secret_value())
        return pafs.S3FileSystem(**kwargs)

    def storage_options(self) -> dict[str, str]:
        """The same settings as Polars (Rust object_store) names them."""
        options = {"aws_region": self.region, "aws_allow_http": str(self.allow_http).lower()}
        if self.endpoint_url:
            options["aws_endpoint_url"] = self.endpoint_url
        if self.access_key_id and self.secret_access_key:
            options.update(aws_access_key_id=self.access_key_id,
                           aws_secret_access_key=self.secret_access_key.get_secret_value())
        return options
