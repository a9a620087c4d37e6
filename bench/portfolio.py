"""Portfolio scale: latency of the engagement list at 1,000 and at 10,000 engagements, and of
the portfolio summary and the library search at 10,000 (200,000 recommendations, 500,000
evidence links), served as in production (uvicorn) on PostgreSQL, one request at a time. The
list's page cache is off, so that every list request reads its page from the database.

    python bench/portfolio.py [--database-url URL] [--small 1000] [--large 10000]
        [--requests 200] [--warmup 10] [--max-seconds 40] [--workers 1]

Two databases are built by `clustercase seed synthetic` (app/seed/synthetic.py): the one
named by the URL (default postgresql+psycopg://postgres@127.0.0.1:5432/portfolio_bench) with
the small portfolio, grown to the large one by appending, and `<name>_small` with the small
portfolio only (the same first engagements). Both are served at once and the list is measured
on both with their requests interleaved, so that the 10k/1k ratio does not depend on what else
the machine did meanwhile. Databases are created when missing, and dropped and rebuilt by the
migrations, so their names must contain "bench". Exit status: 0 when every goal is met, 1 when
one is missed, 2 when the benchmark could not run.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # import `app` from this checkout (see api_throughput.py)

from sqlalchemy import Engine, insert, make_url, text  # noqa: E402

from app.db import make_engine, make_sessionmaker  # noqa: E402
from app.models import User  # noqa: E402
from app.security import hash_password  # noqa: E402
from app.seed import synthetic  # noqa: E402
from bench._common import (  # noqa: E402
    HOST,
    BenchError,
    free_port,
    login,
    reset_database,
    run,
    start_server,
    stop_server,
    wait_ready,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portfolio_bench"
PASSWORD = "bench-password-not-secret"
ADMIN, MONITOR = "admin@portfolio-bench.example.org", "monitor@portfolio-bench.example.org"
GOAL_SUMMARY_MS, GOAL_LIBRARY_MS, GOAL_LIST_RATIO = 300.0, 100.0, 1.5

LIST = "/api/v1/engagements"
# (label, query); the same at both sizes, so that their ratio compares like with like.
LIST_QUERIES = (
    ("first page", {"limit": 50}),
    ("q=battery", {"limit": 50, "q": "battery"}),
    ("offset 900", {"limit": 50, "offset": 900}),
)
# The goal is the list's (the same page at both sizes). A text search is printed beside it for
# information: its matches grow with the portfolio (73 at 1,000, 761 at 10,000), and it scans.
INFO_ONLY = {"q=battery"}
SUMMARY = "/api/v1/portfolio/summary"
SUMMARY_QUERIES = (
    ("whole portfolio", {}),
    ("kind + year", {"kind": "regional_advice", "year": 2025}),
    ("country + theme", {"country": "ES", "theme": "digitalisation"}),
)
LIBRARY = "/api/v1/library/recommendations"
LIBRARY_QUERIES = (
    ("2 words", {"q": "cluster voucher"}),
    ("3 words", {"q": "digital skills academy"}),
    ("a stop word", {"q": "access to finance"}),
    ("phrase + word", {"q": '"public procurement" innovation'}),
    ("or + exclusion", {"q": "export or internationalisation -tourism"}),
    ("word + condition", {"q": "skills", "framework_condition": "knowledge_skills"}),
    ("filters, no text", {"instrument": "funding", "theme": "kets"}),
)


# -- database --------------------------------------------------------------------------------------


def prepare_database(url: str) -> None:
    """An empty database at `url` (created when missing) with the schema of the migrations, and
    the admin and the monitor who log in."""
    engine = reset_database(url, create_missing=True)
    with engine.begin() as connection:
        rows = [
            {"email": email, "full_name": role.title(), "role": role}
            | {"password_hash": hash_password(PASSWORD)}
            for email, role in ((ADMIN, "admin"), (MONITOR, "monitor"))
        ]
        connection.execute(insert(User), rows)
    engine.dispose()


def load(url: str, engagements: int, *, append: bool) -> synthetic.SeedResult:
    """`clustercase seed synthetic` in-process, with its progress on stderr."""
    engine: Engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            result = synthetic.seed(
                session,
                engagements=engagements,
                append=append,
                progress=synthetic.TerminalProgress(sys.stderr),
            )
    finally:
        engine.dispose()
    print("\n".join(synthetic.report(result)), flush=True)
    return result


# -- measuring -------------------------------------------------------------------------------------


@dataclass
class Target:
    """A served database: its size, a client, and the admin's and the monitor's headers."""

    size: int
    client: httpx.Client
    admin: dict[str, str]
    monitor: dict[str, str]


@contextmanager
def serving(url: str, size: int, workers: int) -> Iterator[Target]:
    port = free_port()
    base = f"http://{HOST}:{port}"
    print(f"serving {size:,} engagements: uvicorn, {workers} worker(s), on {base}", flush=True)
    # The page cache off: these figures are of the queries (what a list costs after a write).
    server = start_server(url, port, workers=workers, env={"CLUSTERCASE_LIST_CACHE_BYTES": "0"})
    try:
        wait_ready(base, server)
        admin, monitor = login(base, ADMIN, PASSWORD), login(base, MONITOR, PASSWORD)
        with httpx.Client(base_url=base, timeout=60) as client:
            yield Target(size, client, admin, monitor)
    finally:
        stop_server(server)


@dataclass
class Figure:
    size: int
    group: str  # list | summary | library
    label: str
    url: str
    samples: list[float]  # ms
    total: int | None  # the answer's `total` (lists), or its engagement count (summary)
    kib: float

    def percentile(self, p: int) -> float:
        if len(self.samples) < 2:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=100, method="inclusive")[p - 1]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)


def _get(target: Target, url: str, headers: dict[str, str]) -> httpx.Response:
    answer = target.client.get(url, headers=headers)
    if answer.status_code != 200:
        raise BenchError(f"GET {url} answered {answer.status_code}: {answer.text[:300]}")
    return answer


def measure(
    group: str,
    label: str,
    query: dict[str, Any],
    targets: list[tuple[Target, dict[str, str]]],
    args: Any,
) -> list[Figure]:
    """`args.warmup` untimed requests, then up to `args.requests` timed ones (fewer when they
    take more than `args.max_seconds` in all), one at a time, alternating between the targets;
    every answer must be 200."""
    path = {"list": LIST, "summary": SUMMARY, "library": LIBRARY}[group]
    url = f"{path}?{urlencode(query)}" if query else path
    figures = []
    for target, headers in targets:
        answer = _get(target, url, headers)
        body = answer.json()
        total = body.get("total", body.get("engagements", {}).get("total"))
        figures.append(
            Figure(target.size, group, label, url, [], total, len(answer.content) / 1024)
        )
    for _ in range(args.warmup):
        for target, headers in targets:
            _get(target, url, headers)
    deadline = time.perf_counter() + args.max_seconds
    while len(figures[0].samples) < args.requests and time.perf_counter() < deadline:
        for figure, (target, headers) in zip(figures, targets, strict=True):
            started = time.perf_counter()
            _get(target, url, headers)
            figure.samples.append((time.perf_counter() - started) * 1000)
    for f in figures:
        print(
            f"  {f.size:>6,} GET {url:<66} p50 {f.p50:7.1f} ms  p95 {f.percentile(95):7.1f} ms"
            f"  ({len(f.samples)} requests)",
            flush=True,
        )
    return figures


def measure_all(small: Target, large: Target, args: Any) -> list[Figure]:
    figures = []
    for label, query in LIST_QUERIES:
        pair = [(small, small.admin), (large, large.admin)]
        figures += measure("list", label, query, pair, args)
    deep = {"limit": 50, "offset": large.size - 100}
    figures += measure("list", f"offset {large.size - 100}", deep, [(large, large.admin)], args)
    for label, query in SUMMARY_QUERIES:
        figures += measure("summary", label, query, [(large, large.monitor)], args)
    for label, query in LIBRARY_QUERIES:
        figures += measure("library", label, query, [(large, large.admin)], args)
    return figures


# -- report ----------------------------------------------------------------------------------------


def goals(figures: list[Figure], small: int, large: int) -> list[tuple[str, str, bool | None]]:
    """(goal, figure, met) of each goal, met None for a figure printed for information; a
    group's goal holds for its worst request."""
    checks: list[tuple[str, str, bool | None]] = []
    summaries = [f for f in figures if f.group == "summary"]
    for name, p in (("p50", 50), ("p95", 95)):
        worst = max(summaries, key=lambda f: f.percentile(p))
        figure = worst.percentile(p)
        wording = f"summary {name} <= {GOAL_SUMMARY_MS:.0f} ms (worst: {worst.label})"
        checks.append((wording, f"{figure:.1f} ms", figure <= GOAL_SUMMARY_MS))
    worst = max((f for f in figures if f.group == "library"), key=lambda f: f.p50)
    wording = f"library search p50 <= {GOAL_LIBRARY_MS:.0f} ms (worst: {worst.label})"
    checks.append((wording, f"{worst.p50:.1f} ms", worst.p50 <= GOAL_LIBRARY_MS))
    for label, _ in LIST_QUERIES:
        pair = {f.size: f for f in figures if f.group == "list" and f.label == label}
        ratio = pair[large].p50 / pair[small].p50
        wording = f"list p50 {large:,}/{small:,} <= {GOAL_LIST_RATIO} ({label})"
        figure = f"{ratio:.2f} ({pair[large].p50:.1f} / {pair[small].p50:.1f} ms)"
        checks.append((wording, figure, None if label in INFO_ONLY else ratio <= GOAL_LIST_RATIO))
    return checks


