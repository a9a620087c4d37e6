"""Reports pages: render a draft through the page (the real render pool), download it, publish
it after a confirmation naming what it shares, and who sees which versions."""

import hashlib
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.reports import PREVIEW_CSP
from app.models import Engagement, Recommendation, Report, User
from app.reports.render import RenderedPdf
from app.reports.viewmodel import ReportView
from app.services.errors import Busy
from app.vocab import BottleneckStatus, ReportKind, ReportStatus, Role, Stage
from tests.factories import (
    add_member,
    make_bottleneck,
    make_briefable_engagement,
    make_engagement,
    make_recommendation,
    make_report,
    make_user,
)
from tests.web.conftest import WebClient

FAKE_PDF = b"%PDF-1.7 stored bytes"


def reports_url(engagement: Engagement) -> str:
    return f"/engagements/{engagement.id}/reports"


def lead_of(db: Session, *, briefable: bool = True, **overrides: Any) -> tuple[Engagement, User]:
    """An engagement and its lead; `briefable`: with one recommendation, so that a policy
    briefing has something to say."""
    lead = make_user(db, role=Role.CONSULTANT)
    make = make_briefable_engagement if briefable else make_engagement
    engagement = make(db, lead_consultant_id=lead.id, **overrides)
    add_member(db, engagement, lead)
    db.commit()
    return engagement, lead


def reports_of(db: Session, engagement: Engagement) -> list[Report]:
    db.expire_all()
    return list(
        db.scalars(
            select(Report)
            .where(Report.engagement_id == engagement.id)
            .order_by(Report.version_number)
        )
    )


def render(web: WebClient, engagement: Engagement, kind: str = "policy_briefing") -> Any:
    return web.post(reports_url(engagement), {"kind": kind, "language": "en"})


