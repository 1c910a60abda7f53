"""Failures of the serving layer a user can meet, under the project's one exception root."""

from __future__ import annotations

from common.errors import PipelineError


class SupersetNotInstalled(PipelineError):
    """The Superset virtualenv is missing: run serving/install.sh."""


class SupersetCommandFailed(PipelineError):
    """A Superset command (db upgrade, create-admin, init, import) exited non-zero."""

    def __init__(self, command: str, code: int, output: str) -> None:
        tail = " | ".join(line for line in output.strip().splitlines()[-3:] if line.strip())
        super().__init__(f"superset {command} failed (exit {code}): {tail or 'no output'}")
        self.command, self.code, self.output = command, code, output


class ReportError(PipelineError):
    """The HTML report could not be written."""
