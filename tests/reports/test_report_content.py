"""What the reports say and how they are laid out (issue 14): references, page fill, the
executive summary, audience, traceability, the action plan's dates, the progress report, and
the refusal of a kind with nothing to say.

The demo portfolio is built once per test (with stand-in PDFs for its own published briefings);
the reports under test are rendered from their view-models, to HTML for the text and through
WeasyPrint's layout for the page fill. The Wallonia briefing is also rendered to a real PDF and
read back with pdftotext, as a reader's tools would.
"""

import html
import re
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Engagement
from app.reports.layout_check import page_fill, short_pages
from app.reports.render import render_html, render_pdf
from app.reports.viewmodel import ReportView
from app.services.errors import Conflict
from app.services.reports import check_has_content
from app.vocab import (
    BottleneckStatus,
    Implementation,
    Phase,
    Relation,
    ReportKind,
    Response,
    Role,
    Stage,
)
from tests import demo_reports
from tests.factories import (
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_indicator,
    make_measurement,
    make_milestone,
    make_recommendation,
    make_status_update,
    make_user,
)
from tests.pdf_tools import page_headers, page_texts, pdf_text

AS_OF = demo_reports.AS_OF
# "1. Title. Source. 20 June 2017. Publication." as the references list prints each entry.
REFERENCE = re.compile(
    r"^(\d+)\. (.+?)\. (?:(.+?)\. )?(?:(\d{1,2} [A-Z][a-z]+ \d{4})\. )?([A-Z][a-z -]+)\.$"
)


def _engagement(db: Session, reference: str) -> Engagement:
    return demo_reports.engagement(db, reference)


def _view(db: Session, engagement: Engagement, kind: ReportKind, as_of: date = AS_OF) -> ReportView:
    return demo_reports.view(db, engagement, kind, as_of)


def _text(markup: str) -> str:
    markup = re.sub(r"<(style|title|desc|svg)\b.*?</\1>", " ", markup, flags=re.S)
    markup = re.sub(r"</?(a|span|strong|em)\b[^>]*>", "", markup)  # inline: no space
    markup = re.sub(r"<[^>]+>", " ", markup)
    return " ".join(html.unescape(markup).split())


def _body_and_references(markup: str) -> tuple[str, list[str]]:
    """The text before the references chapter, and each reference as one line."""
    body, _, refs = markup.partition('id="references"')
    items = re.findall(r"<li id=\"ref-\d+\"[^>]*>(.*?)</li>", refs, flags=re.S)
    lines = [_text(re.sub(r"<br>.*", "", item, flags=re.S)) for item in items]
    numbers = re.findall(r'<li id="ref-(\d+)" value="\d+"', refs)
    return _text(body), [f"{n}. {line}" for n, line in zip(numbers, lines, strict=True)]


def _citations(text: str) -> set[int]:
    return {int(n) for group in re.findall(r"\[([\d, ]+)\]", text) for n in group.split(",")}


def _renderable(db: Session) -> Iterator[tuple[Engagement, ReportKind, ReportView]]:
    for engagement in db.scalars(select(Engagement).order_by(Engagement.reference)):
        for kind in ReportKind:
            view = _view(db, engagement, kind)
            try:
                check_has_content(view)
            except Conflict:
                continue
            yield engagement, kind, view


# -- 1. references -------------------------------------------------------------------------------


def test_every_reference_is_cited_every_citation_resolves_and_each_reads_right(
    seeded: Session,
) -> None:
    checked = 0
    for engagement, kind, view in _renderable(seeded):
        body, references = _body_and_references(render_html(view))
        numbers = [int(line.split(".")[0]) for line in references]
        assert numbers == list(range(1, len(numbers) + 1)), (engagement.reference, kind)
        assert _citations(body) == set(numbers), (engagement.reference, kind)
        for line in references:
            assert REFERENCE.match(line), (engagement.reference, kind, line)
        if kind == ReportKind.PROGRESS_REPORT:
            assert references == []  # it cites nothing, so it lists nothing
        checked += len(references)
    assert checked > 30


def test_the_pdf_text_of_the_wallonia_briefing_has_each_reference_in_form(
    seeded: Session,
) -> None:
    view = _view(seeded, _engagement(seeded, "EOCIC-2018-BE3"), ReportKind.POLICY_BRIEFING)
    text = pdf_text(render_pdf(view).pdf)
    refs = " ".join(text.rpartition("References")[2].split())
    for ref in view.references:
        parts = [
            ref.title,
            ref.source,
            f"{ref.published_on.day} {ref.published_on:%B %Y}" if ref.published_on else "",
        ]
        expected = ". ".join(" ".join(p.split()) for p in parts if p) + "."
        assert expected in refs, expected  # "European Commission. 20 June 2017." never run together


