"""Mixed load: 80 % reads and 20 % writes over 50 engagements, against `/healthz` on the same
server, loaded by wrk with bench/mixed.lua.

    python bench/mixed_load.py [--engagements 1000] [--targets 50] [--workers 2]
        [--connections 32] [--duration 10] [--database-url URL] [--figures FILE]

Reads: the engagement list (limit=50), one engagement, its recommendations. Writes: a PATCH of
an engagement's summary, and of one of its milestones' title, both with If-Match: * (they
succeed every time and add no rows). Each request's kind is drawn at random per MIX, over the
`targets` engagements the bench consultant may change: reads pick one at random, each wrk thread
writes its own share in turn (so that the load does not race itself into 409 conflicts; keep
`targets` above `connections`). The goals: no error (every answer 2xx, no socket error) and p99
<= 150 ms; the req/s ratio to `/healthz`, measured on the same server just before, is printed
beside them.

The database (default: $CLUSTERCASE_DATABASE_URL, else PostgreSQL's clustercase_bench) is dropped
and rebuilt, so its name must contain "bench". Exit status: 0 when every goal is met, 1 when one
is missed, 2 when the benchmark could not run.
"""

import argparse
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # import `app` from this checkout (see api_throughput.py)

from bench._common import (  # noqa: E402
    OUT,
    PG_BENCH_URL,
    BenchError,
    CpuUse,
    Figure,
    WrkFigures,
    add_bounded,
    add_common_options,
    cpu_during,
    parse_bounded,
    parse_wrk,
    print_goals,
    run,
    run_wrk,
    save_figures,
    serving,
    socket_errors,
)
from bench._workload import (  # noqa: E402
    ANY_VERSION,
    Client,
    add_milestones,
    add_recommendations,
    check_write,
    engagement_path,
    milestone_path,
    summary_patch,
    writable_engagements,
)
from bench.api_throughput import (  # noqa: E402
    HEALTH_PATH,
    LIST_PATH,
    WARMUP_S,
    authorise,
    check_list,
    dialect_of,
    prepare_database,
)

SCRIPT = ROOT / "bench" / "mixed.lua"
# Percentages, in mixed.lua's order: 80 % reads, 20 % writes.
MIX = {
    "GET list (limit=50)": 40,
    "GET engagement": 20,
    "GET its recommendations": 20,
    "PATCH engagement summary": 10,
    "PATCH milestone title": 10,
}
RECOMMENDATIONS_EACH = 3
PROBES = 20  # requests of each kind sent one at a time after the load
GOAL_P99_MS = 150.0


@dataclass
class Load:
    """One wrk load and what went on during it."""

    name: str
    figures: WrkFigures
    cpu: CpuUse
    statuses: dict[int, int] = field(default_factory=dict)  # from mixed.lua
    sent: dict[str, int] = field(default_factory=dict)  # from mixed.lua, by kind
    sockets: dict[str, int] = field(default_factory=dict)  # wrk's socket errors, by kind

    @property
    def failures(self) -> dict[str, int]:
        """Every answer that is not 2xx, by status, and every socket error, by kind."""
        answers = {f"HTTP {s}": n for s, n in sorted(self.statuses.items()) if not 200 <= s < 300}
        return answers | {f"socket {kind}": n for kind, n in self.sockets.items()}


@dataclass
class Target:
    """What wrk loads: a URL, and mixed.lua's arguments for the mixed load."""

    url: str
    headers: dict[str, str]
    connections: int
    script_args: list[str] | None = None

    @property
    def threads(self) -> int:
        return min(2, self.connections)

    def wrk(self, duration: int) -> str:
        output, _ = run_wrk(
            self.url,
            threads=self.threads,
            connections=self.connections,
            duration=duration,
            headers=self.headers,
            script=SCRIPT if self.script_args else None,
            script_args=self.script_args or (),
        )
        return output


