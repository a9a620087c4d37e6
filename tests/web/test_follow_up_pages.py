"""/engagements/{id}/follow-up: each shared recommendation's update history, the client's
self-assessment beside the consultants' validated rating (disagreements marked in words),
recording an update, indicators and measurements, and who may do what."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Engagement, Indicator, Measurement, Recommendation, StatusUpdate, User
from app.services.follow_up import derive_status
from app.vocab import Implementation, Role, Stage
from tests.factories import (
    add_member,
    make_engagement,
    make_indicator,
    make_measurement,
    make_recommendation,
    make_region,
    make_status_update,
    make_user,
)
from tests.web.conftest import WebClient

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'
Web = Callable[[User], WebClient]


@dataclass
class Case:
    engagement: Engagement
    shared: Recommendation
    draft: Recommendation
    users: dict[str, User]

    @property
    def url(self) -> str:
        return f"/engagements/{self.engagement.id}/follow-up"

    def item_url(self, recommendation: Recommendation | None = None) -> str:
        return f"{self.url}/{(recommendation or self.shared).id}"


@pytest.fixture
def case(db: Session) -> Case:
    own, other = make_region(db), make_region(db)
    member = make_user(db, role=Role.CONSULTANT, full_name="Katrin Member")
    engagement = make_engagement(db, region_id=own.id, lead_consultant_id=member.id)
    add_member(db, engagement, member)
    users = {
        "member": member,
        "outsider": make_user(db, role=Role.CONSULTANT),
        "monitor": make_user(db, role=Role.MONITOR),
        "client": make_user(db, role=Role.STAKEHOLDER, region_id=own.id, full_name="Ana Client"),
        "other_client": make_user(db, role=Role.STAKEHOLDER, region_id=other.id),
    }
    shared = make_recommendation(
        db,
        engagement,
        title="Shared fund",
        stage=Stage.SHARED,
        shared_at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    draft = make_recommendation(db, engagement, title="Unshared draft idea")
    db.commit()
    return Case(engagement, shared, draft, users)


def rated(db: Session, case: Case, client: str, consultants: str) -> None:
    """The client's self-assessment and the consultants' rating, as recorded updates."""
    make_status_update(
        db, case.shared, case.users["client"], implementation=client, comment="Client " + HOSTILE
    )
    make_status_update(
        db,
        case.shared,
        case.users["member"],
        response=None,
        implementation=consultants,
        comment="Validated after the site visit",
        as_of=date(2020, 2, 1),
    )
    derive_status(db, case.shared)
    db.commit()


def updates_of(db: Session, recommendation: Recommendation) -> list[StatusUpdate]:
    db.expire_all()
    return list(
        db.scalars(select(StatusUpdate).where(StatusUpdate.recommendation_id == recommendation.id))
    )


def test_history_and_both_ratings_are_shown_escaped(db: Session, case: Case, web_as: Web) -> None:
    rated(db, case, client="most_respects", consultants="most_respects")

    page = web_as(case.users["member"]).get(case.url)

    assert page.status_code == 200
    text = page.text
    assert f'id="follow-up-{case.shared.id}"' in text
    assert f"{case.shared.code}: Shared fund" in text
    assert "Client " + str(escape(HOSTILE)) in text and "<script>alert" not in text
    assert "Validated after the site visit" in text
    assert "Ana Client" in text and "(client)" in text and "Katrin Member" in text
    assert "(self-assessment)" in text and "(validated rating)" in text
    assert "Client's self-assessment" in text and "Consultants' validated rating" in text
    assert "15 January 2020" in text and "1 February 2020" in text
    assert "Accepted" in text  # the client's response
    assert "<strong>The ratings disagree:" not in text and "ratings disagreement" not in text
    assert "Unshared draft idea" not in text  # follow-up is of shared recommendations


def test_a_disagreement_is_highlighted_in_words(db: Session, case: Case, web_as: Web) -> None:
    rated(db, case, client="fully_implemented", consultants="some_respects")

    text = web_as(case.users["member"]).get(case.url).text

    assert 'class="grid-2 ratings disagreement"' in text
    assert (
        "<strong>The ratings disagree:</strong> the client rates it “Fully implemented”, "
        "the consultants “Implemented in some respects”."
    ) in text
    assert f'<a href="#follow-up-{case.shared.id}">{case.shared.code}</a>' in text


def test_recording_a_validated_rating_appears_in_history_and_db(
    db: Session, case: Case, web_as: Web
) -> None:
    web = web_as(case.users["member"])
    form = web.get(case.item_url() + "/updates/new")
    assert form.status_code == 200
    assert "Record a validated rating for " + case.shared.code in form.text

    answer = web.post(
        case.item_url() + "/updates/new",
        {
            "implementation": "most_respects",
            "comment": "Checked on site <ok>",
            "as_of": "2026-11-30",
        },
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == f"{case.url}#follow-up-{case.shared.id}"
    [update] = updates_of(db, case.shared)
    assert (update.implementation, update.author_role, update.as_of) == (
        "most_respects",
        Role.CONSULTANT,
        date(2026, 11, 30),
    )
    assert db.get(Recommendation, case.shared.id).validated_implementation == "most_respects"  # type: ignore[union-attr]
    page = web.get(case.url).text
    assert "Checked on site &lt;ok&gt;" in page and "30 November 2026" in page


def test_an_update_without_rating_or_response_answers_422_with_input_kept(
    db: Session, case: Case, web_as: Web
) -> None:
    answer = web_as(case.users["member"]).post(
        case.item_url() + "/updates/new", {"comment": "Kept comment", "as_of": "2020-01-01"}
    )

    assert answer.status_code == 422
    assert "give a response, an implementation rating, or both" in answer.text
    assert ">Kept comment</textarea>" in answer.text and 'value="2020-01-01"' in answer.text
    assert updates_of(db, case.shared) == []


def test_a_draft_has_no_follow_up_yet(db: Session, case: Case, web_as: Web) -> None:
    answer = web_as(case.users["member"]).post(
        case.item_url(case.draft) + "/updates/new", {"response": "accepted", "comment": "Too early"}
    )

    assert answer.status_code == 409
    assert "still a draft" in answer.text
    assert updates_of(db, case.draft) == []


def test_indicators_and_measurements_are_added_and_shown(
    db: Session, case: Case, web_as: Web
) -> None:
    web = web_as(case.users["member"])
    assert web.get(case.item_url() + "/indicators/new").status_code == 200

    answer = web.post(
        case.item_url() + "/indicators/new",
        {
            "name": "SMEs in cluster projects",
            "unit": "firms",
            "baseline_value": "120",
            "baseline_year": "2018",
            "target_value": "300",
            "target_year": "2022",
        },
    )

    assert answer.status_code == 303
    db.expire_all()
    indicator = db.scalars(
        select(Indicator).where(Indicator.recommendation_id == case.shared.id)
    ).one()
    assert (indicator.baseline_value, indicator.target_year) == (120.0, 2022)

    measured = web.post(
        f"{case.item_url()}/indicators/{indicator.id}/measurements/new",
        {"value": "210", "measured_on": "2020-06-30", "note": "Agency register"},
    )

    assert measured.status_code == 303
    db.expire_all()
    measurement = db.scalars(
        select(Measurement).where(Measurement.indicator_id == indicator.id)
    ).one()
    assert (measurement.value, measurement.author_role) == (210.0, Role.CONSULTANT)
    page = web.get(case.url).text
    assert "SMEs in cluster projects" in page
    assert "210 on 30 June 2020" in page and "In progress: 50%" in page
    assert "Agency register" in page


def test_indicator_errors_answer_422_with_input_kept(db: Session, case: Case, web_as: Web) -> None:
    answer = web_as(case.users["member"]).post(
        case.item_url() + "/indicators/new",
        {
            "name": "Kept name",
            "baseline_value": "many",
            "baseline_year": "2020",
            "target_value": "5",
            "target_year": "2019",
        },
    )

    assert answer.status_code == 422
    assert "Baseline value must be a number" in answer.text
    assert 'value="Kept name"' in answer.text and 'value="many"' in answer.text
    db.expire_all()
    assert (
        db.scalars(select(Indicator).where(Indicator.recommendation_id == case.shared.id)).all()
        == []
    )


def test_non_member_consultant_gets_403_on_every_write(
    db: Session, case: Case, web_as: Web
) -> None:
    indicator = make_indicator(db, case.shared)
    db.commit()
    web = web_as(case.users["outsider"])
    page = web.get(case.url)
    assert page.status_code == 200
    assert "Record a validated rating" not in page.text and "/indicators/new" not in page.text

    for url, data in (
        ("/updates/new", {"implementation": "fully_implemented", "comment": "No"}),
        (
            "/indicators/new",
            {
                "name": "X",
                "baseline_value": "1",
                "baseline_year": "2020",
                "target_value": "2",
                "target_year": "2021",
            },
        ),
        (
            f"/indicators/{indicator.id}/measurements/new",
            {"value": "3", "measured_on": "2020-01-01"},
        ),
    ):
        assert web.post(case.item_url() + url, data).status_code == 403, url
    assert updates_of(db, case.shared) == []
    assert db.scalars(
        select(Indicator).where(Indicator.recommendation_id == case.shared.id)
    ).all() == [indicator]
    assert db.scalars(select(Measurement)).all() == []


def test_monitor_reads_without_forms(db: Session, case: Case, web_as: Web) -> None:
    rated(db, case, client="fully_implemented", consultants="not_implemented")
    indicator = make_indicator(db, case.shared, name="Jobs created")
    make_measurement(db, indicator, case.users["member"])
    db.commit()
    web = web_as(case.users["monitor"])

    page = web.get(case.url)

    assert page.status_code == 200
    assert "<strong>The ratings disagree:" in page.text and "Jobs created" in page.text
    assert 'method="post"' not in page.text.split("</header>", 1)[1]
    assert "/updates/new" not in page.text and "/measurements/new" not in page.text
    assert web.get(case.item_url() + "/updates/new").status_code == 403


def test_stakeholder_sees_no_draft_and_records_a_self_assessment(
    db: Session, case: Case, web_as: Web
) -> None:
    web = web_as(case.users["client"])
    page = web.get(case.url)
    assert page.status_code == 200
    assert "Shared fund" in page.text and "Unshared draft idea" not in page.text
    assert "/indicators/new" not in page.text  # indicators are the consultants' to set
    assert web.get(case.item_url(case.draft) + "/updates/new").status_code == 404
    form = web.get(case.item_url() + "/updates/new")
    assert "Implementation (your self-assessment)" in form.text

    answer = web.post(
        case.item_url() + "/updates/new",
        {"response": "accepted", "implementation": "some_respects", "comment": "Under way"},
    )

    assert answer.status_code == 303
    [update] = updates_of(db, case.shared)
    assert update.author_role == Role.STAKEHOLDER
    assert db.get(Recommendation, case.shared.id).self_assessment == Implementation.SOME_RESPECTS  # type: ignore[union-attr]
    assert web.post(case.item_url() + "/indicators/new", {"name": "X"}).status_code == 403
    assert web_as(case.users["other_client"]).get(case.url).status_code == 404
