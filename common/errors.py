"""The one exception root of the project and a named class per failure a user can meet.

Entrypoints turn any ``PipelineError`` into a single log line and an exit code.
"""

from __future__ import annotations

from pathlib import Path


class PipelineError(Exception):
    """Root of every error this project raises on purpose."""

    exit_code = 1


class ConfigError(PipelineError):
    """A setting or command-line argument is invalid."""

    exit_code = 2


class Unavailable(PipelineError):
    """Root of "retry later": a service or store is away for now. Long-running services wait and retry
    with backoff, losing nothing; a one-shot command exits 1. Catch this, not a tuple of its kinds."""


class DatabaseUnavailable(Unavailable):
    """PostgreSQL could not be reached or refused the connection."""


class BrokerUnavailable(Unavailable):
    """The Kafka broker could not be reached."""


class UserFileError(PipelineError):
    """A user-metadata CSV file is missing or malformed."""


class DataRejected(PipelineError):
    """PostgreSQL refused a value for what it is (out of range, too long), not for an outage."""


class LakeError(PipelineError):
    """A file in the Parquet lake is unreadable or has the wrong schema."""


class LakeUnavailable(Unavailable):
    """The lake cannot be written or listed: ``DATA_DIR`` read-only or full, or the lake's bucket
    unreachable (endpoint down, credentials refused, no such bucket). Not a ``LakeError``: no file is
    at fault, and the batch retries it like a database outage instead of failing an hour."""

    def __init__(self, message: str, folder: Path | None = None) -> None:
        super().__init__(message)
        self.folder = folder  # a local folder whose write failed: the one to probe before trying again


class TimedOut(PipelineError):
    """Something waited for (``common.retry.wait_until``) did not happen in time."""


class DevStackError(PipelineError):
    """A local development service (Kafka, PostgreSQL) failed to start or stop."""


class ReplayRequired(PipelineError):
    """A batch could not be applied: consumption must resume from the offsets PostgreSQL holds."""


def first_line(error: BaseException) -> str:
    """The first line of an error's message (driver errors run to several), or its class name."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def one_line(error: BaseException) -> str:
    """An error's message on one line (pyarrow's and the S3 SDK's can span several)."""
    return " ".join(str(error).split()) or type(error).__name__
