"""/engagements/{id}/evidence/{evidence_id}/links: linking evidence to challenges, bottlenecks
and recommendations of the same engagement only, duplicates, unlinking, and the references
that appear on (and vanish from) the targets' reads."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Bottleneck,
    Challenge,
    Engagement,
    Evidence,
    EvidenceLink,
    Recommendation,
)
from tests.factories import (
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_recommendation,
)

MAKERS: dict[str, Callable[..., Challenge | Bottleneck | Recommendation]] = {
    "challenge": make_challenge,
    "bottleneck": make_bottleneck,
    "recommendation": make_recommendation,
}


def links_url(engagement: Engagement, evidence: Evidence | int) -> str:
    eid = evidence if isinstance(evidence, int) else evidence.id
    return f"/api/v1/engagements/{engagement.id}/evidence/{eid}/links"


def target_url(engagement: Engagement, target_type: str, target_id: int) -> str:
    plural = {"challenge": "challenges", "bottleneck": "bottlenecks"}[target_type]
    return f"/api/v1/engagements/{engagement.id}/{plural}/{target_id}"


def link_count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(EvidenceLink)) or 0)


def link_exists(db: Session, link_id: int) -> bool:
    return db.scalar(select(EvidenceLink.id).where(EvidenceLink.id == link_id)) is not None


@pytest.mark.parametrize("target_type", ["challenge", "bottleneck", "recommendation"])
def test_link_to_each_target_type_is_201_and_shows_on_the_evidence(
    client: TestClient, db: Session, target_type: str
) -> None:
    engagement = make_engagement(db)
    evidence = make_evidence(db, engagement)
    target = MAKERS[target_type](db, engagement)
    db.commit()
    body = {
        "target_type": target_type,
        "target_id": target.id,
        "relation": "contradicts",
        "note": "Older data",
    }
    response = client.post(links_url(engagement, evidence), json=body)
    assert response.status_code == 201, response.text
    link = response.json()
    assert link["evidence_id"] == evidence.id and link["target_type"] == target_type
    assert link["target_id"] == target.id and link["relation"] == "contradicts"
    assert link["note"] == "Older data"
    stored = db.get(EvidenceLink, link["link_id"])
    assert stored is not None and getattr(stored, f"{target_type}_id") == target.id
    read = client.get(f"/api/v1/engagements/{engagement.id}/evidence/{evidence.id}").json()
    assert read["links"] == [{k: v for k, v in link.items() if k != "evidence_id"}]


@pytest.mark.parametrize("target_type", ["challenge", "bottleneck"])
def test_evidence_refs_appear_on_the_target_and_vanish_after_unlinking(
    client: TestClient, db: Session, target_type: str
) -> None:
    engagement = make_engagement(db)
    evidence = make_evidence(db, engagement)
    target = MAKERS[target_type](db, engagement)
    db.commit()
    body = {"target_type": target_type, "target_id": target.id, "relation": "supports"}
    link = client.post(links_url(engagement, evidence), json=body).json()
    read = client.get(target_url(engagement, target_type, target.id)).json()
    assert read["evidence"] == [
        {"link_id": link["link_id"], "evidence_id": evidence.id, "relation": "supports"}
    ]
    deleted = client.delete(f"{links_url(engagement, evidence)}/{link['link_id']}")
    assert deleted.status_code == 204
    assert client.get(target_url(engagement, target_type, target.id)).json()["evidence"] == []
    assert not link_exists(db, link["link_id"])


@pytest.mark.parametrize("target_type", ["challenge", "bottleneck", "recommendation"])
def test_target_of_another_engagement_is_422_and_writes_nothing(
    client: TestClient, db: Session, target_type: str
) -> None:
    engagement = make_engagement(db)
    evidence = make_evidence(db, engagement)
    foreign = MAKERS[target_type](db, make_engagement(db))
    db.commit()
    body = {"target_type": target_type, "target_id": foreign.id, "relation": "supports"}
    response = client.post(links_url(engagement, evidence), json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
    assert response.json()["fields"][0]["loc"] == ["body", "target_id"]
    assert link_count(db) == 0


def test_target_named_with_the_wrong_type_or_missing_is_422(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    evidence = make_evidence(db, engagement)
    challenge = make_challenge(db, engagement)
    db.commit()
    # A challenge's id read as a bottleneck's: there is no such bottleneck.
    for target_type, target_id in (("bottleneck", challenge.id), ("challenge", 2**31 - 1)):
        body = {"target_type": target_type, "target_id": target_id, "relation": "supports"}
        response = client.post(links_url(engagement, evidence), json=body)
        assert response.status_code == 422
        assert response.json()["fields"][0]["loc"] == ["body", "target_id"]
    assert link_count(db) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("target_type", "mission"),
        ("target_type", "Challenge"),
        ("relation", "refutes"),
        ("target_id", 0),
        ("target_id", 2**31),
        ("target_id", "one"),
    ],
)
def test_malformed_link_is_422(client: TestClient, db: Session, field: str, value: object) -> None:
    engagement = make_engagement(db)
    evidence = make_evidence(db, engagement)
    challenge = make_challenge(db, engagement)
    db.commit()
    body = {"target_type": "challenge", "target_id": challenge.id, "relation": "supports"}
    response = client.post(links_url(engagement, evidence), json={**body, field: value})
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert response.json()["fields"][0]["loc"][:2] == ["body", field]
    assert link_count(db) == 0


def test_same_evidence_linked_twice_to_the_same_target_is_409(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    evidence = make_evidence(db, engagement)
    bottleneck = make_bottleneck(db, engagement)
    link_evidence(db, evidence, bottleneck=bottleneck)
    db.commit()
    body = {"target_type": "bottleneck", "target_id": bottleneck.id, "relation": "context"}
    response = client.post(links_url(engagement, evidence), json=body)
    assert response.status_code == 409
    assert response.json()["error"] == "duplicate"
    assert link_count(db) == 1


def test_same_evidence_may_back_several_targets_and_targets_several_evidence(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    first, second = make_evidence(db, engagement), make_evidence(db, engagement)
    challenge = make_challenge(db, engagement)
    bottleneck = make_bottleneck(db, engagement)
    db.commit()
    for evidence, target_type, target_id in (
        (first, "challenge", challenge.id),
        (first, "bottleneck", bottleneck.id),
        (second, "bottleneck", bottleneck.id),
    ):
        body = {"target_type": target_type, "target_id": target_id, "relation": "supports"}
        assert client.post(links_url(engagement, evidence), json=body).status_code == 201
    refs = client.get(target_url(engagement, "bottleneck", bottleneck.id)).json()["evidence"]
    assert [r["evidence_id"] for r in refs] == [first.id, second.id]
    assert link_count(db) == 3


def test_evidence_of_another_engagement_cannot_be_linked_through_this_one(
    client: TestClient, db: Session
) -> None:
    mine, other = make_engagement(db), make_engagement(db)
    foreign_evidence = make_evidence(db, other)
    challenge = make_challenge(db, mine)
    db.commit()
    body = {"target_type": "challenge", "target_id": challenge.id, "relation": "supports"}
    response = client.post(links_url(mine, foreign_evidence), json=body)
    assert response.status_code == 404
    assert client.post(links_url(mine, 2**31 - 1), json=body).status_code == 404
    assert link_count(db) == 0


def test_deleting_a_link_of_other_evidence_is_404_and_keeps_it(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    evidence, other_evidence = make_evidence(db, engagement), make_evidence(db, engagement)
    link = link_evidence(db, other_evidence, challenge=make_challenge(db, engagement))
    db.commit()
    response = client.delete(f"{links_url(engagement, evidence)}/{link.id}")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert client.delete(f"{links_url(engagement, evidence)}/{2**31 - 1}").status_code == 404
    assert client.delete(f"{links_url(engagement, evidence)}/{2**31}").status_code == 422
    assert link_exists(db, link.id)


def test_deleting_a_link_through_another_engagement_is_404_and_keeps_it(
    client: TestClient, db: Session
) -> None:
    mine, other = make_engagement(db), make_engagement(db)
    evidence = make_evidence(db, other)
    link = link_evidence(db, evidence, bottleneck=make_bottleneck(db, other))
    db.commit()
    assert client.delete(f"{links_url(mine, evidence)}/{link.id}").status_code == 404
    assert link_exists(db, link.id)
    assert client.delete(f"{links_url(other, evidence)}/{link.id}").status_code == 204
    assert not link_exists(db, link.id)
