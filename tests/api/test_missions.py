"""/engagements/{id}/missions: CRUD, date order, consultants, caps, ETags, engagement scope."""

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Engagement, Mission, MissionConsultant
from app.vocab import MissionKind, Role
from tests.conftest import StatementCounter
from tests.factories import make_engagement, make_mission, make_region, make_user

MISSION = {
    "kind": "site_visit",
    "title": "Kick-off visit to Santander",
    "start_date": "2019-03-04",
    "end_date": "2019-03-05",
    "location": "Santander",
    "participants_count": 18,
    "participant_organisations": ["SODERCAN", "University of Cantabria"],
    "summary": "Met the cluster managers.",
    "outcomes": "Three challenges named.",
    "follow_up": "Send the survey.",
}


def url(engagement: Engagement, item_id: int | None = None) -> str:
    base = f"/api/v1/engagements/{engagement.id}/missions"
    return base if item_id is None else f"{base}/{item_id}"


def missions_of(db: Session, engagement: Engagement) -> list[Mission]:
    return list(db.scalars(select(Mission).where(Mission.engagement_id == engagement.id)))


def consultants_of(db: Session, mission_id: int) -> list[int]:
    stmt = select(MissionConsultant.user_id).where(MissionConsultant.mission_id == mission_id)
    return sorted(db.scalars(stmt))


