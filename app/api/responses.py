"""Response classes shared by the routers."""

from typing import Any

import orjson
from fastapi import FastAPI, Response


class JSONBytes(Response):
    """JSON written by orjson from plain values, without a response model's validation. It
    writes what pydantic would (UTC times end in Z; naive times are UTC, as EngagementRead
    reads them), and the route declares the model, so the OpenAPI document still tells the
    shape."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return self.dumps(content)

    @staticmethod
    def dumps(content: Any) -> bytes:
        """`content` as the JSON this response sends."""
        return orjson.dumps(content, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)


# What an error status of this API means, for the OpenAPI document (app/schemas/common.py
# has the same sentences for the statuses routes declare themselves).
ERROR_DESCRIPTIONS = {
    400: "The form body cannot be parsed",
    401: "Missing, invalid or expired access token",
    404: "Not found, or not visible to the caller",
    409: "Conflict: the change collided with another one, or breaks a reference",
    413: "Request body too large",
    422: "Malformed or invalid input (a body that is not JSON included)",
    503: "The database is unavailable or busy; nothing was written; see Retry-After",
}
ERROR_HEADERS = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}},
}
_ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorOut"}
_FASTAPI_ERROR_SCHEMA = {"$ref": "#/components/schemas/HTTPValidationError"}
_WRITES = frozenset({"post", "put", "patch", "delete"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def statuses_implied(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer whatever its own rules, from what it takes:
    a token (401), a path id (404), parameters or a body (422), a body (413; a form body
    that cannot be parsed, 400), under /api/v1 the database (503), and for a write with a
    token the database's refusal of a change that raced another (409, app/api/errors.py)."""
    statuses: set[int] = set()
    parameters = operation.get("parameters", [])
    body_types = operation.get("requestBody", {}).get("content", {})
    if operation.get("security"):
        statuses.add(401)
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if parameters or body_types:
        statuses.add(422)
    if body_types:
        statuses.add(413)
    if any(t in _FORM_TYPES for t in body_types):
        statuses.add(400)
    if path.startswith("/api/"):
        statuses.add(503)
    if method in _WRITES and operation.get("security"):
        statuses.add(409)
    return statuses


def add_error_statuses(document: dict[str, Any]) -> None:
    """Complete every operation's responses with the statuses it implies (statuses_implied),
    each with the error shape, and the headers errors carry. Idempotent."""
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            fastapi_422 = responses.get("422", {}).get("content", {}).get("application/json")
            if fastapi_422 and fastapi_422["schema"] == _FASTAPI_ERROR_SCHEMA:
                # FastAPI's own 422 shape; the app answers ErrorOut (app/api/errors.py).
                del responses["422"]
            for status in sorted(statuses_implied(path, method, operation)):
                responses.setdefault(
                    str(status),
                    {
                        "description": ERROR_DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": _ERROR_SCHEMA}},
                    },
                )
            for status, headers in ERROR_HEADERS.items():
                if str(status) in responses:
                    responses[str(status)].setdefault("headers", headers)


def document_error_statuses(app: FastAPI) -> None:
    """Make the app's OpenAPI document list every error status each operation can answer."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        add_error_statuses(document)
        for unused in ("HTTPValidationError", "ValidationError"):
            document.get("components", {}).get("schemas", {}).pop(unused, None)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
