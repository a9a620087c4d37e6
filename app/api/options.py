"""OPTIONS for every path: 204 with an `Allow` header naming every method the path serves;
and the same `Allow` on a 405.

Starlette answers an unrouted method with 405 and an `Allow` header naming the methods of the
first route whose path matched, so a path served by several routes (GET and POST of a
collection) listed only one of them. This middleware asks the route table itself, method by
method, so the answer is what a request with each method would really find.
"""

from collections.abc import Iterable
from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The methods a route of this app may serve (OPTIONS is answered here, for every path).
PROBED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(routes: Iterable[Any], scope: Scope) -> list[str]:
    """The methods of PROBED_METHODS some route serves for the scope's path, in that order."""
    routes = list(routes)
    return [
        method
        for method in PROBED_METHODS
        if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in routes)
    ]


class Options:
    """Answer OPTIONS on a served path with 204 and `Allow`, and give a 405 the same `Allow`;
    OPTIONS on other paths goes on to a 404."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] != "OPTIONS":
            await self.app(scope, receive, _allow_on_405(scope, send))
            return
        allow = _allow(scope)
        if allow is None:
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 204, "headers": [(b"allow", allow)]})
        await send({"type": "http.response.body", "body": b""})


def _allow(scope: Scope) -> bytes | None:
    """The `Allow` header for the scope's path, or None when no route serves it."""
    methods = allowed_methods(scope["app"].router.routes, scope)
    return ", ".join([*methods, "OPTIONS"]).encode() if methods else None


def _allow_on_405(scope: Scope, send: Send) -> Send:
    async def send_with_allow(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 405:
            allow = _allow(scope)
            if allow is not None:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message["headers"] = [*headers, (b"allow", allow)]
        await send(message)

    return send_with_allow
