"""Helpers the benchmark scripts share: the bench database, the uvicorn server, logging in, wrk.

Each script puts the repository first on `sys.path` before importing this module (see
api_throughput.py), so that `app` comes from this checkout.
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from app import migrate
from app.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


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


def login(base: str, email: str, password: str) -> dict[str, str]:
    """The bearer-token headers of `email`, logged in at `base`."""
    form = {"username": email, "password": password}
    status, body = request(f"{base}/api/v1/auth/token", {}, form)
    if status != 200:
        raise BenchError(f"logging in as {email} answered {status}: {body!r:.300}")
    return {"Authorization": f"Bearer {body['access_token']}"}


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
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkFigures(
        rps=float(_figure(r"^Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=float(p50.group(1)) * _UNITS_MS[p50.group(2)],
        p99_ms=float(p99.group(1)) * _UNITS_MS[p99.group(2)],
        requests=int(_figure(r"^\s*(\d+) requests in", output).group(1)),
        errors=(int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(int(n) for n in sockets.groups()) if sockets else 0),
    )


def run_wrk(
    url: str, *, threads: int, connections: int, duration: int, headers: Mapping[str, str]
) -> tuple[str, WrkFigures]:
    """Load `url` for `duration` seconds (wrk itself bounded by a timeout); its output, figures."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s"]
    command += ["--latency", "--timeout", "5s", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30)
    except FileNotFoundError as exc:
        raise BenchError("wrk is not installed (Debian: apt-get install -y wrk)") from exc
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return done.stdout, parse_wrk(done.stdout)


# -- command line ----------------------------------------------------------------------------------


def add_bounded(
    parser: argparse.ArgumentParser,
    defaults: dict[str, int],
    limits: dict[str, tuple[int, int]],
) -> None:
    """Add an integer option `--name` for each default, its bounds as its help."""
    for name, default in defaults.items():
        low, high = limits[name]
        parser.add_argument(f"--{name}", type=int, default=default, help=f"{low}-{high}")


def parse_bounded(
    parser: argparse.ArgumentParser, argv: list[str] | None, limits: dict[str, tuple[int, int]]
) -> argparse.Namespace:
    """Parse `argv`; a usage error (exit status 2) when an option is out of its bounds."""
    args = parser.parse_args(argv)
    for name, (low, high) in limits.items():
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name} must be between {low} and {high}")
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
