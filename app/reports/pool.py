"""Rendering in worker processes: a bounded pool that the routes' worker threads wait on.

WeasyPrint is CPU-bound (0.1-0.2 s a page), so each render runs in a process of its own; the
route's worker thread waits for it (never the event loop). At most `workers` renders run at once
and `queue` more wait; beyond that a request answers 503 with Retry-After at once instead of
piling up. A render counts against that bound until its process is done with it, also after
its request gave up waiting (timeout), so the bound is what the processes really carry.

Worker processes are spawned (not forked: no inherited database connections, threads or event
loop), run at a lower CPU priority than the processes serving requests, import WeasyPrint once
when they start, and are replaced after `max_tasks_per_child` renders to bound memory growth.

Lifecycle: no worker outlives its server. `shutdown` lets the renders in flight finish (within a
grace period) and then kills the workers; and each worker asks the kernel to kill it when its
parent goes, however the parent goes (SIGKILL included: PR_SET_PDEATHSIG). That signal follows
the *thread* that started the process, not the process, so every worker is started from one
long-lived thread of the pool (`_spawner`): the routes' worker threads come and go (AnyIO ends
idle ones after 10 s), and a worker started by one of them would be killed with it. A worker
that dies mid-render breaks its pool: the request answers 503 and the next render gets a new
pool.
"""

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from app import affinity
from app.observability import metrics
from app.reports.render import RenderedPdf, render_pdf
from app.reports.viewmodel import ReportView
from app.services.errors import Busy

log = logging.getLogger(__name__)
RENDER_NICENESS = 10  # added to the worker processes' nice value
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
RETRY_AFTER_BUSY_S = 5
RETRY_AFTER_TIMEOUT_S = 30


def _start_worker(parent_pid: int) -> None:
    """Runs in each new worker process, before its first render."""
    # Ctrl-C signals the terminal's whole process group, and systemd signals every process of
    # the service: the server, which lets renders finish first, decides when its workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent(parent_pid)
    affinity.release_children()  # the server may have pinned itself to one core
    # A render is background work: yield the CPU to the processes serving requests (on a
    # machine with few cores it would otherwise compete with every request).
    with contextlib.suppress(OSError):
        os.nice(RENDER_NICENESS)
    import weasyprint  # noqa: F401  (paid once here, not by the first render)

    # Everything imported so far lives as long as the worker: out of the garbage collector's
    # sight, so that the full collections a render triggers walk the render's own objects only
    # (about 7 % of a render's time; docs/performance.md). As the server does (app/main.py).
    gc.collect()
    gc.freeze()


def render_in_worker(view: ReportView) -> RenderedPdf:
    """A render as a worker runs it: with the cyclic garbage collector paused, then one full
    collection (counted in the render's time).

    A render builds a tree of boxes that lives until the PDF is written: hundreds of thousands
    of objects for a large briefing. Left on, the collector, triggered by allocation counts,
    walks that growing tree again and again in the middle of the render. Paused, the render's
    garbage goes in one collection at its end, which in a worker walks the render's objects
    only (the rest is frozen at start, `_start_worker`). Measured (docs/performance.md): about
    10 % less time per page and a narrower spread, peak memory unchanged. A worker renders one
    report at a time and runs nothing else, so pausing the collector touches nothing else."""
    gc.disable()
    try:
        return render_pdf(view)
    finally:
        gc.enable()
        gc.collect()


