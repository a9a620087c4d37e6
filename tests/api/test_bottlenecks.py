"""/engagements/{id}/bottlenecks: CRUD, vocabularies, ranges, filters, the challenge of the same
engagement, references from recommendations and evidence, ETag/If-Match, statement count."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Bottleneck, Engagement, EvidenceLink
from app.vocab import BottleneckStatus, FrameworkCondition
from tests.conftest import StatementCounter
from tests.factories import (
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_recommendation,
)

VALID = {"title": "No venture capital", "framework_condition": "access_to_finance"}


def url(engagement: Engagement, bottleneck_id: int | None = None) -> str:
    base = f"/api/v1/engagements/{engagement.id}/bottlenecks"
    return base if bottleneck_id is None else f"{base}/{bottleneck_id}"


def bottleneck_count(db: Session, engagement: Engagement) -> int:
    stmt = select(func.count()).where(Bottleneck.engagement_id == engagement.id)
    return int(db.scalar(stmt) or 0)


def stored(db: Session, bottleneck_id: int) -> tuple[str, int | None] | None:
    row = db.execute(
        select(Bottleneck.title, Bottleneck.challenge_id).where(Bottleneck.id == bottleneck_id)
    ).first()
    return None if row is None else (row[0], row[1])


def test_create_under_a_challenge_then_read(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    challenge = make_challenge(db, engagement)
    db.commit()
    body = {**VALID, "challenge_id": challenge.id, "severity": 5, "status": "confirmed"}
    created = client.post(url(engagement), json=body)
    assert created.status_code == 201, created.text
    bottleneck = created.json()
    assert bottleneck["challenge_id"] == challenge.id and bottleneck["severity"] == 5
    assert bottleneck["status"] == "confirmed"
    assert bottleneck["evidence"] == [] and bottleneck["recommendation_ids"] == []
    assert created.headers["etag"] == '"1"'
    read = client.get(url(engagement, bottleneck["id"]))
    assert read.status_code == 200 and read.headers["etag"] == '"1"'
    assert read.json()["framework_condition"] == "access_to_finance"
    assert stored(db, bottleneck["id"]) == ("No venture capital", challenge.id)


def test_defaults_are_no_challenge_severity_3_hypothesis(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    created = client.post(url(engagement), json=VALID).json()
    assert created["challenge_id"] is None and created["severity"] == 3
    assert created["status"] == "hypothesis" and created["description"] == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("framework_condition", "weather"),
        ("framework_condition", "Access_To_Finance"),
        ("status", "maybe"),
        ("severity", 0),
        ("severity", 6),
        ("challenge_id", 2**31),
        ("challenge_id", 0),
        ("title", ""),
    ],
)
def test_invalid_field_is_422_and_writes_nothing(
    client: TestClient, db: Session, field: str, value: object
) -> None:
    engagement = make_engagement(db)
    db.commit()
    response = client.post(url(engagement), json={**VALID, field: value})
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert response.json()["fields"][0]["loc"][:2] == ["body", field]
    assert bottleneck_count(db, engagement) == 0


def test_patch_with_bad_vocabulary_or_severity_is_422_and_changes_nothing(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    bottleneck = make_bottleneck(db, engagement, title="Kept")
    db.commit()
    for body in ({"status": "maybe"}, {"framework_condition": "x"}, {"severity": 9}):
        assert client.patch(url(engagement, bottleneck.id), json=body).status_code == 422
    assert client.patch(url(engagement, bottleneck.id), json={"status": None}).status_code == 422
    assert stored(db, bottleneck.id) == ("Kept", None)


def test_challenge_of_another_engagement_is_422_on_create(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    foreign = make_challenge(db, make_engagement(db))
    db.commit()
    for challenge_id in (foreign.id, 2**31 - 1):
        response = client.post(url(engagement), json={**VALID, "challenge_id": challenge_id})
        assert response.status_code == 422
        assert response.json()["error"] == "invalid_input"
        assert response.json()["fields"][0]["loc"] == ["body", "challenge_id"]
    assert bottleneck_count(db, engagement) == 0


def test_challenge_of_another_engagement_is_422_on_patch(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    own = make_challenge(db, engagement)
    bottleneck = make_bottleneck(db, engagement, title="Kept", challenge_id=own.id)
    foreign = make_challenge(db, make_engagement(db))
    db.commit()
    response = client.patch(url(engagement, bottleneck.id), json={"challenge_id": foreign.id})
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", "challenge_id"]
    assert stored(db, bottleneck.id) == ("Kept", own.id)


def test_patch_moves_and_clears_the_challenge(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    first, second = make_challenge(db, engagement), make_challenge(db, engagement)
    bottleneck = make_bottleneck(db, engagement, challenge_id=first.id)
    db.commit()
    moved = client.patch(url(engagement, bottleneck.id), json={"challenge_id": second.id})
    assert moved.status_code == 200 and moved.json()["challenge_id"] == second.id
    cleared = client.patch(url(engagement, bottleneck.id), json={"challenge_id": None})
    assert cleared.status_code == 200 and cleared.json()["challenge_id"] is None
    assert cleared.json()["version"] == 3
    assert stored(db, bottleneck.id) == (bottleneck.title, None)


def test_list_filters_and_orders_most_severe_first(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    challenge = make_challenge(db, engagement)
    mild = make_bottleneck(db, engagement, severity=1, status=BottleneckStatus.CONFIRMED)
    grave = make_bottleneck(
        db,
        engagement,
        severity=5,
        status=BottleneckStatus.CONFIRMED,
        framework_condition=FrameworkCondition.ACCESS_TO_FINANCE,
        challenge_id=challenge.id,
    )
    middle = make_bottleneck(db, engagement, severity=3, challenge_id=challenge.id)
    make_bottleneck(db, make_engagement(db), status=BottleneckStatus.CONFIRMED)
    db.commit()

    def ids(**params: str | int) -> list[int]:
        page = client.get(url(engagement), params=params)
        assert page.status_code == 200, page.text
        assert page.json()["total"] == len(page.json()["items"])
        return [b["id"] for b in page.json()["items"]]

    assert ids() == [grave.id, middle.id, mild.id]
    assert ids(status="confirmed") == [grave.id, mild.id]
    assert ids(framework_condition="access_to_finance") == [grave.id]
    assert ids(challenge_id=challenge.id) == [grave.id, middle.id]
    assert ids(status="hypothesis", challenge_id=challenge.id) == [middle.id]
    for bad in ({"status": "maybe"}, {"framework_condition": "x"}, {"challenge_id": 2**31}):
        assert client.get(url(engagement), params=bad).status_code == 422


def test_recommendation_ids_show_who_addresses_it(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    bottleneck = make_bottleneck(db, engagement)
    first = make_recommendation(db, engagement, bottlenecks=[bottleneck])
    second = make_recommendation(db, engagement, bottlenecks=[bottleneck])
    db.commit()
    read = client.get(url(engagement, bottleneck.id)).json()
    assert read["recommendation_ids"] == sorted([first.id, second.id])
    listed = client.get(url(engagement)).json()["items"][0]
    assert listed["recommendation_ids"] == sorted([first.id, second.id])


def test_delete_addressed_bottleneck_is_409_naming_the_codes(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    bottleneck = make_bottleneck(db, engagement, title="Kept")
    make_recommendation(db, engagement, code="R7", bottlenecks=[bottleneck])
    db.commit()
    response = client.delete(url(engagement, bottleneck.id))
    assert response.status_code == 409
    assert response.json()["error"] == "still_referenced"
    assert "R7" in response.json()["detail"]
    assert stored(db, bottleneck.id) == ("Kept", None)


def test_delete_takes_evidence_links_but_not_the_evidence(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    bottleneck = make_bottleneck(db, engagement)
    evidence = make_evidence(db, engagement)
    link = link_evidence(db, evidence, bottleneck=bottleneck)
    db.commit()
    assert client.delete(url(engagement, bottleneck.id)).status_code == 204
    assert stored(db, bottleneck.id) is None
    assert db.scalar(select(EvidenceLink.id).where(EvidenceLink.id == link.id)) is None
    evidence_url = f"/api/v1/engagements/{engagement.id}/evidence/{evidence.id}"
    assert client.get(evidence_url).status_code == 200
    assert client.get(url(engagement, bottleneck.id)).status_code == 404


def test_other_engagements_bottleneck_is_404_through_this_engagement(
    client: TestClient, db: Session
) -> None:
    mine, other = make_engagement(db), make_engagement(db)
    theirs = make_bottleneck(db, other, title="Theirs")
    db.commit()
    assert client.get(url(mine, theirs.id)).status_code == 404
    assert client.patch(url(mine, theirs.id), json={"title": "Mine now"}).status_code == 404
    assert client.delete(url(mine, theirs.id)).status_code == 404
    assert stored(db, theirs.id) == ("Theirs", None)


def test_stale_if_match_is_412_on_patch_and_delete(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    bottleneck = make_bottleneck(db, engagement, title="Kept")
    db.commit()
    stale = {"If-Match": '"5"'}
    patch = client.patch(url(engagement, bottleneck.id), json={"title": "X"}, headers=stale)
    assert patch.status_code == 412
    assert client.delete(url(engagement, bottleneck.id), headers=stale).status_code == 412
    assert stored(db, bottleneck.id) == ("Kept", None)
    ok = client.delete(url(engagement, bottleneck.id), headers={"If-Match": '"1"'})
    assert ok.status_code == 204


def test_list_uses_the_same_number_of_statements_for_3_and_30(
    client: TestClient, db: Session, sql_statements: StatementCounter
) -> None:
    small, large = make_engagement(db), make_engagement(db)
    for engagement, n in ((small, 3), (large, 30)):
        evidence = make_evidence(db, engagement)
        for _ in range(n):
            bottleneck = make_bottleneck(db, engagement)
            link_evidence(db, evidence, bottleneck=bottleneck)
            make_recommendation(db, engagement, bottlenecks=[bottleneck])
    db.commit()
    counts = []
    for engagement, n in ((small, 3), (large, 30)):
        before = sql_statements.count
        page = client.get(url(engagement)).json()
        counts.append(sql_statements.count - before)
        assert page["total"] == n
        assert all(len(b["evidence"]) == 1 for b in page["items"])
        assert all(len(b["recommendation_ids"]) == 1 for b in page["items"])
    assert counts[0] == counts[1]