# -- 2. pagination ---------------------------------------------------------------------------------


def test_no_page_of_the_demo_reports_is_left_mostly_empty(seeded: Session) -> None:
    measured = []
    for engagement, kind, view in _renderable(seeded):
        pages = page_fill(render_html(view))
        assert short_pages(pages) == [], (engagement.reference, kind, [p.fill for p in pages])
        measured.append(len(pages))
    assert sum(measured) > 40


def test_the_large_briefing_fills_its_pages(seeded: Session) -> None:
    db = seeded
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import report_render  # bench/report_render.py: the large engagement of the render benchmark

    report_render.build_large(db, "EOCIC-2020-LARGE")
    db.flush()
    view = _view(db, _engagement(db, "EOCIC-2020-LARGE"), ReportKind.POLICY_BRIEFING)
    pages = page_fill(render_html(view))
    assert len(pages) > 25
    assert short_pages(pages) == [], [round(p.fill, 2) for p in pages]
    # The contents and the executive summary share page 2; the cards start a page of their own.
    assert {"summary"} <= pages[1].starts
    assert any("recommendations" in p.starts for p in pages)


def test_a_card_is_never_split_and_the_header_names_the_chapter_at_the_top(
    seeded: Session,
) -> None:
    for reference in ("EOCIC-2018-BE3", "EOCIC-2018-ADPACK"):
        view = _view(seeded, _engagement(seeded, reference), ReportKind.POLICY_BRIEFING)
        markup = render_html(view)
        titles = dict(
            re.findall(r'<section class="chapter[^"]*" id="([\w-]+)">\s*<h2>([^<]+)</h2>', markup)
        )
        pages = page_fill(markup)
        pdf = render_pdf(view, html=markup).pdf
        headers, texts = page_headers(pdf), page_texts(pdf)
        assert len(headers) == len(pages)
        for page in pages[2:]:  # after the cover and the contents
            header = headers[page.number - 1]
            assert page.top_chapter, (reference, page.number)
            assert header.endswith(titles[page.top_chapter]), (reference, page.number, header)
        for r in view.recommendations:  # each card's title, facts and text on one page
            description = " ".join(r.description.split())[:60]
            holding = [n for n, text in enumerate(texts) if description in text]
            assert len(holding) == 1, (reference, r.code)
            page_text = texts[holding[0]]
            assert " ".join(r.title.split()) in page_text, (reference, r.code)
            assert r.responsible_actor.split()[0] in page_text, (reference, r.code)
            assert " ".join(r.risks.split())[:40] in page_text, (reference, r.code)


# -- 3. the executive summary ---------------------------------------------------------------------


def test_the_summary_has_key_findings_a_table_and_counts_that_add_up(seeded: Session) -> None:
    for engagement, kind, view in _renderable(seeded):
        if kind != ReportKind.POLICY_BRIEFING:
            continue
        text = _text(render_html(view).partition('id="context"')[0])
        confirmed = sorted(
            (b for b in view.bottlenecks if b.status_code == "confirmed"), key=lambda b: -b.severity
        )
        assert [line.split(" (")[0] for line in view.key_findings] == [
            f"{b.ref} {b.title}" for b in confirmed
        ]
        assert "Key findings" in text or not confirmed
        assert "The recommendations at a glance" in text
        counts = re.search(
            r"It makes (\d+) recommendations?: by priority, (.+?); by horizon, (.+?)\.", text
        )
        assert counts, engagement.reference
        total = int(counts.group(1))
        assert total == len(view.recommendations)
        for part in (counts.group(2), counts.group(3)):
            assert sum(int(n) for n in re.findall(r"\d+", part)) == total, (
                engagement.reference,
                part,
            )
        for r in view.recommendations:
            assert (
                f"{r.code} {' '.join(r.title.split())} {r.priority_label} {r.horizon_label}" in text
            )


# -- 5. audience -------------------------------------------------------------------------------


