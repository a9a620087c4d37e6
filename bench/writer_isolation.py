"""Writer isolation: while a second connection holds a write on engagement A for a few seconds,
how long do writes to other engagements (PATCH through the API) and `/healthz` take?

    python bench/writer_isolation.py [--engagements 1000] [--workers 2] [--writers 4]
        [--hold 5] [--pause-ms 10] [--database-url URL] [--figures FILE]

The held write is what a long transaction anywhere does (a script, a console, a slow request):
`UPDATE engagements SET summary = summary WHERE id = A` in a transaction left open, then rolled
back. Client threads, each on its own keep-alive connection, send requests one after another
(a pause between two): `--writers` threads PATCH the summaries of other engagements (If-Match:
*), two GET `/healthz`. First for `--hold` seconds with nothing held (the baseline), then for
`--hold` seconds while A is held; a request counts in the phase in which it was sent, however
long it then takes.

Goals, on PostgreSQL: p99 of the writes to other engagements and of `/healthz` <= 100 ms while A
is held, and every such write answered 2xx (so that a quick refusal cannot pass for isolation).
On SQLite a held write locks the whole database, so writes to other engagements must wait: their
figures are printed for information, and only `/healthz` is judged.

The database (default: $CLUSTERCASE_DATABASE_URL, else a SQLite file under bench/out/) is dropped
and rebuilt, so its name must contain "bench". Exit status: 0 when every goal is met, 1 when one
is missed, 2 when the benchmark could not run.
"""

import argparse
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # import `app` from this checkout (see api_throughput.py)

from sqlalchemy import create_engine, text  # noqa: E402

from bench._common import (  # noqa: E402
    OUT,
    BenchError,
    Figure,
    add_bounded,
    add_common_options,
    parse_bounded,
    print_goals,
    run,
    save_figures,
    serving,
    sqlite_url,
)
from bench._workload import (  # noqa: E402
    ANY_VERSION,
    Client,
    check_write,
    engagement_path,
    percentile,
    summary_patch,
    writable_engagements,
)
from bench.api_throughput import (  # noqa: E402
    HEALTH_PATH,
    LIST_PATH,
    authorise,
    dialect_of,
    prepare_database,
)

HELD_STATEMENT = "UPDATE engagements SET summary = summary WHERE id = :id"
GOAL_P99_MS = 100.0
HEALTH_THREADS = 2
ENGAGEMENTS_PER_WRITER = 4
WRITES, HEALTH = "PATCH other engagements", f"GET {HEALTH_PATH}"


# -- the held write --------------------------------------------------------------------------------


@contextmanager
def held_write(url: str, engagement_id: int) -> Iterator[None]:
    """A transaction on a connection of its own that has updated engagement `engagement_id` (and
    so holds its write locks: on SQLite, the whole database's), rolled back on the way out."""
    # Autocommit at the driver, so that BEGIN and ROLLBACK below are the only ones sent.
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as connection:
            # IMMEDIATE: on SQLite take the write lock at BEGIN, as a writer does.
            connection.exec_driver_sql("BEGIN IMMEDIATE" if sqlite else "BEGIN")
            try:
                updated = connection.execute(text(HELD_STATEMENT), {"id": engagement_id})
                if updated.rowcount != 1:
                    raise BenchError(f"the held write updated {updated.rowcount} rows, not 1")
                yield
            finally:
                connection.exec_driver_sql("ROLLBACK")
    finally:
        engine.dispose()


# -- client threads --------------------------------------------------------------------------------

# The next request of a thread, given how many it has sent: method, path, JSON body, headers.
NextRequest = Callable[[int], tuple[str, str, Any, dict[str, str]]]


@dataclass
class Samples:
    """What one kind of request did in one phase: each one's seconds and status."""

    seconds: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def add(self, other: "Samples") -> None:
        self.seconds += other.seconds
        self.statuses += other.statuses

    @property
    def failed(self) -> int:
        """Answers other than 2xx (status 0: the connection failed or timed out)."""
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)


class Sender(threading.Thread):
    """Sends `next_request`'s requests one after another, `pause` seconds apart, until `stop`."""

    def __init__(
        self, client: Client, next_request: NextRequest, stop: threading.Event, pause: float
    ) -> None:
        super().__init__(daemon=True)
        self.client, self.next_request, self.stop, self.pause = client, next_request, stop, pause
        self.samples = Samples()

    def run(self) -> None:
        sent = 0
        while not self.stop.is_set():
            method, path, body, headers = self.next_request(sent)
            status, seconds, _ = self.client.call(method, path, body, headers)
            self.samples.seconds.append(seconds)
            self.samples.statuses[status] += 1
            sent += 1
            self.stop.wait(self.pause)


def writer(engagement_ids: list[int], number: int) -> NextRequest:
    """PATCHes of the summaries of `engagement_ids`, in turn; each a new text."""

    def next_request(sent: int) -> tuple[str, str, Any, dict[str, str]]:
        path = engagement_path(engagement_ids[sent % len(engagement_ids)])
        return "PATCH", path, summary_patch(number * 1_000_000 + sent), ANY_VERSION

    return next_request


def healthz(_sent: int) -> tuple[str, str, Any, dict[str, str]]:
    return "GET", HEALTH_PATH, None, {}


@dataclass
class Phase:
    """What the writes and `/healthz` did while something was held (or nothing)."""

    name: str
    writes: Samples
    health: Samples


