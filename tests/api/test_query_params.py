"""Query parameters the engagement list reads itself: documented and refused as FastAPI would."""

from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.testclient import TestClient

from app.schemas.engagement import EngagementListQuery

URL = "/api/v1/engagements"


def test_the_list_documents_its_parameters_as_fastapi_would(client: TestClient) -> None:
    reference = FastAPI()

    @reference.get("/list")
    async def listed(query: Annotated[EngagementListQuery, Query()]) -> None:
        """A route whose parameters FastAPI reads and documents itself."""

    expected = reference.openapi()["paths"]["/list"]["get"]["parameters"]
    spec = client.get("/openapi.json").json()
    documented = spec["paths"][URL]["get"]["parameters"]
    assert documented == expected
    # Every schema they refer to is in the document.
    refs = [r for p in documented for r in _refs(p["schema"])]
    assert refs and all(
        r.removeprefix("#/components/schemas/") in spec["components"]["schemas"] for r in refs
    )


def _refs(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        own = [schema["$ref"]] if "$ref" in schema else []
        return own + [r for v in schema.values() for r in _refs(v)]
    if isinstance(schema, list):
        return [r for v in schema for r in _refs(v)]
    return []


def test_bad_parameters_answer_fastapis_422(client: TestClient) -> None:
    response = client.get(URL, params={"limit": 0, "phase": "nowhere", "sort": "id"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert sorted(tuple(f["loc"]) for f in body["fields"]) == [
        ("query", "limit"),
        ("query", "phase"),
        ("query", "sort"),
    ]


def test_a_caller_without_a_token_is_refused_before_the_parameters_are_read(
    anonymous: TestClient,
) -> None:
    response = anonymous.get(URL, params={"limit": "many"})
    assert response.status_code == 401


def test_a_repeated_parameter_takes_its_last_value(client: TestClient) -> None:
    page = client.get(URL, params=[("limit", "5"), ("limit", "7")]).json()
    assert page["limit"] == 7
