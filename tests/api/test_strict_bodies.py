"""Request bodies take the JSON types the OpenAPI document states, and nothing they could be
coerced from: no string, number or boolean coercion, and dates as ISO strings only."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Challenge, Evidence, Milestone
from app.schemas.diagnosis import ChallengeCreate
from app.schemas.milestone import MilestoneCreate
from tests.api.objects import one_of_each
from tests.factories import make_engagement, make_user

INDICATOR = {"kind": "indicator", "title": "R&D", "indicator_name": "GERD", "indicator_year": 2020}


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_an_iso_date_string_is_a_date(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    body = {"title": "Kick-off", "due_date": "2024-05-01", "completed_on": "2024-05-02"}
    created = client.post(f"/api/v1/engagements/{engagement.id}/milestones", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["completed_on"] == "2024-05-02"
    stored = db.get(Milestone, created.json()["id"])
    assert stored is not None and stored.completed_on == date(2024, 5, 2)


@pytest.mark.parametrize(
    "value", [0, 1714521600, False, True, 1.5, "0", "2024-05-01T00:00:00", "01/05/2024", ""]
)
def test_anything_else_is_not_a_date(client: TestClient, db: Session, value: Any) -> None:
    """0 was stored as 1970-01-01 (a Unix time), false as well."""
    engagement = make_engagement(db)
    db.commit()
    body = {"title": "Kick-off", "due_date": "2024-05-01", "completed_on": value}
    response = client.post(f"/api/v1/engagements/{engagement.id}/milestones", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["fields"][0]["loc"] == ["body", "completed_on"]
    assert _count(db, Milestone) == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("priority", "2"),  # a string is not an integer
        ("priority", True),  # nor a boolean
        ("priority", 2.0),  # nor a number with a fraction part, even .0
        ("title", 5),  # a number is not a string
        ("title", ["x"]),
        ("description", False),
    ],
)
def test_scalars_are_not_coerced(client: TestClient, db: Session, field: str, value: Any) -> None:
    engagement = make_engagement(db)
    db.commit()
    body = {"title": "Skills gap", "priority": 2} | {field: value}
    response = client.post(f"/api/v1/engagements/{engagement.id}/challenges", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["fields"][0]["loc"][:2] == ["body", field]
    assert _count(db, Challenge) == 0


@pytest.mark.parametrize("value", [False, True, "1.5", "2", "NaN", [1.5]])
def test_a_number_is_a_json_number(client: TestClient, db: Session, value: Any) -> None:
    """`false` was stored as 0.0."""
    engagement = make_engagement(db)
    db.commit()
    body = INDICATOR | {"indicator_value": value}
    response = client.post(f"/api/v1/engagements/{engagement.id}/evidence", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["fields"][0]["loc"][:2] == ["body", "indicator_value"]
    assert _count(db, Evidence) == 0


def test_an_integer_is_a_number(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    body = INDICATOR | {"indicator_value": 2}
    response = client.post(f"/api/v1/engagements/{engagement.id}/evidence", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["indicator_value"] == 2.0


@pytest.mark.parametrize("value", [0, 1, "false", "true", None])
def test_a_boolean_is_true_or_false(client: TestClient, db: Session, value: Any) -> None:
    user = make_user(db)
    db.commit()
    response = client.patch(f"/api/v1/users/{user.id}", json={"is_active": value})
    assert response.status_code == 422, response.text
    db.refresh(user)
    assert user.is_active is True
    assert client.patch(f"/api/v1/users/{user.id}", json={"is_active": False}).status_code == 200


def test_vocabularies_take_their_values(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    url = f"/api/v1/engagements/{engagement.id}"
    assert client.patch(url, json={"themes": ["kets", "creativity"]}).status_code == 200
    assert client.patch(url, json={"themes": [0]}).status_code == 422
    assert client.patch(url, json={"themes": ["KETS"]}).status_code == 422


def test_json_bodies_are_strict_and_form_values_lenient() -> None:
    """FastAPI validates a parsed JSON body through a TypeAdapter: strict. The pages' forms
    carry text only and call model_validate: lenient (app/web/forms.py)."""
    text = {"title": "Kick-off", "due_date": "2024-05-01"}
    with pytest.raises(ValidationError):
        TypeAdapter(ChallengeCreate).validate_python({"title": "Skills", "priority": "2"})
    assert ChallengeCreate.model_validate({"title": "Skills", "priority": "2"}).priority == 2
    assert MilestoneCreate.model_validate(text).due_date == date(2024, 5, 1)
    with pytest.raises(ValidationError):
        MilestoneCreate.model_validate({"title": "Kick-off", "due_date": 0})


# Values pydantic's lax mode would take for each JSON type (and that the API must refuse).
COERCIBLE: dict[str, list[Any]] = {
    "integer": ["2", True, 2.0],
    "number": ["1.5", False],
    "boolean": [0, "true"],
    "string": [5, False],
    "date": [0, "0", False],
}


def _json_type(prop: dict[str, Any]) -> str | None:
    """The JSON type of a body property (its non-null alternative), `date` for a date."""
    options = [o for o in prop.get("anyOf", [prop]) if o != {"type": "null"}]
    if len(options) != 1:
        return None
    if options[0].get("format") == "date":
        return "date"
    kind = options[0].get("type")
    if kind == "array":
        item = _json_type(options[0].get("items", {}))
        return f"array of {item}" if item else None
    return kind if isinstance(kind, str) else None


def _json_bodies(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                yield method, path, document["components"]["schemas"][ref]["properties"]


def test_no_body_field_of_any_operation_takes_a_coercible_value(
    client: TestClient, db: Session
) -> None:
    """Every scalar field (and list of scalars) of every JSON body in the document, sent a
    value of another JSON type that lax validation would convert: each is refused by name."""
    ids = one_of_each(db)
    db.commit()
    document = client.get("/openapi.json").json()
    taken, sent = [], 0
    for method, path, properties in _json_bodies(document):
        for name, prop in properties.items():
            kind = _json_type(prop) or ""
            values = COERCIBLE.get(kind.removeprefix("array of "), [])
            for value in values:
                body = {name: [value] if kind.startswith("array of ") else value}
                response = client.request(method, path.format(**ids), json=body)
                answer = response.json() if response.status_code == 422 else {}
                locs = [e["loc"][:2] for e in answer.get("fields", [])]
                if response.status_code != 422 or ["body", name] not in locs:
                    taken.append(f"{method.upper()} {path} {body}: {response.status_code}")
                sent += 1
    assert taken == []
    assert sent > 300
