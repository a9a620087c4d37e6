"""API throughput: req/s, p50 and p99 of `GET /healthz` and of the engagements list, served as in
production (uvicorn workers, httptools, uvloop) over a database of N engagements, loaded by wrk on
loopback.

    python bench/api_throughput.py [--engagements 1000] [--workers 2] [--connections 32]
        [--duration 10] [--database-url URL] [--no-uncached] [--figures FILE]

The goals are measured on the app as production runs it, its engagement-list page cache on
(app/services/page_cache.py). The list is then loaded once more on a server started with the
cache off, and its figures are printed for information: what a list costs when every request
reads its page from the database (right after writes).

The database (default: a fresh SQLite file under bench/out/) is dropped and rebuilt by the
migrations, so its name must contain "bench". Exit status: 0 when every goal is met, 1 when one is
missed, 2 when the benchmark could not run.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ on the path, not the repository: import `app` from this
# checkout, not from wherever an editable install points.
sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, Engine, insert, make_url, text  # noqa: E402

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
from bench._common import (  # noqa: E402
    BenchError,
    Figure,
    WrkFigures,
    add_bounded,
    add_common_options,
    cpu_during,
    login,
    parse_bounded,
    print_goals,
    request,
    reset_database,
    run,
    run_wrk,
    save_figures,
    serving,
    sqlite_url,
)

HEALTH_PATH = "/healthz"
LIST_PATH = "/api/v1/engagements?limit=50"
PAGE_SIZE = 50
# The label of the list loaded once more with the page cache off (CLUSTERCASE_LIST_CACHE_BYTES=0).
UNCACHED = " (page cache off)"
GOAL_RATIO = 0.20
GOAL_P99_MS = 100.0
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


def _entries(table: str, separator: str, fields: int) -> list[list[str]]:
    return [e.split(maxsplit=fields - 1) for e in re.split(separator, table) if e.strip()]


# -- data ------------------------------------------------------------------------------------------


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


def prepare_database(url: str, engagements: int) -> Engine:
    """Reset the bench database at `url` and build `engagements` engagements in it."""
    print(f"building the database ({dialect_of(url)}): {engagements} engagements", flush=True)
    started = time.monotonic()
    engine = reset_database(url, create_missing=True)
    build_data(engine, engagements)
    print(f"  built in {time.monotonic() - started:.1f} s", flush=True)
    return engine


def dialect_of(url: str) -> str:
    return make_url(url).get_backend_name()


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


def authorise(base: str, path: str) -> dict[str, str]:
    """Headers to load `path` with: none when it answers 200, else a bench consultant's token."""
    if request(f"{base}{path}", {})[0] != 401:
        return {}
    return login(base, BENCH_EMAIL, BENCH_PASSWORD)


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
class Result(WrkFigures):
    path: str = ""
    cpu_ms: float = 0.0  # server CPU time per request: what the box's other load cannot inflate
    # CPUs kept busy during the load, on average: the server, wrk, and every other process.
    server_cpus: float = 0.0
    wrk_cpus: float = 0.0
    other_cpus: float = 0.0


def run_wrk_on(
    base: str, path: str, args: argparse.Namespace, duration: int, headers: dict
) -> Result:
    """Load `path` for `duration` seconds; wrk itself is bounded by a timeout too."""
    _, figures = run_wrk(
        f"{base}{path}",
        threads=min(2, args.connections),
        connections=args.connections,
        duration=duration,
        headers=headers,
    )
    return Result(**asdict(figures), path=path)


def measure(
    base: str,
    args: argparse.Namespace,
    server: subprocess.Popen[bytes],
    headers: dict,
    paths: tuple[str, ...],
    label: str = "",
) -> list[Result]:
    """Warm each endpoint up, then load it, in the order given."""
    results = []
    for path in paths:
        print(f"warming up GET {path}{label} ({WARMUP_S} s)", flush=True)
        run_wrk_on(base, path, args, WARMUP_S, headers)
        load = f"{args.connections} connections, {args.duration} s"
        print(f"loading GET {path}{label}: {load}", flush=True)
        load_path = partial(run_wrk_on, base, path, args, args.duration, headers)
        result, cpu = cpu_during(server, load_path)
        result.path = f"{path}{label}"
        result.cpu_ms = cpu.server_s * 1000 / max(result.requests, 1)
        result.server_cpus, result.wrk_cpus, result.other_cpus = cpu.server, cpu.wrk, cpu.other
        print(f"  {result.rps:.1f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms")
        results.append(result)
    return results


