"""API throughput: req/s, p50 and p99 of `GET /healthz` and of the engagements list, served as in
production (uvicorn workers, httptools, uvloop) over a database of N engagements, loaded by wrk on
loopback.

    python bench/api_throughput.py [--engagements 1000] [--workers 2] [--connections 32]
        [--duration 10] [--database-url URL]

The database (default: a fresh SQLite file under bench/out/) is dropped and rebuilt by the
migrations, so its name must contain "bench". Exit status: 0 when every goal is met, 1 when one is
missed, 2 when the benchmark could not run.
"""

import argparse
import json
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ on the path, not the repository: import `app` from this
# checkout, not from wherever an editable install points.
sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, Engine, insert, make_url, text  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from app import migrate  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.models import (  # noqa: E402
    Engagement,
    EngagementMember,
    EngagementObjective,
    EngagementTheme,
    Partnership,
    Region,
    User,
)
from app.vocab import Objective, Phase, Theme, label  # noqa: E402

HOST = "127.0.0.1"
HEALTH_PATH = "/healthz"
LIST_PATH = "/api/v1/engagements?limit=50"
PAGE_SIZE = 50
GOAL_RATIO = 0.20
GOAL_P99_MS = 100.0
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
WARMUP_S = 2
# The first consultant can log in with this, for when the list asks for a bearer token.
BENCH_EMAIL, BENCH_PASSWORD = "consultant01@bench.example.org", "bench-password-not-secret"

# NUTS code (its first two letters are the country, its length tells the level) and name.
REGIONS = """
ES13 Cantabria; ES21 País Vasco; ES51 Cataluña; BE3 Région wallonne; BE2 Vlaams Gewest
LT Lithuania; SI Slovenia; EE Estonia; LV Latvia; CY Cyprus; MT Malta; PL22 Śląskie
PL41 Wielkopolskie; PL63 Pomorskie; ITC4 Lombardia; ITH5 Emilia-Romagna; ITF3 Campania
FRK2 Rhône-Alpes; FRI1 Aquitaine; FRL0 Provence-Alpes-Côte d'Azur; DE11 Stuttgart; DE21 Oberbayern
DEA1 Düsseldorf; NL41 Noord-Brabant; PT11 Norte; PT16 Centro; RO11 Nord-Vest
HU10 Közép-Magyarország; CZ06 Jihovýchod; SK02 Západné Slovensko
"""
# Acronym, kind, name; ";" between partnerships.
PARTNERSHIPS = """
ECOFOOD4I escp_4i Eco-innovative food processing; SMART-PACK escp_s3 Smart packaging
MEDTECH-X escp_4x Medical technologies; BLUE-GROWTH escp_4i Blue growth and maritime industries
AEROSPACE-S3 escp_s3 Aerospace and defence supply chains
"""
CONSULTANTS = """
Ana García, Jonas Petraitis, Claire Dubois, Marco Rossi, Eva Novak, Piotr Kowalski,
Sofia Almeida, Lukas Bauer, Ingrid Jansen, Nikos Papadopoulos, Mária Horváth, Tomás Dvořák,
Elena Popescu, Kristjan Tamm, Laura Vella, Andrej Kranjc, Maeve Byrne, Olof Lindqvist,
Chiara Bianchi, Hugo Lefèvre
"""
# Most engagements are open; a few are closed, on hold or cancelled.
PHASE_WEIGHTS = {
    **{Phase.SCOPING: 14, Phase.DIAGNOSIS: 18, Phase.RECOMMENDATIONS: 16, Phase.REPORTING: 12},
    **{Phase.FOLLOW_UP: 14, Phase.CLOSED: 14, Phase.ON_HOLD: 6, Phase.CANCELLED: 6},
}
OPEN_PHASES = [Phase.SCOPING, Phase.DIAGNOSIS, Phase.RECOMMENDATIONS, Phase.REPORTING]


class BenchError(Exception):
    """The benchmark cannot run, or its measurement would not be valid."""


