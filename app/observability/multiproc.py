"""Metrics across the server's worker processes (prometheus_client's multiprocess mode).

`clustercase serve --workers N` runs N processes: each records its metrics in files of one
directory (PROMETHEUS_MULTIPROC_DIR, read by prometheus_client when it is first imported, so
it is set before the workers start), and a scrape of any of them reports all of them. This
module imports nothing of prometheus_client: the serving parent sets the directory up first.
"""

import os
import shutil
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare(workers: int) -> Path | None:
    """Before the workers start: the directory to use, emptied of a previous run's files
    (their counters would add to this run's). The operator's own directory when the variable
    is set; else a new temporary one when there are several workers (returned: the caller
    removes it at exit); else none (one process keeps its metrics in memory)."""
    given = os.environ.get(ENV)
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        return None
    if workers <= 1:
        return None
    created = Path(tempfile.mkdtemp(prefix="clustercase-metrics-"))
    os.environ[ENV] = str(created)
    return created


def remove(directory: Path | None) -> None:
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
        os.environ.pop(ENV, None)


def directory() -> str | None:
    return os.environ.get(ENV) or None


def dead_worker_pids(path: str) -> set[int]:
    """Processes that left gauge files and no longer run (ended or killed): their gauges
    ("live" modes) must stop counting; their counters stay, as totals do."""
    pids = set()
    for file in Path(path).glob("gauge_live*_*.db"):
        pid = file.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            pids.add(int(pid))
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
