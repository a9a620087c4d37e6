"""The render pool: renders run in worker processes that the calling threads wait on; requests
beyond capacity (or too slow) answer 503 with Retry-After instead of hanging; a worker that dies
costs its render a 503 and nothing more; shutdown lets renders finish, then stops the workers."""

import gc
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Report
from app.reports import pool as render_pool
from app.reports.pool import RenderPool
from app.reports.render import RenderedPdf
from app.reports.viewmodel import ReportView
from app.services.errors import Busy
from app.services.reports import prepare_draft
from app.vocab import ReportKind
from tests.factories import (
    make_briefable_engagement,
    make_challenge,
    make_engagement,
    make_recommendation,
)

WAIT_S = 60.0


@pytest.fixture
def view(db: Session) -> ReportView:
    engagement = make_engagement(db, title="Pool test engagement")
    make_challenge(db, engagement)
    make_recommendation(db, engagement)
    return prepare_draft(
        db, engagement, kind=ReportKind.POLICY_BRIEFING, language="en", author=None
    )


@pytest.fixture
def make_pool() -> Iterator[Callable[..., RenderPool]]:
    pools: list[RenderPool] = []

    def make(workers: int = 1, queue: int = 0, timeout_s: float = 120) -> RenderPool:
        pools.append(RenderPool(workers=workers, queue=queue, timeout_s=timeout_s))
        return pools[-1]

    yield make
    for pool in pools:
        pool.shutdown()


def children() -> set[int]:
    """The pids of this process's child processes."""
    me, found = os.getpid(), set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], timeout: float = WAIT_S) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def started_workers(pool: RenderPool, view: ReportView) -> set[int]:
    """Render once (which starts the workers); the worker processes' pids (not the resource
    tracker's, which multiprocessing may start beside them)."""
    before = children()
    assert pool.render(view).pdf.startswith(b"%PDF")
    return {pid for pid in children() - before if b"spawn_main" in cmdline(pid)}


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def in_thread(render: Callable[[], RenderedPdf]) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(render())
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def when_rendering(workers: set[int]) -> bool:
    """Wait until one of `workers` uses the CPU (a render has begun)."""
    ticks = {pid: cpu_ticks(pid) for pid in workers}
    return wait_until(lambda: any(cpu_ticks(pid) > ticks[pid] for pid in workers), 10)


def test_renders_beyond_capacity_are_refused_at_once(
    view: ReportView, make_pool: Callable[..., RenderPool]
) -> None:
    pool = make_pool(workers=1, queue=1)
    start = threading.Barrier(3)

    def render() -> RenderedPdf:
        start.wait()
        return pool.render(view)

    runs = [in_thread(render) for _ in range(3)]
    for thread, _ in runs:
        thread.join(WAIT_S)
    outcomes = [outcome[0] for _, outcome in runs]
    rendered = [o for o in outcomes if isinstance(o, RenderedPdf)]
    refused = [o for o in outcomes if isinstance(o, Busy)]
    assert len(rendered) == 2 and len(refused) == 1
    assert refused[0].headers["Retry-After"] == "5"
    assert all(r.pdf.startswith(b"%PDF") for r in rendered)
    assert pool.pending == 0


def test_workers_outlive_the_thread_that_started_them(
    view: ReportView, make_pool: Callable[..., RenderPool]
) -> None:
    # Workers die with the thread that started them (PR_SET_PDEATHSIG): the pool starts them
    # from a thread of its own, not from the short-lived thread that asked for the render.
    pool = make_pool(workers=1)
    workers: set[int] = set()
    thread = threading.Thread(target=lambda: workers.update(started_workers(pool, view)))
    thread.start()
    thread.join(WAIT_S)
    assert len(workers) == 1
    time.sleep(0.5)
    assert all(alive(pid) for pid in workers)
    assert pool.render(view).pdf.startswith(b"%PDF")
    assert children() >= workers  # the same worker rendered again


def test_a_render_over_the_time_limit_answers_busy_and_still_counts(
    view: ReportView, make_pool: Callable[..., RenderPool]
) -> None:
    pool = make_pool(workers=1, timeout_s=0.001)
    with pytest.raises(Busy, match="longer than") as refused:
        pool.render(view)
    assert refused.value.headers["Retry-After"] == "30"
    # The abandoned render holds its place until its process is done with it.
    assert wait_until(lambda: pool.pending == 0)


