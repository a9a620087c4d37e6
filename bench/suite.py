"""`make bench`: the API benchmarks one after another, then a summary of every figure and goal.

    python bench/suite.py [--pg-url URL]

1. api_throughput.py on SQLite, then on PostgreSQL: the engagement list's req/s against
   `/healthz`'s (page cache on; off beside it, for information);
2. mixed_load.py on PostgreSQL: 80 % reads, 20 % writes;
3. writer_isolation.py on PostgreSQL, then on SQLite: writes and `/healthz` while another
   connection holds a write.

Each runs as its own process (its output as it goes) and writes its figures as JSON under
bench/out/figures/. Both databases are dropped and rebuilt: the PostgreSQL one (default
PG_BENCH_URL, created if missing) must have "bench" in its name. Exit status: 0 when every
goal is met, 1 when one is missed, 2 when a benchmark could not run.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # import `app` from this checkout (see api_throughput.py)

from bench._common import OUT, PG_BENCH_URL, BenchError, Figure, run, sqlite_url  # noqa: E402

FIGURES = OUT / "figures"


@dataclass
class Step:
    """One benchmark run: its script, its database and what its figures are saved as."""

    script: str
    database: str  # "sqlite" or "postgresql"
    name: str

    def command(self, pg_url: str) -> list[str]:
        url = pg_url if self.database == "postgresql" else sqlite_url(f"{self.name}_bench.db")
        script = str(ROOT / "bench" / self.script)
        return [sys.executable, script, "--database-url", url, "--figures", str(self.figures)]

    @property
    def figures(self) -> Path:
        return FIGURES / f"{self.name}_{self.database}.json"


STEPS = [
    Step("api_throughput.py", "sqlite", "list_healthz"),
    Step("api_throughput.py", "postgresql", "list_healthz"),
    Step("mixed_load.py", "postgresql", "mixed_load"),
    Step("writer_isolation.py", "postgresql", "writer_isolation"),
    Step("writer_isolation.py", "sqlite", "writer_isolation"),
]


def run_step(step: Step, pg_url: str) -> int:
    """Run one benchmark to its end; its exit status (a SIGTERM to this process is passed on)."""
    step.figures.unlink(missing_ok=True)
    started = time.monotonic()
    print(f"\n=== {step.script} on {step.database} ===", flush=True)
    child = subprocess.Popen(step.command(pg_url), cwd=ROOT)
    try:
        status = child.wait()
    except KeyboardInterrupt:
        # Ctrl-C reaches the child too (same process group); SIGTERM does not.
        child.send_signal(signal.SIGTERM)
        child.wait()
        raise
    print(f"=== exit status {status}, {time.monotonic() - started:.0f} s ===", flush=True)
    return status


def summary(steps: list[tuple[Step, int]]) -> None:
    """Print every figure of every run, its goal and verdict, as one table."""
    rows = [("benchmark", "database", "figure", "value", "goal", "verdict")]
    for step, status in steps:
        if status == 2 or not step.figures.exists():
            rows.append((step.script, step.database, "could not run", f"exit {status}", "", ""))
            continue
        document = json.loads(step.figures.read_text())
        for f in (Figure(**row) for row in document["figures"]):
            verdict = "" if f.met is None else ("met" if f.met else "MISSED")
            rows.append((document["benchmark"], step.database, f.name, f.value, f.goal, verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    print(f"\n=== summary, {when}, {os.cpu_count()} CPUs, load average {load} ===")
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def suite(pg_url: str) -> bool:
    """Run every step, print the summary; True when every goal is met."""
    started = time.monotonic()
    statuses = [(step, run_step(step, pg_url)) for step in STEPS]
    summary(statuses)
    print(f"{len(STEPS)} runs in {time.monotonic() - started:.0f} s")
    failed = [
        f"{step.script} on {step.database}" for step, status in statuses if status not in (0, 1)
    ]
    if failed:
        raise BenchError(f"could not run: {', '.join(failed)}")
    return all(status == 0 for _, status in statuses)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", PG_BENCH_URL),
        help=f"the PostgreSQL database to drop and rebuild (default: $BENCH_PG_URL, else "
        f"{PG_BENCH_URL})",
    )
    args = parser.parse_args(argv)
    return run(lambda: suite(args.pg_url))


if __name__ == "__main__":
    sys.exit(main())
