"""Labels, country names, units and audience in the reports' text (issue 14, item 5).

The demo portfolio's view-models are rendered to HTML (fast, no PDF) and read as a reader
would: tags stripped, whitespace collapsed. One policy briefing is rendered to a real PDF to
confirm that what the HTML says is what the PDF says.
"""

import html
import re
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import vocab
from app.countries import country_name
from app.models import Engagement, Partnership, Region
from app.reports.numbers import number, quantity
from app.reports.render import render_html, render_pdf
from app.reports.viewmodel import ReportView
from app.vocab import Phase, ReportKind, label
from tests import demo_reports
from tests.pdf_tools import pdf_text

CLIENT_KINDS = (ReportKind.POLICY_BRIEFING, ReportKind.PROGRESS_REPORT)
VALUES = sorted(
    {
        m.value
        for enum in vars(vocab).values()
        if isinstance(enum, type) and issubclass(enum, StrEnum)
        for m in enum
    }
)
# An API code a reader must never see: anything with an underscore, or whose label is more than
# the code capitalised ("kets"). Searched case-sensitively as a whole word.
CODES = [v for v in VALUES if "_" in v or label(v).lower() != v.lower()]
# What a template doing `|replace("_", " ")|capitalize` would print instead of the label:
# "Knowledge skills", "Collaboration internationalisation", "Follow up".
NAIVE = [
    v.replace("_", " ").capitalize() for v in VALUES if v.replace("_", " ").capitalize() != label(v)
]


def _engagement(db: Session, reference: str) -> Engagement:
    return demo_reports.engagement(db, reference)


def _view(db: Session, engagement: Engagement, kind: ReportKind) -> ReportView:
    return demo_reports.view(db, engagement, kind)


def _text(markup: str, *, charts: bool = True) -> str:
    """The HTML as a reader sees it: no styles, no tags, entities decoded, spaces collapsed;
    without the charts' text if `charts` is false."""
    markup = re.sub(r"<(style|title|desc)\b.*?</\1>", " ", markup, flags=re.S)
    if not charts:
        markup = re.sub(r"<svg\b.*?</svg>", " ", markup, flags=re.S)
    markup = re.sub(r"<[^>]+>", " ", markup)
    return " ".join(html.unescape(markup).split())


def _rendered(db: Session) -> list[tuple[Engagement, ReportKind, ReportView, str, str]]:
    """Each demo engagement's three reports: (engagement, kind, view, text, text without charts)."""
    return [
        (e, kind, view, _text(markup), _text(markup, charts=False))
        for e in db.scalars(select(Engagement).order_by(Engagement.reference))
        for kind in ReportKind
        for view in [_view(db, e, kind)]
        for markup in [render_html(view)]
    ]


def _leaks(text: str) -> list[str]:
    codes = [c for c in CODES if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]
    return codes + [n for n in NAIVE if n in text]


def _raw_numbers(text: str) -> list[str]:
    """A space before a per-cent sign, or float noise (four or more decimals)."""
    return re.findall(r"\d %|\d\.\d{4,}", text)


def test_number_style_is_eu_english() -> None:
    assert number(12340) == "12,340"
    assert number(1234567.891) == "1,234,567.89"
    assert number(0.041000000000000002) == "0.041"
    assert number(-0.0) == "0"
    assert number(-2.5) == "\u22122.5"
    assert number(None) == "—"
    assert quantity(9.6, "% of SMEs") == "9.6% of SMEs"
    assert quantity(9.6, "%") == "9.6%"
    assert quantity(12340, "EUR") == "12,340 EUR"
    assert quantity(None, "% of SMEs") == "—"
    assert quantity(3.0, "") == "3"


def test_country_names_fall_back_to_the_code() -> None:
    assert country_name("BE") == "Belgium"
    assert country_name("el") == "Greece"
    assert country_name("ZZ") == "ZZ"


