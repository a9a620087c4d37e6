"""/library: shared recommendations only, for every role, with the API's filters in the URL,
and snippets highlighted from the API's ranges with every piece of text escaped."""

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.services import library as library_service
from app.vocab import FrameworkCondition, Instrument, Role, Stage
from app.web.pages.library import segments
from tests.factories import make_bottleneck, make_engagement, make_recommendation, make_user
from tests.web.conftest import WebClient

SHARED_AT = datetime(2026, 3, 1, tzinfo=UTC)


def _stakeholder(db: Session) -> tuple[object, object]:
    own = make_engagement(db)
    user = make_user(db, role=Role.STAKEHOLDER, region_id=own.region_id)
    return own, user


def test_stakeholder_sees_shared_recommendations_of_other_regions_and_no_draft(
    db: Session, web_as: object
) -> None:
    _, user = _stakeholder(db)
    other = make_engagement(db, title="Elsewhere advice")
    make_recommendation(
        db, other, title="Cluster vouchers shared", stage=Stage.SHARED, shared_at=SHARED_AT
    )
    make_recommendation(db, other, title="Cluster vouchers draft", stage=Stage.DRAFT)
    make_recommendation(db, other, title="Cluster vouchers withdrawn", stage=Stage.WITHDRAWN)
    db.commit()
    client: WebClient = web_as(user)  # type: ignore[operator]
    for url in ("/library", "/library?q=vouchers"):
        page = client.get(url)
        assert page.status_code == 200
        assert "Cluster vouchers shared" in page.text
        assert "Cluster vouchers draft" not in page.text
        assert "withdrawn" not in page.text.lower()
    assert "Elsewhere advice" in client.get("/library").text
    # The stakeholder is not linked to another client's engagement pages.
    assert f"/engagements/{other.id}" not in client.get("/library").text


def test_filters_are_the_apis_and_stay_in_the_url(db: Session, web_as: object) -> None:
    engagement = make_engagement(db)
    finance = make_bottleneck(
        db, engagement, framework_condition=FrameworkCondition.ACCESS_TO_FINANCE
    )
    for n in range(23):
        make_recommendation(
            db,
            engagement,
            title=f"Fund {n}",
            instrument=Instrument.FUNDING,
            stage=Stage.SHARED,
            shared_at=SHARED_AT,
            bottlenecks=[finance],
        )
    make_recommendation(
        db, engagement, title="Govern", instrument=Instrument.GOVERNANCE, stage=Stage.SHARED
    )
    monitor = make_user(db, role=Role.MONITOR)
    db.commit()
    client: WebClient = web_as(monitor)  # type: ignore[operator]
    page = client.get("/library?instrument=funding&framework_condition=access_to_finance")
    assert page.status_code == 200
    assert "23 recommendations" in page.text and "Govern<" not in page.text
    assert "instrument=funding" in page.text and "page=2" in page.text
    second = client.get("/library?instrument=funding&framework_condition=access_to_finance&page=2")
    assert len(re.findall(r'class="card library-item"', second.text)) == 3
    bad = client.get("/library?instrument=nonsense")
    assert bad.status_code == 200 and "were not valid" in bad.text


def test_hostile_text_is_escaped_inside_and_outside_the_marks(db: Session, web_as: object) -> None:
    engagement = make_engagement(db)
    make_recommendation(
        db,
        engagement,
        title="<script>alert(1)</script> vouchers",
        description='<img src=x onerror="alert(2)"> cluster <b>vouchers</b> & <i>more</i>',
        stage=Stage.SHARED,
        shared_at=SHARED_AT,
    )
    user = make_user(db, role=Role.CONSULTANT)
    db.commit()
    page = web_as(user).get("/library?q=vouchers")  # type: ignore[operator]
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text and "<img" not in page.text
    assert "<b>" not in page.text and "<i>more" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; vouchers" in page.text
    snippet = re.search(r'<p class="snippet">(.*?)</p>', page.text, re.S)
    assert snippet is not None
    # The snippet's words differ by database; only the marks are markup, the rest escaped.
    assert "&lt;/script&gt; <mark>vouchers</mark>" in snippet.group(1)
    bare = snippet.group(1).replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare


def test_a_range_over_markup_marks_it_as_escaped_text(
    db: Session, web_as: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the ranges cover, the text inside <mark> is escaped too."""
    engagement = make_engagement(db)
    make_recommendation(db, engagement, stage=Stage.SHARED, shared_at=SHARED_AT)
    user = make_user(db, role=Role.STAKEHOLDER, region_id=engagement.region_id)
    db.commit()
    real = library_service.search

    def search(*args: Any, **kwargs: Any) -> library_service.Results:
        results = real(*args, **kwargs)
        hostile = '<img src=x onerror="alert(2)"> & <b>bold</b>'
        item = results.items[0].model_copy(update={"snippet": hostile, "highlights": [(0, 30)]})
        return library_service.Results([item], results.total, results.capped)

    monkeypatch.setattr(library_service, "search", search)
    page = web_as(user).get("/library")  # type: ignore[operator]
    snippet = re.search(r'<p class="snippet">(.*?)</p>', page.text, re.S)
    assert snippet is not None
    assert snippet.group(1) == (
        "<mark>&lt;img src=x onerror=&#34;alert(2)&#34;&gt;</mark> &amp; &lt;b&gt;bold&lt;/b&gt;"
    )


def test_segments_cut_at_the_ranges_and_skip_bad_ones() -> None:
    assert segments("a <b> c", [(2, 5)]) == [("a ", False), ("<b>", True), (" c", False)]
    assert segments("abcdef", [(4, 9), (0, 2), (1, 3)]) == [
        ("ab", True),
        ("c", True),
        ("d", False),
        ("ef", True),
    ]
    assert segments(None, []) == []
    assert segments("é😀x", [(1, 2)]) == [("é", False), ("😀", True), ("x", False)]


def test_similar_recommendations_beside_a_bottleneck(db: Session, web_as: object) -> None:
    """Staff see, beside each bottleneck of the diagnosis, the shared recommendations of other
    engagements like it: as a page, or as the list alone for htmx."""
    consultant = make_user(db, role=Role.CONSULTANT)
    mine = make_engagement(db, lead_consultant_id=consultant.id)
    bottleneck = make_bottleneck(
        db,
        mine,
        title="Venture capital scarce for cluster scale-ups",
        framework_condition=FrameworkCondition.ACCESS_TO_FINANCE,
    )
    other = make_engagement(db)
    theirs = make_bottleneck(
        db,
        other,
        title="Scale-ups lack venture capital",
        framework_condition=FrameworkCondition.ACCESS_TO_FINANCE,
    )
    make_recommendation(
        db,
        other,
        bottlenecks=[theirs],
        title="A <b>venture</b> capital co-investment fund",
        stage=Stage.SHARED,
        shared_at=SHARED_AT,
    )
    make_recommendation(
        db, other, bottlenecks=[theirs], title="Draft venture capital idea", stage=Stage.DRAFT
    )
    db.commit()
    client: WebClient = web_as(consultant)  # type: ignore[operator]
    diagnosis = client.get(f"/engagements/{mine.id}/diagnosis").text
    url = f"/engagements/{mine.id}/bottlenecks/{bottleneck.id}/similar"
    assert f'hx-get="{url}"' in diagnosis and f'href="{url}"' in diagnosis

    page = client.get(url)
    assert page.status_code == 200 and "<html" in page.text
    assert "co-investment fund" in page.text and "&lt;b&gt;" in page.text
    assert "<b>venture" not in page.text
    assert "Draft venture capital idea" not in page.text
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "co-investment fund" in fragment.text
