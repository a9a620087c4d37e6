"""Small helpers of the prototype's load tests, kept here so that the prototype does not break
while bench/_common.py changes: wrk, an HTTP client, the server's CPU time."""

import http.client
import json
import math
import os
import re
import resource
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

HOST = "127.0.0.1"
T = TypeVar("T")


class BenchError(Exception):
    """The prototype cannot run, or its measurement would not be valid."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group; SIGKILL it after 10 s."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def request(url: str, headers: Mapping[str, str], post: bool = False) -> tuple[int, Any]:
    """(status, parsed JSON or raw bytes) of a GET, or of an empty POST."""
    data = b"" if post else None
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data, dict(headers)), timeout=10
        ) as r:
            status, body = r.status, r.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


class Client:
    """One keep-alive connection: (status, seconds) of each request, to the last byte read."""

    def __init__(self, base: str, headers: Mapping[str, str]) -> None:
        host, port = base.removeprefix("http://").rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = dict(headers)

    def call(self, method: str, path: str) -> tuple[int, float]:
        started = time.perf_counter()
        try:
            self.connection.request(method, path, b"" if method == "POST" else None, self.headers)
            response = self.connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return 0, time.perf_counter() - started
        return response.status, time.perf_counter() - started


def percentile(samples: Sequence[float], p: float) -> float:
    """The nearest-rank `p`th percentile (0 when there are no samples)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


# -- CPU -------------------------------------------------------------------------------------------


def _process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def context_switches(pid: int) -> int:
    """Voluntary and involuntary context switches so far of every thread of process `pid`."""
    total = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:  # the thread has just exited
            continue
        total += sum(int(line.split()[1]) for line in lines if "ctxt_switches" in line)
    return total


def _machine_busy_s() -> float:
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuUse:
    server_s: float  # CPU seconds of the server process
    other: float  # CPUs kept busy on average by everything but the server and wrk


def cpu_during(server: subprocess.Popen[bytes], load: Callable[[], T]) -> tuple[T, CpuUse]:
    """Run `load` (which waits for its wrk): its result, and where the CPU time went."""
    before = (_process_cpu_s(server.pid), _children_cpu_s(), _machine_busy_s(), time.monotonic())
    result = load()
    after = (_process_cpu_s(server.pid), _children_cpu_s(), _machine_busy_s(), time.monotonic())
    server_s, wrk_s, busy_s, wall_s = (a - b for a, b in zip(after, before, strict=True))
    return result, CpuUse(server_s, max(busy_s - server_s - wrk_s, 0.0) / wall_s)


# -- wrk -------------------------------------------------------------------------------------------


@dataclass
class WrkFigures:
    rps: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers and socket errors


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _match(pattern: str, output: str) -> re.Match[str]:
    found = re.search(pattern, output, re.MULTILINE)
    if found is None:
        raise BenchError(f"wrk's output has no {pattern!r}:\n{output}")
    return found


def run_wrk(
    url: str,
    *,
    connections: int,
    duration: int,
    headers: Mapping[str, str],
    script: Path | None = None,
) -> WrkFigures:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s"]
    command += ["--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=duration + 30, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    out = done.stdout
    p99 = _match(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    return WrkFigures(
        rps=float(_match(r"^Requests/sec:\s+([\d.]+)", out).group(1)),
        p99_ms=float(p99.group(1)) * _UNITS_MS[p99.group(2)],
        requests=int(_match(r"^\s*(\d+) requests in", out).group(1)),
        errors=(int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(map(int, sockets.groups())) if sockets else 0),
    )