@pytest.fixture
def diagnosed(db: Session) -> Engagement:
    engagement = make_engagement(db, planned_start=date(2018, 3, 1), planned_end=date(2019, 6, 30))
    challenge = make_challenge(db, engagement, title="Fragmented steering")
    make_challenge(db, engagement, title="A challenge with nothing behind it")
    confirmed = make_bottleneck(
        db,
        engagement,
        title="No mandate to arbitrate",
        status=BottleneckStatus.CONFIRMED,
        severity=4,
        challenge_id=challenge.id,
    )
    hypothesis = make_bottleneck(
        db,
        engagement,
        title="Perhaps too few engineers",
        status=BottleneckStatus.HYPOTHESIS,
        severity=5,
    )
    dismissed = make_bottleneck(
        db, engagement, title="Finance was never the problem", status=BottleneckStatus.DISMISSED
    )
    own = make_evidence(db, engagement, title="Minutes of the steering board")
    behind = make_evidence(db, engagement, title="Governance review 2017")
    against = make_evidence(db, engagement, title="Survey that finds a mandate exists")
    only_hypothesis = make_evidence(db, engagement, title="Engineering graduates count")
    link_evidence(db, behind, bottleneck=confirmed)
    link_evidence(db, behind, challenge=challenge)
    link_evidence(db, against, bottleneck=confirmed, relation=Relation.CONTRADICTS)
    link_evidence(db, only_hypothesis, bottleneck=hypothesis)
    link_evidence(db, against, bottleneck=dismissed)
    rec = make_recommendation(
        db,
        engagement,
        code="R1",
        title="Give one body the mandate",
        bottlenecks=[confirmed, hypothesis],
    )
    link_evidence(db, own, recommendation=rec)
    db.flush()
    return engagement


def test_client_documents_leave_hypotheses_and_dismissed_bottlenecks_out(
    db: Session, diagnosed: Engagement
) -> None:
    briefing = _text(render_html(_view(db, diagnosed, ReportKind.POLICY_BRIEFING)))
    assert "No mandate to arbitrate" in briefing
    hidden = ("Perhaps too few engineers", "Finance was never the problem")
    hidden += ("Engineering graduates count", "Survey that finds a mandate exists")
    for title in hidden:
        assert title not in briefing
    assessment = _text(render_html(_view(db, diagnosed, ReportKind.ASSESSMENT_REPORT)))
    for title in ("No mandate to arbitrate", *hidden[:2], hidden[3]):
        assert title in assessment
    assert re.search(r"No mandate to arbitrate .*Evidence against: \[\d+\]", assessment)
    assert "Hypothesis" in assessment and "Dismissed" in assessment


def test_published_assessment_is_for_staff_and_briefing_for_the_client(
    client: TestClient, db: Session, diagnosed: Engagement
) -> None:
    """Through the API: a stakeholder of the client reads the published briefing, never the
    assessment report (even published), which staff read."""
    from app.models import Region

    region = db.get(Region, diagnosed.region_id)
    assert region is not None
    officer = make_user(db, role=Role.STAKEHOLDER, region_id=region.id)
    db.commit()
    base = f"/api/v1/engagements/{diagnosed.id}/reports"
    ids = {}
    for kind in ("policy_briefing", "assessment_report"):
        created = client.post(base, json={"kind": kind, "language": "en"})
        assert created.status_code == 201, created.text
        ids[kind] = created.json()["id"]
        assert client.post(f"{base}/{ids[kind]}/publish").status_code == 200
    from tests.conftest import bearer

    as_officer = bearer(officer)
    listed = client.get(base, headers=as_officer).json()["items"]
    assert [r["kind"] for r in listed] == ["policy_briefing"]
    assert (
        client.get(f"{base}/{ids['assessment_report']}/pdf", headers=as_officer).status_code == 404
    )
    assert client.get(f"{base}/{ids['policy_briefing']}/pdf", headers=as_officer).status_code == 200
    assert client.get(f"{base}/{ids['assessment_report']}/pdf").status_code == 200  # staff


# -- 8. traceability ---------------------------------------------------------------------------


def test_a_card_cites_its_own_evidence_apart_from_what_it_inherits(
    db: Session, diagnosed: Engagement
) -> None:
    view = _view(db, diagnosed, ReportKind.POLICY_BRIEFING)
    numbers = {r.title: r.number for r in view.references}
    (card,) = view.recommendations
    assert card.own_citations == (numbers["Minutes of the steering board"],)
    assert card.inherited_citations == (numbers["Governance review 2017"],)
    text = _text(render_html(view))
    assert (
        f"Evidence for this recommendation: [{numbers['Minutes of the steering board']}] "
        f"Evidence behind the bottlenecks it addresses: [{numbers['Governance review 2017']}]"
    ) in text
    assert (
        "A challenge with nothing behind it No evidence is linked to this challenge yet."
        in " ".join(re.sub(r"\d+\. ", "", text).split())
        or "No evidence is linked to this challenge yet." in text
    )
    assert "Fragmented steering" in text


# -- 7. the action plan ----------------------------------------------------------------------------