def _entries(table: str, separator: str, fields: int) -> list[list[str]]:
    return [e.split(maxsplit=fields - 1) for e in re.split(separator, table) if e.strip()]


# -- data ------------------------------------------------------------------------------------------


def reset_database(url: str) -> Engine:
    """An empty database at `url` with the schema of the migrations (refuses a non-bench name)."""
    parsed = make_url(url)
    if "bench" not in Path(parsed.database or "").name:
        raise BenchError(f"refusing to reset {parsed.database!r}: its name must contain 'bench'")
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
    engine = make_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        migrate.upgrade(connection)
    return engine


def _insert(connection: Connection, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(connection.execute(stmt, rows).scalars())


def _clients(connection: Connection) -> list[tuple[str, int, str]]:
    """Insert the regions and partnerships; return (kind, id, name) of each, regions first."""
    regions = _entries(REGIONS, r"[;\n]", 2)
    partnerships = _entries(PARTNERSHIPS, r"[;\n]", 3)
    region_ids = _insert(
        connection,
        Region,
        [
            {"nuts_code": code, "country_code": code[:2], "nuts_level": len(code) - 2}
            | {"name": name}
            for code, name in regions
        ],
    )
    partnership_ids = _insert(
        connection,
        Partnership,
        [
            {"acronym": acronym, "kind": kind, "name": name, "sectors": [name.split()[0].lower()]}
            | {"countries": ["BE", "ES", "IT"], "coordinator": f"{acronym} consortium"}
            for acronym, kind, name in partnerships
        ],
    )
    return [("regional_advice", i, r[-1]) for i, r in zip(region_ids, regions, strict=True)] + [
        ("partnership_support", i, p[-1])
        for i, p in zip(partnership_ids, partnerships, strict=True)
    ]


def _password_hash() -> str | None:
    # Issue #3 (authentication) brings app.security; until it lands nobody can log in.
    try:
        from app.security import hash_password
    except ImportError:
        return None
    return hash_password(BENCH_PASSWORD)


def _consultants(connection: Connection) -> list[int]:
    names = [name.strip() for name in CONSULTANTS.replace("\n", " ").split(",")]
    rows: list[dict[str, Any]] = [
        {"email": f"consultant{i:02d}@bench.example.org", "full_name": name, "role": "consultant"}
        | {"password_hash": None}
        for i, name in enumerate(names, start=1)
    ]
    rows[0]["password_hash"] = _password_hash()
    return _insert(connection, User, rows)


@dataclass
class Plan:
    """What one engagement gets beside its own row."""

    team: list[int]  # the lead first; every one of them is a member
    themes: list[Theme]
    objectives: list[Objective]


def _engagement(rng: random.Random, n: int, client: tuple[str, int, str], plan: Plan) -> dict:
    kind, client_id, client_name = client
    phase = rng.choices(list(PHASE_WEIGHTS), weights=list(PHASE_WEIGHTS.values()))[0]
    start = date(2017, 1, 1) + timedelta(days=rng.randrange(0, 3 * 365))
    theme, objective = label(plan.themes[0]), label(plan.objectives[0]).lower()
    return {
        "reference": f"EOCIC-{start.year}-{n:05d}",
        "title": f"{client_name}: {theme} for {objective}",
        "summary": (
            f"Advisory support to {client_name} on modernising its cluster programme: the "
            "bottlenecks of its regional ecosystem, and policy instruments that connect its "
            "clusters with interregional value chains."
        ),
        "kind": kind,
        "region_id": client_id if kind == "regional_advice" else None,
        "partnership_id": client_id if kind == "partnership_support" else None,
        "phase": phase,
        # The CHECK constraint: phase_before_hold is set exactly when the phase is on_hold.
        "phase_before_hold": rng.choice(OPEN_PHASES) if phase == Phase.ON_HOLD else None,
        "planned_start": start,
        "planned_end": start + timedelta(days=rng.randrange(120, 720)),
        "lead_consultant_id": plan.team[0],
    }


def build_data(engine: Engine, engagements: int, seed: int = 2017) -> None:
    """Insert reference data, consultants and `engagements` engagements (deterministic)."""
    rng = random.Random(seed)
    with engine.begin() as connection:
        clients = _clients(connection)
        regional = [c for c in clients if c[0] == "regional_advice"]
        partnership = [c for c in clients if c[0] == "partnership_support"]
        consultants = _consultants(connection)
        rows, plans = [], []
        for n in range(1, engagements + 1):
            # About one engagement in four supports a partnership.
            client = rng.choice(regional if rng.random() < 0.75 else partnership)
            plan = Plan(
                team=rng.sample(consultants, rng.randint(3, 4)),  # a lead and 2-3 members
                themes=rng.sample(list(Theme), rng.randint(1, 3)),
                objectives=rng.sample(list(Objective), rng.randint(1, 2)),
            )
            rows.append(_engagement(rng, n, client, plan))
            plans.append(plan)
        ids = _insert(connection, Engagement, rows)
        children: list[tuple[Any, str, list[list[Any]]]] = [
            (EngagementTheme, "theme", [p.themes for p in plans]),
            (EngagementObjective, "objective", [p.objectives for p in plans]),
            (EngagementMember, "user_id", [p.team for p in plans]),
        ]
        for model, key, values in children:
            child_rows = [
                {"engagement_id": i, key: v} for i, vs in zip(ids, values, strict=True) for v in vs
            ]
            connection.execute(insert(model), child_rows)
        # A freshly loaded table has no planner statistics yet; production's would have them.
        connection.execute(text("ANALYZE"))


# -- server ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(url: str, workers: int, port: int) -> subprocess.Popen[bytes]:
    """uvicorn as production runs it, in a process group of its own (so it can be stopped)."""
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
    command += ["--workers", str(workers), "--host", HOST, "--port", str(port)]
    command += ["--no-access-log", "--log-level", "warning"]
    env = os.environ | {
        "CLUSTERCASE_DATABASE_URL": url,
        "CLUSTERCASE_ENVIRONMENT": "production",
        # Every worker must sign and check tokens with the same key.
        "CLUSTERCASE_SECRET_KEY": "bench-only-" + os.urandom(24).hex(),
    }
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group; SIGKILL it if it is not gone within the timeout."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=STOP_TIMEOUT_S)


def request(url: str, headers: dict[str, str], form: dict[str, str] | None = None) -> Any:
    """(status, parsed JSON body or raw bytes) of a GET, or of a POST when `form` is given."""
    data = urlencode(form).encode() if form is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=5) as r:
            status, body = r.status, r.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"the server exited with status {server.returncode}")
        try:
            if request(f"{base}/readyz", {})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"the server was not ready within {READY_TIMEOUT_S:.0f} s")


