"""Operations on a whole database: backup and restore (backup.py), and the move to another
database (copy.py). Written for the command line (app/cli.py): they report progress through a
callable and fail with an `OpsError` that carries the exit code.

Exit codes, as elsewhere in `clustercase`: 2 when the request is refused as given (a target
that is not empty, a backup of a newer schema, an unsupported database, a missing file);
1 when the work itself fails (a corrupted backup, pg_dump failing, a copy that does not verify).
"""

import sys
import time
from collections.abc import Callable
from typing import TextIO

from sqlalchemy import Engine

from app.config import Settings
from app.db import make_engine

Progress = Callable[[str], None]


class OpsError(Exception):
    """The operation failed; nothing was changed unless the message says otherwise."""

    exit_code = 1


class Refused(OpsError):
    """The operation was refused before it changed anything."""

    exit_code = 2


def open_engine(url: str) -> Engine:
    """An engine for whole-database work: one connection at a time, and no slow-statement log
    (reading or writing a whole table is slow by nature; the progress lines say where it is)."""
    settings = Settings().model_copy(update={"slow_sql_ms": 24 * 3600 * 1000})
    return make_engine(url, settings, pool_size=1, max_overflow=1)


def quiet(_message: str) -> None:
    """A `Progress` that reports nothing (tests, scripts)."""


class StepPrinter:
    """A `Progress` that prints each step with the time elapsed since the start."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:6.1f} s] {message}", file=self.stream, flush=True)
