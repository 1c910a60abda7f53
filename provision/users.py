"""User metadata: the typed record, and reading it from a CSV file with line-numbered errors."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from common.errors import UserFileError

SEED_USERS = Path(__file__).with_name("users.csv")
COLUMNS = ("id", "name", "email", "quota")


@dataclass(frozen=True)
class User:
    """One row of ``user_metadata``; ``quota`` is bytes allowed per hour."""

    id: str
    name: str
    email: str
    quota: int


def _parse_row(row: dict[str, str], where: str) -> User:
    values = {k: (row.get(k) or "").strip() for k in COLUMNS}
    for key in ("id", "name", "email"):
        if not values[key]:
            raise UserFileError(f"{where}: {key} is empty")
    if "@" not in values["email"]:
        raise UserFileError(f"{where}: email {values['email']!r} has no @")
    try:
        quota = int(values["quota"])
    except ValueError:
        raise UserFileError(f"{where}: quota {values['quota']!r} is not an integer") from None
    if quota < 0:
        raise UserFileError(f"{where}: quota {quota} is negative")
    return User(values["id"], values["name"], values["email"], quota)


def read_users_file(path: Path) -> list[User]:
    """Users of a CSV file with header ``id,name,email,quota``; duplicates are an error."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or [c.strip() for c in reader.fieldnames] != list(COLUMNS):
                raise UserFileError(f"{path}: header must be {','.join(COLUMNS)}, got {reader.fieldnames}")
            users = [_parse_row(row, f"{path}:{reader.line_num}") for row in reader]
    except OSError as e:
        raise UserFileError(f"cannot read user file {path}: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise UserFileError(f"{path} is not UTF-8 text") from e
    seen: set[str] = set()
    emails: set[str] = set()
    for user in users:
        if user.id in seen:
            raise UserFileError(f"{path}: user id {user.id} appears more than once")
        if user.email in emails:  # user_quota_limit rows are keyed by (hour, email)
            raise UserFileError(f"{path}: email {user.email} belongs to more than one user")
        seen.add(user.id)
        emails.add(user.email)
    if not users:
        raise UserFileError(f"{path} has no users")
    return users