def load(name: str, target: Target, duration: int, server: subprocess.Popen[bytes]) -> Load:
    """Warm up, then load `target` for `duration` seconds."""
    print(f"warming up {name} ({WARMUP_S} s)", flush=True)
    target.wrk(WARMUP_S)
    print(f"loading {name}: {target.connections} connections, {duration} s", flush=True)
    output, cpu = cpu_during(server, partial(target.wrk, duration))
    result = Load(name, parse_wrk(output), cpu, sockets=socket_errors(output))
    for status, n in re.findall(r"^mixed status (\d+) (\d+)$", output, re.MULTILINE):
        result.statuses[int(status)] = int(n)
    for kind, n in re.findall(r"^mixed sent (\w+) (\d+)$", output, re.MULTILINE):
        result.sent[kind] = int(n)
    if target.script_args and not result.statuses:
        raise BenchError(f"mixed.lua counted no answer:\n{output}")
    f = result.figures
    print(f"  {f.rps:.1f} req/s, p50 {f.p50_ms:.2f} ms, p99 {f.p99_ms:.2f} ms", flush=True)
    return result


# -- the run ---------------------------------------------------------------------------------------


def prepare_targets(base: str, headers: dict[str, str], targets: list[int]) -> list[int]:
    """Give each target engagement recommendations and a milestone (through the API), check
    that both writes succeed; the milestones' ids, in the targets' order."""
    client = Client(base, headers)
    try:
        adding = f"{RECOMMENDATIONS_EACH} recommendations and a milestone"
        print(f"adding {adding} to each of {len(targets)} engagements", flush=True)
        add_recommendations(client, targets, RECOMMENDATIONS_EACH)
        milestones = add_milestones(client, targets)
        check_write(client, engagement_path(targets[0]), summary_patch(0))
        check_write(client, milestone_path(targets[0], milestones[0]), {"title": "Workshop"})
    finally:
        client.close()
    return milestones


def _requests(n: int, targets: list[int], milestones: list[int]) -> list[tuple[str, str, Any]]:
    """(method, path, body) of each kind of request of the mix, in MIX's order, for target n."""
    engagement = engagement_path(targets[n])
    milestone = milestone_path(targets[n], milestones[n])
    return [
        ("GET", LIST_PATH, None),
        ("GET", engagement, None),
        ("GET", f"{engagement}/recommendations", None),
        ("PATCH", engagement, summary_patch(n)),
        ("PATCH", milestone, {"title": f"Interim findings workshop, revision {n}"}),
    ]


def one_at_a_time(
    base: str, headers: dict[str, str], targets: list[int], milestones: list[int]
) -> dict[str, float]:
    """The median milliseconds of each kind of request of the mix, sent one at a time (PROBES
    of each, interleaved, after the load): what each costs when nothing waits."""
    client = Client(base, headers)
    seconds: dict[str, list[float]] = {kind: [] for kind in MIX}
    try:
        for n in range(PROBES):
            requests = _requests(n % len(targets), targets, milestones)
            for kind, (method, path, body) in zip(MIX, requests, strict=True):
                extra = ANY_VERSION if method == "PATCH" else None
                status, took, raw = client.call(method, path, body, extra)
                if status != 200:
                    raise BenchError(f"{method} {path} answered {status}: {raw[:300]!r}")
                seconds[kind].append(took)
    finally:
        client.close()
    return {kind: statistics.median(s) * 1000 for kind, s in seconds.items()}


def benchmark(args: argparse.Namespace) -> bool:
    """Build the database, serve it, load `/healthz` then the mix; True when every goal is met."""
    url = args.database_url
    engine = prepare_database(url, args.engagements)
    targets = writable_engagements(engine, args.targets)
    engine.dispose()
    log = OUT / "mixed_load_server.log"
    with serving(url, workers=args.workers, log=log) as (base, server):
        headers = authorise(base, LIST_PATH)
        check_list(f"{base}{LIST_PATH}", headers, args.engagements)
        milestones = prepare_targets(base, headers, targets)
        mix = ",".join(str(share) for share in MIX.values())
        health = Target(f"{base}{HEALTH_PATH}", headers, args.connections)
        mixed = Target(f"{base}{LIST_PATH}", headers, args.connections)
        ids = [",".join(map(str, targets)), ",".join(map(str, milestones))]
        mixed.script_args = [mix, str(mixed.threads), *ids]
        loads = [
            load(f"GET {HEALTH_PATH}", health, args.duration, server),
            load("the mix", mixed, args.duration, server),
        ]
        print(f"sending each kind of request {PROBES} times, one at a time", flush=True)
        medians = one_at_a_time(base, headers, targets, milestones)
    return report(loads, medians, args, dialect_of(url))