def test_a_worker_killed_mid_render_answers_busy_and_the_next_render_works(
    view: ReportView, make_pool: Callable[..., RenderPool]
) -> None:
    pool = make_pool(workers=1)
    workers = started_workers(pool, view)
    thread, outcome = in_thread(lambda: pool.render(view))
    assert when_rendering(workers)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    thread.join(WAIT_S)
    assert isinstance(outcome[0], Busy)
    assert outcome[0].headers["Retry-After"] == "5"
    assert pool.render(view).pdf.startswith(b"%PDF")
    assert pool.pending == 0


def test_a_worker_that_died_idle_is_replaced_without_failing_a_render(
    view: ReportView, make_pool: Callable[..., RenderPool]
) -> None:
    pool = make_pool(workers=1)
    for pid in started_workers(pool, view):
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)  # the pool notices its broken worker
    assert pool.render(view).pdf.startswith(b"%PDF")


def test_shutdown_lets_a_running_render_finish_then_stops_the_workers(
    view: ReportView, make_pool: Callable[..., RenderPool]
) -> None:
    pool = make_pool(workers=2)
    workers = started_workers(pool, view)
    thread, outcome = in_thread(lambda: pool.render(view))
    assert when_rendering(workers)
    pool.shutdown(grace_s=WAIT_S)
    thread.join(WAIT_S)
    assert isinstance(outcome[0], RenderedPdf)
    assert not any(alive(pid) for pid in workers)


def test_shutdown_stops_a_render_still_running_after_the_grace_period(
    view: ReportView, make_pool: Callable[..., RenderPool]
) -> None:
    pool = make_pool(workers=1)
    workers = started_workers(pool, view)
    thread, outcome = in_thread(lambda: pool.render(view))
    assert when_rendering(workers)
    pool.shutdown(grace_s=0)
    thread.join(WAIT_S)
    assert isinstance(outcome[0], Busy)
    assert not any(alive(pid) for pid in workers)
    assert pool.render(view).pdf.startswith(b"%PDF")  # usable again: new workers


def test_api_answers_503_with_retry_after_when_renderers_are_full(
    app: object, client: TestClient, db: Session
) -> None:
    engagement = make_briefable_engagement(db)
    db.commit()
    pool = RenderPool(workers=1, queue=0, timeout_s=120)
    pool.pending = pool.capacity  # every renderer busy
    app.state.renderer = pool  # type: ignore[attr-defined]
    response = client.post(
        f"/api/v1/engagements/{engagement.id}/reports", json={"kind": "policy_briefing"}
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["error"] == "busy"
    assert db.scalar(select(func.count(Report.id))) == 0  # nor a reservation of a number
    pool.pending = 0  # (the app's shutdown would wait for the renders made up above)


def test_a_worker_starts_with_its_imports_out_of_the_garbage_collectors_sight() -> None:
    """`_start_worker` freezes what the worker imported, so that a render's full collections
    walk only the render's own objects (docs/performance.md): run as a worker starts."""
    script = (
        "import gc, os\n"
        "from app.reports.pool import _start_worker\n"
        "before = gc.get_freeze_count()\n"
        "_start_worker(os.getppid())\n"
        "print(before, gc.get_freeze_count(), len(gc.get_objects(generation=2)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    before, frozen, old = map(int, out)
    assert before == 0
    assert frozen > 50_000  # the app, SQLAlchemy, Pydantic, WeasyPrint: all frozen
    assert old < frozen // 10  # what is left for a full collection to walk


def test_a_worker_renders_with_the_collector_paused_then_collects(
    view: ReportView, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`render_in_worker`, the pool's task: the cyclic collector is off during the render, on
    again after it (also when it fails), and the render's cyclic garbage is gone."""
    seen: list[bool] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    def render(v: ReportView) -> RenderedPdf:
        seen.append(gc.isenabled())
        for _ in range(50_000):  # cyclic garbage that only the collector frees
            Cycle()
        return real_render(v)

    real_render = render_pool.render_pdf
    monkeypatch.setattr(render_pool, "render_pdf", render)
    assert gc.isenabled()
    rendered = render_pool.render_in_worker(view)
    assert rendered.pdf.startswith(b"%PDF")
    assert seen == [False]
    assert gc.isenabled()
    assert not any(isinstance(o, Cycle) for o in gc.get_objects())

    def failing(v: ReportView) -> RenderedPdf:
        raise RuntimeError("render failed")

    monkeypatch.setattr(render_pool, "render_pdf", failing)
    with pytest.raises(RuntimeError):
        render_pool.render_in_worker(view)
    assert gc.isenabled()
