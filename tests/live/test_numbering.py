"""Numbers allocated per engagement, under real concurrency (a live server, committed writes):
concurrent creates all succeed, with distinct, consecutive numbers, and no render is wasted on
a version number that then collides (each PDF prints the version it is stored as)."""

import threading
from collections.abc import Callable

import httpx
from sqlalchemy import Engine, func, select

from app.models import AuditEntry, Report
from tests.live.conftest import REQUEST_TIMEOUT_S, LiveServer, new_engagement
from tests.pdf_tools import pdf_text

CARD = {
    "title": "Open the regional innovation voucher to cluster members",
    "description": "Extend the voucher scheme.",
    "responsible_actor": "Regional ministry of economy",
    "instrument": "funding",
    "priority": "high",
    "horizon": "short",
}


def all_at_once(
    server: LiveServer, headers: dict[str, str], count: int, send: Callable[[httpx.Client], object]
) -> list[httpx.Response]:
    """`count` requests sent together, each from a thread and a connection of its own."""
    start = threading.Barrier(count)
    answers: list[httpx.Response] = []

    def run() -> None:
        with server.client(headers=headers, timeout=REQUEST_TIMEOUT_S) as client:
            client.get("/healthz")  # connected before the start
            start.wait()
            answer = send(client)
            assert isinstance(answer, httpx.Response)
            answers.append(answer)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT_S)
    return answers


def test_concurrent_recommendation_creates_take_consecutive_codes(
    live_db: Engine, live_server: LiveServer
) -> None:
    headers, engagement_id = new_engagement(live_server, live_db)
    url = f"/api/v1/engagements/{engagement_id}/recommendations"
    answers = all_at_once(live_server, headers, 30, lambda client: client.post(url, json=CARD))
    assert [a.status_code for a in answers] == [201] * 30, [a.text for a in answers]
    codes = sorted((a.json()["code"] for a in answers), key=lambda code: int(code[1:]))
    assert codes == [f"R{n}" for n in range(1, 31)]


def test_concurrent_draft_renders_take_consecutive_versions(
    live_db: Engine, live_server: LiveServer
) -> None:
    headers, engagement_id = new_engagement(live_server, live_db, briefable=True)
    url = f"/api/v1/engagements/{engagement_id}/reports"
    answers = all_at_once(
        live_server, headers, 4, lambda client: client.post(url, json={"kind": "policy_briefing"})
    )
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    assert sorted(a.json()["version_number"] for a in answers) == [1, 2, 3, 4]
    with live_server.client(headers=headers, timeout=REQUEST_TIMEOUT_S) as client:
        for answer in answers:
            report = answer.json()
            pdf = client.get(f"{url}/{report['id']}/pdf").content
            assert f"Version {report['version_number']} (draft)" in pdf_text(pdf)
    with live_db.connect() as connection:
        assert connection.scalar(select(func.count(Report.id))) == 4  # no reservation left
        audited = select(func.count(AuditEntry.id)).where(AuditEntry.entity_type == "report")
        assert connection.scalar(audited) == 4  # one entry per version, none for reservations