# -- report and main -------------------------------------------------------------------------------


def figures_of(health: Load, mixed: Load, medians: dict[str, float]) -> list[Figure]:
    """The summary's figures: the ratio and the costs one at a time (for information), the
    mix's p99 and errors (goals)."""
    ratio = mixed.figures.rps / health.figures.rps if health.figures.rps else 0.0
    errors = sum(mixed.failures.values())
    breakdown = ", ".join(f"{kind}: {n}" for kind, n in mixed.failures.items())
    one_by_one = " / ".join(f"{ms:.1f}" for ms in medians.values())
    p99 = mixed.figures.p99_ms
    return [
        Figure(
            "mixed/healthz req/s ratio",
            f"{ratio:.3f} ({mixed.figures.rps:,.0f} / {health.figures.rps:,.0f} req/s)",
        ),
        Figure("median ms alone (list / engagement / recs / 2 PATCHes)", one_by_one),
        Figure(
            "other processes' CPUs (healthz / mix)",
            f"{health.cpu.other:.2f} / {mixed.cpu.other:.2f} (the database's included)",
        ),
        Figure("mixed p99", f"{p99:.1f} ms", f"<= {GOAL_P99_MS:.0f} ms", p99 <= GOAL_P99_MS),
        Figure(
            "mixed errors (non-2xx, socket)",
            f"{errors} ({breakdown})" if errors else "0",
            "0",
            errors == 0,
        ),
    ]


def report(
    loads: list[Load], medians: dict[str, float], args: argparse.Namespace, dialect: str
) -> bool:
    """Print the loads and the goals; True when every goal is met."""
    health, mixed = loads
    print(
        f"\nmixed load on {dialect}: {args.engagements} engagements, writes over {args.targets} "
        f"of them, {args.workers} worker(s), {args.connections} connections, {args.duration} s"
    )
    print("mix: " + ", ".join(f"{kind} {share} %" for kind, share in MIX.items()))
    header = f"{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}{'errors':>8}"
    print(f"{'load':<16}{header}{'CPU ms/req':>12}")
    for r in loads:
        f = r.figures
        cpu_ms = r.cpu.server_s * 1000 / max(f.requests, 1)
        row = f"{r.name:<16}{f.rps:>10.1f}{f.p50_ms:>10.2f}{f.p99_ms:>10.2f}{f.requests:>10}"
        print(f"{row}{f.errors:>8}{cpu_ms:>12.2f}")
    print("sent: " + ", ".join(f"{kind} {n}" for kind, n in sorted(mixed.sent.items())))
    print("answers: " + ", ".join(f"{s}: {n}" for s, n in sorted(mixed.statuses.items())))
    for r in loads:
        if r.failures:
            print(f"errors of {r.name}: " + ", ".join(f"{k} {n}" for k, n in r.failures.items()))
        cpus = f"server {r.cpu.server:.2f}, wrk {r.cpu.wrk:.2f}, other processes {r.cpu.other:.2f}"
        print(f"CPUs busy during {r.name}: {cpus}")
    one_by_one = ", ".join(f"{kind} {ms:.1f}" for kind, ms in medians.items())
    print(f"one at a time ({PROBES} each), median ms: {one_by_one}")
    figures = figures_of(health, mixed, medians)
    print(f"for information, {figures[0].name} {figures[0].value}")
    save_figures(args.figures, "mixed load", dialect, figures)
    return print_goals(figures)


# Bounds that keep every run short and on one machine.
LIMITS = {"engagements": (50, 200_000), "targets": (2, 200), "workers": (1, 16)}
LIMITS |= {"connections": (1, 1000), "duration": (1, 300)}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = {"engagements": 1000, "targets": 50, "workers": 2, "connections": 32}
    add_bounded(parser, defaults | {"duration": 10}, LIMITS)
    add_common_options(parser, PG_BENCH_URL)
    return parse_bounded(parser, argv, LIMITS)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run(lambda: benchmark(args))


if __name__ == "__main__":
    sys.exit(main())
