"""Load and lock tests for bench/prototypes/request_path.py: each variant served by uvicorn
(1 worker, uvloop, httptools, no access log) over a freshly built database, loaded by wrk."""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from bench._common import reset_database
from bench.api_throughput import build_data
from bench.prototypes._tools import (
    HOST,
    BenchError,
    Client,
    WrkFigures,
    context_switches,
    cpu_during,
    free_port,
    percentile,
    request,
    run_wrk,
    stop_server,
)

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "out"  # the SQLite file and the figures (JSON)
URLS = {
    "sqlite": f"sqlite:///{OUT / 'proto_bench.db'}",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/proto_bench",
}
POST_SCRIPT = Path(__file__).resolve().parent / "post.lua"
HEADERS = {"X-User-Id": "1"}
ENGAGEMENTS = 1000
WARMUP_S = 2
PROBE_CONNECTIONS = 4  # the /healthz load beside the writes
HOLD_S = 3.0  # how long the second connection holds engagement 1's lock


@dataclass
class Load:
    rps: float
    p99_ms: float
    errors: int
    cpu_ms: float  # server CPU per request: what other processes on the box inflate least
    other_cpus: float  # CPUs other processes kept busy meanwhile (noise)
    switches: float  # the server's context switches per request (threads handing the GIL over)


@dataclass
class LockTest:
    write_status: int
    write_s: float  # the PATCH of the locked engagement, end to end
    healthz_max_ms: float  # the slowest /healthz probe while the lock was held
    healthz_p99_ms: float
    probes: int  # sequential /healthz answers during the hold (one connection)


@dataclass
class Outcome:
    database: str
    variant: str
    listing: Load
    writes: Load
    healthz_idle_p99_ms: float
    healthz_under_writes_p99_ms: float
    healthz_under_writes_rps: float
    contention_write_errors: int  # failed writes of the load beside /healthz
    lock: LockTest
    load_average: tuple[float, float, float] = field(default_factory=os.getloadavg)


# -- server ----------------------------------------------------------------------------------------


@contextmanager
def serving(
    variant: str, url: str, args: argparse.Namespace
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    pinned = ["taskset", "-c", args.pin] if args.pin else []
    command = [*pinned, sys.executable, "-m", "uvicorn"]
    command += ["bench.prototypes.request_path:create_app"]
    command += ["--factory", "--host", HOST, "--port", str(port), "--workers", "1"]
    command += ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
    command += ["--log-level", "warning"]
    env = os.environ | {"PROTO_VARIANT": variant, "PROTO_DATABASE_URL": url}
    env["PROTO_THREADS"] = str(args.threads)
    log = OUT / f"server-{variant}-{make_url(url).get_backend_name()}.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=out
        )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise BenchError(f"variant {variant}: the server exited ({server.returncode})")
            try:
                if request(f"{base}/healthz", {})[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)
        yield base, server
    finally:
        stop_server(server)


def check(base: str) -> None:
    """Refuse to measure a variant that does not answer what the others do."""
    status, page = request(f"{base}/list", HEADERS)
    if status != 200 or len(page["items"]) != 50 or page["total"] != ENGAGEMENTS:
        raise BenchError(f"GET /list answered {status}: {page!r:.300}")
    for path in ("/write", "/write/1"):
        status, body = request(f"{base}{path}", HEADERS, post=True)
        if status != 200 or "version" not in body:
            raise BenchError(f"POST {path} answered {status}: {body!r:.300}")
    if request(f"{base}/list", {})[0] != 401:
        raise BenchError("GET /list without a user did not answer 401")


# -- loads -----------------------------------------------------------------------------------------


def wrk(base: str, path: str, duration: float, connections: int, post: bool) -> WrkFigures:
    script = POST_SCRIPT if post else None
    return run_wrk(
        f"{base}{path}",
        connections=connections,
        duration=int(duration),
        headers=HEADERS,
        script=script,
    )


def load(
    base: str, server: subprocess.Popen[bytes], path: str, args: argparse.Namespace, post: bool
) -> Load:
    wrk(base, path, WARMUP_S, args.connections, post)
    switched = context_switches(server.pid)
    figures, cpu = cpu_during(
        server, lambda: wrk(base, path, args.duration, args.connections, post)
    )
    requests = max(figures.requests, 1)
    switches = (context_switches(server.pid) - switched) / requests
    cpu_ms = cpu.server_s * 1000 / requests
    return Load(figures.rps, figures.p99_ms, figures.errors, cpu_ms, cpu.other, switches)


def healthz_under_writes(base: str, args: argparse.Namespace) -> tuple[WrkFigures, WrkFigures]:
    """/healthz loaded (PROBE_CONNECTIONS) while another wrk loads the writes (--connections):
    the writes start first and run WARMUP_S longer on each side. (healthz, writes)."""
    with ThreadPoolExecutor(1) as pool:
        duration = args.duration + 2 * WARMUP_S
        writes = pool.submit(wrk, base, "/write", duration, args.connections, True)
        time.sleep(WARMUP_S)
        probe = wrk(base, "/healthz", args.duration, PROBE_CONNECTIONS, False)
        return probe, writes.result()


# -- lock test -------------------------------------------------------------------------------------