def authorise(base: str, path: str) -> dict[str, str]:
    """Headers to load `path` with: none when it answers 200, else a bench consultant's token."""
    if request(f"{base}{path}", {})[0] != 401:
        return {}
    form = {"username": BENCH_EMAIL, "password": BENCH_PASSWORD}
    status, body = request(f"{base}/api/v1/auth/token", {}, form)
    if status != 200:
        raise BenchError(f"the list asks for a login, and the login answered {status}: {body!r}")
    return {"Authorization": f"Bearer {body['access_token']}"}


def check_list(url: str, headers: dict[str, str], engagements: int) -> None:
    """Refuse to measure a list that does not answer a full page of the engagements built."""
    status, page = request(url, headers)
    if status != 200:
        raise BenchError(f"GET {url} answered {status}: {page!r:.300}")
    items, total = len(page.get("items", [])), page.get("total")
    if items != PAGE_SIZE or total != engagements:
        raise BenchError(
            f"GET {url} answered {items} items of {total}: expected {PAGE_SIZE} of {engagements}"
        )


# -- load ------------------------------------------------------------------------------------------


@dataclass
class Result:
    path: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # answers other than 2xx/3xx, and socket errors (timeouts included)
    cpu_ms: float = 0.0  # server CPU time per request: what the box's other load cannot inflate
    # CPUs kept busy during the load, on average: the server, wrk, and every other process.
    server_cpus: float = 0.0
    wrk_cpus: float = 0.0
    other_cpus: float = 0.0


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _figure(pattern: str, output: str) -> re.Match[str]:
    match = re.search(pattern, output, re.MULTILINE)
    if match is None:
        raise BenchError(f"wrk's output has no {pattern!r}:\n{output}")
    return match


