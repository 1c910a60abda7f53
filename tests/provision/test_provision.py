"""The provisioner against a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from provision.users import SEED_USERS, read_users_file

from ..helpers import query, run_module

pytestmark = pytest.mark.integration

SEED_COLUMNS = {
    "bytes": ["timestamp", "id", "value", "type"],
    "bytes_hourly": ["timestamp", "id", "value", "type"],
    "user_quota_limit": ["email", "usage", "quota", "timestamp"],
    "user_metadata": ["id", "name", "email", "quota"],
}


def columns(url: str, table: str) -> list[str]:
    rows = query(url, "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                      "ORDER BY ordinal_position", (table,))
    return [r[0] for r in rows]


def test_two_runs_leave_the_seed_tables_and_users_and_both_exit_zero(database_url: str) -> None:
    first = run_module("provision", env={"DATABASE_URL": database_url})
    second = run_module("provision", env={"DATABASE_URL": database_url})
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    for table, expected in SEED_COLUMNS.items():
        assert columns(database_url, table) == expected
    users = query(database_url, "SELECT id, name, email, quota FROM user_metadata ORDER BY id")
    assert users == [(u.id, u.name, u.email, u.quota) for u in read_users_file(SEED_USERS)]
    assert "20 unchanged" in second.stdout


def test_first_run_prints_a_line_per_step_as_the_seed_does(database_url: str) -> None:
    out = run_module("provision", env={"DATABASE_URL": database_url}).stdout
    assert out.splitlines()[0].startswith("Connection established")
    assert "Creating table bytes (timestamp TIMESTAMP, id TEXT, value BIGINT, type TEXT)" in out
    assert "Creating table user_metadata (id TEXT, name TEXT, email TEXT, quota BIGINT)" in out
    assert "Loading user metadata" in out


def test_seed_users_have_the_documented_quotas() -> None:
    quotas = {u.name: u.quota for u in read_users_file(SEED_USERS)}
    assert len(quotas) == 20
    assert (quotas["andres"], quotas["paco"], quotas["juan"], quotas["fede"]) == (200000, 300000, 100000, 5000)
    assert quotas["delicidas"] == 1000000


def test_a_users_file_replaces_the_seed_list(database_url: str, tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("id,name,email,quota\nu1,ana,ana@example.com,42\n")
    result = run_module("provision", "--users", str(users), env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert query(database_url, "SELECT id, name, email, quota FROM user_metadata") == [
        ("u1", "ana", "ana@example.com", 42)]


def test_a_changed_quota_is_updated_on_the_next_run(database_url: str, tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("id,name,email,quota\nu1,ana,ana@example.com,42\n")
    run_module("provision", "--users", str(users), env={"DATABASE_URL": database_url})
    users.write_text("id,name,email,quota\nu1,ana,ana@example.com,43\n")
    out = run_module("provision", "--users", str(users), env={"DATABASE_URL": database_url}).stdout
    assert "0 inserted, 1 updated, 0 unchanged" in out
    assert query(database_url, "SELECT quota FROM user_metadata") == [(43,)]


def test_a_malformed_users_file_is_one_error_line_naming_the_line(database_url: str, tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("id,name,email,quota\nu1,ana,ana@example.com,lots\n")
    result = run_module("provision", "--users", str(users), env={"DATABASE_URL": database_url})
    assert result.returncode != 0
    assert f"{users}:2: quota 'lots' is not an integer" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_wrong_database_url_is_one_error_line_and_a_nonzero_exit() -> None:
    result = run_module("provision", env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot connect to PostgreSQL at postgres@127.0.0.1:1/nowhere" in lines[0]


def test_an_invalid_database_url_is_a_configuration_error() -> None:
    result = run_module("provision", env={"DATABASE_URL": "mysql://x"})
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_two_users_with_one_email_are_refused_naming_the_email(database_url: str, tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("id,name,email,quota\nu1,ana,ana@example.com,42\nu2,bea,ana@example.com,7\n")
    result = run_module("provision", "--users", str(users), env={"DATABASE_URL": database_url})
    assert result.returncode == 1
    assert "email ana@example.com belongs to more than one user" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_email_already_held_by_another_loaded_user_is_one_error_line(database_url: str, tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("id,name,email,quota\nu1,ana,ana@example.com,42\n")
    second.write_text("id,name,email,quota\nu2,bea,ana@example.com,7\n")
    run_module("provision", "--users", str(first), env={"DATABASE_URL": database_url})
    result = run_module("provision", "--users", str(second), env={"DATABASE_URL": database_url})
    assert result.returncode == 1
    assert "another user in user_metadata has that email" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