def test_the_action_plan_counts_from_the_engagement_not_the_render_day(
    db: Session, diagnosed: Engagement
) -> None:
    view = _view(db, diagnosed, ReportKind.POLICY_BRIEFING, as_of=date(2026, 12, 6))
    assert view.plan_from == date(2019, 6, 30)
    markup = render_html(view)
    assert "Action plan by horizon, 2019 to 2023" in markup
    assert "The plan counts from 30 June 2019, the engagement's planned end" in _text(markup)
    assert "None set yet" in _text(markup)  # no indicator yet: said, not left blank


def test_the_wallonia_plan_counts_from_its_first_published_briefing(seeded: Session) -> None:
    view = _view(seeded, _engagement(seeded, "EOCIC-2018-BE3"), ReportKind.POLICY_BRIEFING)
    assert view.plan_from is not None and view.plan_from.year == 2019
    text = _text(render_html(view))
    assert "when the first version of this briefing was published" in text
    for r in view.recommendations:
        for t in r.targets:
            assert f"{t.name}:" in text and f"({t.baseline_year}) →" in text


# -- 9. the progress report ------------------------------------------------------------------------


def test_the_progress_report_tells_what_dg_grow_needs(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.FOLLOW_UP)
    consultant = make_user(db, role=Role.CONSULTANT)
    officer = make_user(db, role=Role.STAKEHOLDER, region_id=engagement.region_id)
    shared = datetime(2019, 3, 14, tzinfo=UTC)
    rated = make_recommendation(
        db, engagement, code="R1", title="Give one body the mandate", stage=Stage.SHARED,
        shared_at=shared, response=Response.ACCEPTED, implementation=Implementation.SOME_RESPECTS,
        self_assessment=Implementation.MOST_RESPECTS,
        validated_implementation=Implementation.SOME_RESPECTS,
    )  # fmt: skip
    waiting = make_recommendation(
        db, engagement, code="R2", title="Measure outcomes", stage=Stage.SHARED, shared_at=shared
    )
    make_status_update(db, rated, officer, response="accepted", comment="Adopted by the board",
                       as_of=date(2019, 5, 2), implementation="most_respects")  # fmt: skip
    make_status_update(db, rated, consultant, response=None, implementation="some_respects",
                       comment="Only two ministries follow it", as_of=date(2019, 6, 1))  # fmt: skip
    indicator = make_indicator(
        db, rated, name="Domains reviewed yearly", baseline_value=0, baseline_year=2018,
        target_value=6, target_year=2022, unit="",
    )  # fmt: skip
    make_measurement(db, indicator, consultant, value=1, measured_on=date(2020, 1, 10))
    make_milestone(db, engagement, title="Board charter adopted", due_date=date(2020, 1, 31))
    db.flush()
    as_of = date(2020, 3, 1)
    view = _view(db, engagement, ReportKind.PROGRESS_REPORT, as_of=as_of)
    text = _text(render_html(view))
    assert "Implemented in most respects" in text and "Implemented in some respects" in text
    assert "The two ratings differ:" in text and "(ratings differ)" in text
    assert "“Only two ministries follow it” (the advisory team, 1 June 2019)" in text
    pending = (as_of - shared.date()).days
    assert f"Response pending {pending} days" in text
    assert "Domains reviewed yearly" in text and "1 (10 January 2020)" in text and "No" in text
    assert f"Overdue by {(as_of - date(2020, 1, 31)).days} days" in text
    status = view.executive_summary[-1]
    assert status.startswith("As of 1 March 2020")
    assert "1 still awaits a response (the longest for" in status
    assert "differ for R1" in status and "1 is overdue" in status
    assert view.references == ()
    assert waiting.code in text


# -- 10. early phases ------------------------------------------------------------------------------


def test_a_kind_with_nothing_to_say_is_refused_with_a_clear_409(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    db.commit()
    base = f"/api/v1/engagements/{engagement.id}/reports"
    for kind, words in (
        ("policy_briefing", "needs at least one recommendation"),
        ("assessment_report", "needs a challenge or a bottleneck"),
        ("progress_report", "needs a shared recommendation or a milestone"),
    ):
        refused = client.post(base, json={"kind": kind, "language": "en"})
        assert refused.status_code == 409, kind
        assert words in refused.json()["detail"]
        preview = client.get(f"{base}/preview", params={"kind": kind})
        assert preview.status_code == 409
    assert client.get(base).json()["total"] == 0  # no version number was taken
    make_challenge(db, engagement)
    db.commit()
    assert (
        client.post(base, json={"kind": "assessment_report", "language": "en"}).status_code == 201
    )