def test_render_a_draft_and_download_it(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, lead = lead_of(db)
    web: WebClient = web_as(lead)
    listed = web.get(reports_url(engagement))
    assert listed.status_code == 200
    assert 'data-busy-text="Rendering…"' in listed.text and "hx-disabled-elt" in listed.text
    answer = render(web, engagement)
    assert answer.status_code == 303
    (report,) = reports_of(db, engagement)
    assert (report.status, report.version_number) == (ReportStatus.DRAFT, 1)
    assert answer.headers["location"] == f"{reports_url(engagement)}#report-{report.id}"

    page = web.get(answer.headers["location"].split("#")[0])
    assert "Policy briefing version 1 rendered as a draft." in page.text  # the flash
    row = page.text.split(f'id="report-{report.id}"')[1].split("</tr>")[0]
    assert report.sha256 in row and f"<td>{report.page_count}</td>" in row
    assert report.page_count >= 1 and "Draft" in row

    pdf = web.get(f"{reports_url(engagement)}/{report.id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == report.sha256
    assert pdf.headers["etag"] == f'"{report.sha256}"'
    assert pdf.headers["content-disposition"] == (
        f'attachment; filename="{engagement.reference}_policy_briefing_v1_draft.pdf"'
    )
    again = web.get(pdf.request.url.path, headers={"If-None-Match": pdf.headers["etag"]})
    assert again.status_code == 304


def test_htmx_render_loads_the_list(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, lead = lead_of(db)
    answer = web_as(lead).post(
        reports_url(engagement),
        {"kind": "policy_briefing", "language": "en"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 204
    (report,) = reports_of(db, engagement)
    assert answer.headers["hx-location"] == f"{reports_url(engagement)}#report-{report.id}"
    assert report.kind == ReportKind.POLICY_BRIEFING


class BusyRenderer:
    timeout_s = 120.0

    def render(self, view: ReportView) -> RenderedPdf:
        raise Busy("all 2 report renderers are busy; try again shortly", retry_after=5)

    def shutdown(self, grace_s: float = 0.0) -> None:
        """Nothing to stop."""


def test_a_busy_renderer_is_a_message_on_the_page(app: Any, db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, lead = lead_of(db)
    app.state.renderer = BusyRenderer()
    web = web_as(lead)
    answer = render(web, engagement)
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert "The report was not rendered" in answer.text
    assert "all 2 report renderers are busy" in answer.text
    assert "Render draft" in answer.text  # the form, to try again
    htmx = web.post(
        reports_url(engagement), {"kind": "policy_briefing"}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 200 and "The report was not rendered" in htmx.text
    assert reports_of(db, engagement) == []  # the version number was given back


def briefing_with_drafts(db: Session) -> tuple[Engagement, User, list[Recommendation]]:
    engagement, lead = lead_of(db, briefable=False)
    bottleneck = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED)
    drafts = [
        make_recommendation(db, engagement, code=code, title=title, bottlenecks=[bottleneck])
        for code, title in (("R1", "Open the <cluster> fund"), ("R2", "Train SME managers"))
    ]
    make_recommendation(db, engagement, code="R3", title="Dropped idea", stage=Stage.WITHDRAWN)
    db.commit()
    return engagement, lead, drafts


def test_publish_names_and_shares_the_drafts_of_the_briefing(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, lead, drafts = briefing_with_drafts(db)
    web = web_as(lead)
    assert render(web, engagement).status_code == 303
    (report,) = reports_of(db, engagement)
    later = make_recommendation(db, engagement, code="R4", title="Written after the render")
    db.commit()

    listed = web.get(reports_url(engagement))
    confirm_url = f"{reports_url(engagement)}/{report.id}/publish"
    assert f'href="{confirm_url}"' in listed.text
    confirm = web.get(confirm_url)
    assert confirm.status_code == 200
    named = re.findall(r"<li><strong>(R\d)</strong>", confirm.text)
    assert named == ["R1", "R2"]
    assert "Open the &lt;cluster&gt; fund" in confirm.text
    assert "Publish version 1 and share 2 recommendations" in confirm.text

    published = web.post(confirm_url)
    assert published.status_code == 303
    db.expire_all()
    assert [r.stage for r in drafts] == [Stage.SHARED, Stage.SHARED]
    assert all(r.shared_at is not None for r in drafts)
    assert later.stage == Stage.DRAFT
    (report,) = reports_of(db, engagement)
    assert report.status == ReportStatus.PUBLISHED and report.published_at is not None
    page = web.get(reports_url(engagement))
    assert "Now shared with the client: R1, R2." in page.text
    assert f"{confirm_url}" not in page.text  # published: no publish link
    pdf = web.get(f"{reports_url(engagement)}/{report.id}/pdf")
    assert hashlib.sha256(pdf.content).hexdigest() == report.sha256
    assert pdf.headers["content-disposition"].endswith('_policy_briefing_v1.pdf"')

    refused = web.get(confirm_url)
    assert refused.status_code == 409 and "already published" in refused.text
    assert "Publish version 1" not in refused.text


def test_non_member_may_not_render_or_publish(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, _ = lead_of(db)
    draft = make_report(db, engagement, pdf=FAKE_PDF)
    outsider = make_user(db, role=Role.CONSULTANT)
    db.commit()
    web = web_as(outsider)
    listed = web.get(reports_url(engagement))
    assert listed.status_code == 200 and "Render draft" not in listed.text
    assert "/publish" not in listed.text
    assert render(web, engagement).status_code == 403
    assert web.get(f"{reports_url(engagement)}/{draft.id}/publish").status_code == 403
    assert web.post(f"{reports_url(engagement)}/{draft.id}/publish").status_code == 403
    assert [(r.id, r.status) for r in reports_of(db, engagement)] == [
        (draft.id, ReportStatus.DRAFT)
    ]


def test_stakeholder_sees_only_published_versions(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, _ = lead_of(db)
    published = make_report(
        db, engagement, status=ReportStatus.PUBLISHED, pdf=FAKE_PDF, sha256="a" * 64
    )
    draft = make_report(db, engagement, version_number=2, pdf=FAKE_PDF, sha256="b" * 64)
    stakeholder = make_user(db, role=Role.STAKEHOLDER, region_id=engagement.region_id)
    db.commit()
    web = web_as(stakeholder)
    page = web.get(reports_url(engagement))
    assert page.status_code == 200
    assert f'id="report-{published.id}"' in page.text and "a" * 64 in page.text
    assert f'id="report-{draft.id}"' not in page.text and "b" * 64 not in page.text
    assert "/preview" not in page.text and "Render draft" not in page.text
    pdf = web.get(f"{reports_url(engagement)}/{published.id}/pdf")
    assert pdf.status_code == 200 and pdf.content == FAKE_PDF
    assert web.get(f"{reports_url(engagement)}/{draft.id}/pdf").status_code == 404
    assert web.get(f"{reports_url(engagement)}/preview?kind=policy_briefing").status_code == 404


def test_stakeholder_of_another_client_does_not_find_the_reports(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, _ = lead_of(db)
    published = make_report(db, engagement, status=ReportStatus.PUBLISHED, pdf=FAKE_PDF)
    other = make_engagement(db)
    stranger = make_user(db, role=Role.STAKEHOLDER, region_id=other.region_id)
    db.commit()
    web = web_as(stranger)
    assert web.get(reports_url(engagement)).status_code == 404
    assert web.get(f"{reports_url(engagement)}/{published.id}/pdf").status_code == 404


def test_preview_is_the_report_html_under_its_own_policy(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, _ = lead_of(db, title="Smart <specialisation> review")
    monitor = make_user(db, role=Role.MONITOR)
    db.commit()
    preview = web_as(monitor).get(f"{reports_url(engagement)}/preview?kind=policy_briefing")
    assert preview.status_code == 200
    assert preview.headers["content-type"].startswith("text/html")
    assert preview.headers["content-security-policy"] == PREVIEW_CSP
    assert "script-src" not in PREVIEW_CSP and "default-src 'none'" in PREVIEW_CSP
    assert "Smart &lt;specialisation&gt; review" in preview.text
    assert "<script" not in preview.text


def test_the_list_shows_every_kind_with_size_and_author(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, lead = lead_of(db)
    make_report(
        db,
        engagement,
        kind=ReportKind.ASSESSMENT_REPORT,
        title="Assessment",
        pdf=FAKE_PDF,
        size_bytes=40_960,
        page_count=12,
        created_by_id=lead.id,
    )
    db.commit()
    page = web_as(lead).get(reports_url(engagement))
    for heading in ("Assessment report", "Policy briefing", "Progress report"):
        assert f">{heading}</h3>" in page.text
    assert "40 KB" in page.text and "<td>12</td>" in page.text
    assert f"by {lead.full_name}" in page.text


def test_a_kind_with_nothing_to_say_is_refused_on_the_page_in_words(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, lead = lead_of(db, briefable=False)
    answer = render(web_as(lead), engagement)
    assert answer.status_code == 409
    assert "a policy briefing needs at least one recommendation" in answer.text
    assert reports_of(db, engagement) == []