# -- report and main -------------------------------------------------------------------------------


def goals(results: list[Result], connections: int) -> list[Figure]:
    """Each figure of the summary, with its goal when it has one (judged on the served app as it
    runs in production, its page cache on)."""
    health, listing = results[:2]
    figures = [
        Figure(
            "list/healthz req/s ratio",
            f"{ratio(listing, health):.3f} ({listing.rps:,.0f} / {health.rps:,.0f} req/s)",
            f">= {GOAL_RATIO:.2f}",
            ratio(listing, health) >= GOAL_RATIO,
        )
    ]
    # Every page read from the database: what a list costs right after a write.
    figures += [
        Figure(
            f"list/healthz req/s ratio{uncached.path.removeprefix(LIST_PATH)}",
            f"{ratio(uncached, health):.3f} ({uncached.rps:,.0f} req/s)",
        )
        for uncached in results[2:]
    ]
    p99 = listing.p99_ms
    figures.append(
        Figure(
            f"list p99 at {connections} connections",
            f"{p99:.1f} ms",
            f"<= {GOAL_P99_MS:.0f} ms at 32",
            p99 <= GOAL_P99_MS,
        )
    )
    errors = sum(r.errors for r in results)
    figures.append(Figure("failed requests", str(errors), "0", errors == 0))
    # A ratio measured while other processes took CPUs is not comparable (bench/README.md).
    others = " / ".join(f"{r.other_cpus:.2f}" for r in results)
    loads = " / ".join(["healthz", "list", *(["cache off"] if results[2:] else [])])
    figures.append(Figure(f"other processes' CPUs ({loads})", others))
    return figures


def ratio(load: WrkFigures, health: WrkFigures) -> float:
    return load.rps / health.rps if health.rps else 0.0


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
    health, listing = results[:2]
    for r in results:
        print(
            f"CPUs busy during GET {r.path}: server {r.server_cpus:.2f}, wrk {r.wrk_cpus:.2f}, "
            f"other processes {r.other_cpus:.2f}"
        )
    # On a shared machine req/s drifts with the neighbours' load; CPU per request does not much.
    cpu_ratio = health.cpu_ms / listing.cpu_ms if listing.cpu_ms else 0.0
    aside = "the req/s ratio, wrk and the load aside"
    print(f"server CPU per request, healthz/list: {cpu_ratio:.3f} ({aside})")
    figures = goals(results, args.connections)
    for uncached in (f for f in figures if f.name.endswith(UNCACHED)):
        print(f"for information, {uncached.name} {uncached.value}")
    save_figures(args.figures, "list/healthz", dialect, figures)
    return print_goals(figures)


def benchmark(args: argparse.Namespace, url: str) -> bool:
    """Build the database, serve it, load both endpoints; True when every goal is met."""
    prepare_database(url, args.engagements).dispose()
    results = serve_and_measure(url, args, (HEALTH_PATH, LIST_PATH))
    if args.uncached:
        off = {"CLUSTERCASE_LIST_CACHE_BYTES": "0"}
        results += serve_and_measure(url, args, (LIST_PATH,), env=off, label=UNCACHED)
    return report(results, args, dialect_of(url))


def serve_and_measure(
    url: str,
    args: argparse.Namespace,
    paths: tuple[str, ...],
    env: dict[str, str] | None = None,
    label: str = "",
) -> list[Result]:
    """Start the server (with `env`), check the list, load `paths`, stop the server."""
    with serving(url, workers=args.workers, env=env, label=label) as (base, server):
        headers = authorise(base, LIST_PATH)
        check_list(f"{base}{LIST_PATH}", headers, args.engagements)
        print(f"GET {LIST_PATH} answers 200 with {PAGE_SIZE} items", flush=True)
        return measure(base, args, server, headers, paths, label)


# Bounds that keep every run short and on one machine.
LIMITS = {"engagements": (PAGE_SIZE, 200_000), "workers": (1, 16), "connections": (1, 1000)}
LIMITS["duration"] = (1, 300)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = {"engagements": 1000, "workers": 2, "connections": 32, "duration": 10}
    add_bounded(parser, defaults, LIMITS)
    add_common_options(parser, sqlite_url("clustercase_bench.db"))
    parser.add_argument(
        "--no-uncached",
        dest="uncached",
        action="store_false",
        help="skip loading the list once more with the page cache off (for information)",
    )
    return parse_bounded(parser, argv, LIMITS)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run(lambda: benchmark(args, args.database_url))


if __name__ == "__main__":
    sys.exit(main())