def _die_with_parent(parent_pid: int) -> None:
    """Be killed (SIGKILL) by the kernel when the thread that started us ends (Linux)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            log.warning("render worker: prctl(PR_SET_PDEATHSIG) failed: %d", ctypes.get_errno())
    if os.getppid() != parent_pid:  # the parent went before the request above took effect
        os._exit(1)


class RenderPool:
    """A bounded process pool; `render` blocks its calling (worker) thread, never waits
    unboundedly, and is safe to call from many threads at once."""

    def __init__(
        self, *, workers: int, queue: int, timeout_s: float, max_tasks_per_child: int = 100
    ) -> None:
        self.workers = max(1, workers)
        self.capacity = self.workers + max(0, queue)
        self.timeout_s = timeout_s
        self.max_tasks_per_child = max_tasks_per_child
        self.pending = 0  # renders admitted and not yet done with by their process
        self._state = threading.Condition()  # guards `pending`, `_executor` and `_spawner`
        self._executor: ProcessPoolExecutor | None = None
        self._spawner: ThreadPoolExecutor | None = None
        metrics.RENDER_WORKERS.set(self.workers)
        metrics.RENDER_CAPACITY.set(self.capacity)

    def render(self, view: ReportView) -> RenderedPdf:
        """Render `view` to PDF in a worker process and wait for it (at most `timeout_s`); 503
        (Busy) when the pool and its queue are full, when the render takes too long, or when
        its worker process died."""
        self._admit()
        started = time.perf_counter()
        try:
            executor, future = self._submit(view)
        except BaseException:
            self._release()
            raise
        future.add_done_callback(self._release)
        try:
            rendered = future.result(timeout=self.timeout_s)
        except TimeoutError as exc:
            metrics.RENDER_REFUSALS.labels("timeout").inc()
            future.cancel()  # still queued: never rendered; running: it ends on its own
            raise Busy(
                f"the render took longer than {self.timeout_s:.0f} s",
                retry_after=RETRY_AFTER_TIMEOUT_S,
            ) from exc
        except (BrokenProcessPool, CancelledError) as exc:
            # A worker died (killed, out of memory), or the pool is being shut down.
            log.error("a report render was lost with its worker process; starting new ones")
            metrics.RENDER_REFUSALS.labels("lost").inc()
            self._discard(executor)
            raise _restarting() from exc
        metrics.RENDER_SECONDS.observe(time.perf_counter() - started)
        return rendered

    def _admit(self) -> None:
        with self._state:
            if self.pending >= self.capacity:
                metrics.RENDER_REFUSALS.labels("busy").inc()
                raise Busy(
                    f"all {self.workers} report renderers are busy and "
                    f"{self.capacity - self.workers} renders are waiting; try again shortly",
                    retry_after=RETRY_AFTER_BUSY_S,
                )
            self.pending += 1
            metrics.render_admitted(queued=self.pending > self.workers)

    def _release(self, _future: object = None) -> None:
        with self._state:
            metrics.render_released(queued=self.pending > self.workers)
            self.pending -= 1
            self._state.notify_all()

    def _submit(self, view: ReportView) -> tuple[ProcessPoolExecutor, Future[RenderedPdf]]:
        """Hand `view` to the pool, from the spawner thread (submitting may start a worker). A
        pool found broken before the render began (a worker died while idle) or shut down
        meanwhile is replaced once."""
        for attempt in (1, 2):
            with self._state:
                executor = self._executor or self._new_executor()
                spawner = self._spawner or self._new_spawner()
            try:
                return executor, spawner.submit(executor.submit, render_in_worker, view).result()
            except (BrokenProcessPool, RuntimeError) as exc:  # RuntimeError: shut down
                self._discard(executor)
                if attempt == 2:
                    raise _restarting() from exc
        raise AssertionError("unreachable")

    def _new_executor(self) -> ProcessPoolExecutor:
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
            max_tasks_per_child=self.max_tasks_per_child,
        )
        return self._executor

    def _new_spawner(self) -> ThreadPoolExecutor:
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-spawner")
        return self._spawner

    def _discard(self, executor: ProcessPoolExecutor) -> None:
        """Forget a broken pool (the next render starts a new one) and stop what is left of it."""
        with self._state:
            if self._executor is executor:
                self._executor = None
        _stop(executor)

    def shutdown(self, grace_s: float = 0.0) -> None:
        """Let the renders in flight finish (waiting at most `grace_s`), then kill the worker
        processes. Blocks: call it from a thread, not the event loop. A later render starts new
        workers."""
        with self._state:
            if not self._state.wait_for(lambda: self.pending == 0, timeout=max(0.0, grace_s)):
                log.warning("stopping %d report render(s) still running", self.pending)
            executor, self._executor = self._executor, None
            spawner, self._spawner = self._spawner, None
        if executor is not None:
            _stop(executor)
        if spawner is not None:
            spawner.shutdown(wait=False)


def _restarting() -> Busy:
    return Busy("the report renderer is restarting; try again", retry_after=RETRY_AFTER_BUSY_S)


def _stop(executor: ProcessPoolExecutor) -> None:
    """Cancel what has not started and kill the workers (they ignore SIGTERM, see above)."""
    # Python 3.14 has `kill_workers()`; until then the executor's own map of its processes
    # (which `shutdown` empties: read it first; it is None once stopped).
    processes = list((executor._processes or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()
    for process in processes:
        process.join(timeout=5)
