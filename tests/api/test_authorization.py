"""The authorization matrix: every API operation, for every role, on own and other client.

The operations come from the app's own OpenAPI document, so a new route without a rule here
fails `test_every_operation_has_a_rule`. The expected outcome of each rule is written out below
from docs/design.md's table of roles, independently of the app's code.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.models import User
from app.vocab import BottleneckStatus, ReportStatus, Role, Stage
from tests.conftest import bearer
from tests.factories import (
    add_member,
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_indicator,
    make_measurement,
    make_milestone,
    make_mission,
    make_partnership,
    make_recommendation,
    make_region,
    make_report,
    make_user,
)

ROLES = (
    "anonymous",
    "member",
    "outsider",
    "stakeholder_own",
    "stakeholder_other",
    "monitor",
    "admin",
)
# What a stakeholder may see of its own client's engagement (docs/design.md).
STAKEHOLDER_SECTIONS = {"engagement", "milestones", "recommendations", "reports"}


@dataclass(frozen=True)
class Rule:
    kind: str  # any | admin | overseer | staff | read | write | follow_up
    section: str = ""

    def expected(self, role: str) -> str:
        """'ok' (got past authorization), or the status that must stop `role`."""
        if role == "anonymous":
            return "401"
        if self.kind == "any":
            return "ok"
        if self.kind == "admin":
            return "ok" if role == "admin" else "403"
        if self.kind == "overseer":
            return "ok" if role in ("monitor", "admin") else "403"
        if self.kind == "staff":
            return "ok" if role in ("member", "outsider", "admin") else "403"
        if role == "stakeholder_other":
            return "404"
        if role == "stakeholder_own" and self.section not in STAKEHOLDER_SECTIONS:
            return "404"
        if self.kind == "read":
            return "ok"
        if self.kind == "follow_up" and role == "stakeholder_own":
            return "ok"  # the client records its response and measurements
        return "ok" if role in ("member", "admin") else "403"


ANY, ADMIN, OVERSEER, STAFF = Rule("any"), Rule("admin"), Rule("overseer"), Rule("staff")


def read(section: str) -> Rule:
    return Rule("read", section)


def write(section: str) -> Rule:
    return Rule("write", section)


FOLLOW_UP = Rule("follow_up", "recommendations")


E = "/api/v1/engagements/{engagement_id}"
RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/api/v1/auth/me"): ANY,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/users/{user_id}"): ADMIN,
    ("PATCH", "/api/v1/users/{user_id}"): ADMIN,
    ("GET", "/api/v1/audit"): OVERSEER,
    ("GET", "/api/v1/portfolio/summary"): OVERSEER,
    ("GET", "/api/v1/portfolio/engagements.csv"): OVERSEER,
    ("GET", "/api/v1/portfolio/engagements.xlsx"): OVERSEER,
    ("GET", "/api/v1/portfolio/recommendations.csv"): OVERSEER,
    ("GET", "/api/v1/portfolio/recommendations.xlsx"): OVERSEER,
    ("GET", "/api/v1/regions"): ANY,
    ("POST", "/api/v1/regions"): ADMIN,
    ("GET", "/api/v1/regions/{region_id}"): ANY,
    ("PATCH", "/api/v1/regions/{region_id}"): ADMIN,
    ("DELETE", "/api/v1/regions/{region_id}"): ADMIN,
    ("GET", "/api/v1/partnerships"): ANY,
    ("POST", "/api/v1/partnerships"): ADMIN,
    ("GET", "/api/v1/partnerships/{partnership_id}"): ANY,
    ("PATCH", "/api/v1/partnerships/{partnership_id}"): ADMIN,
    ("DELETE", "/api/v1/partnerships/{partnership_id}"): ADMIN,
    ("GET", "/api/v1/engagements"): ANY,  # scoped to what each may read: see below
    ("POST", "/api/v1/engagements"): STAFF,
    ("GET", E): read("engagement"),
    ("PATCH", E): write("engagement"),
    ("DELETE", E): write("engagement"),
    ("GET", f"{E}/members"): read("internal"),
    ("PUT", f"{E}/members"): write("engagement"),
    ("POST", f"{E}/transitions"): write("engagement"),
    ("GET", f"{E}/readiness"): read("internal"),
    ("GET", f"{E}/history"): read("internal"),
    ("POST", f"{E}/evidence/{{evidence_id}}/links"): write("diagnosis"),
    ("DELETE", f"{E}/evidence/{{evidence_id}}/links/{{link_id}}"): write("diagnosis"),
}
for collection, item_id, section in (
    ("challenges", "challenge_id", "diagnosis"),
    ("bottlenecks", "bottleneck_id", "diagnosis"),
    ("evidence", "evidence_id", "diagnosis"),
    ("recommendations", "recommendation_id", "recommendations"),
    ("missions", "mission_id", "missions"),
    ("milestones", "milestone_id", "milestones"),
):
    item = f"{E}/{collection}/{{{item_id}}}"
    RULES |= {
        ("GET", f"{E}/{collection}"): read(section),
        ("POST", f"{E}/{collection}"): write(section),
        ("GET", item): read(section),
        ("PATCH", item): write(section),
        ("DELETE", item): write(section),
    }
R = f"{E}/recommendations/{{recommendation_id}}"
IND = f"{R}/indicators/{{indicator_id}}"
RULES |= {
    ("GET", f"{R}/updates"): read("recommendations"),
    ("POST", f"{R}/updates"): FOLLOW_UP,
    ("GET", f"{R}/indicators"): read("recommendations"),
    ("POST", f"{R}/indicators"): write("recommendations"),
    ("GET", IND): read("recommendations"),
    ("PATCH", IND): write("recommendations"),
    ("DELETE", IND): write("recommendations"),
    ("GET", f"{IND}/measurements"): read("recommendations"),
    ("POST", f"{IND}/measurements"): FOLLOW_UP,
    ("DELETE", f"{IND}/measurements/{{measurement_id}}"): write("recommendations"),
}
RP = f"{E}/reports"
RULES |= {
    ("GET", RP): read("reports"),  # stakeholders: published versions only
    ("POST", RP): write("reports"),
    ("GET", f"{RP}/preview"): read("internal"),  # shows drafts
    ("GET", f"{RP}/{{report_id}}"): read("reports"),
    ("GET", f"{RP}/{{report_id}}/pdf"): read("reports"),
    ("POST", f"{RP}/{{report_id}}/publish"): write("reports"),
}
RULES |= {
    ("GET", "/api/v1/library/recommendations"): ANY,  # shared ones only, for every role
    ("GET", f"{E}/bottlenecks/{{bottleneck_id}}/similar-recommendations"): read("diagnosis"),
}
RULES |= {  # indicator data: profiles and peers are public statistics (issue 15)
    ("GET", "/api/v1/regions/{region_id}/profile"): ANY,
    ("GET", "/api/v1/regions/{region_id}/peers"): ANY,
    ("GET", f"{E}/diagnosis-suggestions"): read("diagnosis"),
    ("POST", f"{E}/diagnosis-suggestions/{{key}}/accept"): write("diagnosis"),
    ("POST", f"{E}/diagnosis-suggestions/{{key}}/dismiss"): write("diagnosis"),
}
RULES |= {  # the datasets and indicators imported: public statistics (issue 15)
    ("GET", "/api/v1/datasets"): ANY,
    ("GET", "/api/v1/indicators"): ANY,
}
PUBLIC = {("POST", "/api/v1/auth/token")}


def api_operations(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return sorted(
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        if path.startswith("/api/")
        for method in operations
    )


def test_every_operation_has_a_rule(client: TestClient) -> None:
    missing = [op for op in api_operations(client) if op not in RULES and op not in PUBLIC]
    assert not missing, f"operations without an authorization rule: {missing}"
    stale = [op for op in RULES if op not in api_operations(client)]
    assert not stale, f"rules for operations that do not exist: {stale}"


@dataclass
class World:
    users: dict[str, User]
    ids: dict[str, int]


@pytest.fixture
def world(db: Session) -> World:
    own, other = make_region(db), make_region(db)
    member = make_user(db, role=Role.CONSULTANT)
    engagement = make_engagement(db, region_id=own.id, lead_consultant_id=member.id)
    add_member(db, engagement, member)
    make_engagement(db, region_id=other.id)
    challenge = make_challenge(db, engagement)
    bottleneck = make_bottleneck(
        db, engagement, challenge_id=challenge.id, status=BottleneckStatus.CONFIRMED
    )
    evidence = make_evidence(db, engagement)
    link = link_evidence(db, evidence, bottleneck=bottleneck)
    shared = make_recommendation(db, engagement, bottlenecks=[bottleneck], stage=Stage.SHARED)
    indicator = make_indicator(db, shared)
    users = {
        "member": member,
        "outsider": make_user(db, role=Role.CONSULTANT),
        "stakeholder_own": make_user(db, role=Role.STAKEHOLDER, region_id=own.id),
        "stakeholder_other": make_user(db, role=Role.STAKEHOLDER, region_id=other.id),
        "monitor": make_user(db, role=Role.MONITOR),
        "admin": make_user(db, role=Role.ADMIN),
    }
    ids = {
        "engagement_id": engagement.id,
        "challenge_id": challenge.id,
        "bottleneck_id": bottleneck.id,
        "evidence_id": evidence.id,
        "link_id": link.id,
        "recommendation_id": shared.id,
        "indicator_id": indicator.id,
        "measurement_id": make_measurement(db, indicator, member).id,
        "report_id": make_report(db, engagement, status=ReportStatus.PUBLISHED).id,
        "mission_id": make_mission(db, engagement).id,
        "milestone_id": make_milestone(db, engagement).id,
        "region_id": own.id,
        "partnership_id": make_partnership(db).id,
        "user_id": member.id,
        "key": "knowledge_skills",  # type: ignore[dict-item]  # a diagnosis suggestion's key
    }
    db.commit()
    return World(users, ids)


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    body = {} if method in ("POST", "PATCH", "PUT") else None
    return client.request(method, path, json=body, headers=headers, params={"to": "diagnosis"})


@pytest.mark.parametrize("operation", sorted(RULES), ids=lambda op: f"{op[0]} {op[1]}")
def test_operation_obeys_its_rule_for_every_role(
    operation: tuple[str, str], app: Any, connection: Connection, world: World
) -> None:
    method, template = operation
    path = template.format(**world.ids)
    client = TestClient(app, raise_server_exceptions=False)
    outcomes = {}
    for role in ROLES:
        headers = bearer(world.users[role]) if role != "anonymous" else {}
        savepoint = connection.begin_nested()  # each role sees the world untouched
        status = call(client, method, path, headers).status_code
        savepoint.rollback()
        outcomes[role] = "ok" if status not in (401, 403, 404) else str(status)
        assert status < 500, f"{method} {path} as {role}: {status}"
    expected = {role: RULES[operation].expected(role) for role in ROLES}
    assert outcomes == expected
