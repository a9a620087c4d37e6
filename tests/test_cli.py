"""The clustercase command, run as a user would (a subprocess on a fresh SQLite file)."""

from pathlib import Path

import pytest

from tests.cli_tools import clustercase, migrated_database


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return migrated_database(tmp_path)


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


def test_seed_synthetic_loads_reports_and_refuses_a_second_load(database: Path) -> None:
    first = clustercase(database, "seed", "synthetic", "--engagements", "5")
    assert first.returncode == 0, first.stderr
    assert "5 engagements (SYN-2018-000001 to SYN-2018-000005)" in first.stdout
    assert "recommendations" in first.stdout and "rows/s" in first.stdout
    assert "100% 5 engagements" in first.stderr  # progress lines when not on a terminal
    again = clustercase(database, "seed", "synthetic", "--engagements", "5")
    assert again.returncode == 2 and "already holds 5 synthetic engagements" in again.stderr
    more = clustercase(database, "seed", "synthetic", "--engagements", "2", "--append")
    assert more.returncode == 0 and "SYN-2018-000006 to SYN-2018-000007" in more.stdout
    zero = clustercase(database, "seed", "synthetic", "--engagements", "0")
    assert zero.returncode == 2 and "not a positive whole number" in zero.stderr


def test_render_writes_the_pdf_with_progress(database: Path, tmp_path: Path) -> None:
    assert clustercase(database, "seed", "demo").returncode == 0
    out = tmp_path / "briefing.pdf"
    done = clustercase(
        database, "render", "EOCIC-2018-BE3", "--kind", "policy_briefing", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert "loading EOCIC-2018-BE3" in done.stderr and "laying out pages" in done.stderr
    assert f"wrote {out}" in done.stderr and "pages" in done.stderr
    assert not (tmp_path / "briefing.pdf.partial").exists()


def test_render_refuses_unknown_references_and_kinds(database: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    unknown = clustercase(
        database, "render", "NOPE-1", "--kind", "policy_briefing", "--out", str(out)
    )
    assert unknown.returncode == 2 and "no engagement has the reference 'NOPE-1'" in unknown.stderr
    bad_kind = clustercase(database, "render", "NOPE-1", "--kind", "memo", "--out", str(out))
    assert bad_kind.returncode == 2 and "invalid choice" in bad_kind.stderr
    no_dir = clustercase(
        database,
        "render",
        "X",
        "--kind",
        "policy_briefing",
        "--out",
        str(tmp_path / "no" / "x.pdf"),
    )
    assert no_dir.returncode == 2 and "does not exist" in no_dir.stderr
    assert not out.exists()
