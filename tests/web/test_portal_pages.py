"""/portal and /portal/engagements/{id}: a stakeholder's own engagements only, what is waiting
for them (oldest first), shared recommendations with their follow-up and the form that records
an update, published reports only; escaped text; another client's engagement is a 404."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.models import Engagement, Recommendation, Report, StatusUpdate, User
from app.services.follow_up import derive_status
from app.vocab import Phase, ReportStatus, Response, Role, Stage
from app.web.templating import day
from tests.conftest import StatementCounter
from tests.factories import (
    add_member,
    make_engagement,
    make_milestone,
    make_recommendation,
    make_region,
    make_report,
    make_status_update,
    make_user,
)
from tests.web.conftest import WebClient

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'
Web = Callable[[User], WebClient]


@dataclass
class World:
    own: Engagement
    other: Engagement
    older: Recommendation
    newer: Recommendation
    draft: Recommendation
    published: Report
    draft_report: Report
    users: dict[str, User]

    def url(self, engagement: Engagement | None = None) -> str:
        return f"/portal/engagements/{(engagement or self.own).id}"

    def post_url(self, recommendation: Recommendation | None = None) -> str:
        return f"{self.url()}/recommendations/{(recommendation or self.older).id}/updates"


@pytest.fixture
def world(db: Session) -> World:
    region, elsewhere = make_region(db), make_region(db)
    lead = make_user(db, role=Role.CONSULTANT, full_name="Katrin Lead", email="katrin@x.example")
    own = make_engagement(
        db,
        region_id=region.id,
        title="Wallonia packaging " + HOSTILE,
        summary="Our summary " + HOSTILE,
        phase=Phase.FOLLOW_UP,
        lead_consultant_id=lead.id,
    )
    add_member(db, own, lead)
    other = make_engagement(
        db, region_id=elsewhere.id, title="Secret Saxony plan", summary="Saxony summary"
    )
    newer = make_recommendation(
        db,
        own,
        code="R1",
        title="Newer shared",
        description="Do it " + HOSTILE,
        benefits_costs="Cheap",
        risks="Few",
        stage=Stage.SHARED,
        shared_at=datetime(2026, 5, 1, tzinfo=UTC),
    )
    older = make_recommendation(
        db,
        own,
        code="R2",
        title="Older shared",
        stage=Stage.SHARED,
        shared_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    draft = make_recommendation(db, own, code="R3", title="Hidden draft idea")
    make_recommendation(
        db,
        other,
        code="R1",
        title="Saxony rec",
        stage=Stage.SHARED,
        shared_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    make_milestone(db, own, title="Late milestone", due_date=date(2020, 1, 1))
    make_milestone(
        db, own, title="Done milestone", due_date=date(2020, 1, 1), completed_on=date(2020, 1, 2)
    )
    published = make_report(
        db, own, status=ReportStatus.PUBLISHED, title="Briefing " + HOSTILE, version_number=1
    )
    draft_report = make_report(db, own, title="Draft briefing v2", version_number=2)
    users = {
        "lead": lead,
        "client": make_user(db, role=Role.STAKEHOLDER, region_id=region.id, full_name="Ana Client"),
        "other_client": make_user(db, role=Role.STAKEHOLDER, region_id=elsewhere.id),
        "monitor": make_user(db, role=Role.MONITOR),
    }
    db.commit()
    return World(own, other, older, newer, draft, published, draft_report, users)


def test_home_shows_own_engagements_only(db: Session, world: World, web_as: Web) -> None:
    page = web_as(world.users["client"]).get("/portal")

    assert page.status_code == 200
    text = page.text
    assert "Wallonia packaging " + str(escape(HOSTILE)) in text
    assert "Our summary " + str(escape(HOSTILE)) in text
    assert "<script>alert" not in text
    assert "Follow-up" in text  # the phase in words
    assert f'href="/portal/engagements/{world.own.id}"' in text
    assert "Saxony" not in text and f"/portal/engagements/{world.other.id}" not in text
    assert "Hidden draft idea" not in text


def test_waiting_list_is_oldest_first_and_excludes_answered(
    db: Session, world: World, web_as: Web
) -> None:
    text = web_as(world.users["client"]).get("/portal").text
    older = text.index("Respond to R2: Older shared")
    newer = text.index("Respond to R1: Newer shared")
    assert older < newer
    assert f"#recommendation-{world.older.id}" in text
    assert "Hidden draft idea" not in text and "Saxony rec" not in text

    make_status_update(db, world.older, world.users["client"], response="accepted")
    derive_status(db, world.older)
    db.commit()
    text = web_as(world.users["client"]).get("/portal").text
    assert "Respond to R2" not in text and "Respond to R1: Newer shared" in text


def test_self_assessments_due_are_waiting_until_rated(
    db: Session, world: World, web_as: Web
) -> None:
    client = world.users["client"]
    today = clock.today()
    make_status_update(
        db, world.older, client, response="accepted", as_of=today - timedelta(days=100)
    )
    make_status_update(
        db, world.newer, client, response="accepted", as_of=today - timedelta(days=95)
    )
    make_status_update(  # a consultant's rating does not stand in for the client's
        db, world.newer, world.users["lead"], response=None, implementation="some_respects",
        as_of=today,
    )  # fmt: skip
    for recommendation in (world.older, world.newer):
        derive_status(db, recommendation)
    db.commit()

    text = web_as(client).get("/portal").text
    older = text.index("Rate the implementation of R2: Older shared")
    assert older < text.index("Rate the implementation of R1: Newer shared")
    assert f"due since {day(today - timedelta(days=10))}" in text
    assert "every 90 days" in text
    assert "Rate the implementation" not in web_as(world.users["other_client"]).get("/portal").text

    make_status_update(
        db, world.older, client, response=None, implementation="most_respects", as_of=today
    )
    derive_status(db, world.older)
    db.commit()
    text = web_as(client).get("/portal").text
    assert "of R2" not in text and "Rate the implementation of R1" in text


def test_portal_home_is_for_stakeholders(world: World, web_as: Web) -> None:
    assert web_as(world.users["lead"]).get("/portal").status_code == 403


def test_engagement_page_shows_shared_cards_and_published_reports(
    world: World, web_as: Web
) -> None:
    page = web_as(world.users["client"]).get(world.url())

    assert page.status_code == 200
    text = page.text
    assert "R1: Newer shared" in text and "R2: Older shared" in text
    assert "Do it " + str(escape(HOSTILE)) in text and "<script>alert" not in text
    assert "Benefits and costs" in text and "Cheap" in text and "Risks" in text
    assert "Regional ministry" in text  # the responsible actor
    assert "Hidden draft idea" not in text
    assert "Briefing " + str(escape(HOSTILE)) in text
    assert f"/engagements/{world.own.id}/reports/{world.published.id}/pdf" in text
    assert "Draft briefing v2" not in text
    assert f"/reports/{world.draft_report.id}/pdf" not in text
    assert "Late milestone" in text and "Overdue" in text and "Completed" in text
    assert "Katrin Lead" in text and "(lead consultant)" in text
    assert "katrin@x.example" not in text  # names only, no contact details
    assert f'id="r{world.older.id}-field-comment"' in text


def test_another_clients_engagement_is_404(world: World, web_as: Web) -> None:
    web = web_as(world.users["other_client"])
    page = web.get(world.url())
    assert page.status_code == 404
    assert "Wallonia packaging" not in page.text
    answer = web.post(world.post_url(), {"response": "accepted", "comment": "x"})
    assert answer.status_code == 404


def test_staff_may_read_the_engagement_page(world: World, web_as: Web) -> None:
    assert web_as(world.users["monitor"]).get(world.url()).status_code == 200


def test_a_draft_recommendation_cannot_be_updated(db: Session, world: World, web_as: Web) -> None:
    answer = web_as(world.users["client"]).post(
        world.post_url(world.draft), {"response": "accepted", "comment": "x"}
    )
    assert answer.status_code == 404
    db.expire_all()
    assert db.scalars(select(StatusUpdate)).first() is None


def test_recording_an_update_stores_it_and_shows_in_history(
    db: Session, world: World, web_as: Web
) -> None:
    web = web_as(world.users["client"])
    answer = web.post(
        world.post_url(),
        {
            "response": "accepted",
            "implementation": "most_respects",
            "comment": "Budget voted " + HOSTILE,
            "as_of": "2026-03-01",
        },
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == f"{world.url()}#recommendation-{world.older.id}"
    db.expire_all()
    update = db.scalars(
        select(StatusUpdate).where(StatusUpdate.recommendation_id == world.older.id)
    ).one()
    assert update.comment == "Budget voted " + HOSTILE
    assert update.as_of == date(2026, 3, 1)
    assert update.author_id == world.users["client"].id
    older = db.get(Recommendation, world.older.id)
    assert older is not None and older.response == Response.ACCEPTED
    assert older.self_assessment == "most_respects"

    text = web.get(world.url()).text
    assert "Budget voted " + str(escape(HOSTILE)) in text and "<script>alert" not in text
    assert "1 March 2026" in text and "Implemented in most respects" in text
    assert "Respond to R2" not in web.get("/portal").text


def test_invalid_update_is_422_with_input_kept(db: Session, world: World, web_as: Web) -> None:
    web = web_as(world.users["client"])
    answer = web.post(world.post_url(), {"comment": "Kept " + HOSTILE, "as_of": "2999-01-01"})

    assert answer.status_code == 422
    text = answer.text
    assert "Kept " + str(escape(HOSTILE)) in text and "<script>alert" not in text
    assert f'id="r{world.older.id}-error-as_of"' in text  # a future date
    assert 'value="2999-01-01"' in text
    db.expire_all()
    assert db.scalars(select(StatusUpdate)).first() is None

    neither = web.post(world.post_url(), {"comment": "No rating"})
    assert neither.status_code == 422
    assert f'id="r{world.older.id}-error-_form"' in neither.text  # neither response nor rating
    assert "No rating" in neither.text

    assert web.post(world.post_url(), {}).status_code == 422


def test_a_disagreement_is_said_in_words(db: Session, world: World, web_as: Web) -> None:
    make_status_update(db, world.newer, world.users["client"], implementation="fully_implemented")
    make_status_update(
        db,
        world.newer,
        world.users["lead"],
        response=None,
        implementation="some_respects",
        as_of=date(2020, 2, 1),
    )
    derive_status(db, world.newer)
    db.commit()

    text = web_as(world.users["client"]).get(world.url()).text

    assert "Two views of the implementation:" in text
    assert "you rate it “Fully implemented”, the consultants “Implemented in some respects”" in text


def test_the_engagement_page_reads_every_cards_history_at_once(
    db: Session, world: World, web_as: Web, sql_statements: StatementCounter
) -> None:
    client_user = world.users["client"]
    client = web_as(client_user)
    for recommendation in (world.older, world.newer):
        make_status_update(db, recommendation, client_user)
        derive_status(db, recommendation)
    db.commit()
    sql_statements.statements.clear()
    page = client.get(world.url())
    assert page.status_code == 200
    few = sql_statements.count

    for n in range(5):
        more = make_recommendation(
            db, world.own, code=f"R{10 + n}", title=f"More {n}", stage=Stage.SHARED,
            shared_at=datetime(2026, 3, 1, tzinfo=UTC),
        )  # fmt: skip
        make_status_update(db, more, client_user)
        make_status_update(db, more, client_user)
        derive_status(db, more)
    db.commit()
    sql_statements.statements.clear()
    page = client.get(world.url())

    assert page.status_code == 200 and "More 4" in page.text
    assert "History of updates (2)" in page.text
    assert sql_statements.count == few


def test_the_interval_is_the_apps_setting(app: Any, db: Session, world: World, web_as: Web) -> None:
    client = world.users["client"]
    make_status_update(
        db, world.older, client, response="accepted", as_of=clock.today() - timedelta(days=100)
    )
    derive_status(db, world.older)
    db.commit()
    settings = app.state.settings
    app.state.settings = settings.model_copy(update={"self_assessment_days": 120})

    text = web_as(client).get("/portal").text

    assert "Rate the implementation" not in text
    app.state.settings = settings.model_copy(update={"self_assessment_days": 30})
    text = web_as(client).get("/portal").text
    assert "Rate the implementation of R2" in text and "every 30 days" in text
