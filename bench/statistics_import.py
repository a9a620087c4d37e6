"""Statistics import (issue 15): observations imported per second from a generated Eurostat
bulk TSV, on SQLite and on PostgreSQL, and the importing process's peak memory (RSS); with
--big-mb, the same for a file of that many megabytes, to show that memory stays bounded
whatever the file's size.

    python bench/statistics_import.py [--observations 200000] [--pg-url URL] [--big-mb 100]
        [--no-pg | --no-sqlite] [--figures FILE]

The file has 300 NUTS 2 regions and the EU aggregate, 15 years, and as many indicators as the
observations need (one series per indicator and place; 1 value in 40 missing, 1 in 10
flagged). Each import runs in a process of its own, through `import_file` as the CLI calls it
(one writer transaction, batches of 5,000), into a database dropped and rebuilt by the
migrations (names must contain "bench"); a second import of the same file (every value
already stored) is timed too. Goals: >= 20,000 observations/s on SQLite, >= 50,000 on
PostgreSQL. Exit status: 0 when every goal is met, 1 when one is missed, 2 when the benchmark
could not run.
"""

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # import `app` from this checkout (see api_throughput.py)

from _common import (  # noqa: E402
    OUT,
    Figure,
    print_goals,
    reset_database,
    run,
    save_figures,
    sqlite_url,
)

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/stat_bench"
REGIONS = 300
GOALS = {"sqlite": 20_000, "postgresql": 50_000}
_COUNTRIES = [
    "AT",
    "BE",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "HR",
    "IE",
    "IT",
    "LT",
    "LV",
    "NL",
    "PL",
    "PT",
    "SE",
    "SI",
    "SK",
]


def regions(count: int = REGIONS) -> list[str]:
    """`count` NUTS 2-shaped codes (two letters, then two characters), and the EU."""
    codes = [f"{c}{chr(65 + k // 10)}{k % 10}" for k in range(100) for c in _COUNTRIES]
    return [*codes[:count], "EU27_2020"]


def write_file(path: Path, *, observations: int, years: int) -> int:
    """A Eurostat TSV of about `observations` values; the number of indicators it has."""
    places = regions()
    indicators = max(1, math.ceil(observations / (len(places) * years)))
    rng = random.Random(15)
    first = 2100 - years
    with path.open("w", encoding="utf-8") as out:
        periods = "\t".join(f"{y} " for y in range(first, first + years))
        out.write(f"freq,unit,indic,geo\\TIME_PERIOD\t{periods}\n")
        for i in range(indicators):
            for geo in places:
                cells = []
                for _ in range(years):
                    draw = rng.random()
                    if draw < 0.025:
                        cells.append(": ")
                    else:
                        flag = "e" if draw > 0.9 else ""
                        cells.append(f"{rng.uniform(0, 200):.2f} {flag}")
                out.write(f"A,PC,I{i:04d},{geo}\t" + "\t".join(cells) + "\n")
    return indicators


def write_mapping(path: Path, indicators: int) -> None:
    conditions = ["knowledge_skills", "access_to_finance", "demand_conditions", "other"]
    parts = [
        '[dataset]\nsource = "bench"\ncode = "bench_table"\ntitle = "Generated"\n'
        "illustrative = true\n"
    ]
    for i in range(indicators):
        parts.append(
            f'[[indicators]]\ncode = "bench_{i:04d}"\nname = "Indicator {i}"\n'
            f'framework_condition = "{conditions[i % 4]}"\ndirection = "higher"\n'
            f'series = {{ indic = "I{i:04d}" }}\n'
        )
    path.write_text("\n".join(parts), encoding="utf-8")


def child(url: str, file: Path, mapping: Path) -> None:
    """Import `file` twice (new, then already stored) in this process; print JSON figures."""
    from app.db import make_engine, make_sessionmaker
    from app.services.statistics_import import import_file, read_mapping
    from app.statistics.formats import Format

    engine = make_engine(url)
    spec = read_mapping(mapping.read_text(encoding="utf-8"))
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = []
    for _ in range(2):
        started = time.perf_counter()
        with (
            file.open("rb") as stream,
            make_sessionmaker(engine, writer=True)() as session,
            session.begin(),
        ):
            report = import_file(
                session, stream, fmt=Format.EUROSTAT_TSV, mapping=spec, total_bytes=None
            )
        runs.append((time.perf_counter() - started, report.kept, report.observations))
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"runs": runs, "baseline_kib": baseline, "peak_kib": peak}))


def measure(url: str, file: Path, mapping: Path, label: str, *, goal: int | None) -> list[Figure]:
    engine = reset_database(url, create_missing=True)
    engine.dispose()
    command = [sys.executable, __file__, "--child", url, str(file), str(mapping)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the import of {file.name} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    (first_s, kept, read), (again_s, _, _) = result["runs"]
    rate, again = kept / first_s, kept / again_s
    size = file.stat().st_size / 1e6
    print(
        f"{label}: {size:.1f} MB, {read:,} observations read, {kept:,} kept in {first_s:.1f} s "
        f"({rate:,.0f}/s); again (all stored) {again_s:.1f} s ({again:,.0f}/s); peak RSS "
        f"{result['peak_kib'] / 1024:.0f} MiB ({result['baseline_kib'] / 1024:.0f} MiB "
        "before importing)",
        flush=True,
    )
    figures = [
        Figure(f"{label} re-import obs/s", f"{again:,.0f}"),
        Figure(f"{label} peak RSS MiB", f"{result['peak_kib'] / 1024:.0f}"),
        Figure(f"{label} file MB", f"{size:.1f}"),
    ]
    if goal is not None:
        figures.insert(0, Figure(f"{label} obs/s", f"{rate:,.0f}", f">= {goal:,}", rate >= goal))
    else:
        figures.insert(0, Figure(f"{label} obs/s", f"{rate:,.0f}"))
    return figures


def benchmark(args: argparse.Namespace) -> bool:
    OUT.mkdir(parents=True, exist_ok=True)
    file, mapping = OUT / "statistics_bench.tsv", OUT / "statistics_bench.toml"
    indicators = write_file(file, observations=args.observations, years=15)
    write_mapping(mapping, indicators)
    targets = [] if args.no_sqlite else [("sqlite", sqlite_url("statistics_bench.db"))]
    if not args.no_pg:
        targets.append(("postgresql", args.pg_url))
    figures: list[Figure] = []
    for name, url in targets:
        figures += measure(url, file, mapping, name, goal=GOALS[name])
    if args.big_mb:
        big, big_mapping = OUT / "statistics_bench_big.tsv", OUT / "statistics_bench_big.toml"
        # About 120 bytes a line of 15 values: the observations of `big_mb` megabytes.
        wanted = int(args.big_mb * 1e6 / 120 * 15)
        big_indicators = write_file(big, observations=wanted, years=15)
        write_mapping(big_mapping, big_indicators)
        for name, url in targets:
            figures += measure(url, big, big_mapping, f"{name} {args.big_mb} MB", goal=None)
        big.unlink()
    save_figures(args.figures, "statistics_import", ",".join(n for n, _ in targets), figures)
    return print_goals(figures)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1], Path(argv[2]), Path(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=200_000)
    parser.add_argument("--pg-url", default=PG_URL, help="a database whose name has 'bench'")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--big-mb", type=int, default=0, help="also a file of this many MB")
    parser.add_argument("--figures", metavar="FILE", help="write the figures as JSON to FILE")
    args = parser.parse_args(argv)
    return run(lambda: benchmark(args))


if __name__ == "__main__":
    sys.exit(main())
