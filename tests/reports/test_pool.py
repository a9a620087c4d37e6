"""The render pool: renders run in worker processes, the event loop keeps going, and requests
beyond capacity (or too slow) answer 503 with Retry-After instead of hanging."""

import asyncio

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Report
from app.reports.pool import RenderPool
from app.reports.viewmodel import ReportView
from app.services.errors import Busy
from app.services.reports import prepare_draft
from app.vocab import ReportKind
from tests.factories import make_challenge, make_engagement, make_recommendation


@pytest.fixture
def view(db: Session) -> ReportView:
    engagement = make_engagement(db, title="Pool test engagement")
    make_challenge(db, engagement)
    make_recommendation(db, engagement)
    return prepare_draft(
        db, engagement, kind=ReportKind.POLICY_BRIEFING, language="en", author=None
    )


def test_renders_beyond_capacity_are_refused_at_once(view: ReportView) -> None:
    pool = RenderPool(workers=1, queue=1, timeout_s=120)

    async def three_at_once() -> list[object]:
        return await asyncio.gather(*(pool.render(view) for _ in range(3)), return_exceptions=True)

    try:
        outcomes = asyncio.run(three_at_once())
    finally:
        pool.shutdown()
    rendered = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, Busy)]
    assert len(rendered) == 2 and len(refused) == 1
    assert refused[0].headers["Retry-After"] == "5"
    assert all(r.pdf.startswith(b"%PDF") for r in rendered)  # type: ignore[attr-defined]
    assert pool.pending == 0


def test_event_loop_keeps_running_during_a_render(view: ReportView) -> None:
    pool = RenderPool(workers=1, queue=0, timeout_s=120)
    ticks = 0

    async def ticker(done: asyncio.Event) -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    async def render_while_ticking() -> None:
        done = asyncio.Event()
        task = asyncio.create_task(ticker(done))
        await pool.render(view)
        done.set()
        await task

    try:
        asyncio.run(render_while_ticking())
    finally:
        pool.shutdown()
    assert ticks > 3  # the loop served other work while the PDF was made elsewhere


def test_a_render_over_the_time_limit_answers_busy(view: ReportView) -> None:
    pool = RenderPool(workers=1, queue=0, timeout_s=0.001)
    try:
        with pytest.raises(Busy, match="longer than"):
            asyncio.run(pool.render(view))
    finally:
        pool.shutdown()
    assert pool.pending == 0


def test_api_answers_503_with_retry_after_when_renderers_are_full(
    app: object, client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
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
    assert db.scalar(select(func.count(Report.id))) == 0