def parse_wrk(path: str, output: str) -> Result:
    """The figures of one `wrk --latency` run."""
    p50, p99 = (_figure(rf"^\s*{p}%\s+([\d.]+)(us|ms|s|m)\s*$", output) for p in (50, 99))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Result(
        path=path,
        rps=float(_figure(r"^Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=float(p50.group(1)) * _UNITS_MS[p50.group(2)],
        p99_ms=float(p99.group(1)) * _UNITS_MS[p99.group(2)],
        requests=int(_figure(r"^\s*(\d+) requests in", output).group(1)),
        errors=(int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(int(n) for n in sockets.groups()) if sockets else 0),
    )


def run_wrk(base: str, path: str, args: argparse.Namespace, duration: int, headers: dict) -> Result:
    """Load `path` for `duration` seconds; wrk itself is bounded by a timeout too."""
    command = ["wrk", f"-t{min(2, args.connections)}", f"-c{args.connections}", f"-d{duration}s"]
    command += ["--latency", "--timeout", "5s", f"{base}{path}"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30)
    except FileNotFoundError as exc:
        raise BenchError("wrk is not installed (Debian: apt-get install -y wrk)") from exc
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(path, done.stdout)


def server_cpu_s(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds used so far by the server's process group: the master and every worker."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # After the command name: state, ppid, pgrp, ... utime (14th field), stime (15th).
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process has just exited
            continue
        if int(fields[2]) == server.pid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy (every CPU, every process) since boot."""
    # user, nice, system, idle, iowait, irq, softirq, steal (guest time is within user)
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    """CPU seconds of this process's waited-for children: wrk's, once it has exited."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(
    base: str, args: argparse.Namespace, server: subprocess.Popen[bytes], headers: dict
) -> list[Result]:
    """Warm each endpoint up, then load it; /healthz first, then the list."""
    results = []
    for path in (HEALTH_PATH, LIST_PATH):
        print(f"warming up GET {path} ({WARMUP_S} s)", flush=True)
        run_wrk(base, path, args, WARMUP_S, headers)
        print(f"loading GET {path}: {args.connections} connections, {args.duration} s", flush=True)
        before = server_cpu_s(server), children_cpu_s(), machine_busy_s(), time.monotonic()
        result = run_wrk(base, path, args, args.duration, headers)
        after = server_cpu_s(server), children_cpu_s(), machine_busy_s(), time.monotonic()
        server_s, wrk_s, busy_s, wall_s = (a - b for a, b in zip(after, before, strict=True))
        result.cpu_ms = server_s * 1000 / max(result.requests, 1)
        result.server_cpus, result.wrk_cpus = server_s / wall_s, wrk_s / wall_s
        result.other_cpus = max(busy_s - server_s - wrk_s, 0.0) / wall_s
        print(f"  {result.rps:.1f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms")
        results.append(result)
    return results


# -- report and main -------------------------------------------------------------------------------


def goals(results: list[Result], connections: int) -> list[tuple[str, bool]]:
    """Each goal, worded with its figure, and whether it is met."""
    health, listing = results
    ratio = listing.rps / health.rps if health.rps else 0.0
    errors = sum(r.errors for r in results)
    p99 = f"list p99 {listing.p99_ms:.1f} ms at {connections} connections"
    return [
        (f"list/healthz req/s ratio {ratio:.3f} (goal >= {GOAL_RATIO:.2f})", ratio >= GOAL_RATIO),
        (f"{p99} (goal <= {GOAL_P99_MS:.0f} ms at 32)", listing.p99_ms <= GOAL_P99_MS),
        (f"{errors} failed requests (goal 0)", errors == 0),
    ]


def report(results: list[Result], args: argparse.Namespace, dialect: str) -> bool:
    """Print the table and the goals; True when every goal is met."""
    print(
        f"\n{args.engagements} engagements on {dialect}, {args.workers} worker(s), "
        f"{args.connections} connections, {args.duration} s per endpoint, {os.cpu_count()} CPUs"
    )
    width = max(len(r.path) for r in results) + 6
    header = f"{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}{'errors':>8}"
    print(f"{'endpoint':<{width}}{header}{'CPU ms/req':>12}")
    for r in results:
        row = f"{'GET ' + r.path:<{width}}{r.rps:>10.1f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}"
        print(f"{row}{r.requests:>10}{r.errors:>8}{r.cpu_ms:>12.2f}")
    health, listing = results
    for r in results:
        print(
            f"CPUs busy during GET {r.path}: server {r.server_cpus:.2f}, wrk {r.wrk_cpus:.2f}, "
            f"other processes {r.other_cpus:.2f}"
        )
    # On a shared machine req/s drifts with the neighbours' load; CPU per request does not much.
    cpu_ratio = health.cpu_ms / listing.cpu_ms if listing.cpu_ms else 0.0
    aside = "the req/s ratio, wrk and the load aside"
    print(f"server CPU per request, healthz/list: {cpu_ratio:.3f} ({aside})")
    checks = goals(results, args.connections)
    for wording, met in checks:
        print(f"{wording}: {'met' if met else 'MISSED'}")
    return all(met for _, met in checks)


def benchmark(args: argparse.Namespace, url: str) -> bool:
    """Build the database, serve it, load both endpoints; True when every goal is met."""
    dialect = make_url(url).get_backend_name()
    print(f"building the database ({dialect}): {args.engagements} engagements", flush=True)
    started = time.monotonic()
    engine = reset_database(url)
    build_data(engine, args.engagements)
    engine.dispose()
    print(f"  built in {time.monotonic() - started:.1f} s", flush=True)
    base = f"http://{HOST}:{free_port()}"
    print(f"starting uvicorn: {args.workers} worker(s) on {base}", flush=True)
    server = start_server(url, args.workers, int(base.rsplit(":", 1)[1]))
    try:
        wait_ready(base, server)
        headers = authorise(base, LIST_PATH)
        check_list(f"{base}{LIST_PATH}", headers, args.engagements)
        print(f"GET {LIST_PATH} answers 200 with {PAGE_SIZE} items", flush=True)
        results = measure(base, args, server, headers)
    finally:
        print("stopping the server", flush=True)
        stop_server(server)
    return report(results, args, dialect)


# Bounds that keep every run short and on one machine.
LIMITS = {"engagements": (PAGE_SIZE, 200_000), "workers": (1, 16), "connections": (1, 1000)}
LIMITS["duration"] = (1, 300)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = {"engagements": 1000, "workers": 2, "connections": 32, "duration": 10}
    for name, default in defaults.items():
        low, high = LIMITS[name]
        parser.add_argument(f"--{name}", type=int, default=default, help=f"{low}-{high}")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CLUSTERCASE_DATABASE_URL"),
        help="a database to DROP and rebuild, whose name contains 'bench' "
        "(default: $CLUSTERCASE_DATABASE_URL, else a SQLite file under bench/out/)",
    )
    args = parser.parse_args(argv)
    for name, (low, high) in LIMITS.items():
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name} must be between {low} and {high}")
    return args


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database_url or f"sqlite:///{ROOT / 'bench' / 'out' / 'clustercase_bench.db'}"
    # A SIGTERM unwinds like Ctrl-C, so that the server is stopped either way.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return 0 if benchmark(args, url) else 1
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
    except OperationalError as exc:
        print(f"benchmark failed: the database cannot be reached: {exc.orig}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    except Exception:
        # A crash is a failure to run, not a missed goal (exit status 1).
        traceback.print_exc()
    return 2


if __name__ == "__main__":
    sys.exit(main())
