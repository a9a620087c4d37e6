"""/portfolio/summary: figures checked against a small portfolio counted by hand, every filter,
the at-risk rules at their edges (exactly 60 and 90 days), access, and a constant number of
SQL statements whatever the size of the portfolio."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.engagements import JSONBytes
from app.models import Engagement, EngagementObjective, EngagementTheme
from app.schemas.portfolio import PortfolioFilters, PortfolioSummary
from app.services import portfolio
from app.vocab import (
    EngagementKind,
    FrameworkCondition,
    Implementation,
    Instrument,
    Objective,
    Phase,
    Response,
    Role,
    Stage,
    Theme,
)
from tests.conftest import StatementCounter, bearer
from tests.factories import (
    make_bottleneck,
    make_engagement,
    make_milestone,
    make_mission,
    make_partnership,
    make_recommendation,
    make_region,
    make_user,
)

TODAY = date(2026, 3, 31)
URL = "/api/v1/portfolio/summary"
FC = FrameworkCondition
IMPL = Implementation
MOST, FULLY, NOT = IMPL.MOST_RESPECTS, IMPL.FULLY_IMPLEMENTED, IMPL.NOT_IMPLEMENTED


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)


def engagement(db: Session, reference: str, phase: Phase, **values: Any) -> Engagement:
    themes = values.pop("themes", [])
    objectives = values.pop("objectives", [])
    if phase == Phase.ON_HOLD:
        values["phase_before_hold"] = Phase.DIAGNOSIS
    title = f"Engagement {reference}"
    e = make_engagement(db, reference=reference, title=title, phase=phase, **values)
    db.add_all(EngagementTheme(engagement_id=e.id, theme=t) for t in themes)
    db.add_all(EngagementObjective(engagement_id=e.id, objective=o) for o in objectives)
    db.flush()
    return e


def shared(db: Session, e: Engagement, instrument: Instrument, **values: Any) -> None:
    values.setdefault("shared_at", at(date(2025, 6, 1)))
    make_recommendation(db, e, stage=Stage.SHARED, instrument=instrument, **values)


@pytest.fixture
def fixture_portfolio(db: Session) -> None:
    """Seven engagements; the expected figures in the tests below were counted by hand."""
    be = make_region(db, country_code="BE")
    es = make_region(db, country_code="ES")
    fr_de = make_partnership(db, countries=["FR", "DE"])
    regional = {"kind": EngagementKind.REGIONAL_ADVICE}

    # P-01, Belgium, follow-up, 2025.
    e1 = engagement(
        db, "P-01", Phase.FOLLOW_UP, region_id=be.id, **regional,
        planned_start=date(2025, 1, 1), planned_end=date(2025, 12, 31),
        themes=[Theme.DIGITALISATION, Theme.KETS], objectives=[Objective.INDUSTRIAL_MODERNISATION],
    )  # fmt: skip
    make_mission(db, e1, start_date=date(2025, 6, 1))
    make_mission(db, e1, start_date=date(2025, 12, 1), end_date=date(2025, 12, 31))  # 90 days
    make_mission(db, e1, start_date=date(2026, 5, 1))  # planned, not held: ignored
    make_milestone(db, e1, title="Final report", due_date=date(2026, 3, 30))  # 1 day overdue
    make_milestone(db, e1, title="Due today", due_date=TODAY)  # not overdue yet
    make_milestone(db, e1, due_date=date(2026, 1, 15), completed_on=date(2026, 1, 10))
    b1 = make_bottleneck(db, e1, framework_condition=FC.KNOWLEDGE_SKILLS)
    b2 = make_bottleneck(db, e1, framework_condition=FC.ACCESS_TO_FINANCE)
    b3 = make_bottleneck(db, e1, framework_condition=FC.KNOWLEDGE_SKILLS)
    # Pending exactly 60 days (not late), and 61 days (late).
    shared(db, e1, Instrument.FUNDING, bottlenecks=[b1, b3], shared_at=at(date(2026, 1, 30)))
    shared(db, e1, Instrument.FUNDING, bottlenecks=[b2], shared_at=at(date(2026, 1, 29)))
    shared(
        db, e1, Instrument.SKILLS, bottlenecks=[b1, b2],
        response=Response.ACCEPTED, implementation=MOST,
    )  # fmt: skip
    shared(db, e1, Instrument.FUNDING, response=Response.PARTIALLY_ACCEPTED, implementation=FULLY)
    make_recommendation(db, e1, instrument=Instrument.NETWORK, bottlenecks=[b1])  # draft
    make_recommendation(
        db, e1, stage=Stage.WITHDRAWN, instrument=Instrument.SKILLS, bottlenecks=[b2],
        shared_at=at(date(2025, 6, 1)), implementation=FULLY,
    )  # fmt: skip

    # P-02, Spain, diagnosis, 2026; last mission 91 days ago, a milestone 31 days overdue.
    e2 = engagement(
        db, "P-02", Phase.DIAGNOSIS, region_id=es.id, **regional,
        planned_start=date(2026, 2, 1), planned_end=date(2026, 12, 31),
        themes=[Theme.CREATIVITY], objectives=[Objective.SME_INTERNATIONALISATION],
    )  # fmt: skip
    make_mission(db, e2, start_date=date(2025, 12, 30))
    make_milestone(db, e2, title="Diagnosis workshop", due_date=date(2026, 2, 28))
    b4 = make_bottleneck(db, e2, framework_condition=FC.QUALITY_OF_GOVERNANCE)
    shared(
        db, e2, Instrument.GOVERNANCE, bottlenecks=[b4], shared_at=at(date(2026, 2, 15)),
        response=Response.REJECTED, implementation=IMPL.SOME_RESPECTS,
    )  # fmt: skip
    make_recommendation(db, e2, instrument=Instrument.GOVERNANCE)  # draft

    # P-03, the FR-DE partnership, recommendations, planned start only (2024); no mission.
    e3 = engagement(
        db, "P-03", Phase.RECOMMENDATIONS, kind=EngagementKind.PARTNERSHIP_SUPPORT,
        partnership_id=fr_de.id, planned_start=date(2024, 6, 1),
        themes=[Theme.DIGITALISATION], objectives=[Objective.INTERREGIONAL_COLLABORATION],
    )  # fmt: skip
    b5 = make_bottleneck(db, e3, framework_condition=FC.ACCESS_TO_FINANCE)
    old = at(date(2025, 1, 1))
    shared(db, e3, Instrument.FUNDING, bottlenecks=[b5], shared_at=old,
           response=Response.ACCEPTED, implementation=FULLY)  # fmt: skip
    shared(db, e3, Instrument.NETWORK, bottlenecks=[b5], shared_at=old,
           response=Response.NOTED, implementation=NOT)  # fmt: skip
    shared(db, e3, Instrument.INTERNATIONALISATION, bottlenecks=[b5], shared_at=old,
           response=Response.ACCEPTED, implementation=MOST)  # fmt: skip

    # P-04, Belgium, closed (never at risk, its milestones never overdue); mission under way.
    e4 = engagement(
        db, "P-04", Phase.CLOSED, region_id=be.id, **regional,
        planned_start=date(2024, 1, 1), planned_end=date(2025, 6, 30),
    )  # fmt: skip
    make_mission(db, e4, start_date=date(2026, 3, 29), end_date=date(2026, 4, 3))
    make_milestone(db, e4, due_date=date(2025, 1, 1))
    b6 = make_bottleneck(db, e4, framework_condition=FC.DEMAND_CONDITIONS)
    shared(db, e4, Instrument.REGULATION, bottlenecks=[b6], shared_at=at(date(2024, 6, 1)),
           response=Response.ACCEPTED, implementation=MOST)  # fmt: skip

    # P-05, Spain, scoping, undated, no mission, created exactly 90 days ago: not at risk.
    engagement(db, "P-05", Phase.SCOPING, region_id=es.id, **regional,
               created_at=datetime(2025, 12, 31, 23, 0, tzinfo=UTC))  # fmt: skip

    # P-06, Spain, on hold, planned start 91 days ago, no mission; a response pending.
    e6 = engagement(db, "P-06", Phase.ON_HOLD, region_id=es.id, **regional,
                    planned_start=date(2025, 12, 30))  # fmt: skip
    shared(db, e6, Instrument.SKILLS)

    # P-07, Belgium, cancelled (never at risk), planned end only (2025).
    e7 = engagement(db, "P-07", Phase.CANCELLED, region_id=be.id, **regional,
                    planned_end=date(2025, 3, 1))  # fmt: skip
    make_milestone(db, e7, due_date=date(2025, 1, 1))
    shared(db, e7, Instrument.OTHER, shared_at=old)
    db.commit()


def summarise(db: Session, **filters: Any) -> dict[str, Any]:
    """The summary as of TODAY, as the route writes it (and as its documented model reads)."""
    result = portfolio.summary(db, PortfolioFilters(**filters), today=TODAY)
    body = orjson.loads(JSONBytes(result).body)
    assert PortfolioSummary.model_validate(body).model_dump(mode="json") == body
    return body


def references(summary: dict[str, Any]) -> list[str]:
    return [item["reference"] for item in summary["last_missions"]]


def rate(shared: int, implemented: int, value: float | None) -> dict[str, Any]:
    return {"shared": shared, "implemented": implemented, "rate": value}


NONE = rate(0, 0, None)


@pytest.mark.usefixtures("fixture_portfolio")
def test_summary_matches_the_portfolio_counted_by_hand(db: Session) -> None:
    s = summarise(db)
    assert s["today"] == "2026-03-31"
    assert s["engagements"] == {
        "total": 7,
        "by_phase": {
            "scoping": 1, "diagnosis": 1, "recommendations": 1, "reporting": 0,
            "follow_up": 1, "closed": 1, "on_hold": 1, "cancelled": 1,
        },
        "by_kind": {"regional_advice": 6, "partnership_support": 1},
    }  # fmt: skip
    overdue = s["overdue_milestones"]
    assert overdue["count"] == 2
    assert [{k: v for k, v in m.items() if not k.endswith("_id")} for m in overdue["items"]] == [
        {"engagement_reference": "P-02", "title": "Diagnosis workshop",
         "due_date": "2026-02-28", "days_overdue": 31},
        {"engagement_reference": "P-01", "title": "Final report",
         "due_date": "2026-03-30", "days_overdue": 1},
    ]  # fmt: skip
    assert s["recommendations"] == {
        "total": 14,
        "by_stage": {"draft": 2, "shared": 11, "withdrawn": 1},
        "shared": 11,
        "by_response": {
            "pending": 4, "accepted": 4, "partially_accepted": 1, "noted": 1, "rejected": 1,
        },
        "by_implementation": {
            "not_implemented": 5, "some_respects": 1, "most_respects": 3, "fully_implemented": 2,
        },
    }  # fmt: skip
    rates = s["implementation_rates"]
    assert rates["overall"] == rate(11, 5, 0.4545)
    assert rates["by_instrument"] == {
        "funding": rate(4, 2, 0.5),
        "regulation": rate(1, 1, 1.0),
        "governance": rate(1, 0, 0.0),
        "network": rate(1, 0, 0.0),
        "skills": rate(2, 1, 0.5),
        "infrastructure": NONE,
        "internationalisation": rate(1, 1, 1.0),
        "other": rate(1, 0, 0.0),
    }
    # A recommendation counts once per condition, however many of its bottlenecks share it.
    assert rates["by_framework_condition"] == {
        "knowledge_skills": rate(2, 1, 0.5),
        "access_to_finance": rate(5, 3, 0.6),
        "collaboration_internationalisation": NONE,
        "demand_conditions": rate(1, 1, 1.0),
        "entrepreneurial_conditions": NONE,
        "quality_of_governance": rate(1, 0, 0.0),
        "other": NONE,
    }
    assert [
        (m["reference"], m["phase"], m["last_mission_on"], m["days_since_last_mission"])
        for m in s["last_missions"]
    ] == [
        ("P-01", "follow_up", "2025-12-31", 90),
        ("P-02", "diagnosis", "2025-12-30", 91),
        ("P-03", "recommendations", None, None),
        ("P-04", "closed", "2026-04-03", 0),  # under way
        ("P-05", "scoping", None, None),
        ("P-06", "on_hold", None, None),
        ("P-07", "cancelled", None, None),
    ]
    assert s["at_risk"]["count"] == 4
    assert [
        (
            r["reference"],
            r["reasons"],
            r["overdue_milestones"],
            r["days_since_last_mission"],
            r["pending_responses_over_60_days"],
        )
        for r in s["at_risk"]["items"]
    ] == [
        ("P-01", ["overdue_milestone", "response_pending_60_days"], 1, 90, 1),
        ("P-02", ["overdue_milestone", "no_mission_in_90_days"], 1, 91, 0),
        ("P-03", ["no_mission_in_90_days"], 0, None, 0),
        ("P-06", ["no_mission_in_90_days", "response_pending_60_days"], 0, None, 1),
    ]
    assert s["at_risk"]["items"][0]["title"] == "Engagement P-01"


@pytest.mark.usefixtures("fixture_portfolio")
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "partnership_support"}, ["P-03"]),
        ({"kind": "regional_advice"}, ["P-01", "P-02", "P-04", "P-05", "P-06", "P-07"]),
        ({"country": "BE"}, ["P-01", "P-04", "P-07"]),
        ({"country": "ES"}, ["P-02", "P-05", "P-06"]),
        ({"country": "DE"}, ["P-03"]),  # one of the partnership's countries
        ({"country": "IT"}, []),
        ({"theme": "digitalisation"}, ["P-01", "P-03"]),
        ({"theme": "resource_efficiency"}, []),
        ({"objective": "industrial_modernisation"}, ["P-01"]),
        ({"objective": "interregional_collaboration"}, ["P-03"]),
        ({"phase": "on_hold"}, ["P-06"]),
        # Overlap with the calendar year; a missing bound equals the other; undated: never.
        ({"year": 2024}, ["P-03", "P-04"]),
        ({"year": 2025}, ["P-01", "P-04", "P-06", "P-07"]),
        ({"year": 2026}, ["P-02"]),
        ({"year": 2027}, []),
        ({"country": "BE", "year": 2025, "phase": "follow_up"}, ["P-01"]),
    ],
)
def test_each_filter_selects_its_engagements(
    db: Session, filters: dict[str, Any], expected: list[str]
) -> None:
    s = summarise(db, **filters)
    assert references(s) == expected
    assert s["engagements"]["total"] == len(expected)


@pytest.mark.usefixtures("fixture_portfolio")
def test_filters_apply_to_every_part_of_the_summary(db: Session) -> None:
    partnership = summarise(db, country="FR")
    assert partnership["recommendations"]["total"] == 3
    assert partnership["recommendations"]["by_response"]["accepted"] == 2
    assert partnership["implementation_rates"]["overall"] == rate(3, 2, 0.6667)
    assert partnership["implementation_rates"]["by_framework_condition"]["access_to_finance"] == (
        rate(3, 2, 0.6667)
    )
    assert partnership["implementation_rates"]["by_instrument"]["funding"] == rate(1, 1, 1.0)
    assert partnership["overdue_milestones"] == {"count": 0, "items": []}
    spain = summarise(db, country="ES")
    assert spain["recommendations"]["by_stage"] == {"draft": 1, "shared": 2, "withdrawn": 0}
    assert spain["overdue_milestones"]["count"] == 1
    assert [r["reference"] for r in spain["at_risk"]["items"]] == ["P-02", "P-06"]
    assert spain["implementation_rates"]["by_framework_condition"]["knowledge_skills"] == NONE


@pytest.mark.usefixtures("fixture_portfolio")
def test_the_risk_rules_move_with_today(db: Session) -> None:
    """One day earlier, every edge case falls on the other side."""
    earlier = portfolio.summary(db, PortfolioFilters(), today=TODAY - timedelta(days=1))
    reasons = {item["reference"]: item["reasons"] for item in earlier["at_risk"]["items"]}
    # P-01: the milestone is due today (not overdue); R2 is pending exactly 60 days (not late).
    # P-02: its mission was exactly 90 days ago. P-06: planned start exactly 90 days ago.
    assert reasons == {
        "P-02": ["overdue_milestone"],
        "P-03": ["no_mission_in_90_days"],
        "P-06": ["response_pending_60_days"],
    }
    later = portfolio.summary(db, PortfolioFilters(), today=TODAY + timedelta(days=1))
    reasons = {item["reference"]: item["reasons"] for item in later["at_risk"]["items"]}
    # P-01: its last mission is now 91 days old, and R1 pending 61 days. P-05: created 91 days ago.
    assert reasons["P-01"] == [
        "overdue_milestone",
        "no_mission_in_90_days",
        "response_pending_60_days",
    ]
    assert reasons["P-05"] == ["no_mission_in_90_days"]
    assert later["at_risk"]["items"][0]["pending_responses_over_60_days"] == 2


def test_an_empty_portfolio_has_zeros_and_null_rates(db: Session) -> None:
    s = summarise(db)
    assert s["engagements"]["total"] == 0 and set(s["engagements"]["by_phase"].values()) == {0}
    assert s["recommendations"]["total"] == 0
    assert s["implementation_rates"]["overall"] == NONE
    assert s["last_missions"] == [] and s["at_risk"] == {"count": 0, "items": []}


# -- the route ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("fixture_portfolio")
def test_route_serves_the_summary_as_of_today(client: TestClient, db: Session) -> None:
    response = client.get(URL, params={"country": "fr"})  # codes in either case
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["today"] == date.today().isoformat()
    assert references(body) == ["P-03"]
    assert body["recommendations"]["total"] == 3


@pytest.mark.parametrize(
    "params",
    [
        {"country": "BEL"},
        {"country": "1A"},
        {"year": "1800"},
        {"year": "soon"},
        {"theme": "magic"},
        {"kind": "audit"},
        {"phase": "done"},
        {"objective": "x"},
    ],
)
def test_malformed_filters_answer_422(client: TestClient, params: dict[str, str]) -> None:
    response = client.get(URL, params=params)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


@dataclass
class Callers:
    consultant: Any
    stakeholder: Any
    monitor: Any


@pytest.fixture
def callers(db: Session) -> Callers:
    region = make_region(db)
    make_engagement(db, region_id=region.id)
    users = Callers(
        consultant=make_user(db, role=Role.CONSULTANT),
        stakeholder=make_user(db, role=Role.STAKEHOLDER, region_id=region.id),
        monitor=make_user(db, role=Role.MONITOR),
    )
    db.commit()
    return users


def test_only_monitors_and_admins_see_the_portfolio(
    client: TestClient, anonymous: TestClient, callers: Callers
) -> None:
    assert anonymous.get(URL).status_code == 401
    for user in (callers.consultant, callers.stakeholder):
        response = client.get(URL, headers=bearer(user))
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"
    monitor = client.get(URL, headers=bearer(callers.monitor))
    assert monitor.status_code == 200
    assert monitor.json()["engagements"]["total"] == 1
    assert client.get(URL).status_code == 200  # admin


def add_engagements(db: Session, n: int) -> None:
    """n engagements with everything the summary aggregates."""
    region = make_region(db, country_code="BE")
    for i in range(n):
        e = make_engagement(db, region_id=region.id, planned_start=date(2025, 1, 1))
        db.add(EngagementTheme(engagement_id=e.id, theme=Theme.KETS))
        make_mission(db, e, start_date=date(2025, 3, 1))
        make_milestone(db, e, due_date=date(2025, 4, 1))
        bottleneck = make_bottleneck(db, e)
        for j in range(3):
            shared(db, e, Instrument.FUNDING, bottlenecks=[bottleneck],
                   implementation=MOST if (i + j) % 2 else NOT)  # fmt: skip
    db.commit()


@pytest.mark.parametrize("params", [{}, {"country": "BE", "theme": "kets", "year": 2025}])
def test_summary_statements_do_not_grow_with_the_portfolio(
    client: TestClient, db: Session, sql_statements: StatementCounter, params: dict[str, Any]
) -> None:
    counts = []
    for size in (2, 12):
        add_engagements(db, size)
        sql_statements.statements.clear()
        response = client.get(URL, params=params)
        assert response.status_code == 200
        counts.append(sql_statements.count)
    assert response.json()["engagements"]["total"] == 14
    assert response.json()["recommendations"]["shared"] == 42
    # The caller's user, then five aggregates: the per-engagement facts, engagements by phase
    # and kind, overdue milestones, recommendations by stage/response/implementation, rates.
    assert counts == [6, 6], sql_statements.statements
