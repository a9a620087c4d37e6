"""/engagements/{id}/members: the team of consultants, read and replaced as a whole."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry, Engagement, EngagementMember, User
from app.vocab import Role
from tests.factories import add_member, make_engagement, make_region, make_user


def _url(engagement: Engagement) -> str:
    return f"/api/v1/engagements/{engagement.id}/members"


def _team(db: Session, engagement: Engagement) -> set[int]:
    db.expire_all()
    rows = db.scalars(
        select(EngagementMember.user_id).where(EngagementMember.engagement_id == engagement.id)
    )
    return set(rows)


@pytest.fixture
def led(db: Session) -> tuple[Engagement, User, User]:
    """An engagement led by Ana, with Jonas on the team too."""
    ana = make_user(db, full_name="Ana García", email="ana@example.org")
    jonas = make_user(db, full_name="Jonas Petraitis")
    engagement = make_engagement(db, lead_consultant_id=ana.id)
    add_member(db, engagement, ana)
    add_member(db, engagement, jonas)
    db.commit()
    return engagement, ana, jonas


def test_list_members_by_name_with_the_lead_flagged(
    client: TestClient, led: tuple[Engagement, User, User]
) -> None:
    engagement, ana, jonas = led
    response = client.get(_url(engagement))
    assert response.status_code == 200
    assert response.json() == [
        {
            "user_id": ana.id,
            "full_name": "Ana García",
            "email": "ana@example.org",
            "role": "consultant",
            "is_lead": True,
        },
        {
            "user_id": jonas.id,
            "full_name": "Jonas Petraitis",
            "email": jonas.email,
            "role": "consultant",
            "is_lead": False,
        },
    ]


def test_put_replaces_the_team_and_bumps_the_engagement_version(
    client: TestClient, db: Session, led: tuple[Engagement, User, User]
) -> None:
    engagement, ana, jonas = led
    claire = make_user(db, full_name="Claire Dubois")
    db.commit()
    response = client.put(_url(engagement), json={"user_ids": [claire.id, ana.id]})
    assert response.status_code == 200, response.text
    assert [m["user_id"] for m in response.json()] == [ana.id, claire.id]
    assert _team(db, engagement) == {ana.id, claire.id}
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert entry.changes["member_ids"] == [sorted([ana.id, jonas.id]), sorted([ana.id, claire.id])]
    read = client.get(f"/api/v1/engagements/{engagement.id}")
    assert read.json()["member_ids"] == sorted([ana.id, claire.id])
    assert read.headers["etag"] == '"2"'


def test_put_of_the_same_team_changes_nothing(
    client: TestClient, db: Session, led: tuple[Engagement, User, User]
) -> None:
    engagement, ana, jonas = led
    response = client.put(_url(engagement), json={"user_ids": [jonas.id, ana.id]})
    assert response.status_code == 200
    db.refresh(engagement)
    assert engagement.version == 1


def test_put_without_the_lead_is_422(
    client: TestClient, db: Session, led: tuple[Engagement, User, User]
) -> None:
    engagement, ana, jonas = led
    response = client.put(_url(engagement), json={"user_ids": [jonas.id]})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
    assert response.json()["fields"][0]["loc"] == ["body", "user_ids"]
    assert _team(db, engagement) == {ana.id, jonas.id}


@pytest.mark.parametrize(
    "user",
    [
        {"role": Role.MONITOR},
        {"role": Role.ADMIN},
        {"role": Role.CONSULTANT, "is_active": False},
    ],
)
def test_put_of_a_non_consultant_names_the_bad_id(
    client: TestClient, db: Session, led: tuple[Engagement, User, User], user: dict[str, Any]
) -> None:
    engagement, ana, jonas = led
    other = make_user(db, **user)
    db.commit()
    response = client.put(_url(engagement), json={"user_ids": [ana.id, other.id, 424242]})
    assert response.status_code == 422
    assert f"{other.id}, 424242" in response.json()["detail"]
    assert _team(db, engagement) == {ana.id, jonas.id}


def test_put_refuses_a_stakeholder(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    stakeholder = make_user(db, role=Role.STAKEHOLDER, region_id=make_region(db).id)
    db.commit()
    response = client.put(_url(engagement), json={"user_ids": [stakeholder.id]})
    assert response.status_code == 422
    assert _team(db, engagement) == set()


@pytest.mark.parametrize(
    "body",
    [
        {"user_ids": [1, 1]},
        {"user_ids": list(range(1, 102))},
        {"user_ids": [0]},
        {"user_ids": [2**31]},
        {"user_ids": "1"},
        {},
        {"user_ids": [], "lead": 1},
    ],
)
def test_put_of_malformed_body_is_422(
    client: TestClient, db: Session, led: tuple[Engagement, User, User], body: dict[str, Any]
) -> None:
    engagement, ana, jonas = led
    response = client.put(_url(engagement), json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert _team(db, engagement) == {ana.id, jonas.id}


def test_put_empty_team_when_there_is_no_lead(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    add_member(db, engagement, make_user(db))
    db.commit()
    response = client.put(_url(engagement), json={"user_ids": []})
    assert response.status_code == 200 and response.json() == []
    assert _team(db, engagement) == set()


def test_put_with_stale_if_match_is_412(
    client: TestClient, db: Session, led: tuple[Engagement, User, User]
) -> None:
    engagement, ana, jonas = led
    stale = {"If-Match": '"9"'}
    response = client.put(_url(engagement), json={"user_ids": [ana.id]}, headers=stale)
    assert response.status_code == 412
    assert _team(db, engagement) == {ana.id, jonas.id}
    fresh = client.put(_url(engagement), json={"user_ids": [ana.id]}, headers={"If-Match": '"1"'})
    assert fresh.status_code == 200


def test_members_of_unknown_engagement_is_404(client: TestClient) -> None:
    assert client.get("/api/v1/engagements/424242/members").status_code == 404
    put = client.put("/api/v1/engagements/424242/members", json={"user_ids": []})
    assert put.status_code == 404
