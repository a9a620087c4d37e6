"""Rendering off the event loop: a bounded pool of worker processes.

WeasyPrint is CPU-bound (0.1-0.2 s a page), so each render runs in a separate process and the
event loop only awaits it. At most `workers` renders run at once and `queue` more wait; beyond
that a request answers 503 with Retry-After at once instead of piling up. Worker processes are
spawned (not forked: no inherited database connections or event loop), run at a lower CPU
priority than the processes serving requests, import WeasyPrint once when they start, and are
replaced after `max_tasks_per_child` renders to bound memory growth.
"""

import asyncio
import contextlib
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from app.reports.render import RenderedPdf, render_pdf
from app.reports.viewmodel import ReportView
from app.services.errors import Busy

log = logging.getLogger(__name__)
RENDER_NICENESS = 10  # added to the worker processes' nice value


def _start_worker() -> None:
    """Runs in each new worker: yield the CPU to the processes serving requests (a render is
    background work; on a machine with few cores it would otherwise compete with every request),
    and pay WeasyPrint's import before the first render."""
    with contextlib.suppress(OSError):
        os.nice(RENDER_NICENESS)
    import weasyprint  # noqa: F401


class RenderPool:
    """A bounded process pool; `render` never blocks the event loop and never waits unboundedly."""

    def __init__(
        self, *, workers: int, queue: int, timeout_s: float, max_tasks_per_child: int = 100
    ) -> None:
        self.workers = max(1, workers)
        self.capacity = self.workers + max(0, queue)
        self.timeout_s = timeout_s
        self.max_tasks_per_child = max_tasks_per_child
        self.pending = 0
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                max_tasks_per_child=self.max_tasks_per_child,
            )
        return self._executor

    async def render(self, view: ReportView) -> RenderedPdf:
        """Render `view` to PDF in a worker process; 503 (Busy) when the pool and its queue
        are full, or when the render takes longer than the timeout."""
        if self.pending >= self.capacity:
            raise Busy(
                f"all {self.workers} report renderers are busy and {self.capacity - self.workers}"
                " renders are waiting; try again shortly",
                retry_after=5,
            )
        self.pending += 1
        try:
            future = asyncio.get_running_loop().run_in_executor(self._pool(), render_pdf, view)
            return await asyncio.wait_for(future, self.timeout_s)
        except TimeoutError as exc:
            raise Busy(
                f"the render took longer than {self.timeout_s:.0f} s", retry_after=30
            ) from exc
        except BrokenProcessPool as exc:
            log.error("a report renderer process died; the pool will be restarted")
            self.shutdown()
            raise Busy("the report renderer restarted; try again", retry_after=5) from exc
        finally:
            self.pending -= 1

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
