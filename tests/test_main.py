"""App-wide behaviour: health probes, the one error shape, body limits, the OpenAPI document."""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.schemas import common
from app.schemas.engagement import EngagementCreate


def test_healthz_answers_without_database(database_url: str) -> None:
    app = create_app(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["error"] == "not_ready"


def test_readyz_checks_the_database(client: TestClient) -> None:
    assert client.get("/readyz").json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v1/nowhere", 404, "not_found"),
        ("PUT", "/api/v1/regions", 405, "method_not_allowed"),
        ("GET", "/api/v1/regions/abc", 422, "validation_error"),
        ("GET", "/api/v1/regions/99999999999999999999", 422, "validation_error"),
        ("GET", "/api/v1/regions/424242", 404, "not_found"),
    ],
)
def test_errors_share_one_shape(
    client: TestClient, method: str, path: str, status: int, code: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == code
    assert isinstance(body["detail"], str) and body["detail"]


def test_malformed_json_is_422_with_fields(client: TestClient) -> None:
    response = client.post(
        "/api/v1/regions", content=b'{"nuts_code": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert response.json()["fields"]


def test_body_over_one_mebibyte_is_413(client: TestClient) -> None:
    big = {
        "nuts_code": "SI",
        "name": "x",
        "country_code": "SI",
        "nuts_level": 0,
        "notes": "x" * (1024 * 1024),
    }
    response = client.post("/api/v1/regions", json=big)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert client.get("/api/v1/regions").json()["total"] == 0


@pytest.fixture
def live_server(app: object) -> Iterator[int]:
    """The app on a real loopback socket, for what the test client cannot send."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield port
    server.should_exit = True
    thread.join(5)


def test_chunked_body_over_the_limit_is_413(live_server: int) -> None:
    """A client that sends no Content-Length is answered 413 once it passes the limit. The
    client stops writing just past the limit and waits, so the answer is not lost to a reset."""
    head = (
        b"POST /api/v1/regions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 65536
    with socket.create_connection(("127.0.0.1", live_server), timeout=10) as sock:
        sock.sendall(head)
        for _ in range(17):  # 17 x 64 KiB > 1 MiB, and never a closing chunk
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = b""
        while b"payload_too_large" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"payload_too_large" in answer


def test_openapi_documents_every_operation(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["paths"], "no paths"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            summary = operation.get("summary", "")
            # A docstring's sentence, not FastAPI's Title Cased function name.
            assert summary and not summary.istitle(), f"{where} has no docstring summary"
            responses = operation["responses"]
            ok = [c for c in responses if c.startswith("2")]
            assert ok, f"{where} documents no success response"
            for code in ok:
                if code != "204":
                    assert responses[code].get("content"), f"{where} {code} has no schema"
            if (path.startswith("/api/") and operation.get("parameters")) or "requestBody" in (
                operation
            ):
                assert "422" in responses, f"{where} does not document 422"
            if "{" in path:
                assert "404" in responses, f"{where} does not document 404"
            for code, response in responses.items():
                if code[0] in "45":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema.get("$ref", "").endswith(("/ErrorOut", "/HTTPValidationError"))


def test_startup_reads_every_request_bodys_max_lengths(database_url: str) -> None:
    """The maxLengths that request bodies are checked against are read at startup, not on each
    model's first request (building a JSON schema takes milliseconds)."""
    common._MAX_LENGTHS.clear()
    with TestClient(create_app(Settings(database_url=database_url))):
        models = set(common._MAX_LENGTHS)
    assert EngagementCreate in models
    assert common.UpdateModel in models
    pending, every = [common.InputModel], set()
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        every.add(model)
    assert every - {common.InputModel} <= models
    assert common._MAX_LENGTHS[EngagementCreate]["title"] == 300