def test_create_then_read_mission(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    first, second = make_user(db), make_user(db)
    db.commit()
    created = client.post(
        url(engagement), json={**MISSION, "consultant_ids": [second.id, first.id]}
    )
    assert created.status_code == 201, created.text
    mission = created.json()
    assert {k: mission[k] for k in MISSION} == MISSION
    assert mission["consultant_ids"] == sorted([first.id, second.id])
    assert mission["engagement_id"] == engagement.id and mission["version"] == 1
    assert created.headers["etag"] == '"1"'
    read = client.get(url(engagement, mission["id"]))
    assert read.status_code == 200 and read.json() == mission and read.headers["etag"] == '"1"'
    assert consultants_of(db, mission["id"]) == sorted([first.id, second.id])


def test_create_applies_defaults(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    body = {"kind": "desk_research", "title": "Desk research", "start_date": "2019-01-10"}
    created = client.post(url(engagement), json=body)
    assert created.status_code == 201, created.text
    mission = created.json()
    assert mission["end_date"] is None and mission["consultant_ids"] == []
    assert mission["participants_count"] == 0 and mission["participant_organisations"] == []


def test_list_is_newest_first_and_filters_by_kind(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    make_mission(db, engagement, title="March", start_date=date(2019, 3, 1))
    make_mission(db, engagement, title="May", start_date=date(2019, 5, 1))
    make_mission(
        db, engagement, title="April", start_date=date(2019, 4, 1), kind=MissionKind.WORKSHOP
    )
    make_mission(db, make_engagement(db), title="Elsewhere", start_date=date(2019, 6, 1))
    db.commit()
    page = client.get(url(engagement)).json()
    assert [m["title"] for m in page["items"]] == ["May", "April", "March"]
    assert page["total"] == 3 and page["limit"] == 50 and page["offset"] == 0
    workshops = client.get(url(engagement), params={"kind": "workshop"}).json()
    assert [m["title"] for m in workshops["items"]] == ["April"] and workshops["total"] == 1
    second = client.get(url(engagement), params={"limit": 1, "offset": 1}).json()
    assert [m["title"] for m in second["items"]] == ["April"]


def test_list_loads_consultants_in_constant_statements(
    client: TestClient, db: Session, sql_statements: StatementCounter
) -> None:
    engagement = make_engagement(db)
    consultant = make_user(db)
    for _ in range(10):
        db.add(MissionConsultant(mission_id=make_mission(db, engagement).id, user_id=consultant.id))
    db.commit()
    before = sql_statements.count
    page = client.get(url(engagement)).json()
    assert all(m["consultant_ids"] == [consultant.id] for m in page["items"])
    # user, engagement, count, page, consultants
    assert sql_statements.count - before == 5


def test_kind_outside_vocabulary_is_422(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    mission = make_mission(db, engagement)
    db.commit()
    created = client.post(url(engagement), json={**MISSION, "kind": "holiday"})
    assert created.status_code == 422 and created.json()["fields"][0]["loc"] == ["body", "kind"]
    patched = client.patch(url(engagement, mission.id), json={"kind": "holiday"})
    assert patched.status_code == 422
    listed = client.get(url(engagement), params={"kind": "holiday"})
    assert listed.status_code == 422 and listed.json()["fields"][0]["loc"] == ["query", "kind"]
    db.refresh(mission)
    assert len(missions_of(db, engagement)) == 1 and mission.version == 1


def test_end_before_start_is_refused_on_create(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    body = {**MISSION, "start_date": "2019-03-05", "end_date": "2019-03-04"}
    response = client.post(url(engagement), json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
    assert response.json()["fields"][0]["loc"] == ["body", "end_date"]
    assert missions_of(db, engagement) == []
    same_day = {**MISSION, "start_date": "2019-03-05", "end_date": "2019-03-05"}
    assert client.post(url(engagement), json=same_day).status_code == 201


@pytest.mark.parametrize(
    "changes",
    [{"start_date": "2019-03-11"}, {"end_date": "2019-03-09"}],
    ids=["start-after-stored-end", "end-before-stored-start"],
)
def test_patch_checks_the_dates_as_merged(
    client: TestClient, db: Session, changes: dict[str, str]
) -> None:
    engagement = make_engagement(db)
    mission = make_mission(db, engagement, start_date=date(2019, 3, 10), end_date=date(2019, 3, 10))
    db.commit()
    response = client.patch(url(engagement, mission.id), json=changes)
    assert response.status_code == 422 and response.json()["error"] == "invalid_input"
    db.refresh(mission)
    assert mission.start_date == date(2019, 3, 10) and mission.end_date == date(2019, 3, 10)
    assert mission.version == 1


def test_patch_moves_both_dates_and_can_clear_the_end(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    mission = make_mission(db, engagement, start_date=date(2019, 3, 10), end_date=date(2019, 3, 10))
    db.commit()
    target = url(engagement, mission.id)
    moved = client.patch(target, json={"start_date": "2019-04-01", "end_date": "2019-04-02"})
    assert moved.status_code == 200, moved.text
    cleared = client.patch(target, json={"end_date": None})
    assert cleared.status_code == 200 and cleared.json()["end_date"] is None
    assert client.patch(target, json={"start_date": None}).status_code == 422
    db.refresh(mission)
    assert mission.start_date == date(2019, 4, 1) and mission.end_date is None


@pytest.mark.parametrize("value", ["2019-02-30", "10000-01-01", "yesterday", 10**20])
def test_malformed_date_is_422(client: TestClient, db: Session, value: Any) -> None:
    engagement = make_engagement(db)
    db.commit()
    response = client.post(url(engagement), json={**MISSION, "start_date": value})
    assert response.status_code == 422
    assert missions_of(db, engagement) == []


@pytest.mark.parametrize("role", [Role.STAKEHOLDER, Role.MONITOR, Role.ADMIN])
def test_non_consultant_user_is_refused(client: TestClient, db: Session, role: Role) -> None:
    engagement = make_engagement(db)
    consultant = make_user(db)
    bound = {"region_id": make_region(db).id} if role == Role.STAKEHOLDER else {}
    other = make_user(db, role=role, **bound)
    db.commit()
    body = {**MISSION, "consultant_ids": [consultant.id, other.id, 999_999]}
    response = client.post(url(engagement), json=body)
    assert response.status_code == 422
    error = response.json()
    assert error["error"] == "invalid_input"
    assert error["fields"][0]["loc"] == ["body", "consultant_ids"]
    assert f"{other.id}, 999999" in error["detail"] and str(consultant.id) not in error["detail"]
    assert missions_of(db, engagement) == []
    assert db.scalars(select(MissionConsultant)).all() == []


def test_patch_replaces_consultants_and_bumps_the_version(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    first, second = make_user(db), make_user(db)
    monitor = make_user(db, role=Role.MONITOR)
    mission = make_mission(db, engagement)
    db.add(MissionConsultant(mission_id=mission.id, user_id=first.id))
    db.commit()
    target = url(engagement, mission.id)
    refused = client.patch(target, json={"consultant_ids": [monitor.id]})
    assert refused.status_code == 422 and consultants_of(db, mission.id) == [first.id]
    response = client.patch(target, json={"consultant_ids": [second.id]})
    assert response.status_code == 200, response.text
    assert response.json()["consultant_ids"] == [second.id]
    assert response.json()["version"] == 2 and response.headers["etag"] == '"2"'
    assert consultants_of(db, mission.id) == [second.id]


OUT_OF_BOUNDS = {
    "duplicate-consultant": ("consultant_ids", [1, 1]),
    "too-many-consultants": ("consultant_ids", list(range(1, 32))),
    "consultant-id-overflow": ("consultant_ids", [2**31]),
    "negative-participants": ("participants_count", -1),
    "too-many-participants": ("participants_count", 100_001),
    "participants-overflow": ("participants_count", 2**63),
    "organisation-too-long": ("participant_organisations", ["x" * 201]),
    "organisation-empty": ("participant_organisations", [""]),
    "too-many-organisations": ("participant_organisations", ["Org"] * 201),
    "title-too-long": ("title", "x" * 301),
    "location-too-long": ("location", "x" * 301),
    "summary-too-long": ("summary", "x" * 20_001),
}


@pytest.mark.parametrize(("field", "value"), OUT_OF_BOUNDS.values(), ids=OUT_OF_BOUNDS.keys())
def test_out_of_bounds_input_is_422(
    client: TestClient, db: Session, field: str, value: Any
) -> None:
    engagement = make_engagement(db)
    db.commit()
    response = client.post(url(engagement), json={**MISSION, field: value})
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"][:2] == ["body", field]
    assert missions_of(db, engagement) == []


@pytest.mark.parametrize(
    ("field", "value"), [("id", 5), ("engagement_id", 1), ("version", 3), ("created_at", "x")]
)
def test_read_only_field_is_422(client: TestClient, db: Session, field: str, value: Any) -> None:
    engagement = make_engagement(db)
    mission = make_mission(db, engagement)
    db.commit()
    created = client.post(url(engagement), json={**MISSION, field: value})
    assert created.status_code == 422 and created.json()["fields"][0]["loc"] == ["body", field]
    patched = client.patch(url(engagement, mission.id), json={field: value, "summary": "x"})
    assert patched.status_code == 422
    db.refresh(mission)
    assert len(missions_of(db, engagement)) == 1
    assert mission.version == 1 and mission.summary == ""


def test_patch_changes_fields(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    mission = make_mission(db, engagement)
    db.commit()
    changes = {"participants_count": 40, "participant_organisations": ["A", "B"], "outcomes": "x"}
    response = client.patch(url(engagement, mission.id), json=changes)
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in changes} == changes
    db.refresh(mission)
    assert mission.participant_organisations == ["A", "B"] and mission.version == 2


def test_stale_if_match_is_412_and_current_one_succeeds(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    mission = make_mission(db, engagement)
    db.commit()
    target = url(engagement, mission.id)
    stale = client.patch(target, json={"title": "A"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412 and stale.json()["error"] == "precondition_failed"
    assert client.delete(target, headers={"If-Match": '"7"'}).status_code == 412
    db.refresh(mission)
    assert mission.version == 1 and mission.title != "A"
    fresh = client.patch(target, json={"title": "A"}, headers={"If-Match": '"1"'})
    assert fresh.status_code == 200 and fresh.headers["etag"] == '"2"'
    assert client.delete(target, headers={"If-Match": '"2"'}).status_code == 204


def test_delete_removes_the_mission_and_its_consultants(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    consultant = make_user(db)
    mission = make_mission(db, engagement)
    db.add(MissionConsultant(mission_id=mission.id, user_id=consultant.id))
    db.commit()
    target, mission_id = url(engagement, mission.id), mission.id
    assert client.delete(target).status_code == 204
    assert client.get(target).status_code == 404
    assert missions_of(db, engagement) == [] and consultants_of(db, mission_id) == []


def test_mission_of_another_engagement_is_404(client: TestClient, db: Session) -> None:
    engagement, other = make_engagement(db), make_engagement(db)
    foreign = make_mission(db, other)
    db.commit()
    target = url(engagement, foreign.id)
    assert client.get(target).status_code == 404
    assert client.patch(target, json={"title": "Hijacked"}).status_code == 404
    response = client.delete(target)
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    db.refresh(foreign)
    assert foreign.title != "Hijacked"


def test_unknown_or_oversized_ids(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    assert client.get("/api/v1/engagements/424242/missions").status_code == 404
    assert client.get(url(engagement, 424242)).status_code == 404
    assert client.get(url(engagement, 2**31)).status_code == 422
