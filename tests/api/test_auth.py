"""Logging in, tokens, and the ways a token can be wrong (throttling: test_login_throttling.py)."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.models import User
from app.security import hash_password, issue_token
from tests.conftest import TEST_SECRET_KEY, bearer
from tests.factories import make_region, make_user

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/auth/me"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def client(anonymous: TestClient) -> TestClient:
    """These tests log in themselves."""
    return anonymous


@pytest.fixture
def alice(db: Session) -> User:
    user = make_user(db, email="alice@example.org", password_hash=hash_password(PASSWORD))
    db.commit()
    return user


def log_in(client: TestClient, email: str, password: str) -> object:
    return client.post(TOKEN, data={"username": email, "password": password})


def test_password_login_issues_a_bearer_token(client: TestClient, alice: User) -> None:
    response = log_in(client, "Alice@Example.org", PASSWORD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 30 * 60
    me = client.get(ME, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.org"
    assert "password_hash" not in me.json()


def test_wrong_password_and_unknown_account_answer_alike(client: TestClient, alice: User) -> None:
    wrong = log_in(client, "alice@example.org", "not the password")
    unknown = log_in(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_deactivated_user_cannot_log_in(client: TestClient, db: Session, alice: User) -> None:
    alice.is_active = False
    db.commit()
    assert log_in(client, "alice@example.org", PASSWORD).status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-jwt", "Basic YTpi"])
def test_missing_or_malformed_token_is_401(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def _forged(alice: User, **changes: object) -> str:
    now = datetime.now(UTC)
    claims = {"sub": str(alice.id), "iat": now, "exp": now + timedelta(minutes=5)} | changes
    return jwt.encode(claims, TEST_SECRET_KEY, algorithm="HS256")


def test_tampered_tokens_are_refused(client: TestClient, alice: User) -> None:
    now = datetime.now(UTC)
    claims = {"sub": str(alice.id), "iat": now, "exp": now + timedelta(minutes=5)}
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    wrong_key = jwt.encode(claims, "another-key-" + "x" * 40, algorithm="HS256")
    expired = _forged(alice, exp=now - timedelta(seconds=1))
    no_expiry = jwt.encode({"sub": str(alice.id), "iat": now}, TEST_SECRET_KEY, algorithm="HS256")
    valid = _forged(alice)
    header, _payload, signature = valid.split(".")
    other_payload = _forged(alice, sub="999999").split(".")[1]
    swapped = f"{header}.{other_payload}.{signature}"
    for token in (unsigned, wrong_key, expired, no_expiry, swapped):
        response = client.get(ME, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
    assert client.get(ME, headers={"Authorization": f"Bearer {valid}"}).status_code == 200


def test_deactivation_and_deletion_revoke_access_at_once(
    client: TestClient, db: Session, alice: User
) -> None:
    headers = bearer(alice)
    assert client.get(ME, headers=headers).status_code == 200
    alice.is_active = False
    db.commit()
    assert client.get(ME, headers=headers).status_code == 401
    ghost = make_user(db)
    db.commit()
    ghost_headers = bearer(ghost)
    db.execute(delete(User).where(User.id == ghost.id))
    db.commit()
    assert client.get(ME, headers=ghost_headers).status_code == 401


@pytest.mark.parametrize(
    "subject",
    [str(2**70), str(2**31), "-1", "0", "abc", "1.5", " 1", "+1", "1_0", "\uff11", "", 2**70, 1],
)
def test_token_whose_subject_names_no_possible_user_is_401(
    client: TestClient, alice: User, subject: object
) -> None:
    # Signed with the real key, so only the subject is wrong; never a 500 on either database.
    response = client.get(ME, headers={"Authorization": f"Bearer {_forged(alice, sub=subject)}"})
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "unauthorized"


def test_token_whose_expiry_overflows_is_401(client: TestClient, alice: User) -> None:
    token = _forged(alice, exp=10**400)
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_for_a_stakeholder_names_its_client(client: TestClient, db: Session) -> None:
    region = make_region(db)
    officer = make_user(db, role="stakeholder", region_id=region.id)
    db.commit()
    me = client.get(ME, headers=bearer(officer)).json()
    assert me["role"] == "stakeholder" and me["region_id"] == region.id


def test_issued_token_expires(alice: User) -> None:
    issued = issue_token(alice.id, key=TEST_SECRET_KEY, lifetime=timedelta(minutes=1))
    claims = jwt.decode(issued.token, TEST_SECRET_KEY, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 60
