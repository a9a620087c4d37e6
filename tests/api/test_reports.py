"""Report versions through the API: render, review, publish, re-publish, download, who sees what.

The briefing is rendered from the demo's Wallonia engagement (real content, real PDF), and the
PDF is read back: its text, its attachment, its metadata and qpdf's structural check. Wallonia
is in follow-up and already has the demo's published briefing (version 1, seeded with a
stand-in PDF); what publication does to draft recommendations is tested on Hauts-de-France,
which is still in reporting.
"""

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.models import Engagement, Evidence, Recommendation, Report
from app.reports.render import RenderedPdf
from app.reports.viewmodel import ReportView
from app.seed import demo
from app.services import reports as service
from app.services.errors import Busy, Conflict
from app.vocab import ReportKind, ReportStatus, Role, Stage
from tests.conftest import bearer
from tests.demo_reports import stand_in_render
from tests.factories import (
    make_briefable_engagement,
    make_engagement,
    make_region,
    make_report,
    make_user,
)
from tests.pdf_tools import (
    attached_json,
    attachments,
    internal_link_count,
    link_uris,
    metadata,
    pdf_text,
    qpdf_problems,
)


@pytest.fixture
def seeded(db: Session) -> Session:
    demo.seed(db, render=stand_in_render)
    db.commit()
    return db


@pytest.fixture
def wallonia(seeded: Session) -> Engagement:
    return seeded.scalars(select(Engagement).where(Engagement.reference == "EOCIC-2018-BE3")).one()


@pytest.fixture
def hauts_de_france(seeded: Session) -> Engagement:
    """In reporting: its recommendations are drafts and it has no report yet."""
    return seeded.scalars(select(Engagement).where(Engagement.reference == "EOCIC-2018-FRE")).one()


def versions(client: TestClient, engagement: Engagement) -> list[int]:
    """The engagement's policy briefing version numbers, newest first."""
    listed = client.get(base(engagement), params={"kind": "policy_briefing"}).json()
    return [r["version_number"] for r in listed["items"]]


def base(engagement: Engagement) -> str:
    return f"/api/v1/engagements/{engagement.id}/reports"


def render(client: TestClient, engagement: Engagement, kind: str = "policy_briefing") -> Any:
    response = client.post(base(engagement), json={"kind": kind, "language": "en"})
    assert response.status_code == 201, response.text
    return response