def hold_lock(url: str, locked: threading.Event) -> None:
    """From a second connection: lock engagement 1 (PostgreSQL: its row, FOR UPDATE; SQLite:
    the database's write lock, BEGIN IMMEDIATE) for HOLD_S seconds, then commit."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(parsed.database or "", isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
    else:
        conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        connection = psycopg.connect(conninfo)  # type: ignore[assignment]
        connection.execute("SELECT id FROM engagements WHERE id = 1 FOR UPDATE")
    locked.set()
    time.sleep(HOLD_S)
    connection.commit()
    connection.close()


def lock_test(base: str, url: str) -> LockTest:
    """PATCH engagement 1 while another connection holds its lock; probe /healthz meanwhile."""
    locked = threading.Event()
    probes: list[float] = []
    with ThreadPoolExecutor(2) as pool:
        holder = pool.submit(hold_lock, url, locked)
        if not locked.wait(10):
            raise BenchError("the lock was not taken")
        write_client = Client(base, HEADERS)
        write = pool.submit(write_client.call, "POST", "/write/1")
        time.sleep(0.05)  # the write reaches the lock
        probe = Client(base, {})
        while not (holder.done() and write.done()):
            status, seconds = probe.call("GET", "/healthz")
            if status != 200:
                raise BenchError(f"/healthz answered {status} during the lock test")
            probes.append(seconds * 1000)
            time.sleep(0.01)
        holder.result()
        write_status, write_s = write.result()
    return LockTest(
        write_status,
        write_s,
        max(probes, default=0.0),
        percentile(probes, 99),
        len(probes),
    )


# -- one variant, all of them --------------------------------------------------------------------


def measure(database: str, variant: str, args: argparse.Namespace) -> Outcome:
    url = URLS[database]
    started = time.monotonic()
    engine = reset_database(url, create_missing=True)
    build_data(engine, ENGAGEMENTS)
    engine.dispose()
    with serving(variant, url, args) as (base, server):
        check(base)
        listing = load(base, server, "/list", args, post=False)
        writes = load(base, server, "/write", args, post=True)
        idle = wrk(base, "/healthz", 3, PROBE_CONNECTIONS, False)
        contended, beside = healthz_under_writes(base, args)
        lock = lock_test(base, url)
    outcome = Outcome(
        database,
        variant,
        listing,
        writes,
        idle.p99_ms,
        contended.p99_ms,
        contended.rps,
        beside.errors,
        lock,
    )
    took = time.monotonic() - started
    print(f"  {database} {variant}: {took:.0f} s  {asdict(outcome)}", flush=True)
    return outcome


def table(outcomes: list[Outcome], names: dict[str, str]) -> str:
    header = (
        "| db | variant | list req/s | list p99 ms | list CPU ms/req | write req/s | write p99 ms "
        "| write CPU ms/req | errors | healthz p99 idle | healthz p99 under writes "
        "| lock: PATCH s | lock: healthz max ms | lock: probes | other CPUs (list/write) |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for o in outcomes:
        lock = o.lock
        lines.append(
            f"| {o.database} | {o.variant} {names[o.variant]} | {o.listing.rps:,.0f} "
            f"| {o.listing.p99_ms:.1f} | {o.listing.cpu_ms:.2f} | {o.writes.rps:,.0f} "
            f"| {o.writes.p99_ms:.1f} | {o.writes.cpu_ms:.2f} "
            f"| {o.listing.errors + o.writes.errors + o.contention_write_errors} "
            f"| {o.healthz_idle_p99_ms:.1f} "
            f"| {o.healthz_under_writes_p99_ms:.1f} "
            f"| {lock.write_s:.2f} ({lock.write_status}) | {lock.healthz_max_ms:,.0f} "
            f"| {lock.probes} | {o.listing.other_cpus:.2f}/{o.writes.other_cpus:.2f} |"
        )
    return "\n".join(lines)


def lists_only(args: argparse.Namespace, names: dict[str, str]) -> int:
    """The list alone, each variant in turn, --rounds times over one database each."""
    header = "| db | variant | threads | pin | list req/s | p99 ms | CPU ms/req | switches/req "
    print(f"{header}| other CPUs |")
    print("|---|---|---|---|---|---|---|---|---|")
    for database in args.databases.split(","):
        url = URLS[database]
        engine = reset_database(url, create_missing=True)
        build_data(engine, ENGAGEMENTS)
        engine.dispose()
        for _ in range(args.rounds):
            for variant in args.variants.split(","):
                with serving(variant, url, args) as (base, server):
                    check(base)
                    r = load(base, server, "/list", args, post=False)
                print(
                    f"| {database} | {variant} {names[variant]} | {args.threads} "
                    f"| {args.pin or 'any'} | {r.rps:,.0f} | {r.p99_ms:.1f} | {r.cpu_ms:.2f} "
                    f"| {r.switches:.0f} | {r.other_cpus:.2f} |",
                    flush=True,
                )
    return 0


def main(names: dict[str, str]) -> int:
    parser = argparse.ArgumentParser(description="request-path prototype (issue #10, item 1)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--variants", default="A,B,B1,C", help=f"of {','.join(names)}")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1, help="repeat everything, interleaved")
    parser.add_argument("--threads", type=int, default=40, help="worker threads (app: 40)")
    parser.add_argument("--pin", help="run the server on these CPUs only (taskset -c)")
    parser.add_argument(
        "--list-only", action="store_true", help="load the list only: req/s and CPU per request"
    )
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    if args.list_only:
        return lists_only(args, names)
    started = time.monotonic()
    outcomes = []
    for _ in range(args.rounds):
        for database in args.databases.split(","):
            for variant in args.variants.split(","):
                print(f"{database}, variant {variant}: {names[variant]}", flush=True)
                outcomes.append(measure(database, variant, args))
    took = time.monotonic() - started
    print(
        f"\n{os.cpu_count()} CPUs, {args.connections} connections, {args.duration} s loads, "
        f"load average at the end {os.getloadavg()}, {took:.0f} s in all"
    )
    print(table(outcomes, names))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (OUT / f"request_path-{stamp}.json").write_text(
        json.dumps([asdict(o) for o in outcomes], indent=1)
    )
    return 0
