"""PostgreSQL: pg_dump and pg_restore (custom format), run on the app's database URL.

The password, if the URL has one, goes to the tools in PGPASSWORD, never on their command line
(which every user of the machine can read); ~/.pgpass and the other libpq settings work too.
The tools come from CLUSTERCASE_PG_BIN_DIR when set, else from PATH: pg_dump must be of the
server's major version or newer.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import Connection, make_url, text

from app.config import Settings
from app.ops import OpsError, Progress

# What the tools say in --verbose mode when they reach a table's rows.
_TABLE_LINE = re.compile(
    r'(?:dumping contents of|processing data for) table "(?:[^".]+\.)?([^"]+)"'
)
# Lines of other steps (sequences, indexes, constraints...) are too many to show.
_KEEP_LINES = 40


def _tool(name: str) -> str:
    directory = Settings().pg_bin_dir
    path = str(Path(directory) / name) if directory else shutil.which(name)
    if not path or not Path(path).is_file():
        raise OpsError(
            f"{name} was not found (install PostgreSQL's client tools, or set "
            "CLUSTERCASE_PG_BIN_DIR to the folder that holds them)"
        )
    return path


def _connection_args(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the URL, and the environment that carries its password."""
    parsed = make_url(url)
    params = {key: value for key, value in parsed.query.items() if isinstance(value, str)}
    conninfo = make_conninfo(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database, **params
    )
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return conninfo, env


def _run(command: list[str], env: dict[str, str], progress: Progress, verb: str) -> None:
    """Run a tool, reporting each table it reaches; its last lines make the error message."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    tail: list[str] = []
    for line in process.stderr:
        if match := _TABLE_LINE.search(line):
            progress(f"{verb} table {match.group(1)}")
        tail = [*tail[-_KEEP_LINES:], line.rstrip()]
    if process.wait() != 0:
        errors = [line for line in tail if "error" in line.lower()] or tail[-5:]
        raise OpsError(f"{Path(command[0]).name} failed: " + " | ".join(errors))


def dump(url: str, target: Path, *, snapshot: str, progress: Progress) -> None:
    """pg_dump the database of `url` into `target` (custom format), as of the exported
    `snapshot` (pg_export_snapshot() of a transaction that stays open meanwhile)."""
    conninfo, env = _connection_args(url)
    command = [_tool("pg_dump"), "--format=custom", "--verbose", f"--snapshot={snapshot}"]
    _run([*command, f"--file={target}", f"--dbname={conninfo}"], env, progress, "dumped")


def restore(payload: Path, url: str, *, progress: Progress) -> None:
    """pg_restore `payload` into the (wiped) database of `url`, all or nothing. Objects belong
    to the role that restores; the dump's grants are left out."""
    conninfo, env = _connection_args(url)
    command = [
        _tool("pg_restore"),
        "--exit-on-error",
        "--single-transaction",
        "--no-owner",
        "--no-privileges",
        "--verbose",
        f"--dbname={conninfo}",
        str(payload),
    ]
    _run(command, env, progress, "restored")


def check_payload(payload: Path) -> None:
    """pg_restore can read the archive's table of contents (a cheap check before wiping)."""
    result = subprocess.run(
        [_tool("pg_restore"), "--list", str(payload)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise OpsError(f"pg_restore cannot read the backed-up dump: {result.stderr.strip()}")


def no_statement_timeout(connection: Connection) -> None:
    """The app's connections cancel statements after a few seconds (app/db.py); reading or
    writing a whole table may take longer."""
    connection.execute(text("SET LOCAL statement_timeout = 0"))