def report(figures: list[Figure], args: Any, dialect: str, builds: list[str]) -> bool:
    """Print the figures and the goals; True when every goal is met."""
    print(
        f"\n{dialect}, {args.workers} uvicorn worker(s) per database, sequential requests (up "
        f"to {args.requests} per URL after {args.warmup} untimed, at most {args.max_seconds:.0f}"
        f" s), {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end"
    )
    print("; ".join(builds))
    width = max(len(f.url) for f in figures) + 6
    header = f"{'size':>7}  {'request':<{width}}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    print(f"{header}{'mean ms':>9}{'KiB':>8}{'total':>8}")
    for f in figures:
        row = f"{f.size:>7,}  {'GET ' + f.url:<{width}}{len(f.samples):>5}{f.p50:>9.1f}"
        row += f"{f.percentile(95):>9.1f}{f.percentile(99):>9.1f}"
        print(f"{row}{statistics.fmean(f.samples):>9.1f}{f.kib:>8.1f}{f.total or 0:>8}")
    print()
    checks = goals(figures, args.small, args.large)
    for wording, figure, met in checks:
        verdict = "info (not a goal)" if met is None else "PASS" if met else "MISS"
        print(f"{wording:<60}{figure:>28}  {verdict}")
    return all(met for _, _, met in checks if met is not None)