def test_demo_reports_print_labels_names_and_units_not_codes(seeded: Session) -> None:
    rendered = _rendered(seeded)
    assert len(rendered) == 3 * len({e.id for e, *_ in rendered}) >= 9
    for engagement, kind, view, text, prose in rendered:
        where = f"{engagement.reference} {kind.value}"
        assert _leaks(text) == [], where
        # The charts write their quantities as the tables do (app/reports/numbers.py).
        assert _raw_numbers(text) == [], where
        assert _raw_numbers(prose) == [], where
        if kind == ReportKind.PROGRESS_REPORT:
            continue
        if engagement.region_id is not None:
            region = seeded.get_one(Region, engagement.region_id)
            name = country_name(region.country_code)
            assert name != region.country_code, f"{where}: {region.country_code} has no name"
            assert f"Country {name}" in text, where
        else:
            escp = seeded.get_one(Partnership, engagement.partnership_id)
            names = ", ".join(country_name(c) for c in escp.countries)
            assert all(country_name(c) != c for c in escp.countries), where
            assert f"Countries {names}" in text, where
        for i in view.indicators:
            assert i.unit, f"{where}: {i.name} has no unit"
            assert quantity(i.value, i.unit) in text, where
            if i.benchmark_value is not None:
                assert quantity(i.benchmark_value, i.unit) in text, where


def test_wallonia_briefing_reads_as_a_client_expects(seeded: Session) -> None:
    view = _view(seeded, _engagement(seeded, "EOCIC-2018-BE3"), ReportKind.POLICY_BRIEFING)
    text = _text(render_html(view))
    assert "Country Belgium" in text
    assert "9.6% of SMEs 2016 11.2% of SMEs EU-28 average" in text
    assert "Quality of governance" in text and "Entrepreneurial conditions" in text
    assert "Themes Digitalisation, Key enabling technologies" in text


def test_client_documents_show_the_stage_in_client_words_staff_the_phase(
    seeded: Session,
) -> None:
    adpack = _engagement(seeded, "EOCIC-2018-ADPACK")
    assert adpack.phase == Phase.FOLLOW_UP
    progress = _text(render_html(_view(seeded, adpack, ReportKind.PROGRESS_REPORT)))
    assert "the engagement is at the stage “implementation of the recommendations”." in progress
    assert "follow-up phase" not in progress.lower()
    briefing = _text(render_html(_view(seeded, adpack, ReportKind.POLICY_BRIEFING)))
    assert "Stage Implementation of the recommendations" in briefing
    for text in (progress, briefing):
        assert "Phase" not in text and "Follow-up Period" not in text
    assessment = _text(render_html(_view(seeded, adpack, ReportKind.ASSESSMENT_REPORT)))
    assert "Phase Follow-up" in assessment


def test_internal_phases_and_statuses_stay_out_of_client_documents(seeded: Session) -> None:
    wallonia = _engagement(seeded, "EOCIC-2018-BE3")
    wallonia.phase_before_hold, wallonia.phase = wallonia.phase, Phase.ON_HOLD
    seeded.flush()
    for kind in CLIENT_KINDS:
        text = _text(render_html(_view(seeded, wallonia, kind)))
        assert "on hold" not in text.lower(), kind
        assert "Stage" not in text and "Phase" not in text, kind
        # a bottleneck's workflow status (confirmed, hypothesis, dismissed) is staff business
        for status in vocab.BottleneckStatus:
            assert f"/5 · {label(status)}" not in text, kind
    staff = _text(render_html(_view(seeded, wallonia, ReportKind.ASSESSMENT_REPORT)))
    assert "Phase On hold" in staff
    assert "/5 · Confirmed" in staff


def test_the_briefing_pdf_says_the_same(seeded: Session) -> None:
    view = _view(seeded, _engagement(seeded, "EOCIC-2018-BE3"), ReportKind.POLICY_BRIEFING)
    text = pdf_text(render_pdf(view).pdf)
    assert "Belgium" in text
    assert "9.6% of SMEs" in text and "11.2% of SMEs" in text
    assert "0.041% of GDP" in text and "0.036% of GDP" in text
    assert _leaks(text) == []
    assert "Phase" not in text
