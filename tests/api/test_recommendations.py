"""/engagements/{id}/recommendations: CRUD, codes, bottlenecks, stage and delete rules, ETags."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Engagement, EvidenceLink, Recommendation, RecommendationBottleneck
from app.services import recommendations as recommendation_service
from app.vocab import Horizon, Instrument, Priority, Relation, Stage
from tests.conftest import StatementCounter
from tests.factories import (
    link_evidence,
    make_bottleneck,
    make_engagement,
    make_evidence,
    make_recommendation,
)

CARD = {
    "title": "Open the regional innovation voucher to cluster members",
    "description": "Extend the voucher scheme.",
    "benefits_costs": "Cheap; quick wins.",
    "risks": "Deadweight.",
    "responsible_actor": "Regional ministry of economy",
    "instrument": "funding",
    "priority": "high",
    "horizon": "short",
}


def url(engagement: Engagement, item_id: int | None = None) -> str:
    base = f"/api/v1/engagements/{engagement.id}/recommendations"
    return base if item_id is None else f"{base}/{item_id}"


def codes_in(db: Session, engagement: Engagement) -> list[str]:
    stmt = select(Recommendation.code).where(Recommendation.engagement_id == engagement.id)
    return sorted(db.scalars(stmt))


def links_of(db: Session, recommendation_id: int) -> list[int]:
    stmt = select(RecommendationBottleneck.bottleneck_id).where(
        RecommendationBottleneck.recommendation_id == recommendation_id
    )
    return sorted(db.scalars(stmt))


def test_create_then_read_recommendation(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    first, second = make_bottleneck(db, engagement), make_bottleneck(db, engagement)
    db.commit()
    body = {**CARD, "bottleneck_ids": [second.id, first.id]}
    created = client.post(url(engagement), json=body)
    assert created.status_code == 201, created.text
    card = created.json()
    assert card["code"] == "R1" and card["stage"] == "draft" and card["version"] == 1
    assert card["engagement_id"] == engagement.id
    assert card["bottleneck_ids"] == sorted([first.id, second.id])
    assert card["shared_at"] is None and card["evidence"] == []
    assert card["response"] == "pending" and card["implementation"] == "not_implemented"
    assert created.headers["etag"] == '"1"'
    read = client.get(url(engagement, card["id"]))
    assert read.status_code == 200
    assert read.json() == card and read.headers["etag"] == '"1"'
    assert links_of(db, card["id"]) == sorted([first.id, second.id])


def test_create_applies_defaults(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    created = client.post(url(engagement), json={"title": "Minimal", "instrument": "network"})
    assert created.status_code == 201, created.text
    card = created.json()
    assert card["priority"] == "medium" and card["horizon"] == "medium"
    assert card["bottleneck_ids"] == [] and card["responsible_actor"] == ""


def test_codes_follow_the_highest_existing_number(client: TestClient, db: Session) -> None:
    engagement, other = make_engagement(db), make_engagement(db)
    db.commit()
    ids = [client.post(url(engagement), json=CARD).json()["id"] for _ in range(3)]
    assert codes_in(db, engagement) == ["R1", "R2", "R3"]
    assert client.delete(url(engagement, ids[1])).status_code == 204
    assert client.post(url(engagement), json=CARD).json()["code"] == "R4"
    assert client.post(url(other), json=CARD).json()["code"] == "R1"
    assert codes_in(db, engagement) == ["R1", "R3", "R4"]


def test_next_code_compares_numbers_not_text(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    for code in ("R9", "R10", "R2"):
        make_recommendation(db, engagement, code=code)
    db.commit()
    assert client.post(url(engagement), json=CARD).json()["code"] == "R11"


def test_a_code_taken_despite_the_lock_is_still_refused_with_409(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    engagement = make_engagement(db)
    make_recommendation(db, engagement, code="R1")
    db.commit()
    # Requests take codes one at a time (concurrency: tests/live/test_numbering.py); a writer
    # that bypassed the lock (a script, a console) is still stopped by the unique constraint.
    monkeypatch.setattr(recommendation_service, "_next_code", lambda *_: "R1")
    response = client.post(url(engagement), json=CARD)
    assert response.status_code == 409
    assert response.json()["error"] == "duplicate"
    assert codes_in(db, engagement) == ["R1"]


def test_list_is_in_code_number_order(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    for code in ("R10", "R2", "R1", "R11"):
        make_recommendation(db, engagement, code=code)
    make_recommendation(db, make_engagement(db), code="R3")
    db.commit()
    page = client.get(url(engagement)).json()
    assert [r["code"] for r in page["items"]] == ["R1", "R2", "R10", "R11"]
    assert page["total"] == 4 and page["limit"] == 50 and page["offset"] == 0
    second = client.get(url(engagement), params={"limit": 2, "offset": 2}).json()
    assert [r["code"] for r in second["items"]] == ["R10", "R11"]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("stage", "withdrawn", ["R2"]),
        ("priority", "high", ["R3"]),
        ("horizon", "long", ["R4"]),
        ("instrument", "skills", ["R5"]),
    ],
)
def test_list_filters(
    client: TestClient, db: Session, field: str, value: str, expected: list[str]
) -> None:
    engagement = make_engagement(db)
    plain: dict[str, Any] = {
        "priority": Priority.LOW,
        "horizon": Horizon.SHORT,
        "instrument": Instrument.FUNDING,
    }
    make_recommendation(db, engagement, code="R1", **plain)
    make_recommendation(db, engagement, code="R2", **plain | {"stage": Stage.WITHDRAWN})
    make_recommendation(db, engagement, code="R3", **plain | {"priority": Priority.HIGH})
    make_recommendation(db, engagement, code="R4", **plain | {"horizon": Horizon.LONG})
    make_recommendation(db, engagement, code="R5", **plain | {"instrument": Instrument.SKILLS})
    db.commit()
    page = client.get(url(engagement), params={field: value}).json()
    assert [r["code"] for r in page["items"]] == expected and page["total"] == len(expected)


VOCABULARY_FIELDS = [
    *(("GET", "query", f) for f in ("stage", "priority", "horizon", "instrument")),
    *(("POST", "body", f) for f in ("instrument", "priority", "horizon")),
    *(("PATCH", "body", f) for f in ("instrument", "priority", "horizon", "stage")),
]


@pytest.mark.parametrize(("method", "where", "field"), VOCABULARY_FIELDS)
def test_value_outside_vocabulary_is_422_and_changes_nothing(
    client: TestClient, db: Session, method: str, where: str, field: str
) -> None:
    engagement = make_engagement(db)
    recommendation = make_recommendation(db, engagement, code="R1")
    db.commit()
    if method == "GET":
        response = client.get(url(engagement), params={field: "urgent"})
    elif method == "POST":
        response = client.post(url(engagement), json={**CARD, field: "urgent"})
    else:
        response = client.patch(url(engagement, recommendation.id), json={field: "urgent"})
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == [where, field]
    db.refresh(recommendation)
    assert codes_in(db, engagement) == ["R1"] and recommendation.version == 1


def test_bottleneck_of_another_engagement_is_refused_and_nothing_written(
    client: TestClient, db: Session
) -> None:
    engagement, other = make_engagement(db), make_engagement(db)
    own, foreign = make_bottleneck(db, engagement), make_bottleneck(db, other)
    db.commit()
    body = {**CARD, "bottleneck_ids": [own.id, foreign.id, 999_999]}
    response = client.post(url(engagement), json=body)
    assert response.status_code == 422
    error = response.json()
    assert error["error"] == "invalid_input"
    assert error["fields"][0]["loc"] == ["body", "bottleneck_ids"]
    assert str(foreign.id) in error["detail"] and "999999" in error["detail"]
    assert codes_in(db, engagement) == []
    assert db.scalars(select(RecommendationBottleneck)).all() == []


def test_patch_with_foreign_bottleneck_keeps_the_links(client: TestClient, db: Session) -> None:
    engagement, other = make_engagement(db), make_engagement(db)
    own, foreign = make_bottleneck(db, engagement), make_bottleneck(db, other)
    recommendation = make_recommendation(db, engagement, bottlenecks=[own])
    db.commit()
    response = client.patch(
        url(engagement, recommendation.id), json={"bottleneck_ids": [foreign.id]}
    )
    assert response.status_code == 422 and response.json()["error"] == "invalid_input"
    assert links_of(db, recommendation.id) == [own.id]


@pytest.mark.parametrize(
    "bottleneck_ids",
    [[1, 1], list(range(1, 52)), [0], [2**31], ["x"]],
    ids=["duplicates", "over-cap", "zero", "overflow", "not-int"],
)
def test_malformed_bottleneck_ids_are_422(
    client: TestClient, db: Session, bottleneck_ids: list[Any]
) -> None:
    engagement = make_engagement(db)
    db.commit()
    response = client.post(url(engagement), json={**CARD, "bottleneck_ids": bottleneck_ids})
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"][:2] == ["body", "bottleneck_ids"]
    assert codes_in(db, engagement) == []


def test_patch_replaces_bottlenecks_and_bumps_the_version(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    first, second, third = (make_bottleneck(db, engagement) for _ in range(3))
    recommendation = make_recommendation(db, engagement, bottlenecks=[first, second])
    db.commit()
    target = url(engagement, recommendation.id)
    response = client.patch(target, json={"bottleneck_ids": [second.id, third.id]})
    assert response.status_code == 200, response.text
    assert response.json()["bottleneck_ids"] == sorted([second.id, third.id])
    assert response.json()["version"] == 2 and response.headers["etag"] == '"2"'
    assert links_of(db, recommendation.id) == sorted([second.id, third.id])
    cleared = client.patch(target, json={"bottleneck_ids": []})
    assert cleared.json()["bottleneck_ids"] == [] and cleared.json()["version"] == 3
    assert links_of(db, recommendation.id) == []


def test_patch_changes_the_card_but_refuses_null(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    recommendation = make_recommendation(db, engagement)
    db.commit()
    changes = {"title": "New title", "risks": "Few", "priority": "low", "horizon": "long"}
    response = client.patch(url(engagement, recommendation.id), json=changes)
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in changes} == changes
    db.refresh(recommendation)
    assert recommendation.title == "New title" and recommendation.version == 2
    refused = client.patch(url(engagement, recommendation.id), json={"title": None})
    assert refused.status_code == 422
    db.refresh(recommendation)
    assert recommendation.title == "New title" and recommendation.version == 2


@pytest.mark.parametrize(
    ("start", "to"),
    [("draft", "withdrawn"), ("withdrawn", "draft"), ("shared", "withdrawn")],
)
def test_allowed_stage_moves(client: TestClient, db: Session, start: str, to: str) -> None:
    engagement = make_engagement(db)
    shared_at = datetime(2019, 5, 1, tzinfo=UTC) if start == "shared" else None
    recommendation = make_recommendation(db, engagement, stage=start, shared_at=shared_at)
    db.commit()
    response = client.patch(url(engagement, recommendation.id), json={"stage": to})
    assert response.status_code == 200, response.text
    assert response.json()["stage"] == to
    db.refresh(recommendation)
    assert recommendation.stage == to and recommendation.shared_at == shared_at


@pytest.mark.parametrize("start", ["draft", "withdrawn"])
def test_sharing_by_patch_is_409(client: TestClient, db: Session, start: str) -> None:
    engagement = make_engagement(db)
    recommendation = make_recommendation(db, engagement, stage=start)
    db.commit()
    response = client.patch(url(engagement, recommendation.id), json={"stage": "shared"})
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert "policy briefing" in response.json()["detail"]
    db.refresh(recommendation)
    assert recommendation.stage == start and recommendation.shared_at is None


@pytest.mark.parametrize("start", ["shared", "withdrawn"])
def test_once_shared_recommendation_cannot_return_to_draft(
    client: TestClient, db: Session, start: str
) -> None:
    engagement = make_engagement(db)
    shared_at = datetime(2019, 5, 1, tzinfo=UTC)
    recommendation = make_recommendation(db, engagement, stage=start, shared_at=shared_at)
    db.commit()
    response = client.patch(url(engagement, recommendation.id), json={"stage": "draft"})
    assert response.status_code == 409
    assert response.json()["error"] == "invalid_transition"
    db.refresh(recommendation)
    assert recommendation.stage == start and recommendation.version == 1


READ_ONLY = {
    "code": "R99",
    "shared_at": "2019-05-01T00:00:00Z",
    "response": "accepted",
    "implementation": "fully_implemented",
    "engagement_id": 1,
    "id": 5,
    "version": 3,
}


@pytest.mark.parametrize(("field", "value"), [*READ_ONLY.items(), ("stage", "draft")])
def test_read_only_field_on_create_is_422(
    client: TestClient, db: Session, field: str, value: Any
) -> None:
    engagement = make_engagement(db)
    db.commit()
    response = client.post(url(engagement), json={**CARD, field: value})
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", field]
    assert codes_in(db, engagement) == []


@pytest.mark.parametrize(("field", "value"), READ_ONLY.items())
def test_read_only_field_on_patch_is_422(
    client: TestClient, db: Session, field: str, value: Any
) -> None:
    engagement = make_engagement(db)
    recommendation = make_recommendation(db, engagement, code="R1")
    db.commit()
    response = client.patch(url(engagement, recommendation.id), json={field: value, "risks": "x"})
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", field]
    db.refresh(recommendation)
    assert recommendation.version == 1 and recommendation.code == "R1"
    assert recommendation.risks == ""


def test_delete_draft_removes_it_with_its_links(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    bottleneck = make_bottleneck(db, engagement)
    recommendation = make_recommendation(db, engagement, bottlenecks=[bottleneck])
    link_evidence(db, make_evidence(db, engagement), recommendation=recommendation)
    db.commit()
    target, recommendation_id = url(engagement, recommendation.id), recommendation.id
    assert client.delete(target).status_code == 204
    assert client.get(target).status_code == 404
    assert codes_in(db, engagement) == [] and links_of(db, recommendation_id) == []
    assert db.scalars(select(EvidenceLink)).all() == []


@pytest.mark.parametrize("stage", ["shared", "withdrawn"])
def test_delete_of_shared_or_withdrawn_is_409(client: TestClient, db: Session, stage: str) -> None:
    engagement = make_engagement(db)
    recommendation = make_recommendation(db, engagement, stage=stage)
    db.commit()
    response = client.delete(url(engagement, recommendation.id))
    assert response.status_code == 409
    assert response.json()["error"] == "conflict" and "withdraw" in response.json()["detail"]
    assert db.get(Recommendation, recommendation.id) is not None


def test_stale_if_match_is_412_and_current_one_succeeds(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    recommendation = make_recommendation(db, engagement)
    db.commit()
    target = url(engagement, recommendation.id)
    stale = client.patch(target, json={"title": "A"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412 and stale.json()["error"] == "precondition_failed"
    assert client.delete(target, headers={"If-Match": '"7"'}).status_code == 412
    db.refresh(recommendation)
    assert recommendation.version == 1 and recommendation.title != "A"
    fresh = client.patch(target, json={"title": "A"}, headers={"If-Match": '"1"'})
    assert fresh.status_code == 200 and fresh.headers["etag"] == '"2"'
    assert client.delete(target, headers={"If-Match": '"2"'}).status_code == 204


def test_recommendation_of_another_engagement_is_404(client: TestClient, db: Session) -> None:
    engagement, other = make_engagement(db), make_engagement(db)
    foreign = make_recommendation(db, other)
    db.commit()
    target = url(engagement, foreign.id)
    assert client.get(target).status_code == 404
    assert client.patch(target, json={"title": "Hijacked"}).status_code == 404
    response = client.delete(target)
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    db.refresh(foreign)
    assert foreign.title != "Hijacked"


def test_unknown_ids_are_404_and_oversized_ones_422(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    for path in ("/api/v1/engagements/424242/recommendations", url(engagement, 424242)):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert client.get(url(engagement, 2**31)).status_code == 422
    assert client.delete(url(engagement, 10**20)).status_code == 422


def test_reads_carry_evidence_references(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    recommendation = make_recommendation(db, engagement)
    supports = link_evidence(db, make_evidence(db, engagement), recommendation=recommendation)
    context = link_evidence(
        db, make_evidence(db, engagement), recommendation=recommendation, relation=Relation.CONTEXT
    )
    db.commit()
    expected = [
        {"link_id": supports.id, "evidence_id": supports.evidence_id, "relation": "supports"},
        {"link_id": context.id, "evidence_id": context.evidence_id, "relation": "context"},
    ]
    assert client.get(url(engagement, recommendation.id)).json()["evidence"] == expected
    assert client.get(url(engagement)).json()["items"][0]["evidence"] == expected


def _list_statements(client: TestClient, db: Session, counter: StatementCounter, size: int) -> int:
    engagement = make_engagement(db)
    bottleneck = make_bottleneck(db, engagement)
    evidence = make_evidence(db, engagement)
    for _ in range(size):
        recommendation = make_recommendation(db, engagement, bottlenecks=[bottleneck])
        link_evidence(db, evidence, recommendation=recommendation)
    db.commit()
    before = counter.count
    page = client.get(url(engagement)).json()
    assert len(page["items"]) == size
    assert all(r["evidence"] and r["bottleneck_ids"] == [bottleneck.id] for r in page["items"])
    return counter.count - before


def test_list_uses_the_same_statements_for_3_and_30_items(
    client: TestClient, db: Session, sql_statements: StatementCounter
) -> None:
    small = _list_statements(client, db, sql_statements, 3)
    large = _list_statements(client, db, sql_statements, 30)
    assert small == large
