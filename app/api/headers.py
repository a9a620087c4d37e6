"""Security headers on every response: API, pages, static files, docs and errors alike.

What a response sets itself wins (the pages' CSP, the report preview's, the docs', the cache
headers of static files and PDF downloads); everything else gets the defaults below. The rules
and the reasons are in docs/security-headers.md.
"""

from collections.abc import Iterable

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A response that sets no policy of its own (JSON, plain text, static files, errors) may load
# nothing and be framed by nobody: an SVG or a mislabelled body opened as a document runs nothing.
NOTHING_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HSTS = "max-age=31536000; includeSubDomains"
# Every API answer but those that say otherwise (the PDF download) may carry personal data:
# no cache, shared or private, keeps a copy. ETags still work: they serve If-Match.
API_CACHE_CONTROL = "no-store"

Header = tuple[bytes, bytes]

_DEFAULTS: tuple[Header, ...] = (
    (b"x-content-type-options", b"nosniff"),
    # The app's URLs carry engagement ids and search words: no other site learns them.
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", NOTHING_CSP.encode()),
)
_HSTS: Header = (b"strict-transport-security", HSTS.encode())
_NO_STORE: Header = (b"cache-control", API_CACHE_CONTROL.encode())


class SecurityHeaders:
    """Add the headers a response lacks; HSTS when `hsts` (production, behind HTTPS).

    Pure ASGI: it only appends to the start message's header list, in the event loop."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.defaults = (*_DEFAULTS, _HSTS) if hsts else _DEFAULTS
        self.api_defaults = (*self.defaults, _NO_STORE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        defaults = self.api_defaults if scope["path"].startswith("/api/") else self.defaults

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_defaults(message.get("headers", ()), defaults)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_defaults(headers: Iterable[Header], defaults: Iterable[Header]) -> list[Header]:
    """`headers`, plus each of `defaults` whose name is not among them."""
    listed = list(headers)
    present = {name.lower() for name, _ in listed}
    listed.extend(header for header in defaults if header[0] not in present)
    return listed


def install(app: FastAPI, *, hsts: bool) -> None:
    """Put SecurityHeaders around the app's whole middleware stack. `add_middleware` would put
    it inside Starlette's ServerErrorMiddleware, whose 500 would then go out without them."""
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeaders(build(), hsts=hsts)

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
