"""Each server process on a CPU of its own.

Routes run in worker threads (app/db.py), which take turns holding Python's GIL. When those
threads are spread over several cores, every hand-over of the GIL wakes a thread on another
core, and that costs more than the request itself: measured here (bench/prototypes/README.md),
the engagement list served from one process used 5.8 ms of CPU a request on two cores and
1.7 ms pinned to one, at three times the requests per second. One process per core (`serve
--workers N`), each pinned to its own core, keeps the hand-overs cheap and still uses every core.

A process claims a core by holding an exclusive lock on a file named for it (released by the
kernel when the process ends, however it ends), so a restarted worker takes the core its
predecessor left. With more processes than cores the extra ones share. Processes that the
server starts (the PDF renderers) get every core back (`release_children`).
"""

import contextlib
import fcntl
import logging
import os
import tempfile
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

# The cores the process was allowed before it pinned itself, for its children.
ALLOWED_CPUS_ENV = "CLUSTERCASE_ALLOWED_CPUS"
_claim: IO[bytes] | None = None  # the open lock file: held for the life of the process


def _lock_dir() -> Path:
    path = Path(tempfile.gettempdir()) / f"clustercase-cpus-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def pin_to_one_cpu() -> int | None:
    """Pin this process to one of the cores it may use, a free one if any; the core, or None
    where affinity cannot be set (not Linux) or only one core is allowed anyway."""
    global _claim
    if not hasattr(os, "sched_setaffinity") or _claim is not None:
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None
    os.environ[ALLOWED_CPUS_ENV] = ",".join(map(str, allowed))
    start = os.getpid() % len(allowed)
    chosen = allowed[start]
    for cpu in allowed[start:] + allowed[:start]:
        handle = (_lock_dir() / f"cpu-{cpu}.lock").open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _claim, chosen = handle, cpu
        break
    os.sched_setaffinity(0, {chosen})
    log.info("pinned to CPU %d of %s", chosen, allowed)
    return chosen


def release_children() -> None:
    """In a process the server started: run on every core the server was allowed."""
    allowed = os.environ.get(ALLOWED_CPUS_ENV)
    if allowed and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError, ValueError):
            os.sched_setaffinity(0, {int(cpu) for cpu in allowed.split(",")})