def run_phase(
    name: str,
    base: str,
    headers: dict[str, str],
    others: list[list[int]],
    args: argparse.Namespace,
    hold: AbstractContextManager[None],
) -> Phase:
    """Send requests from every thread for `args.hold` seconds inside the `hold` context (the
    held write, or none); each request sent before the end is waited for."""
    stop = threading.Event()
    requests = [writer(ids, n) for n, ids in enumerate(others)] + [healthz] * HEALTH_THREADS
    senders = [Sender(Client(base, headers), r, stop, args.pause_ms / 1000) for r in requests]
    threads = f"{len(others)} writer threads, {HEALTH_THREADS} /healthz threads"
    print(f"{name}: {threads}, {args.hold} s", flush=True)
    try:
        with hold:
            for sender in senders:
                sender.start()
            time.sleep(args.hold)
            # Stop sending before the held write is released, so that every request counted
            # was sent while it was held.
            stop.set()
    finally:
        stop.set()
        for sender in senders:
            sender.join()
            sender.client.close()
    phase = Phase(name, Samples(), Samples())
    for sender in senders[: len(others)]:
        phase.writes.add(sender.samples)
    for sender in senders[len(others) :]:
        phase.health.add(sender.samples)
    return phase


# -- the run ---------------------------------------------------------------------------------------


def benchmark(args: argparse.Namespace) -> bool:
    """Build the database, serve it, run both phases; True when every goal is met."""
    url = args.database_url
    engine = prepare_database(url, args.engagements)
    held, *rest = writable_engagements(engine, 1 + args.writers * ENGAGEMENTS_PER_WRITER)
    engine.dispose()
    # Each writer thread its own engagements: no two writes of the load race for one row.
    others = [rest[n :: args.writers] for n in range(args.writers)]
    log = OUT / f"writer_isolation_{dialect_of(url)}_server.log"
    with serving(url, workers=args.workers, log=log) as (base, _server):
        headers = authorise(base, LIST_PATH)
        client = Client(base, headers)
        for engagement_id in rest:  # every write succeeds, and the server is warm
            check_write(client, engagement_path(engagement_id), summary_patch(0))
        client.close()
        phases = [
            run_phase("nothing held", base, headers, others, args, nullcontext()),
            run_phase(
                f"A (engagement {held}) held", base, headers, others, args, held_write(url, held)
            ),
        ]
    return report(phases, args, dialect_of(url))


# -- report and main -------------------------------------------------------------------------------


def _row(name: str, samples: Samples) -> str:
    ms = [s * 1000 for s in samples.seconds]
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(samples.statuses.items()))
    figures = f"{percentile(ms, 50):>9.1f}{percentile(ms, 99):>9.1f}{max(ms, default=0):>9.1f}"
    return f"{name:<48}{len(ms):>9}{figures}  {statuses}"


def figures_of(idle: Phase, held: Phase, dialect: str) -> list[Figure]:
    """The summary's figures: goals on PostgreSQL; on SQLite only `/healthz` is judged."""
    postgresql = dialect == "postgresql"
    writes_p99 = percentile(held.writes.seconds, 99) * 1000
    health_p99 = percentile(held.health.seconds, 99) * 1000
    goal = f"<= {GOAL_P99_MS:.0f} ms"
    # A held write on SQLite locks the whole database: other writes must wait there.
    writes_goal = goal if postgresql else f"{goal} on PostgreSQL"
    return [
        Figure(
            f"{WRITES} failed, nothing held",
            f"{idle.writes.failed} of {len(idle.writes.seconds)}",
        ),
        Figure(
            f"{WRITES} p99, A held",
            f"{writes_p99:.1f} ms",
            writes_goal,
            writes_p99 <= GOAL_P99_MS if postgresql else None,
        ),
        Figure(
            f"{WRITES} failed, A held",
            f"{held.writes.failed} of {len(held.writes.seconds)}",
            "0" if postgresql else "",
            held.writes.failed == 0 if postgresql else None,
        ),
        Figure(f"{HEALTH} p99, A held", f"{health_p99:.1f} ms", goal, health_p99 <= GOAL_P99_MS),
    ]


def report(phases: list[Phase], args: argparse.Namespace, dialect: str) -> bool:
    """Print both phases and the goals; True when every goal is met."""
    print(
        f"\nwriter isolation on {dialect}: {args.workers} worker(s), {args.writers} writer "
        f"threads over {args.writers * ENGAGEMENTS_PER_WRITER} other engagements, "
        f"{HEALTH_THREADS} /healthz threads, {args.pause_ms} ms between a thread's requests"
    )
    header = f"{'count':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}  statuses (0: no answer)"
    print(f"{'requests sent while':<48}{header}")
    for phase in phases:
        print(_row(f"{WRITES}, {phase.name}", phase.writes))
        print(_row(f"{HEALTH}, {phase.name}", phase.health))
    if dialect != "postgresql":
        print(
            "on SQLite a held write locks the whole database, so writes to other engagements "
            "wait for it: their goal applies to PostgreSQL; /healthz is judged"
        )
    idle, held = phases
    figures = figures_of(idle, held, dialect)
    save_figures(args.figures, "writer isolation", dialect, figures)
    for info in (f for f in figures if f.met is None):
        print(f"for information, {info.name} {info.value}")
    return print_goals(figures)


# Bounds that keep every run short and on one machine.
LIMITS = {"engagements": (100, 200_000), "workers": (1, 16), "writers": (1, 16)}
LIMITS |= {"hold": (1, 60), "pause_ms": (0, 1000)}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = {"engagements": 1000, "workers": 2, "writers": 4, "hold": 5, "pause_ms": 10}
    add_bounded(parser, defaults, LIMITS)
    add_common_options(parser, sqlite_url("isolation_bench.db"))
    return parse_bounded(parser, argv, LIMITS)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run(lambda: benchmark(args))


if __name__ == "__main__":
    sys.exit(main())
