"""The clustercase command run as a user runs it: a subprocess on a SQLite file of its own."""

import os
import subprocess
import sys
from pathlib import Path


def clustercase(db: Path, *args: str, **settings: object) -> subprocess.CompletedProcess[str]:
    """`clustercase ARGS` on the database file `db`, with no CLUSTERCASE_ setting of the test
    run's environment but the `settings` given (`mail_from="..."` sets CLUSTERCASE_MAIL_FROM)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERCASE_")}
    env["CLUSTERCASE_DATABASE_URL"] = f"sqlite:///{db}"
    env |= {f"CLUSTERCASE_{k.upper()}": str(v) for k, v in settings.items()}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def migrated_database(directory: Path) -> Path:
    """A fresh SQLite file under `directory`, migrated by `clustercase db upgrade`."""
    db = directory / "cli.db"
    assert clustercase(db, "db", "upgrade").returncode == 0
    return db