def small_url(url: str) -> str:
    """The URL of the database of the small portfolio: the name with `_small` added."""
    parsed = make_url(url)
    name = Path(parsed.database or "")
    if parsed.get_backend_name() == "sqlite":
        small = str(name.with_name(f"{name.stem}_small{name.suffix}"))
    else:
        small = f"{parsed.database}_small"
    return parsed.set(database=small).render_as_string(hide_password=False)


def vacuum(url: str) -> None:
    """VACUUM (ANALYZE), as autovacuum would have done by the time anyone reads the portfolio
    (after a bulk load it sets the visibility map that index-only scans need); this server
    may run with autovacuum off."""
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET statement_timeout = 0"))
            connection.execute(text("VACUUM (ANALYZE)"))
        else:
            connection.execute(text("ANALYZE"))
    engine.dispose()


def benchmark(args: argparse.Namespace) -> bool:
    large_url, dialect = args.database_url, make_url(args.database_url).get_backend_name()
    urls = {args.small: small_url(large_url), args.large: large_url}
    builds = []
    for size, url in urls.items():
        name = Path(make_url(url).database or "").name
        print(f"building {name} ({dialect}): {args.small:,} engagements", flush=True)
        prepare_database(url)
        result = load(url, args.small, append=False)
        steps = [f"{args.small:,} loaded in {result.elapsed:.1f} s"]
        if size == args.large:
            grow = args.large - args.small
            print(f"growing {name} by {grow:,} engagements to {args.large:,}", flush=True)
            result = load(url, grow, append=True)
            steps.append(f"{grow:,} appended in {result.elapsed:.1f} s")
        started = time.perf_counter()
        vacuum(url)
        steps.append(f"VACUUM (ANALYZE) {time.perf_counter() - started:.1f} s")
        builds.append(f"{name}: {', '.join(steps)}")
    with (
        serving(urls[args.small], args.small, args.workers) as small,
        serving(large_url, args.large, args.workers) as large,
    ):
        figures = measure_all(small, large, args)
    return report(figures, args, dialect, builds)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help="its name must contain 'bench'")
    parser.add_argument("--small", type=int, default=1000, help="engagements (>= 1,000)")
    parser.add_argument("--large", type=int, default=10_000, help="engagements (> small)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per URL")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per URL first")
    parser.add_argument("--max-seconds", type=float, default=40.0, help="timed, per URL")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers")
    args = parser.parse_args(argv)
    if not 1000 <= args.small < args.large <= 200_000:
        parser.error("need 1,000 <= --small < --large <= 200,000 (the list reads offset 900)")
    if not (1 <= args.requests <= 10_000 and args.warmup >= 0 and args.max_seconds > 0):
        parser.error("--requests 1-10,000, --warmup >= 0, --max-seconds > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run(lambda: benchmark(args))


if __name__ == "__main__":
    sys.exit(main())
