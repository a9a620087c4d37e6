"""/engagements/{id}/transitions, /readiness, /history: every gate through HTTP, the refusals
(and that they change nothing), holds, reopening, If-Match, 404s."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Engagement, PhaseChange, User
from app.vocab import BottleneckStatus, Phase, Relation, ReportStatus, Response, Stage
from tests.factories import (
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_milestone,
    make_mission,
    make_recommendation,
    make_report,
)

OPEN = ["scoping", "diagnosis", "recommendations", "reporting", "follow_up"]


def url(engagement_id: int, path: str) -> str:
    return f"/api/v1/engagements/{engagement_id}/{path}"


def move(client: TestClient, engagement: Engagement, to: str, note: str = "", **kw: Any) -> Any:
    return client.post(url(engagement.id, "transitions"), json={"to": to, "note": note}, **kw)


def stored(db: Session, engagement: Engagement) -> tuple[Phase, Phase | None, int, int]:
    """(phase, phase_before_hold, version, number of phase changes) as the database has them."""
    db.expire_all()
    row = db.get(Engagement, engagement.id)
    assert row is not None
    changes = db.scalar(select(func.count()).where(PhaseChange.engagement_id == engagement.id))
    return row.phase, row.phase_before_hold, row.version, int(changes or 0)


# --- Each gate, blocked then satisfied ---------------------------------------------------------


def _arrange_diagnosis(db: Session, engagement: Engagement) -> None:
    make_challenge(db, engagement)


def _arrange_recommendations(db: Session, engagement: Engagement) -> None:
    bottleneck = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED)
    link_evidence(db, make_evidence(db, engagement), bottleneck=bottleneck)


def _arrange_reporting(db: Session, engagement: Engagement) -> None:
    make_recommendation(db, engagement, bottlenecks=[make_bottleneck(db, engagement)])


def _arrange_follow_up(db: Session, engagement: Engagement) -> None:
    make_report(db, engagement, status=ReportStatus.PUBLISHED)


def _arrange_pending_response(db: Session, engagement: Engagement) -> None:
    make_recommendation(db, engagement, stage=Stage.SHARED)


GATES = [
    ("scoping", "diagnosis", "no_challenge", _arrange_diagnosis),
    ("diagnosis", "recommendations", "no_confirmed_bottleneck", _arrange_recommendations),
    ("recommendations", "reporting", "no_recommendation", _arrange_reporting),
    ("reporting", "follow_up", "no_published_policy_briefing", _arrange_follow_up),
]


@pytest.mark.parametrize(("start", "to", "code", "arrange"), GATES)
def test_gate_blocks_until_its_condition_is_met(
    client: TestClient, db: Session, start: str, to: str, code: str, arrange: Any
) -> None:
    engagement = make_engagement(db, phase=Phase(start))
    db.commit()
    blocked = move(client, engagement, to)
    assert blocked.status_code == 409, blocked.text
    body = blocked.json()
    assert body["error"] == "transition_blocked" and start in body["detail"]
    problem = body["problems"][0]
    assert len(body["problems"]) == 1 and problem.pop("message")
    assert problem == {
        "severity": "blocking",
        "code": code,
        "entity_type": "engagement",
        "entity_id": engagement.id,
    }
    assert stored(db, engagement) == (Phase(start), None, 1, 0)

    arrange(db, engagement)
    db.commit()
    passed = move(client, engagement, to)
    assert passed.status_code == 201, passed.text
    assert stored(db, engagement) == (Phase(to), None, 2, 1)


def test_closing_is_blocked_by_each_pending_shared_recommendation(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db, phase=Phase.FOLLOW_UP)
    first = make_recommendation(db, engagement, stage=Stage.SHARED)
    second = make_recommendation(db, engagement, stage=Stage.SHARED)
    db.commit()
    blocked = move(client, engagement, "closed")
    assert blocked.status_code == 409
    assert [(p["code"], p["entity_id"]) for p in blocked.json()["problems"]] == [
        ("recommendation_response_pending", first.id),
        ("recommendation_response_pending", second.id),
    ]
    assert stored(db, engagement) == (Phase.FOLLOW_UP, None, 1, 0)

    first.response = Response.ACCEPTED
    second.response = Response.PARTIALLY_ACCEPTED
    db.commit()
    assert move(client, engagement, "closed").status_code == 201
    assert stored(db, engagement)[0] == Phase.CLOSED


def test_blocked_transition_lists_every_unmet_condition_and_changes_nothing(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db, phase=Phase.DIAGNOSIS)
    first = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED)
    second = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED)
    link_evidence(
        db, make_evidence(db, engagement), bottleneck=second, relation=Relation.CONTRADICTS
    )
    db.commit()
    response = move(client, engagement, "recommendations")
    assert response.status_code == 409
    assert [(p["code"], p["entity_type"], p["entity_id"]) for p in response.json()["problems"]] == [
        ("bottleneck_without_supporting_evidence", "bottleneck", first.id),
        ("bottleneck_without_supporting_evidence", "bottleneck", second.id),
    ]
    assert stored(db, engagement) == (Phase.DIAGNOSIS, None, 1, 0)
    assert client.get(url(engagement.id, "history")).json()["total"] == 0


# --- Allowed and refused moves -----------------------------------------------------------------


def test_successful_transition_answers_the_phase_change(
    client: TestClient, db: Session, admin_user: User
) -> None:
    engagement = make_engagement(db)
    make_challenge(db, engagement)
    db.commit()
    response = move(client, engagement, "diagnosis", note="Scope agreed")
    assert response.status_code == 201
    body = response.json()
    assert body.pop("id") >= 1 and body.pop("at")
    assert body == {
        "engagement_id": engagement.id,
        "from_phase": "scoping",
        "to_phase": "diagnosis",
        "note": "Scope agreed",
        "actor_id": admin_user.id,
    }
    assert response.headers["etag"] == '"2"'


def test_skipping_forward_is_refused_naming_the_allowed_targets(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    make_challenge(db, engagement)
    db.commit()
    response = move(client, engagement, "recommendations")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "invalid_transition"
    for phase in ("scoping", "recommendations", "diagnosis", "on_hold", "cancelled"):
        assert phase in body["detail"]
    assert stored(db, engagement) == (Phase.SCOPING, None, 1, 0)


def test_step_back_needs_a_note(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.RECOMMENDATIONS)
    db.commit()
    for body in ({"to": "diagnosis", "note": "   "}, {"to": "diagnosis"}):
        refused = client.post(url(engagement.id, "transitions"), json=body)
        assert refused.status_code == 422 and refused.json()["error"] == "invalid_input"
        assert refused.json()["fields"][0]["loc"] == ["body", "note"]
    assert stored(db, engagement) == (Phase.RECOMMENDATIONS, None, 1, 0)

    accepted = move(client, engagement, "diagnosis", note="New evidence contradicts B2")
    assert accepted.status_code == 201
    assert accepted.json()["note"] == "New evidence contradicts B2"
    assert stored(db, engagement) == (Phase.DIAGNOSIS, None, 2, 1)


@pytest.mark.parametrize(
    ("start", "to"),
    [("diagnosis", "diagnosis"), ("reporting", "diagnosis"), ("scoping", "follow_up")],
)
def test_staying_put_and_jumping_are_refused(
    client: TestClient, db: Session, start: str, to: str
) -> None:
    engagement = make_engagement(db, phase=Phase(start))
    db.commit()
    response = move(client, engagement, to, note="why not")
    assert response.status_code == 409 and response.json()["error"] == "invalid_transition"
    assert stored(db, engagement) == (Phase(start), None, 1, 0)


def test_closed_engagement_reopens_to_follow_up_with_a_note(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db, phase=Phase.CLOSED)
    db.commit()
    assert move(client, engagement, "follow_up").status_code == 422
    assert move(client, engagement, "on_hold").json()["error"] == "invalid_transition"
    assert move(client, engagement, "cancelled").json()["error"] == "invalid_transition"
    reopened = move(client, engagement, "follow_up", note="Region asked for a progress review")
    assert reopened.status_code == 201
    assert stored(db, engagement) == (Phase.FOLLOW_UP, None, 2, 1)


@pytest.mark.parametrize("left", OPEN)
def test_hold_returns_only_to_the_phase_it_left(client: TestClient, db: Session, left: str) -> None:
    engagement = make_engagement(db, phase=Phase(left))
    db.commit()
    assert move(client, engagement, "on_hold", note="Elections").status_code == 201
    assert stored(db, engagement) == (Phase.ON_HOLD, Phase(left), 2, 1)
    for other in (p for p in [*OPEN, "closed", "on_hold"] if p != left):
        assert move(client, engagement, other, note="x").json()["error"] == "invalid_transition"
    resumed = move(client, engagement, left)
    assert resumed.status_code == 201
    assert (resumed.json()["from_phase"], resumed.json()["to_phase"]) == ("on_hold", left)
    assert stored(db, engagement) == (Phase(left), None, 3, 2)


@pytest.mark.parametrize("start", [*OPEN, "on_hold"])
def test_cancelled_is_terminal(client: TestClient, db: Session, start: str) -> None:
    before = Phase.DIAGNOSIS if start == "on_hold" else None
    engagement = make_engagement(db, phase=Phase(start), phase_before_hold=before)
    db.commit()
    assert move(client, engagement, "cancelled").status_code == 201
    for phase in Phase:
        response = move(client, engagement, phase.value, note="undo")
        assert response.status_code == 409 and response.json()["error"] == "invalid_transition"
    assert stored(db, engagement) == (Phase.CANCELLED, None, 2, 1)


# --- Readiness ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to", "arrange"),
    [
        ("scoping", "diagnosis", None),
        ("scoping", "diagnosis", _arrange_diagnosis),
        ("diagnosis", "recommendations", None),
        ("diagnosis", "recommendations", _arrange_recommendations),
        ("recommendations", "reporting", None),
        ("recommendations", "reporting", _arrange_reporting),
        ("reporting", "follow_up", None),
        ("reporting", "follow_up", _arrange_follow_up),
        ("follow_up", "closed", None),
        ("follow_up", "closed", _arrange_pending_response),
        ("diagnosis", "scoping", None),
        ("scoping", "reporting", _arrange_diagnosis),
    ],
)
def test_readiness_matches_the_transitions_verdict(
    client: TestClient, db: Session, start: str, to: str, arrange: Any
) -> None:
    engagement = make_engagement(db, phase=Phase(start))
    if arrange:
        arrange(db, engagement)
    db.commit()
    readiness = client.get(url(engagement.id, "readiness"), params={"to": to})
    assert readiness.status_code == 200
    verdict = move(client, engagement, to, note="Readiness assumes a note is given")
    assert readiness.json()["ready"] is (verdict.status_code == 201)
    blocking = [p for p in readiness.json()["problems"] if p["severity"] == "blocking"]
    if verdict.json().get("error") == "transition_blocked":
        assert blocking == verdict.json()["problems"]
    elif verdict.json().get("error") == "invalid_transition":
        assert [p["code"] for p in blocking] == ["invalid_transition"]
    else:
        assert blocking == []


def test_warnings_show_early_and_never_block(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.DIAGNOSIS)
    confirmed = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED)
    sourceless = make_evidence(db, engagement, source="")
    link_evidence(db, sourceless, bottleneck=confirmed)
    hypothesis = make_bottleneck(db, engagement)
    overdue = make_milestone(db, engagement)
    db.commit()
    response = client.get(url(engagement.id, "readiness"), params={"to": "recommendations"})
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True
    assert [
        (p["severity"], p["code"], p["entity_type"], p["entity_id"]) for p in body["problems"]
    ] == [
        ("warning", "evidence_without_source", "evidence", sourceless.id),
        ("warning", "no_mission", "engagement", engagement.id),
        ("warning", "bottleneck_not_addressed", "bottleneck", confirmed.id),
        ("warning", "milestone_overdue", "milestone", overdue.id),
        ("warning", "bottleneck_still_hypothesis", "bottleneck", hypothesis.id),
    ]
    assert all(p["message"] for p in body["problems"])
    assert move(client, engagement, "recommendations").status_code == 201


def test_readiness_for_a_move_not_allowed_is_a_blocking_problem(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db, phase=Phase.CANCELLED)
    make_mission(db, engagement)
    db.commit()
    body = client.get(url(engagement.id, "readiness"), params={"to": "scoping"}).json()
    assert body["ready"] is False
    assert [(p["severity"], p["code"]) for p in body["problems"]] == [
        ("blocking", "invalid_transition")
    ]


def test_readiness_needs_a_known_phase(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    assert client.get(url(engagement.id, "readiness")).status_code == 422
    bad = client.get(url(engagement.id, "readiness"), params={"to": "done"})
    assert bad.status_code == 422 and bad.json()["error"] == "validation_error"


# --- History, If-Match, input, 404 -------------------------------------------------------------


def test_history_lists_changes_oldest_first_and_paginates(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    make_challenge(db, engagement)
    db.commit()
    steps = [("diagnosis", ""), ("on_hold", "summer"), ("diagnosis", ""), ("scoping", "redo")]
    for to, note in steps:
        assert move(client, engagement, to, note=note).status_code == 201
    page = client.get(url(engagement.id, "history")).json()
    assert page["total"] == 4 and page["limit"] == 50 and page["offset"] == 0
    assert [(c["from_phase"], c["to_phase"]) for c in page["items"]] == [
        ("scoping", "diagnosis"),
        ("diagnosis", "on_hold"),
        ("on_hold", "diagnosis"),
        ("diagnosis", "scoping"),
    ]
    second = client.get(url(engagement.id, "history"), params={"limit": 1, "offset": 1}).json()
    assert [c["note"] for c in second["items"]] == ["summer"] and second["total"] == 4


def test_history_shows_only_this_engagements_changes(client: TestClient, db: Session) -> None:
    mine, other = make_engagement(db), make_engagement(db)
    db.commit()
    assert move(client, other, "on_hold").status_code == 201
    page = client.get(url(mine.id, "history")).json()
    assert (page["items"], page["total"]) == ([], 0)


def test_stale_if_match_is_412_and_current_one_succeeds(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    stale = move(client, engagement, "on_hold", headers={"If-Match": '"5"'})
    assert stale.status_code == 412 and stale.json()["error"] == "precondition_failed"
    assert stored(db, engagement) == (Phase.SCOPING, None, 1, 0)
    fresh = move(client, engagement, "on_hold", headers={"If-Match": '"1"'})
    assert fresh.status_code == 201
    chained = move(client, engagement, "scoping", headers={"If-Match": fresh.headers["etag"]})
    assert chained.status_code == 201
    assert stored(db, engagement) == (Phase.SCOPING, None, 3, 2)


def test_malformed_transition_bodies_are_422(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    make_challenge(db, engagement)
    db.commit()
    path = url(engagement.id, "transitions")
    for body in (
        {"to": "finished"},
        {"note": "no target"},
        {"to": "diagnosis", "note": "x" * 20_001},
        {"to": "diagnosis", "actor_id": 1},
    ):
        response = client.post(path, json=body)
        assert response.status_code == 422 and response.json()["error"] == "validation_error"
    assert stored(db, engagement) == (Phase.SCOPING, None, 1, 0)


@pytest.mark.parametrize(
    ("engagement_id", "status", "error"),
    [(999_999, 404, "not_found"), (0, 422, "validation_error"), (2**31, 422, "validation_error")],
)
def test_unknown_or_out_of_range_engagement(
    client: TestClient, engagement_id: int, status: int, error: str
) -> None:
    for response in (
        client.post(url(engagement_id, "transitions"), json={"to": "diagnosis"}),
        client.get(url(engagement_id, "readiness"), params={"to": "diagnosis"}),
        client.get(url(engagement_id, "history")),
    ):
        assert response.status_code == status and response.json()["error"] == error
