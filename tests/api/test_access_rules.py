"""Attempts to get around the access rules: escalation, mass assignment, leaks via lists."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.main import create_app
from app.models import Challenge, Recommendation, Region, User
from app.security import InsecureSecretKey
from app.vocab import Role, Stage
from tests.conftest import bearer
from tests.factories import (
    add_member,
    make_challenge,
    make_engagement,
    make_recommendation,
    make_region,
    make_user,
)


def test_stakeholder_cannot_change_its_own_role(anonymous: TestClient, db: Session) -> None:
    region = make_region(db)
    officer = make_user(db, role=Role.STAKEHOLDER, region_id=region.id)
    db.commit()
    response = anonymous.patch(
        f"/api/v1/users/{officer.id}", json={"role": "admin"}, headers=bearer(officer)
    )
    assert response.status_code == 403
    db.refresh(officer)
    assert officer.role == Role.STAKEHOLDER


def test_consultant_cannot_write_where_not_a_member(anonymous: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    outsider, member = make_user(db), make_user(db)
    add_member(db, engagement, member)
    db.commit()
    path = f"/api/v1/engagements/{engagement.id}/challenges"
    refused = anonymous.post(path, json={"title": "Skills"}, headers=bearer(outsider))
    assert refused.status_code == 403
    allowed = anonymous.post(path, json={"title": "Skills"}, headers=bearer(member))
    assert allowed.status_code == 201
    titles = db.scalars(select(Challenge.title).where(Challenge.engagement_id == engagement.id))
    assert list(titles) == ["Skills"]


def test_monitor_writes_nothing(anonymous: TestClient, db: Session) -> None:
    monitor = make_user(db, role=Role.MONITOR)
    engagement = make_engagement(db)
    db.commit()
    headers = bearer(monitor)
    attempts = [
        (
            "POST",
            "/api/v1/regions",
            {"nuts_code": "SI", "name": "Slovenia", "country_code": "SI", "nuts_level": 0},
        ),
        ("PATCH", f"/api/v1/engagements/{engagement.id}", {"title": "Mine"}),
        ("POST", f"/api/v1/engagements/{engagement.id}/missions", {}),
        ("POST", f"/api/v1/engagements/{engagement.id}/transitions", {"to": "diagnosis"}),
        ("POST", "/api/v1/users", {}),
    ]
    for method, path, body in attempts:
        assert anonymous.request(method, path, json=body, headers=headers).status_code == 403
    assert db.scalar(select(func.count()).select_from(Region)) == 1


@pytest.mark.parametrize("field", ["id", "version", "created_at", "engagement_id"])
def test_read_only_fields_cannot_be_assigned_on_create(
    client: TestClient, db: Session, field: str
) -> None:
    engagement = make_engagement(db)
    db.commit()
    body: dict[str, Any] = {"title": "Skills", field: 1 if field != "created_at" else "2020-01-01"}
    response = client.post(f"/api/v1/engagements/{engagement.id}/challenges", json=body)
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", field]
    assert db.scalar(select(func.count()).select_from(Challenge)) == 0


@pytest.mark.parametrize(
    "field", ["id", "version", "created_at", "engagement_id", "shared_at", "code", "response"]
)
def test_read_only_fields_cannot_be_assigned_on_update(
    client: TestClient, db: Session, field: str
) -> None:
    engagement = make_engagement(db)
    recommendation = make_recommendation(db, engagement)
    db.commit()
    values = {
        "shared_at": "2020-01-01T00:00:00Z",
        "code": "R99",
        "response": "accepted",
        "created_at": "2020-01-01T00:00:00Z",
    }
    response = client.patch(
        f"/api/v1/engagements/{engagement.id}/recommendations/{recommendation.id}",
        json={field: values.get(field, 12345)},
    )
    assert response.status_code == 422
    db.refresh(recommendation)
    assert recommendation.version == 1 and recommendation.shared_at is None


def test_user_email_and_ids_are_not_assignable(client: TestClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    for body in ({"email": "other@x.org"}, {"id": 999}, {"version": 9}, {"password_hash": "x"}):
        assert client.patch(f"/api/v1/users/{user.id}", json=body).status_code == 422
    db.refresh(user)
    assert user.version == 1


def test_stakeholder_sees_shared_recommendations_only(anonymous: TestClient, db: Session) -> None:
    region = make_region(db)
    engagement = make_engagement(db, region_id=region.id)
    shared = make_recommendation(db, engagement, stage=Stage.SHARED)
    draft = make_recommendation(db, engagement)
    officer = make_user(db, role=Role.STAKEHOLDER, region_id=region.id)
    db.commit()
    headers = bearer(officer)
    base = f"/api/v1/engagements/{engagement.id}/recommendations"
    page = anonymous.get(base, headers=headers).json()
    assert [r["id"] for r in page["items"]] == [shared.id] and page["total"] == 1
    assert anonymous.get(f"{base}/{draft.id}", headers=headers).status_code == 404
    assert anonymous.get(f"{base}/{shared.id}", headers=headers).status_code == 200
    assert anonymous.get(f"{base}?stage=draft", headers=headers).json()["total"] == 0
    assert db.get(Recommendation, draft.id) is not None


def test_production_refuses_to_start_without_a_real_key(tmp_path: object) -> None:
    for key in (None, "change-me", "short"):
        with pytest.raises(InsecureSecretKey):
            create_app(Settings(environment="production", secret_key=key))
    create_app(Settings(environment="production", secret_key="r" * 48))


def test_development_key_is_generated_once_and_kept(tmp_path: Any) -> None:
    key_file = tmp_path / "secret"
    first = create_app(Settings(secret_key=None, secret_key_file=str(key_file)))
    second = create_app(Settings(secret_key=None, secret_key_file=str(key_file)))
    assert first.state.secret_key == second.state.secret_key == key_file.read_text()
    assert len(first.state.secret_key) >= 32
    assert (key_file.stat().st_mode & 0o777) == 0o600


def test_token_from_another_deployment_is_refused(anonymous: TestClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    other = create_app(Settings(secret_key="another-deployment-" + "z" * 40))
    from datetime import timedelta

    from app.security import issue_token

    foreign = issue_token(user.id, key=other.state.secret_key, lifetime=timedelta(minutes=5))
    response = anonymous.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {foreign.token}"}
    )
    assert response.status_code == 401
    assert db.get(User, user.id) is not None


def test_stakeholder_learns_nothing_of_another_region(anonymous: TestClient, db: Session) -> None:
    """A Wallonia officer, tried as a new user would: lists, counts, search, filters, paths."""
    wallonia, hauts = make_region(db, nuts_code="BE3"), make_region(db, nuts_code="FRE")
    own = make_engagement(db, region_id=wallonia.id, reference="EOCIC-BE3", title="Governance")
    other = make_engagement(db, region_id=hauts.id, reference="EOCIC-FRE", title="Skills gaps")
    make_challenge(db, other, title="Secret diagnosis")
    make_recommendation(db, other, stage=Stage.SHARED, title="Other region's advice")
    officer = make_user(db, role=Role.STAKEHOLDER, region_id=wallonia.id)
    db.commit()
    headers = bearer(officer)
    listing = anonymous.get("/api/v1/engagements", headers=headers).json()
    assert [e["id"] for e in listing["items"]] == [own.id] and listing["total"] == 1
    for params in (
        {"q": "Skills"},
        {"q": "FRE"},
        {"region_id": hauts.id},
        {"phase": "scoping", "offset": 1},
    ):
        page = anonymous.get("/api/v1/engagements", params=params, headers=headers).json()
        assert all(e["id"] == own.id for e in page["items"])
        assert page["total"] <= 1
    base = f"/api/v1/engagements/{other.id}"
    for path in (
        "",
        "/milestones",
        "/recommendations",
        "/challenges",
        "/history",
        "/members",
        "/readiness?to=diagnosis",
    ):
        response = anonymous.get(base + path, headers=headers)
        assert response.status_code == 404, path
        assert "Skills" not in response.text and "Secret" not in response.text
    missing = anonymous.get("/api/v1/engagements/999999", headers=headers)
    assert anonymous.get(base, headers=headers).json() == {
        **missing.json(),
        "detail": missing.json()["detail"].replace("999999", str(other.id)),
    }
