"""The OpenAPI document tells the truth: each operation lists every error status its
dependencies can answer, with the error shape; PATCH bodies document `null` exactly where it
clears a value; a body that is not JSON is a 422 like any malformed input."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.deps import current_user
from app.db import get_session
from app.schemas.common import UpdateModel
from tests.api.objects import one_of_each
from tests.api.test_request_path import api_routes, calls

ERROR_SHAPE = {"$ref": "#/components/schemas/ErrorOut"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def _statuses_from_dependencies(route: Any, method: str, operation: dict[str, Any]) -> set[str]:
    """What the route's dependencies can answer, read from the route table, not the document."""
    dependants = list(calls(route.dependant))
    expected = set()
    if any(d.call is current_user for d in dependants):
        expected.add("401")
    if any(d.path_params for d in dependants):
        expected |= {"404", "422"}
    if any(d.query_params or d.header_params for d in dependants):
        expected.add("422")
    if any(d.body_params for d in dependants):
        expected |= {"413", "422"}
        if any(t in FORM_TYPES for t in operation["requestBody"]["content"]):
            expected.add("400")
    if any(d.call is get_session for d in dependants):
        expected.add("503")
    if any(getattr(d.call, "__qualname__", "").startswith("require_roles") for d in dependants):
        expected.add("403")
    if any(p.alias == "if-match" for d in dependants for p in d.header_params):
        expected.add("412")
    if method in {"POST", "PUT", "PATCH", "DELETE"} and "401" in expected:
        expected.add("409")  # the database's backstop for a change that raced another
    return expected


def test_every_operation_documents_the_errors_its_dependencies_answer(
    app: FastAPI, client: TestClient
) -> None:
    document = _document(client)
    missing = {}
    checked = 0
    for route in api_routes(app):
        for method in route.methods:
            operation = document["paths"][route.path][method.lower()]
            documented = set(operation["responses"])
            expected = _statuses_from_dependencies(route, method, operation)
            if expected - documented:
                missing[f"{method} {route.path}"] = sorted(expected - documented)
            checked += 1
    assert missing == {}
    assert checked > 80


def test_every_error_status_is_documented_with_the_error_shape(client: TestClient) -> None:
    document = _document(client)
    wrong = [
        f"{method.upper()} {path} {status}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if int(status) >= 400
        and response.get("content", {}).get("application/json", {}).get("schema") != ERROR_SHAPE
    ]
    assert wrong == []
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_errors_document_their_headers(client: TestClient) -> None:
    token = _document(client)["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "Retry-After" in token["429"]["headers"] and "Retry-After" in token["503"]["headers"]
    assert "WWW-Authenticate" in token["401"]["headers"]


def test_a_body_that_is_not_json_is_422_with_fields(client: TestClient) -> None:
    """JSON that does not parse, and bytes that are not UTF-8 text, answer alike."""
    for content in (b'{"nuts_code": ', b'{"nuts_code": "\xff\xfe"}'):
        response = client.post(
            "/api/v1/regions", content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "validation_error"
        assert response.json()["fields"][0]["loc"][0] == "body"
    assert client.get("/api/v1/regions").json()["total"] == 0


def test_a_form_body_that_cannot_be_parsed_is_400(anonymous: TestClient) -> None:
    """The one form body (the login): documented as 400 above."""
    response = anonymous.post(
        "/api/v1/auth/token",
        content=b"--x\r\nContent-Disposition: broken\r\n\r\nvalue",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_request"


def _patch_bodies(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path of each PATCH operation → the properties of its body schema."""
    bodies = {}
    for path, operations in document["paths"].items():
        if "patch" in operations:
            ref = operations["patch"]["requestBody"]["content"]["application/json"]["schema"]
            bodies[path] = document["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    return bodies


def _documented_nullable(prop: dict[str, Any]) -> bool:
    return {"type": "null"} in prop.get("anyOf", ()) or prop.get("type") == "null"


def test_patch_schemas_document_null_exactly_where_it_is_accepted(client: TestClient) -> None:
    bodies = _patch_bodies(_document(client))
    assert len(bodies) == 11
    models = {model.__name__: model for model in _update_models()}
    for schema in bodies.values():
        documented = {n for n, p in schema["properties"].items() if _documented_nullable(p)}
        assert documented == models[schema["title"]].nullable, schema["title"]


def _update_models() -> list[type[UpdateModel]]:
    return list(UpdateModel.__subclasses__())


@pytest.mark.parametrize("nullable", [True, False], ids=["clearable", "not-nullable"])
def test_patch_null_does_what_the_schema_says(
    client: TestClient, db: Session, nullable: bool
) -> None:
    """Every field of every PATCH operation: null clears a field documented as nullable (200,
    and the read shows null), and is refused (422, nothing changed) on any other field."""
    ids = one_of_each(db)
    db.commit()
    wrong = []
    sent = 0
    for path, schema in _patch_bodies(_document(client)).items():
        url = path.format(**ids)
        for name, prop in schema["properties"].items():
            if _documented_nullable(prop) != nullable:
                continue
            before = client.get(url).json()
            response = client.patch(url, json={name: None})
            sent += 1
            if nullable and (response.status_code != 200 or response.json()[name] is not None):
                wrong.append(f"{path} {name}: {response.status_code} {response.text}")
            if not nullable and (response.status_code != 422 or client.get(url).json() != before):
                wrong.append(f"{path} {name}: {response.status_code} {response.text}")
    assert wrong == []
    assert sent > (15 if nullable else 50)
