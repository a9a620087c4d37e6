"""The server's lifecycle, on real `clustercase serve` processes: SIGTERM lets running requests
and renders finish and leaves no process behind (also with several workers); even a SIGKILLed
server leaves no render worker behind; a render worker killed mid-render costs its request a
503 and nothing more."""

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from app.models import Report
from tests.live.conftest import (
    REQUEST_TIMEOUT_S,
    LiveServer,
    new_engagement,
)

ServerFactory = Callable[..., LiveServer]
ONE_WORKER = {"CLUSTERCASE_RENDER_WORKERS": "1"}


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (children, their children, …)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(int(stat.parent.name))
        if fields is not None and fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def render_workers(server: LiveServer) -> set[int]:
    """The render worker processes of a one-process server (spawned children of it)."""
    return {
        pid
        for pid in descendants(server.process.pid)
        if b"spawn_main" in _read(f"/proc/{pid}/cmdline")
    }


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def cpu_ticks(pid: int) -> int:
    fields = _stat(pid)
    return int(fields[11]) + int(fields[12]) if fields else 0


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def when_rendering(workers: set[int]) -> bool:
    """Wait until one of `workers` uses the CPU: a render has begun."""
    ticks = {pid: cpu_ticks(pid) for pid in workers}
    return wait_until(lambda: any(cpu_ticks(pid) > ticks[pid] for pid in workers), 30)


def render(server: LiveServer, headers: dict[str, str], engagement_id: int) -> httpx.Response:
    with server.client(headers=headers, timeout=REQUEST_TIMEOUT_S) as client:
        return client.post(
            f"/api/v1/engagements/{engagement_id}/reports", json={"kind": "policy_briefing"}
        )


def render_in_thread(
    server: LiveServer, headers: dict[str, str], engagement_id: int
) -> tuple[threading.Thread, list[httpx.Response]]:
    answer: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: answer.append(render(server, headers, engagement_id)))
    thread.start()
    return thread, answer


def stopped_gracefully(server: LiveServer, exit_status: int, processes: int = 1) -> bool:
    """The server ran its shutdown (uvicorn re-raises the signal it caught once done, hence
    -SIGTERM as well as 0) in each of its `processes`."""
    done = server.output().count("Application shutdown complete")
    return exit_status in (0, -signal.SIGTERM) and done == processes


def rendered_versions(engine: Engine) -> int:
    with engine.connect() as connection:
        stored = select(func.count(Report.id)).where(Report.sha256 != "")
        return connection.execute(stored).scalar_one()


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_leaves_no_process_behind(
    live_db: Engine, live_url: str, live_server_factory: ServerFactory, workers: int
) -> None:
    server = live_server_factory(live_url, workers=workers)
    headers, engagement_id = new_engagement(server, live_db, briefable=True)
    for _ in range(2 * workers):
        assert render(server, headers, engagement_id).status_code == 201
    processes = descendants(server.process.pid)
    assert len(processes) > workers  # server processes and, below them, render workers
    assert stopped_gracefully(server, server.stop(signal.SIGTERM), workers), server.output()
    assert wait_until(lambda: not any(alive(pid) for pid in processes), 15), [
        (pid, _read(f"/proc/{pid}/cmdline")) for pid in processes if alive(pid)
    ]


def test_a_render_in_flight_when_sigterm_arrives_completes(
    live_db: Engine, live_url: str, live_server_factory: ServerFactory
) -> None:
    server = live_server_factory(live_url, env=ONE_WORKER)
    headers, engagement_id = new_engagement(server, live_db, briefable=True)
    assert render(server, headers, engagement_id).status_code == 201  # starts the worker
    workers = render_workers(server)
    thread, answer = render_in_thread(server, headers, engagement_id)
    assert when_rendering(workers)
    server.process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    with pytest.raises(httpx.TransportError):  # no new connection is taken
        httpx.get(server.base_url + "/healthz", timeout=2)
    thread.join(REQUEST_TIMEOUT_S)
    assert answer[0].status_code == 201, answer[0].text
    assert answer[0].json()["version_number"] == 2
    assert stopped_gracefully(server, server.process.wait(30)), server.output()
    assert rendered_versions(live_db) == 2
    assert wait_until(lambda: not any(alive(pid) for pid in workers), 15)


def test_sigkill_of_the_server_leaves_no_render_worker_behind(
    live_db: Engine, live_url: str, live_server_factory: ServerFactory
) -> None:
    server = live_server_factory(live_url)
    headers, engagement_id = new_engagement(server, live_db, briefable=True)
    assert render(server, headers, engagement_id).status_code == 201
    workers = render_workers(server)
    assert workers
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(30)
    assert wait_until(lambda: not any(alive(pid) for pid in workers), 15)


def test_a_render_worker_killed_mid_render_answers_503_and_the_next_render_works(
    live_db: Engine, live_url: str, live_server_factory: ServerFactory
) -> None:
    server = live_server_factory(live_url, env=ONE_WORKER)
    headers, engagement_id = new_engagement(server, live_db, briefable=True)
    assert render(server, headers, engagement_id).status_code == 201  # starts the worker
    workers = render_workers(server)
    thread, answer = render_in_thread(server, headers, engagement_id)
    assert when_rendering(workers)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    thread.join(REQUEST_TIMEOUT_S)
    assert answer[0].status_code == 503, answer[0].text
    assert answer[0].headers["retry-after"] == "5"
    assert answer[0].json()["error"] == "busy"
    again = render(server, headers, engagement_id)
    assert again.status_code == 201, again.text
    assert again.json()["version_number"] == 2  # the failed render gave its number back
    assert rendered_versions(live_db) == 2
