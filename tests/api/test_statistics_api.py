"""/regions/{id}/profile, /regions/{id}/peers and /engagements/{id}/diagnosis-suggestions:
answers, and attempts to get around their access rules."""

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Bottleneck, Engagement, SuggestionDecision, User
from app.vocab import EngagementKind, Role
from tests.conftest import bearer
from tests.factories import add_member, make_engagement, make_region, make_user
from tests.statistics.stat_factories import HandWorld, hand_world

SUGGESTIONS = "/api/v1/engagements/{}/diagnosis-suggestions"


@dataclass
class Setup:
    world: HandWorld
    engagement: Engagement
    member: User
    outsider: User
    stakeholder: User
    other_stakeholder: User
    monitor: User
    admin: User


@pytest.fixture
def setup(db: Session) -> Setup:
    world = hand_world(db)
    member = make_user(db)
    engagement = make_engagement(db, region_id=world.a.id, lead_consultant_id=member.id)
    add_member(db, engagement, member)
    other = make_region(db)
    found = Setup(
        world,
        engagement,
        member,
        make_user(db),
        make_user(db, role=Role.STAKEHOLDER, region_id=world.a.id),
        make_user(db, role=Role.STAKEHOLDER, region_id=other.id),
        make_user(db, role=Role.MONITOR),
        make_user(db, role=Role.ADMIN),
    )
    db.commit()
    return found


def _decisions(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(SuggestionDecision)) or 0


def test_every_signed_in_user_reads_any_profile_and_peers(
    anonymous: TestClient, setup: Setup
) -> None:
    region_id = setup.world.others[0].id  # not the stakeholder's region
    profile = f"/api/v1/regions/{region_id}/profile"
    for user in (setup.other_stakeholder, setup.stakeholder, setup.monitor, setup.outsider):
        answer = anonymous.get(profile, headers=bearer(user))
        assert answer.status_code == 200
        assert len(answer.json()["indicators"]) == 3
    peers = anonymous.get(
        f"/api/v1/regions/{region_id}/peers?k=2", headers=bearer(setup.stakeholder)
    )
    assert peers.status_code == 200
    body = peers.json()
    assert (body["limit"], body["offset"], body["total"]) == (2, 0, len(body["items"]))
    assert anonymous.get(profile).status_code == 401
    assert anonymous.get(f"/api/v1/regions/{region_id}/peers").status_code == 401


def test_profile_answers_the_hand_worked_figures(client: TestClient, setup: Setup) -> None:
    answer = client.get(f"/api/v1/regions/{setup.world.a.id}/profile?years=5")
    assert answer.status_code == 200
    body = answer.json()
    rd = next(i for i in body["indicators"] if i["name"] == "R&D expenditure")
    assert (rd["percentile"], rd["gap_trend"], rd["benchmark"]["geo"]) == (
        30.0,
        "narrowing",
        "EU27_2020",
    )
    assert body["datasets"][0]["attribution"].startswith("©")
    assert client.get("/api/v1/regions/999999/profile").status_code == 404
    assert client.get(f"/api/v1/regions/{setup.world.a.id}/profile?years=0").status_code == 422


def test_member_lists_accepts_and_dismisses(
    anonymous: TestClient, db: Session, setup: Setup
) -> None:
    path = SUGGESTIONS.format(setup.engagement.id)
    headers = bearer(setup.member)
    listed = anonymous.get(path, headers=headers).json()
    assert [s["key"] for s in listed["items"]] == ["knowledge_skills", "access_to_finance"]
    assert listed["total"] == 2 and listed["reason"] is None
    accepted = anonymous.post(f"{path}/access_to_finance/accept", headers=headers)
    assert accepted.status_code == 201
    body = accepted.json()
    assert body["key"] == "access_to_finance" and len(body["evidence_ids"]) == 1
    bottleneck = db.get_one(Bottleneck, body["bottleneck_id"])
    assert bottleneck.engagement_id == setup.engagement.id
    evidence = anonymous.get(
        f"/api/v1/engagements/{setup.engagement.id}/evidence/{body['evidence_ids'][0]}",
        headers=headers,
    ).json()
    assert evidence["newer_data_available"] is False
    assert evidence["links"][0]["relation"] == "supports"
    dismissed = anonymous.post(f"{path}/knowledge_skills/dismiss", headers=headers)
    assert dismissed.status_code == 200 and dismissed.json()["decision"] == "dismissed"
    again = anonymous.post(f"{path}/knowledge_skills/accept", headers=headers)
    assert again.status_code == 409
    listed = anonymous.get(path, headers=headers).json()
    assert listed["items"] == [] and len(listed["decided"]) == 2


def test_stakeholder_and_outsiders_cannot_decide(
    anonymous: TestClient, db: Session, setup: Setup
) -> None:
    path = SUGGESTIONS.format(setup.engagement.id)
    # The client's own stakeholder may not read the diagnosis: 404, as for bottlenecks.
    assert anonymous.get(path, headers=bearer(setup.stakeholder)).status_code == 404
    for user in (setup.stakeholder, setup.other_stakeholder):
        answer = anonymous.post(f"{path}/access_to_finance/accept", headers=bearer(user))
        assert answer.status_code == 404
    # A consultant who is not a member and a monitor read but may not decide.
    for user in (setup.outsider, setup.monitor):
        assert anonymous.get(path, headers=bearer(user)).status_code == 200
        for action in ("accept", "dismiss"):
            answer = anonymous.post(f"{path}/access_to_finance/{action}", headers=bearer(user))
            assert answer.status_code == 403
    assert anonymous.post(f"{path}/access_to_finance/accept").status_code == 401
    assert _decisions(db) == 0
    assert db.scalar(select(func.count()).select_from(Bottleneck)) == 0
    # An administrator may.
    admin = anonymous.post(f"{path}/access_to_finance/accept", headers=bearer(setup.admin))
    assert admin.status_code == 201


def test_unknown_key_is_422_and_partnership_answers_why(
    client: TestClient, db: Session, setup: Setup
) -> None:
    path = SUGGESTIONS.format(setup.engagement.id)
    assert client.post(f"{path}/not_a_condition/accept").status_code == 422
    assert client.post(f"{path}/quality_of_governance/accept").status_code == 409
    partnership = make_engagement(db, kind=EngagementKind.PARTNERSHIP_SUPPORT)
    db.commit()
    answer = client.get(SUGGESTIONS.format(partnership.id)).json()
    assert answer["items"] == [] and "partnership" in answer["reason"]
    assert _decisions(db) == 0
