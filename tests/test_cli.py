"""The clustercase command, run as a user would (a subprocess on a fresh SQLite file)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


def clustercase(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"CLUSTERCASE_DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def database(tmp_path: Path) -> Path:
    db = tmp_path / "cli.db"
    assert clustercase(db, "db", "upgrade").returncode == 0
    return db


def test_users_create_makes_an_admin_who_can_log_in(database: Path) -> None:
    created = clustercase(
        database,
        "users",
        "create",
        "--email",
        "First@Admin.org",
        "--password",
        "a long enough password",
        "--role",
        "admin",
    )
    assert created.returncode == 0, created.stderr
    assert "created admin first@admin.org" in created.stdout
    again = clustercase(
        database,
        "users",
        "create",
        "--email",
        "first@admin.org",
        "--password",
        "a long enough password",
        "--role",
        "admin",
    )
    assert again.returncode == 2 and "already exists" in again.stderr


def test_users_create_refuses_bad_input_clearly(database: Path) -> None:
    short = clustercase(
        database,
        "users",
        "create",
        "--email",
        "a@b.org",
        "--password",
        "short",
        "--role",
        "consultant",
    )
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    unbound = clustercase(
        database,
        "users",
        "create",
        "--email",
        "a@b.org",
        "--password",
        "a long enough password",
        "--role",
        "stakeholder",
    )
    assert unbound.returncode == 2 and "exactly one region or one partnership" in unbound.stderr
    unknown = clustercase(
        database,
        "users",
        "create",
        "--email",
        "a@b.org",
        "--password",
        "a long enough password",
        "--role",
        "stakeholder",
        "--region",
        "ZZ9",
    )
    assert unknown.returncode == 2 and "no region with NUTS code ZZ9" in unknown.stderr


def test_seed_demo_if_empty_loads_once(database: Path) -> None:
    first = clustercase(database, "seed", "demo", "--if-empty")
    assert first.returncode == 0 and "7 engagements created" in first.stdout
    second = clustercase(database, "seed", "demo", "--if-empty")
    assert second.returncode == 0 and "skipped" in second.stdout
    logins = clustercase(database, "seed", "logins")
    assert "wallonia@clustercase.example" in logins.stdout
