"""/engagements/{id}/challenges: CRUD, ordering, ranges, ETag/If-Match, other engagements,
references from bottlenecks and evidence."""

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Challenge, Engagement, EvidenceLink
from tests.conftest import StatementCounter
from tests.factories import (
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
)


def url(engagement: Engagement | int, challenge_id: int | None = None) -> str:
    eid = engagement if isinstance(engagement, int) else engagement.id
    base = f"/api/v1/engagements/{eid}/challenges"
    return base if challenge_id is None else f"{base}/{challenge_id}"


def challenge_count(db: Session, engagement: Engagement) -> int:
    stmt = select(func.count()).where(Challenge.engagement_id == engagement.id)
    return int(db.scalar(stmt) or 0)


def stored_title(db: Session, challenge_id: int) -> str | None:
    return db.scalar(select(Challenge.title).where(Challenge.id == challenge_id))


def test_create_then_read_challenge(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    body = {"title": "Low SME innovation", "description": "Few SMEs innovate", "priority": 1}
    created = client.post(url(engagement), json=body)
    assert created.status_code == 201, created.text
    challenge = created.json()
    assert challenge["title"] == "Low SME innovation" and challenge["priority"] == 1
    assert challenge["engagement_id"] == engagement.id and challenge["evidence"] == []
    assert created.headers["etag"] == '"1"'
    read = client.get(url(engagement, challenge["id"]))
    assert read.status_code == 200
    assert read.json()["description"] == "Few SMEs innovate"
    assert read.headers["etag"] == '"1"'
    assert stored_title(db, challenge["id"]) == "Low SME innovation"


def test_priority_defaults_to_medium(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    created = client.post(url(engagement), json={"title": "Brain drain"})
    assert created.status_code == 201
    assert created.json()["priority"] == 2 and created.json()["description"] == ""


def test_list_is_ordered_by_priority_then_id_and_paginated(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    low = make_challenge(db, engagement, priority=3)
    high_a = make_challenge(db, engagement, priority=1)
    medium = make_challenge(db, engagement, priority=2)
    high_b = make_challenge(db, engagement, priority=1)
    make_challenge(db, make_engagement(db))  # another engagement's: never listed
    db.commit()
    page = client.get(url(engagement)).json()
    assert page["total"] == 4 and page["limit"] == 50 and page["offset"] == 0
    assert [c["id"] for c in page["items"]] == [high_a.id, high_b.id, medium.id, low.id]
    second = client.get(url(engagement), params={"limit": 2, "offset": 2}).json()
    assert [c["id"] for c in second["items"]] == [medium.id, low.id]
    assert client.get(url(engagement), params={"limit": 201}).status_code == 422


def test_out_of_range_priority_is_422_and_writes_nothing(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    for priority in (0, 4, -1, 2**40):
        response = client.post(url(engagement), json={"title": "X", "priority": priority})
        assert response.status_code == 422, priority
        assert response.json()["error"] == "validation_error"
        assert response.json()["fields"][0]["loc"] == ["body", "priority"]
    assert challenge_count(db, engagement) == 0


def test_empty_title_overlong_title_and_unknown_field_are_422(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    db.commit()
    assert client.post(url(engagement), json={"title": ""}).status_code == 422
    assert client.post(url(engagement), json={"title": "x" * 301}).status_code == 422
    extra = client.post(url(engagement), json={"title": "A", "engagement_id": 9})
    assert extra.status_code == 422
    assert challenge_count(db, engagement) == 0


def test_patch_changes_fields_and_bumps_version(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    challenge = make_challenge(db, engagement, title="Old", priority=3)
    db.commit()
    response = client.patch(url(engagement, challenge.id), json={"title": "New", "priority": 1})
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "New" and response.json()["priority"] == 1
    assert response.json()["version"] == 2 and response.headers["etag"] == '"2"'
    assert stored_title(db, challenge.id) == "New"


def test_patch_null_title_or_bad_priority_is_422_and_changes_nothing(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    challenge = make_challenge(db, engagement, title="Kept")
    db.commit()
    assert client.patch(url(engagement, challenge.id), json={"title": None}).status_code == 422
    assert client.patch(url(engagement, challenge.id), json={"priority": 5}).status_code == 422
    assert stored_title(db, challenge.id) == "Kept"


def test_stale_if_match_is_412_on_patch_and_delete(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    challenge = make_challenge(db, engagement, title="Kept")
    db.commit()
    stale = {"If-Match": '"9"'}
    patch = client.patch(url(engagement, challenge.id), json={"title": "B"}, headers=stale)
    assert patch.status_code == 412 and patch.json()["error"] == "precondition_failed"
    assert client.delete(url(engagement, challenge.id), headers=stale).status_code == 412
    assert stored_title(db, challenge.id) == "Kept"
    fresh = client.patch(
        url(engagement, challenge.id), json={"title": "B"}, headers={"If-Match": '"1"'}
    )
    assert fresh.status_code == 200
    deleted = client.delete(url(engagement, challenge.id), headers={"If-Match": '"2"'})
    assert deleted.status_code == 204
    assert stored_title(db, challenge.id) is None


def test_other_engagements_challenge_is_404_through_this_engagement(
    client: TestClient, db: Session
) -> None:
    mine = make_engagement(db)
    other = make_engagement(db)
    theirs = make_challenge(db, other, title="Theirs")
    db.commit()
    assert client.get(url(mine, theirs.id)).status_code == 404
    patch = client.patch(url(mine, theirs.id), json={"title": "Hijacked"})
    assert patch.status_code == 404 and patch.json()["error"] == "not_found"
    assert client.delete(url(mine, theirs.id)).status_code == 404
    assert stored_title(db, theirs.id) == "Theirs"
    assert client.get(url(other, theirs.id)).status_code == 200


def test_unknown_engagement_or_challenge_is_404_and_huge_id_is_422(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    db.commit()
    assert client.get(url(2**31 - 1)).status_code == 404
    assert client.post(url(2**31 - 1), json={"title": "A"}).status_code == 404
    assert client.get(url(engagement, 2**31 - 1)).status_code == 404
    assert client.get(url(engagement, 2**31)).status_code == 422
    assert client.get(url(engagement, 0)).status_code == 422


def test_delete_challenge_with_bottlenecks_is_409_naming_them(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    challenge = make_challenge(db, engagement, title="Kept")
    bottleneck = make_bottleneck(db, engagement, challenge_id=challenge.id, title="Weak links")
    db.commit()
    response = client.delete(url(engagement, challenge.id))
    assert response.status_code == 409
    assert response.json()["error"] == "still_referenced"
    assert "Weak links" in response.json()["detail"]
    assert f"id {bottleneck.id}" in response.json()["detail"]
    assert stored_title(db, challenge.id) == "Kept"


def test_delete_challenge_takes_its_evidence_links_but_not_the_evidence(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    challenge = make_challenge(db, engagement)
    evidence = make_evidence(db, engagement)
    link = link_evidence(db, evidence, challenge=challenge)
    db.commit()
    assert client.delete(url(engagement, challenge.id)).status_code == 204
    assert stored_title(db, challenge.id) is None
    assert db.scalar(select(EvidenceLink.id).where(EvidenceLink.id == link.id)) is None
    evidence_url = f"/api/v1/engagements/{engagement.id}/evidence/{evidence.id}"
    read = client.get(evidence_url)
    assert read.status_code == 200 and read.json()["links"] == []


def test_list_uses_the_same_number_of_statements_for_3_and_30(
    client: TestClient, db: Session, sql_statements: StatementCounter
) -> None:
    small, large = make_engagement(db), make_engagement(db)
    for engagement, n in ((small, 3), (large, 30)):
        evidence = make_evidence(db, engagement)
        for _ in range(n):
            link_evidence(db, evidence, challenge=make_challenge(db, engagement))
    db.commit()
    counts = []
    for engagement, n in ((small, 3), (large, 30)):
        before = sql_statements.count
        page = client.get(url(engagement)).json()
        counts.append(sql_statements.count - before)
        assert page["total"] == n and all(len(c["evidence"]) == 1 for c in page["items"])
    assert counts[0] == counts[1]
