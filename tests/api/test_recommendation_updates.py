"""/recommendations/{id}/updates: the append-only follow-up history, the current status derived
from it (response, self-assessment, validated rating, disagreement), who may record, validation."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.models import Engagement, Recommendation, StatusUpdate, User
from app.vocab import Role, Stage
from tests.conftest import bearer
from tests.factories import (
    add_member,
    make_engagement,
    make_recommendation,
    make_region,
    make_status_update,
    make_user,
)


@dataclass
class Case:
    engagement: Engagement
    recommendation: Recommendation
    users: dict[str, User]


@pytest.fixture
def case(db: Session) -> Case:
    own, other = make_region(db), make_region(db)
    member = make_user(db, role=Role.CONSULTANT)
    engagement = make_engagement(db, region_id=own.id, lead_consultant_id=member.id)
    add_member(db, engagement, member)
    users = {
        "member": member,
        "outsider": make_user(db, role=Role.CONSULTANT),
        "stakeholder": make_user(db, role=Role.STAKEHOLDER, region_id=own.id),
        "other_stakeholder": make_user(db, role=Role.STAKEHOLDER, region_id=other.id),
        "monitor": make_user(db, role=Role.MONITOR),
        "admin": make_user(db, role=Role.ADMIN),
    }
    recommendation = make_recommendation(db, engagement, stage=Stage.SHARED)
    db.commit()
    return Case(engagement, recommendation, users)


def updates_url(recommendation: Recommendation) -> str:
    base = f"/api/v1/engagements/{recommendation.engagement_id}/recommendations"
    return f"{base}/{recommendation.id}/updates"


def card_url(recommendation: Recommendation) -> str:
    return f"/api/v1/engagements/{recommendation.engagement_id}/recommendations/{recommendation.id}"


def post(anonymous: TestClient, case: Case, role: str, body: dict[str, Any]) -> Any:
    return anonymous.post(
        updates_url(case.recommendation), json=body, headers=bearer(case.users[role])
    )


def card(anonymous: TestClient, case: Case) -> dict[str, Any]:
    response = anonymous.get(card_url(case.recommendation), headers=bearer(case.users["member"]))
    assert response.status_code == 200
    return dict(response.json())


def status_of(anonymous: TestClient, case: Case) -> tuple[Any, ...]:
    read = card(anonymous, case)
    return tuple(
        read[k]
        for k in (
            "response",
            "implementation",
            "self_assessment",
            "validated_implementation",
            "implementation_disagreement",
        )
    )


def rows(db: Session, recommendation: Recommendation) -> int:
    stmt = select(func.count()).where(StatusUpdate.recommendation_id == recommendation.id)
    return int(db.scalar(stmt) or 0)


def test_stakeholder_records_response_and_it_becomes_current(
    anonymous: TestClient, case: Case
) -> None:
    assert status_of(anonymous, case) == ("pending", "not_implemented", None, None, False)
    created = post(
        anonymous,
        case,
        "stakeholder",
        {"response": "accepted", "implementation": "some_respects", "comment": "Board set up"},
    )
    assert created.status_code == 201, created.text
    update = created.json()
    stakeholder = case.users["stakeholder"]
    assert update["author_id"] == stakeholder.id and update["author_role"] == "stakeholder"
    assert update["author_name"] == stakeholder.full_name
    assert update["as_of"] == datetime.now(UTC).date().isoformat()
    assert update["recommendation_id"] == case.recommendation.id
    assert status_of(anonymous, case) == ("accepted", "some_respects", "some_respects", None, False)
    assert card(anonymous, case)["version"] == 2  # the derived status changed the card


def test_consultant_rating_is_current_and_disagreement_is_flagged(
    anonymous: TestClient, case: Case
) -> None:
    post(anonymous, case, "stakeholder", {"implementation": "most_respects", "comment": "Done"})
    post(anonymous, case, "member", {"implementation": "some_respects", "comment": "Partly"})
    assert status_of(anonymous, case) == (
        "pending",
        "some_respects",
        "most_respects",
        "some_respects",
        True,
    )
    # A later self-assessment does not override the validated rating; agreeing clears the flag.
    post(anonymous, case, "stakeholder", {"implementation": "some_respects", "comment": "Agreed"})
    assert status_of(anonymous, case)[1:] == (
        "some_respects",
        "some_respects",
        "some_respects",
        False,
    )


def test_admin_rating_counts_as_validated(anonymous: TestClient, case: Case) -> None:
    post(anonymous, case, "admin", {"implementation": "fully_implemented", "comment": "Checked"})
    assert status_of(anonymous, case)[1:] == ("fully_implemented", None, "fully_implemented", False)


def test_self_assessment_alone_is_the_current_implementation(
    anonymous: TestClient, case: Case
) -> None:
    post(anonymous, case, "stakeholder", {"response": "noted", "comment": "Noted"})
    post(anonymous, case, "stakeholder", {"implementation": "most_respects", "comment": "Going"})
    assert status_of(anonymous, case) == ("noted", "most_respects", "most_respects", None, False)


def test_latest_is_by_as_of_then_by_recording_order(anonymous: TestClient, case: Case) -> None:
    post(
        anonymous,
        case,
        "stakeholder",
        {"response": "accepted", "comment": "Yes", "as_of": "2020-05-01"},
    )
    # Backdated: recorded later, but it happened earlier, so it does not become current.
    post(
        anonymous,
        case,
        "member",
        {"response": "rejected", "comment": "Old minutes", "as_of": "2020-01-01"},
    )
    assert status_of(anonymous, case)[0] == "accepted"
    # Same date: the one recorded last wins.
    post(
        anonymous,
        case,
        "member",
        {"response": "partially_accepted", "comment": "Fix", "as_of": "2020-05-01"},
    )
    assert status_of(anonymous, case)[0] == "partially_accepted"
    history = anonymous.get(
        updates_url(case.recommendation), headers=bearer(case.users["stakeholder"])
    )
    assert history.status_code == 200
    assert [u["response"] for u in history.json()["items"]] == [
        "partially_accepted",
        "accepted",
        "rejected",
    ]


def test_history_is_paginated_latest_first(anonymous: TestClient, db: Session, case: Case) -> None:
    author = case.users["stakeholder"]
    ids = [
        make_status_update(db, case.recommendation, author, as_of=date(2020, 1, day)).id
        for day in range(1, 6)
    ]
    db.commit()
    headers = bearer(author)
    first = anonymous.get(updates_url(case.recommendation), params={"limit": 2}, headers=headers)
    assert first.json()["total"] == 5 and [u["id"] for u in first.json()["items"]] == ids[:-3:-1]
    last = anonymous.get(
        updates_url(case.recommendation), params={"limit": 2, "offset": 4}, headers=headers
    )
    assert [u["id"] for u in last.json()["items"]] == [ids[0]]
    assert last.json()["limit"] == 2 and last.json()["offset"] == 4


@pytest.mark.parametrize(
    "body",
    [
        {"comment": "Neither response nor implementation"},
        {"response": None, "implementation": None, "comment": "Both null"},
        {"response": "accepted"},
        {"response": "accepted", "comment": "   "},
        {"response": "accepted", "comment": "x" * 5001},
        {"response": "maybe", "comment": "Unknown response"},
        {"implementation": "half_done", "comment": "Unknown rating"},
        {"response": "accepted", "comment": "Tomorrow", "as_of": "FUTURE"},
        {"response": "accepted", "comment": "Too early", "as_of": "1989-12-31"},
        {"response": "accepted", "comment": "Bad date", "as_of": "2020-02-30"},
        {"response": "accepted", "comment": "Mass assignment", "author_id": 1},
        {"response": "accepted", "comment": "Mass assignment", "author_role": "admin"},
    ],
)
def test_invalid_update_is_422_and_writes_nothing(
    anonymous: TestClient, db: Session, case: Case, body: dict[str, Any]
) -> None:
    if body.get("as_of") == "FUTURE":
        body = {**body, "as_of": (datetime.now(UTC) + timedelta(days=2)).date().isoformat()}
    response = post(anonymous, case, "stakeholder", body)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    assert rows(db, case.recommendation) == 0
    assert status_of(anonymous, case)[0] == "pending"


def test_as_of_today_and_in_the_past_are_accepted(anonymous: TestClient, case: Case) -> None:
    for as_of in (datetime.now(UTC).date().isoformat(), "1990-01-01"):
        response = post(
            anonymous, case, "member", {"response": "noted", "comment": "ok", "as_of": as_of}
        )
        assert response.status_code == 201 and response.json()["as_of"] == as_of


@pytest.mark.parametrize(
    ("stage", "words"), [(Stage.DRAFT, "draft"), (Stage.WITHDRAWN, "withdrawn")]
)
def test_update_on_draft_or_withdrawn_is_409_for_consultants_and_404_for_the_client(
    anonymous: TestClient, db: Session, case: Case, stage: Stage, words: str
) -> None:
    case.recommendation = make_recommendation(db, case.engagement, stage=stage)
    db.commit()
    body = {"response": "accepted", "comment": "Too soon"}
    for role in ("member", "admin"):
        response = post(anonymous, case, role, body)
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "conflict" and words in response.json()["detail"]
    assert post(anonymous, case, "stakeholder", body).status_code == 404
    headers = bearer(case.users["stakeholder"])
    assert anonymous.get(updates_url(case.recommendation), headers=headers).status_code == 404
    assert rows(db, case.recommendation) == 0


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("member", 200, 201),
        ("admin", 200, 201),
        ("stakeholder", 200, 201),
        ("outsider", 200, 403),
        ("monitor", 200, 403),
        ("other_stakeholder", 404, 404),
    ],
)
def test_who_may_read_and_record(
    anonymous: TestClient, db: Session, case: Case, role: str, read: int, write: int
) -> None:
    headers = bearer(case.users[role])
    assert anonymous.get(updates_url(case.recommendation), headers=headers).status_code == read
    response = post(anonymous, case, role, {"response": "accepted", "comment": "By " + role})
    assert response.status_code == write, response.text
    assert rows(db, case.recommendation) == (1 if write == 201 else 0)


def test_anonymous_is_401(anonymous: TestClient, case: Case) -> None:
    assert anonymous.get(updates_url(case.recommendation)).status_code == 401
    body = {"response": "accepted", "comment": "Anonymous"}
    assert anonymous.post(updates_url(case.recommendation), json=body).status_code == 401


def test_partnership_stakeholder_records_on_its_own_engagement(
    anonymous: TestClient, db: Session
) -> None:
    engagement = make_engagement(db, kind="partnership_support")
    recommendation = make_recommendation(db, engagement, stage=Stage.SHARED)
    officer = make_user(db, role=Role.STAKEHOLDER, partnership_id=engagement.partnership_id)
    db.commit()
    body = {"response": "partially_accepted", "comment": "ESCP board agreed in part"}
    response = anonymous.post(updates_url(recommendation), json=body, headers=bearer(officer))
    assert response.status_code == 201, response.text


def test_updates_never_cross_engagements(client: TestClient, db: Session, case: Case) -> None:
    other = make_engagement(db)
    foreign = make_recommendation(db, other, stage=Stage.SHARED)
    make_status_update(db, foreign, case.users["admin"])
    db.commit()
    # The other engagement's recommendation through this engagement's path: absent.
    crossed = f"/api/v1/engagements/{case.engagement.id}/recommendations/{foreign.id}/updates"
    assert client.get(crossed).status_code == 404
    assert client.post(crossed, json={"response": "rejected", "comment": "x"}).status_code == 404
    assert rows(db, foreign) == 1
    assert client.get(updates_url(case.recommendation)).json()["total"] == 0


def test_history_has_no_route_to_change_or_delete(client: TestClient, case: Case) -> None:
    spec = client.get("/openapi.json").json()
    update_paths = {p: set(ops) for p, ops in spec["paths"].items() if "/updates" in p}
    assert list(update_paths.values()) == [{"get", "post"}]
    created = client.post(
        updates_url(case.recommendation), json={"response": "noted", "comment": "x"}
    )
    item = f"{updates_url(case.recommendation)}/{created.json()['id']}"
    assert client.delete(item).status_code in (404, 405)
    assert client.patch(item, json={"comment": "edited"}).status_code in (404, 405)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE recommendation_updates SET comment = 'rewritten' WHERE id = :id",
        "UPDATE recommendation_updates SET response = 'rejected' WHERE id = :id",
        "DELETE FROM recommendation_updates WHERE id = :id",
    ],
)
def test_database_refuses_to_change_or_delete_updates(
    db: Session, case: Case, statement: str
) -> None:
    update = make_status_update(db, case.recommendation, case.users["member"])
    savepoint = db.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(statement), {"id": update.id})
    savepoint.rollback()
    assert db.scalar(select(StatusUpdate.comment).where(StatusUpdate.id == update.id)) is not None


def test_updates_go_with_their_recommendation(db: Session, case: Case) -> None:
    """The triggers let ON DELETE CASCADE through: the parent is gone by then."""
    make_status_update(db, case.recommendation, case.users["member"])
    db.execute(text("DELETE FROM recommendations WHERE id = :id"), {"id": case.recommendation.id})
    assert rows(db, case.recommendation) == 0


def test_updates_go_with_their_engagement(client: TestClient, db: Session, case: Case) -> None:
    make_status_update(db, case.recommendation, case.users["stakeholder"])
    db.commit()
    assert client.delete(f"/api/v1/engagements/{case.engagement.id}").status_code == 204
    assert rows(db, case.recommendation) == 0


def test_recommendation_lists_carry_the_derived_status(anonymous: TestClient, case: Case) -> None:
    post(anonymous, case, "stakeholder", {"implementation": "fully_implemented", "comment": "Done"})
    post(anonymous, case, "member", {"implementation": "most_respects", "comment": "Nearly"})
    listing = anonymous.get(
        f"/api/v1/engagements/{case.engagement.id}/recommendations",
        headers=bearer(case.users["stakeholder"]),
    )
    (item,) = listing.json()["items"]
    assert item["implementation"] == "most_respects"
    assert item["self_assessment"] == "fully_implemented"
    assert item["validated_implementation"] == "most_respects"
    assert item["implementation_disagreement"] is True
