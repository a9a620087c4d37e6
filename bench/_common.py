"""Helpers the benchmark scripts share: the bench database, the uvicorn server, logging in, wrk.

Each script puts the repository first on `sys.path` before importing this module (see
api_throughput.py), so that `app` comes from this checkout.
"""

import argparse
import json
import os
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
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from app import migrate
from app.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
T = TypeVar("T")
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
# The PostgreSQL database of `make bench` (created if missing, its schema dropped and rebuilt).
PG_BENCH_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/clustercase_bench"


class BenchError(Exception):
    """The benchmark cannot run, or its measurement would not be valid."""


# -- database --------------------------------------------------------------------------------------


def _create_if_missing(parsed: URL, name: str) -> None:
    """Create the PostgreSQL database `name` on the server of `parsed` unless it exists."""
    maintenance = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            print(f"creating the database {name}", flush=True)
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    maintenance.dispose()


def reset_database(url: str, *, create_missing: bool = False) -> Engine:
    """An empty database at `url` with the schema of the migrations (refuses a non-bench name)."""
    parsed = make_url(url)
    name = Path(parsed.database or "").name
    if "bench" not in name:
        raise BenchError(f"refusing to reset {parsed.database!r}: its name must contain 'bench'")
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
    elif create_missing:
        _create_if_missing(parsed, name)
    engine = make_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        migrate.upgrade(connection)
    return engine


# -- server ----------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on HOST that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(
    url: str,
    port: int,
    *,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """uvicorn as production runs it, in a process group of its own (so it can be stopped)."""
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
    command += ["--workers", str(workers), "--host", HOST, "--port", str(port)]
    command += ["--no-access-log", "--log-level", "warning"]
    environment = os.environ | {
        "CLUSTERCASE_DATABASE_URL": url,
        "CLUSTERCASE_ENVIRONMENT": "production",
        # Every worker must sign and check tokens with the same key.
        "CLUSTERCASE_SECRET_KEY": "bench-only-" + os.urandom(24).hex(),
        # As `clustercase serve` runs it: each process pinned to a core (app/affinity.py).
        "CLUSTERCASE_PIN_CPU": os.environ.get("CLUSTERCASE_PIN_CPU", "true"),
        "CLUSTERCASE_DB_POOL_WARM": "true",
        **(env or {}),
    }
    if log is None:
        return subprocess.Popen(command, cwd=ROOT, env=environment, start_new_session=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=environment, start_new_session=True, stdout=out, stderr=out
        )


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
    """Return once `base`/readyz answers 200; fail if the server exits or the timeout passes."""
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


