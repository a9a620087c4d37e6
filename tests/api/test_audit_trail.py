"""Every write through the API leaves exactly its audit entries; a refused write leaves none."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEntry, Engagement, User
from app.vocab import BottleneckStatus, Role, Stage
from tests.conftest import bearer
from tests.factories import (
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_indicator,
    make_milestone,
    make_mission,
    make_recommendation,
    make_region,
    make_user,
)

E = "/api/v1/engagements/{engagement}"


def _world(db: Session) -> dict[str, int]:
    engagement = make_engagement(db)
    challenge = make_challenge(db, engagement)
    bottleneck = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED)
    evidence = make_evidence(db, engagement)
    shared = make_recommendation(db, engagement, stage=Stage.SHARED)
    return {
        "engagement": engagement.id,
        "region": make_region(db).id,
        "challenge": challenge.id,
        "bottleneck": bottleneck.id,
        "evidence": evidence.id,
        "link": link_evidence(db, evidence, challenge=challenge).id,
        "recommendation": make_recommendation(db, engagement, bottlenecks=[bottleneck]).id,
        "mission": make_mission(db, engagement).id,
        "milestone": make_milestone(db, engagement).id,
        "consultant": make_user(db).id,
        "shared": shared.id,
        "indicator": make_indicator(db, shared).id,
    }


# (method, path, body, the entries it must leave as (action, entity_type))
WRITES: list[tuple[str, str, Any, list[tuple[str, str]]]] = [
    (
        "POST",
        "/api/v1/regions",
        {"nuts_code": "SI", "name": "Slovenia", "country_code": "SI", "nuts_level": 0},
        [("create", "region")],
    ),
    ("PATCH", "/api/v1/regions/{region}", {"name": "Renamed"}, [("update", "region")]),
    ("DELETE", "/api/v1/regions/{region}", None, [("delete", "region")]),
    ("POST", f"{E}/challenges", {"title": "Skills gap"}, [("create", "challenge")]),
    ("PATCH", f"{E}/challenges/{{challenge}}", {"priority": 1}, [("update", "challenge")]),
    (
        "POST",
        f"{E}/bottlenecks",
        {"title": "Weak intermediaries", "framework_condition": "knowledge_skills"},
        [("create", "bottleneck")],
    ),
    ("PATCH", f"{E}/bottlenecks/{{bottleneck}}", {"severity": 5}, [("update", "bottleneck")]),
    (
        "POST",
        f"{E}/evidence",
        {"kind": "publication", "title": "RIS 2019"},
        [("create", "evidence")],
    ),
    ("DELETE", f"{E}/evidence/{{evidence}}/links/{{link}}", None, [("delete", "evidence_link")]),
    (
        "POST",
        f"{E}/evidence/{{evidence}}/links",
        {"target_type": "bottleneck", "target_id": "{bottleneck}", "relation": "supports"},
        [("create", "evidence_link")],
    ),
    (
        "POST",
        f"{E}/recommendations",
        {
            "title": "Create a cluster board",
            "instrument": "governance",
            "bottleneck_ids": ["{bottleneck}"],
        },
        [("create", "recommendation")],
    ),
    (
        "PATCH",
        f"{E}/recommendations/{{recommendation}}",
        {"risks": "Capture by incumbents"},
        [("update", "recommendation")],
    ),
    ("DELETE", f"{E}/recommendations/{{recommendation}}", None, [("delete", "recommendation")]),
    (
        "POST",
        f"{E}/recommendations/{{shared}}/updates",
        {"response": "accepted", "implementation": "some_respects", "comment": "Board set up"},
        [("create", "status_update"), ("update", "recommendation")],
    ),
    (
        "POST",
        f"{E}/recommendations/{{shared}}/indicators",
        {
            "name": "Cluster members",
            "baseline_value": 40,
            "baseline_year": 2018,
            "target_value": 80,
            "target_year": 2022,
        },
        [("create", "indicator")],
    ),
    (
        "PATCH",
        f"{E}/recommendations/{{shared}}/indicators/{{indicator}}",
        {"target_value": 90},
        [("update", "indicator")],
    ),
    (
        "POST",
        f"{E}/recommendations/{{shared}}/indicators/{{indicator}}/measurements",
        {"value": 55, "measured_on": "2020-06-30"},
        [("create", "measurement")],
    ),
    (
        "DELETE",
        f"{E}/recommendations/{{shared}}/indicators/{{indicator}}",
        None,
        [("delete", "indicator")],
    ),
    (
        "POST",
        f"{E}/missions",
        {
            "kind": "workshop",
            "title": "Kick-off",
            "start_date": "2019-02-01",
            "consultant_ids": ["{consultant}"],
        },
        [("create", "mission")],
    ),
    ("DELETE", f"{E}/missions/{{mission}}", None, [("delete", "mission")]),
    (
        "POST",
        f"{E}/milestones",
        {"title": "Draft report", "due_date": "2019-09-30"},
        [("create", "milestone")],
    ),
    (
        "PATCH",
        f"{E}/milestones/{{milestone}}",
        {"completed_on": "2019-09-20"},
        [("update", "milestone")],
    ),
    ("POST", f"{E}/transitions", {"to": "diagnosis"}, [("transition", "engagement")]),
    ("PATCH", E, {"title": "Renamed engagement"}, [("update", "engagement")]),
    ("PATCH", E, {"themes": ["kets"]}, [("update", "engagement")]),
    ("PUT", f"{E}/members", {"user_ids": ["{consultant}"]}, [("update", "engagement")]),
    ("DELETE", f"{E}/milestones/{{milestone}}", None, [("delete", "milestone")]),
    ("DELETE", E, None, [("delete", "engagement")]),
    (
        "POST",
        "/api/v1/engagements",
        {
            "reference": "EOCIC-2019-SI",
            "title": "SRIP monitoring",
            "kind": "regional_advice",
            "region_id": "{region}",
            "themes": ["digitalisation"],
        },
        [("create", "engagement")],
    ),
    (
        "POST",
        "/api/v1/users",
        {
            "email": "new@x.org",
            "full_name": "New",
            "role": "monitor",
            "password": "a long enough password",
        },
        [("create", "user")],
    ),
]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _trail(db: Session, after: int) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id)))


def _last_id(db: Session) -> int:
    return db.scalar(select(func.max(AuditEntry.id))) or 0


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), WRITES, ids=[f"{w[0]} {w[1]}" for w in WRITES]
)
def test_write_leaves_exactly_its_entries(
    client: TestClient,
    db: Session,
    admin_user: User,
    method: str,
    path: str,
    body: Any,
    expected: list[tuple[str, str]],
) -> None:
    ids = _world(db)
    db.commit()
    before = _last_id(db)
    response = client.request(
        method, path.format(**ids), json=_fill(body, ids), headers={"X-Request-ID": "audit-test-1"}
    )
    assert response.status_code < 300, response.text
    assert response.headers["x-request-id"] == "audit-test-1"
    entries = _trail(db, before)
    assert [(e.action, e.entity_type) for e in entries] == expected
    assert all(e.actor_id == admin_user.id and e.request_id == "audit-test-1" for e in entries)
    assert all(e.changes for e in entries)


def test_update_records_old_and_new_values(client: TestClient, db: Session) -> None:
    ids = _world(db)
    db.commit()
    before = _last_id(db)
    client.patch(
        f"/api/v1/engagements/{ids['engagement']}/challenges/{ids['challenge']}",
        json={"title": "Renamed", "priority": 1},
    )
    (entry,) = _trail(db, before)
    assert entry.changes == {"title": [entry.changes["title"][0], "Renamed"], "priority": [2, 1]}
    assert entry.engagement_id == ids["engagement"]


REFUSED: list[tuple[str, str, Any, Callable[[dict[str, int]], Any] | None]] = [
    ("POST", f"{E}/challenges", {"title": ""}, None),  # 422
    ("PATCH", f"{E}/challenges/{{challenge}}", {"priority": 9}, None),  # 422
    ("DELETE", f"{E}/bottlenecks/{{bottleneck}}", None, None),  # 409: a recommendation needs it
    ("POST", f"{E}/transitions", {"to": "reporting"}, None),  # 409: not allowed from scoping
    ("PATCH", f"{E}/challenges/{{challenge}}", {"title": "x"}, None),  # 412 with If-Match "9"
]


@pytest.mark.parametrize(
    ("method", "path", "body", "_"), REFUSED, ids=[f"{w[0]} {w[1]} {w[2]}" for w in REFUSED]
)
def test_refused_write_leaves_no_entry(
    client: TestClient, db: Session, method: str, path: str, body: Any, _: object
) -> None:
    ids = _world(db)
    db.commit()
    before = _last_id(db)
    response = client.request(
        method,
        path.format(**ids),
        json=body,
        headers={"If-Match": '"9"'} if body == {"title": "x"} else {},
    )
    assert response.status_code >= 400
    assert _trail(db, before) == []


def test_reads_leave_no_entry(client: TestClient, db: Session) -> None:
    ids = _world(db)
    db.commit()
    before = _last_id(db)
    for path in (
        "/api/v1/regions",
        f"/api/v1/engagements/{ids['engagement']}/bottlenecks",
        f"/api/v1/engagements/{ids['engagement']}",
    ):
        assert client.get(path).status_code == 200
    assert _trail(db, before) == []


def test_audit_list_is_for_monitors_and_admins(anonymous: TestClient, db: Session) -> None:
    ids = _world(db)
    monitor, consultant = make_user(db, role=Role.MONITOR), make_user(db)
    db.commit()
    page = anonymous.get(
        "/api/v1/audit",
        params={"engagement_id": ids["engagement"], "entity_type": "challenge"},
        headers=bearer(monitor),
    )
    assert page.status_code == 200
    assert page.json()["total"] == 1
    assert page.json()["items"][0]["entity_id"] == ids["challenge"]
    assert anonymous.get("/api/v1/audit", headers=bearer(consultant)).status_code == 403


def test_no_route_changes_or_deletes_audit_entries(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    audit_paths = {p: set(ops) for p, ops in spec["paths"].items() if p.startswith("/api/v1/audit")}
    assert audit_paths == {"/api/v1/audit": {"get"}}


def test_engagement_deletion_keeps_its_trail(client: TestClient, db: Session) -> None:
    ids = _world(db)
    db.commit()
    assert client.delete(f"/api/v1/engagements/{ids['engagement']}").status_code == 204
    assert db.get(Engagement, ids["engagement"]) is None
    trail = db.scalars(select(AuditEntry).where(AuditEntry.engagement_id == ids["engagement"]))
    actions = [(e.action, e.entity_type) for e in trail]
    assert ("create", "challenge") in actions and actions[-1] == ("delete", "engagement")
