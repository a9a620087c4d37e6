"""Per request: its metrics, its log line, its request id for every line logged meanwhile;
and the /metrics endpoint for the callers MetricsAccess allows.

Plain ASGI (no BaseHTTPMiddleware, which costs a task and a stream per request). It sits
inside RequestId (app/api/middleware.py), whose id it reuses, and outside everything else.
"""

import logging
import time

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import metrics
from app.observability.logs import REQUEST_ID

log = logging.getLogger("clustercase.request")
METRICS_PATH = "/metrics"


class Observe:
    def __init__(self, app: ASGIApp, access: metrics.MetricsAccess) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = scope.setdefault("state", {})
        token = REQUEST_ID.set(state.get("request_id"))
        status = 500  # unless a response starts: an exception becomes a 500 further out

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            headers = dict(scope["headers"]) if scope["path"] == METRICS_PATH else None
            if headers is not None and self._allowed(scope, headers):
                await _serve_metrics(send_observed, headers.get(b"accept", b"").decode("latin-1"))
                route = METRICS_PATH
            else:
                await self.app(scope, receive, send_observed)
                route = route_template(scope)
        finally:
            REQUEST_ID.reset(token)
        seconds = time.perf_counter() - started
        metrics.record_request(scope["method"], route, status, seconds)
        if log.isEnabledFor(logging.INFO):
            _log_request(scope, state, route, status, seconds)

    def _allowed(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        client = scope.get("client")
        return self.access.allows(client[0] if client else None, headers.get(b"authorization"))


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/api/v1/engagements/{engagement_id}`), or
    `unmatched`. FastAPI keeps the full template of a route in an included router (its
    prefix and the route's own path) in its part of the scope; the route object in
    scope["route"] knows only its own path."""
    context = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(context, "path_format", None)
    if template is None:
        template = getattr(scope.get("route"), "path_format", None)
    return template if isinstance(template, str) else metrics.UNMATCHED


async def _serve_metrics(send: Send, accept: str) -> None:
    # Reading the worker processes' files and formatting: off the event loop.
    body, content_type = await to_thread.run_sync(metrics.exposition, accept)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _log_request(scope: Scope, state: dict[str, object], route: str, status: int, s: float) -> None:
    duration_ms = round(s * 1000, 1)
    log.info(
        "%s %s %d %.1f ms",
        scope["method"],
        route,
        status,
        duration_ms,
        extra={
            "request_id": state.get("request_id"),
            "user_id": state.get("user_id"),
            "method": scope["method"],
            "route": route,
            "path": scope["path"],
            "status": status,
            "duration_ms": duration_ms,
        },
    )