@contextmanager
def serving(
    url: str,
    *,
    workers: int,
    env: Mapping[str, str] | None = None,
    label: str = "",
    log: Path | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """(base URL, server) of uvicorn serving `url` on a free port, ready, its output in `log`
    if given; stopped on the way out (also on an error, Ctrl-C or SIGTERM)."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    to = f", its output in {log.relative_to(ROOT)}" if log else ""
    print(f"starting uvicorn: {workers} worker(s) on {base}{label}{to}", flush=True)
    server = start_server(url, port, workers=workers, env=env, log=log)
    try:
        wait_ready(base, server)
        yield base, server
    finally:
        print("stopping the server", flush=True)
        stop_server(server)


def login(base: str, email: str, password: str) -> dict[str, str]:
    """The bearer-token headers of `email`, logged in at `base`."""
    form = {"username": email, "password": password}
    status, body = request(f"{base}/api/v1/auth/token", {}, form)
    if status != 200:
        raise BenchError(f"logging in as {email} answered {status}: {body!r:.300}")
    return {"Authorization": f"Bearer {body['access_token']}"}


# -- CPU -------------------------------------------------------------------------------------------


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


@dataclass
class CpuUse:
    """Where the machine's time went during a load: the server's CPU seconds, and the CPUs kept
    busy on average by the server, by wrk (this process's children) and by every other process."""

    server_s: float
    server: float
    wrk: float
    other: float


def cpu_during(server: subprocess.Popen[bytes], load: Callable[[], T]) -> tuple[T, CpuUse]:
    """Run `load` (which waits for its wrk); its result and the CPU use while it ran."""
    before = server_cpu_s(server), children_cpu_s(), machine_busy_s(), time.monotonic()
    result = load()
    after = server_cpu_s(server), children_cpu_s(), machine_busy_s(), time.monotonic()
    server_s, wrk_s, busy_s, wall_s = (a - b for a, b in zip(after, before, strict=True))
    other = max(busy_s - server_s - wrk_s, 0.0) / wall_s
    return result, CpuUse(server_s, server_s / wall_s, wrk_s / wall_s, other)


# -- wrk -------------------------------------------------------------------------------------------


@dataclass
class WrkFigures:
    """The figures of one `wrk --latency` run."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # answers other than 2xx/3xx, and socket errors (timeouts included)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _figure(pattern: str, output: str) -> re.Match[str]:
    """The first match of `pattern` in wrk's output; a BenchError when there is none."""
    match = re.search(pattern, output, re.MULTILINE)
    if match is None:
        raise BenchError(f"wrk's output has no {pattern!r}:\n{output}")
    return match


def parse_wrk(output: str) -> WrkFigures:
    """The figures of one `wrk --latency` run's output."""
    p50, p99 = (_figure(rf"^\s*{p}%\s+([\d.]+)(us|ms|s|m)\s*$", output) for p in (50, 99))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkFigures(
        rps=float(_figure(r"^Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=float(p50.group(1)) * _UNITS_MS[p50.group(2)],
        p99_ms=float(p99.group(1)) * _UNITS_MS[p99.group(2)],
        requests=int(_figure(r"^\s*(\d+) requests in", output).group(1)),
        errors=(int(non_2xx.group(1)) if non_2xx else 0) + sum(socket_errors(output).values()),
    )


def socket_errors(output: str) -> dict[str, int]:
    """wrk's socket errors by kind (connect, read, write, timeout); empty when there were none."""
    found = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if found is None:
        return {}
    kinds = ("connect", "read", "write", "timeout")
    return {kind: int(n) for kind, n in zip(kinds, found.groups(), strict=True) if int(n)}


def run_wrk(
    url: str,
    *,
    threads: int,
    connections: int,
    duration: int,
    headers: Mapping[str, str],
    script: Path | None = None,
    script_args: Sequence[str] = (),
) -> tuple[str, WrkFigures]:
    """Load `url` for `duration` seconds (wrk itself bounded by a timeout), with a Lua `script`
    and its arguments if given; wrk's output, and its figures."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s"]
    command += ["--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    command += [url, *(["--", *script_args] if script_args else [])]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30)
    except FileNotFoundError as exc:
        raise BenchError("wrk is not installed (Debian: apt-get install -y wrk)") from exc
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return done.stdout, parse_wrk(done.stdout)


# -- figures for the summary of `make bench` (bench/suite.py) ------------------------------------


@dataclass
class Figure:
    """One line of the summary: a figure, and its goal when it has one."""

    name: str
    value: str
    goal: str = ""  # e.g. ">= 0.20"; empty: printed for information
    met: bool | None = None


def save_figures(path: str | None, benchmark: str, database: str, figures: list[Figure]) -> None:
    """Write the figures of a run as JSON to `path` (nothing when it is None)."""
    if path is None:
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    rows = [asdict(f) for f in figures]
    document = {"benchmark": benchmark, "database": database, "figures": rows}
    Path(path).write_text(json.dumps(document, indent=1, ensure_ascii=False))


def print_goals(figures: list[Figure]) -> bool:
    """Print each figure that has a goal, with its verdict; True when every goal is met."""
    for f in figures:
        if f.met is not None:
            print(f"{f.name} {f.value} (goal {f.goal}): {'met' if f.met else 'MISSED'}")
    return all(f.met is not False for f in figures)


OUT = ROOT / "bench" / "out"  # git-ignored


def sqlite_url(name: str) -> str:
    """The URL of the SQLite file `name` under bench/out/."""
    return f"sqlite:///{OUT / name}"


def add_common_options(parser: argparse.ArgumentParser, fallback_url: str) -> None:
    """--database-url (default: $CLUSTERCASE_DATABASE_URL, else `fallback_url`) and --figures."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CLUSTERCASE_DATABASE_URL", fallback_url),
        help="a database to DROP and rebuild (PostgreSQL: created if missing), whose name "
        f"contains 'bench' (default: $CLUSTERCASE_DATABASE_URL, else {fallback_url})",
    )
    parser.add_argument(
        "--figures", metavar="FILE", help="also write the figures and goals as JSON to FILE"
    )


# -- command line ----------------------------------------------------------------------------------


def add_bounded(
    parser: argparse.ArgumentParser,
    defaults: dict[str, int],
    limits: dict[str, tuple[int, int]],
) -> None:
    """Add an integer option `--name` for each default (`--pause-ms` for pause_ms), its bounds
    as its help."""
    for name, default in defaults.items():
        low, high = limits[name]
        option = f"--{name.replace('_', '-')}"
        parser.add_argument(option, dest=name, type=int, default=default, help=f"{low}-{high}")


def parse_bounded(
    parser: argparse.ArgumentParser, argv: list[str] | None, limits: dict[str, tuple[int, int]]
) -> argparse.Namespace:
    """Parse `argv`; a usage error (exit status 2) when an option is out of its bounds."""
    args = parser.parse_args(argv)
    for name, (low, high) in limits.items():
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name.replace('_', '-')} must be between {low} and {high}")
    return args


def _interrupt(_signum: int, _frame: Any) -> None:
    """Unwind on SIGTERM as on Ctrl-C, so that the server is stopped either way."""
    raise KeyboardInterrupt


def run(benchmark: Callable[[], bool]) -> int:
    """Exit status of `benchmark`: 0 every goal met, 1 one missed, 2 it could not run."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return 0 if benchmark() else 1
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