def download(client: TestClient, engagement: Engagement, report_id: int) -> bytes:
    response = client.get(f"{base(engagement)}/{report_id}/pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.content


def test_briefing_draft_holds_every_recommendation_and_cited_source(
    client: TestClient, db: Session, wallonia: Engagement
) -> None:
    before = versions(client, wallonia)
    created = render(client, wallonia)
    report = created.json()
    assert before  # the demo's published briefing
    assert report["status"] == "draft" and report["version_number"] == before[0] + 1
    assert created.headers["location"].endswith(f"/reports/{report['id']}")
    pdf = download(client, wallonia, report["id"])
    text = pdf_text(pdf)
    recs = db.scalars(
        select(Recommendation).where(Recommendation.engagement_id == wallonia.id)
    ).all()
    assert recs
    for rec in recs:
        if rec.stage != Stage.WITHDRAWN:
            assert rec.code in text and " ".join(rec.title.split()) in text
    data = attached_json(pdf)
    cited_ids = {e["id"] for e in data["evidence"]}
    assert cited_ids
    flat = " ".join(text.split())
    for evidence in db.scalars(select(Evidence).where(Evidence.id.in_(cited_ids))):
        assert " ".join(evidence.title.split()) in text
        # Each part of a reference ends with ". " before the next (they once ran together).
        if evidence.source and evidence.published_on:
            day = evidence.published_on
            parts = f"{' '.join(evidence.source.split())}. {day.day} {day:%B %Y}."
            assert parts in flat, parts
    assert report["page_count"] > 1
    assert f"Version {report['version_number']} (draft)" in text and "Page 2 of" in text
    assert wallonia.reference in text and "Contents" in text
    assert qpdf_problems(pdf) == []


def test_attachment_matches_the_database(
    client: TestClient, db: Session, wallonia: Engagement
) -> None:
    report = render(client, wallonia).json()
    pdf = download(client, wallonia, report["id"])
    data = attached_json(pdf)
    assert set(attachments(pdf)) == {"clustercase-report.json"}
    assert data["engagement"]["reference"] == "EOCIC-2018-BE3"
    version = report["version_number"]
    assert data["report"] == data["report"] | {"kind": "policy_briefing", "version": version}
    stored = {
        r.code: r
        for r in db.scalars(
            select(Recommendation).where(
                Recommendation.engagement_id == wallonia.id,
                Recommendation.stage != Stage.WITHDRAWN,
            )
        )
    }
    assert {r["code"] for r in data["recommendations"]} == set(stored)
    for item in data["recommendations"]:
        rec = stored[item["code"]]
        db.refresh(rec, ["bottleneck_rows"])
        assert item["title"] == rec.title
        assert item["stage"] == rec.stage
        assert item["response"] == rec.response
        assert item["implementation"] == rec.implementation
        assert item["responsible_actor"] == rec.responsible_actor
        assert sorted(item["bottleneck_ids"]) == sorted(
            b.bottleneck_id for b in rec.bottleneck_rows
        )
    bottleneck_ids = {b["id"] for b in data["bottlenecks"]}
    assert all(set(r["bottleneck_ids"]) <= bottleneck_ids for r in data["recommendations"])


def test_pdf_is_archival_with_metadata(client: TestClient, wallonia: Engagement) -> None:
    pdf = download(client, wallonia, render(client, wallonia).json()["id"])
    meta = metadata(pdf)
    assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "A"  # tagged
    assert wallonia.title in meta["/Title"]
    assert meta["/Author"]  # the consultant who rendered it
    assert "Wallonia" in meta["/Subject"] and "EOCIC-2018-BE3" in meta["/Keywords"]
    assert meta["Lang"] == "en"
    assert link_uris(pdf) == []  # URLs are printed as text, never links
    assert internal_link_count(pdf) > 5  # contents and citations jump within the document


def test_publish_freezes_shares_and_downloads_with_etag(
    client: TestClient, db: Session, hauts_de_france: Engagement
) -> None:
    engagement = hauts_de_france
    drafts = db.scalars(
        select(Recommendation.stage).where(Recommendation.engagement_id == engagement.id)
    ).all()
    assert drafts and set(drafts) == {Stage.DRAFT}
    draft = render(client, engagement).json()
    published = client.post(f"{base(engagement)}/{draft['id']}/publish")
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["status"] == "published" and body["published_at"]
    assert body["sha256"] != draft["sha256"]  # re-rendered as final: no watermark
    pdf_response = client.get(f"{base(engagement)}/{draft['id']}/pdf")
    pdf = pdf_response.content
    assert "DRAFT" not in pdf_text(pdf)
    assert pdf_response.headers["etag"] == f'"{body["sha256"]}"'
    assert pdf_response.headers["content-disposition"] == (
        'attachment; filename="EOCIC-2018-FRE_policy_briefing_v1.pdf"'
    )
    again = client.get(
        f"{base(engagement)}/{draft['id']}/pdf", headers={"If-None-Match": f'"{body["sha256"]}"'}
    )
    assert again.status_code == 304 and again.content == b""
    db.expire_all()
    stages = db.scalars(
        select(Recommendation.stage).where(
            Recommendation.engagement_id == engagement.id, Recommendation.stage != Stage.WITHDRAWN
        )
    ).all()
    assert stages and set(stages) == {Stage.SHARED}
    assert {r["stage"] for r in attached_json(pdf)["recommendations"]} == {"shared"}
    assert client.post(f"{base(engagement)}/{draft['id']}/publish").status_code == 409


def test_republishing_makes_a_new_version_and_leaves_the_first_untouched(
    client: TestClient, db: Session, wallonia: Engagement
) -> None:
    before = versions(client, wallonia)
    first = render(client, wallonia).json()
    client.post(f"{base(wallonia)}/{first['id']}/publish")
    v1 = download(client, wallonia, first["id"])
    rec = db.scalars(
        select(Recommendation).where(Recommendation.engagement_id == wallonia.id)
    ).first()
    assert rec is not None
    old_title = " ".join(rec.title.split())
    patched = client.patch(
        f"/api/v1/engagements/{wallonia.id}/recommendations/{rec.id}",
        json={"title": "Give the steering board a binding arbitration mandate"},
    )
    assert patched.status_code == 200, patched.text
    second = render(client, wallonia).json()
    assert second["version_number"] == first["version_number"] + 1
    text = pdf_text(download(client, wallonia, second["id"]))
    assert f"Changes since version {first['version_number']}" in text
    # Told as old → new, as the reader saw them in the two versions.
    flat = " ".join(text.split())
    assert (
        f"{rec.code} Give the steering board a binding arbitration mandate: title “{old_title}” → "
        "“Give the steering board a binding arbitration mandate”" in flat
    )
    assert client.post(f"{base(wallonia)}/{second['id']}/publish").status_code == 200
    assert download(client, wallonia, first["id"]) == v1
    listed = client.get(base(wallonia), params={"kind": "policy_briefing"}).json()
    expected = [second["version_number"], first["version_number"], *before]
    assert [r["version_number"] for r in listed["items"]] == expected
    assert {r["status"] for r in listed["items"]} == {"published"}


def test_no_route_changes_or_deletes_a_report(client: TestClient, wallonia: Engagement) -> None:
    report = render(client, wallonia).json()
    client.post(f"{base(wallonia)}/{report['id']}/publish")
    item = f"{base(wallonia)}/{report['id']}"
    before = client.get(item).json()
    for method in ("PATCH", "PUT", "DELETE"):
        for path in (item, f"{item}/pdf"):
            assert client.request(method, path, json={"title": "x"}).status_code == 405
    assert client.post(f"{item}/publish").status_code == 409
    assert client.get(item).json() == before


def test_older_draft_cannot_be_published_after_a_newer_version(
    client: TestClient, wallonia: Engagement
) -> None:
    old = render(client, wallonia).json()
    new = render(client, wallonia).json()
    assert client.post(f"{base(wallonia)}/{new['id']}/publish").status_code == 200
    refused = client.post(f"{base(wallonia)}/{old['id']}/publish")
    assert refused.status_code == 409
    assert f"version {new['version_number']}" in refused.json()["detail"]


@pytest.mark.parametrize("kind", ["assessment_report", "progress_report"])
def test_other_kinds_render(client: TestClient, wallonia: Engagement, kind: str) -> None:
    report = render(client, wallonia, kind).json()
    text = pdf_text(download(client, wallonia, report["id"]))
    assert report["page_count"] > 1
    if kind == "assessment_report":
        assert "Diagnosis by framework condition" in text and "Recommendations" not in text
    else:
        assert "Milestones" in text and "Follow-up of shared recommendations" in text


def test_progress_report_flags_overdue_milestones(
    client: TestClient, db: Session, wallonia: Engagement
) -> None:
    milestones = f"/api/v1/engagements/{wallonia.id}/milestones"
    client.post(milestones, json={"title": "Board charter adopted", "due_date": "2020-01-31"})
    report = render(client, wallonia, "progress_report").json()
    text = " ".join(pdf_text(download(client, wallonia, report["id"])).split())
    late = (clock.today() - date(2020, 1, 31)).days
    assert f"Board charter adopted 31 January 2020 — Overdue by {late:,} days" in text


def test_preview_is_self_contained_html_for_staff(client: TestClient, wallonia: Engagement) -> None:
    stored = client.get(base(wallonia)).json()["total"]
    response = client.get(f"{base(wallonia)}/preview", params={"kind": "policy_briefing"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    html = response.text
    assert "R1" in html and "<style>" in html and 'src="logo.svg"' not in html
    assert client.get(base(wallonia)).json()["total"] == stored  # a preview stores nothing


def test_bad_requests_answer_clearly(client: TestClient, wallonia: Engagement) -> None:
    assert client.post(base(wallonia), json={"kind": "memo"}).status_code == 422
    assert (
        client.post(base(wallonia), json={"kind": "policy_briefing", "language": "fr"}).json()[
            "error"
        ]
        == "validation_error"
    )
    assert client.get(f"{base(wallonia)}/preview", params={"kind": "x"}).status_code == 422
    assert client.get(f"{base(wallonia)}/999999").status_code == 404
    assert client.post(f"{base(wallonia)}/999999/publish").status_code == 404


def test_stakeholder_sees_only_published_reports_of_own_client(
    client: TestClient, db: Session, wallonia: Engagement
) -> None:
    demo_briefing = db.scalars(select(Report.id).where(Report.engagement_id == wallonia.id)).one()
    draft = make_report(db, wallonia, version_number=7)
    published = make_report(
        db, wallonia, version_number=8, status=ReportStatus.PUBLISHED, pdf=b"%PDF-1.7 stored"
    )
    other = make_engagement(db, region_id=make_region(db).id)
    foreign = make_report(db, other, status=ReportStatus.PUBLISHED, pdf=b"%PDF other")
    officer = make_user(db, role=Role.STAKEHOLDER, region_id=wallonia.region_id)
    db.commit()
    headers = bearer(officer)
    listed = client.get(base(wallonia), headers=headers).json()
    assert [r["id"] for r in listed["items"]] == [published.id, demo_briefing]
    assert listed["total"] == 2
    assert client.get(f"{base(wallonia)}/{published.id}/pdf", headers=headers).content == (
        b"%PDF-1.7 stored"
    )
    for path in (f"{draft.id}", f"{draft.id}/pdf"):
        assert client.get(f"{base(wallonia)}/{path}", headers=headers).status_code == 404
    assert client.get(f"{base(other)}/{foreign.id}/pdf", headers=headers).status_code == 404
    assert client.get(f"{base(wallonia)}/{foreign.id}/pdf", headers=headers).status_code == 404
    preview = client.get(f"{base(wallonia)}/preview?kind=policy_briefing", headers=headers)
    assert preview.status_code == 404
    # Writing is refused before any lookup: the same 403 for a hidden draft and a missing id.
    for report_id in (draft.id, 999999):
        refused = client.post(f"{base(wallonia)}/{report_id}/publish", headers=headers)
        assert refused.status_code == 403
    assert (
        client.post(base(wallonia), json={"kind": "policy_briefing"}, headers=headers).status_code
        == 403
    )
    db.expire_all()
    assert db.get(Report, draft.id).status == ReportStatus.DRAFT  # type: ignore[union-attr]


def test_a_published_assessment_report_stays_internal(
    client: TestClient, db: Session, wallonia: Engagement
) -> None:
    """The assessment report carries the whole diagnosis (hypotheses, dismissed bottlenecks,
    contradicting evidence): staff read it, the client's stakeholders never, published or not."""
    internal = make_report(
        db, wallonia, kind=ReportKind.ASSESSMENT_REPORT, version_number=1,
        status=ReportStatus.PUBLISHED, pdf=b"%PDF internal diagnosis",
    )  # fmt: skip
    progress = make_report(
        db, wallonia, kind=ReportKind.PROGRESS_REPORT, version_number=1,
        status=ReportStatus.PUBLISHED, pdf=b"%PDF progress",
    )  # fmt: skip
    officer = make_user(db, role=Role.STAKEHOLDER, region_id=wallonia.region_id)
    monitor = make_user(db, role=Role.MONITOR)
    db.commit()

    as_officer = bearer(officer)
    listed = client.get(base(wallonia), headers=as_officer).json()["items"]
    assert internal.id not in [r["id"] for r in listed]
    assert progress.id in [r["id"] for r in listed]
    assert {r["kind"] for r in listed} <= {"policy_briefing", "progress_report"}
    filtered = client.get(base(wallonia), params={"kind": "assessment_report"}, headers=as_officer)
    assert filtered.json()["total"] == 0
    for path in (f"{internal.id}", f"{internal.id}/pdf"):
        assert client.get(f"{base(wallonia)}/{path}", headers=as_officer).status_code == 404
    assert client.get(f"{base(wallonia)}/{progress.id}/pdf", headers=as_officer).content == (
        b"%PDF progress"
    )
    # Staff read it.
    for user in (monitor, None):
        headers = bearer(user) if user else {}
        got = client.get(f"{base(wallonia)}/{internal.id}/pdf", headers=headers)
        assert got.status_code == 200 and got.content == b"%PDF internal diagnosis"


def test_monitor_reads_drafts_but_cannot_render_or_publish(
    client: TestClient, db: Session, wallonia: Engagement
) -> None:
    draft = make_report(db, wallonia, version_number=5, pdf=b"%PDF draft")
    monitor = make_user(db, role=Role.MONITOR)
    db.commit()
    headers = bearer(monitor)
    assert client.get(f"{base(wallonia)}/{draft.id}/pdf", headers=headers).content == b"%PDF draft"
    assert client.post(f"{base(wallonia)}/{draft.id}/publish", headers=headers).status_code == 403
    assert (
        client.post(base(wallonia), json={"kind": "policy_briefing"}, headers=headers).status_code
        == 403
    )


def test_reaching_follow_up_needs_the_published_briefing(
    client: TestClient, hauts_de_france: Engagement
) -> None:
    transitions = f"/api/v1/engagements/{hauts_de_france.id}/transitions"
    assert client.post(transitions, json={"to": "follow_up"}).status_code == 409
    report = render(client, hauts_de_france).json()
    client.post(f"{base(hauts_de_france)}/{report['id']}/publish")
    assert client.post(transitions, json={"to": "follow_up"}).status_code == 201


class StandInRenderer:
    """In place of the render pool: answers at once, or fails like a pool that is full."""

    timeout_s = 120.0

    def __init__(self, *, busy: bool = False) -> None:
        self.busy = busy

    def render(self, view: ReportView) -> RenderedPdf:
        if self.busy:
            raise Busy("all report renderers are busy", retry_after=5)
        return RenderedPdf(f"%PDF stand-in v{view.version_number}".encode(), 1, 0)

    def shutdown(self, grace_s: float = 0.0) -> None:
        """Nothing to stop."""


def reserve(db: Session, engagement: Engagement) -> ReportView:
    """A version number taken by a render that is still running (or whose server died)."""
    view = service.reserve_draft(
        db,
        engagement,
        kind=ReportKind.POLICY_BRIEFING,
        language="en",
        author=None,
        stale_after=timedelta(minutes=10),
    )
    db.commit()
    return view


def test_a_failed_render_gives_its_version_number_back(
    app: Any, client: TestClient, db: Session
) -> None:
    engagement = make_briefable_engagement(db)
    db.commit()
    app.state.renderer = StandInRenderer(busy=True)
    refused = client.post(base(engagement), json={"kind": "policy_briefing"})
    assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
    assert db.scalars(select(Report).where(Report.engagement_id == engagement.id)).all() == []
    app.state.renderer = StandInRenderer()
    assert render(client, engagement).json()["version_number"] == 1


def test_a_version_number_being_rendered_is_never_shown_nor_taken_twice(
    app: Any, client: TestClient, db: Session
) -> None:
    engagement = make_briefable_engagement(db)
    db.commit()
    running = reserve(db, engagement)
    assert running.version_number == 1
    assert client.get(base(engagement)).json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
    }
    reserved_id = db.scalar(select(Report.id).where(Report.engagement_id == engagement.id))
    for path in (f"/{reserved_id}", f"/{reserved_id}/pdf"):
        assert client.get(base(engagement) + path).status_code == 404
    assert client.post(f"{base(engagement)}/{reserved_id}/publish").status_code == 404
    app.state.renderer = StandInRenderer()
    assert render(client, engagement).json()["version_number"] == 2
    preview = client.get(f"{base(engagement)}/preview", params={"kind": "policy_briefing"})
    assert "Version 3" in preview.text


def test_a_reservation_older_than_any_render_is_taken_back(
    app: Any, client: TestClient, db: Session
) -> None:
    engagement = make_briefable_engagement(db)
    db.commit()
    with clock.frozen(clock.now() - timedelta(hours=1)):
        reserve(db, engagement)  # its server died mid-render
    app.state.renderer = StandInRenderer()
    assert render(client, engagement).json()["version_number"] == 1
    stored = db.scalars(select(Report).where(Report.engagement_id == engagement.id)).all()
    assert [(r.version_number, r.size_bytes > 0) for r in stored] == [(1, True)]


def test_an_older_draft_is_not_published_once_a_newer_version_was_meanwhile(
    db: Session,
) -> None:
    engagement = make_briefable_engagement(db)
    renderer, now = StandInRenderer(), clock.now()

    def draft() -> Report:
        view = service.prepare_draft(
            db, engagement, kind=ReportKind.POLICY_BRIEFING, language="en", author=None
        )
        return service.store_draft(db, engagement, view, renderer.render(view), author=None)

    def publish(report: Report, view: ReportView) -> Report:
        return service.publish(db, report, view, renderer.render(view), now=now)

    older, newer = draft(), draft()
    view = service.prepare_publication(db, older, now=now)  # allowed when it began …
    publish(newer, service.prepare_publication(db, newer, now=now))  # … not while it rendered
    with pytest.raises(Conflict, match="version 2 of this report is already published"):
        publish(older, view)
