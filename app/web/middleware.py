"""Headers of the pages: a Content-Security-Policy without inline scripts, no caching of
private pages, and the sign-in cookie renewed (app/web/deps.page_user). Those of every response
(nosniff, no framing, the referrer policy) come from app/api/headers.py."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web import cookies
from app.web.paths import is_page

# Scripts and styles from this origin only; SVG charts are inline markup without scripts or
# style attributes; Pico's form controls draw their icons from data: images.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {"content-security-policy": CONTENT_SECURITY_POLICY}


class PageHeaders:
    def __init__(self, app: ASGIApp, *, secure_cookies: bool, session_max_age: int) -> None:
        self.app = app
        self.secure_cookies = secure_cookies
        self.session_max_age = session_max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in PAGE_HEADERS.items():
                    if name == "content-security-policy" and name in headers:
                        continue  # a policy of its own: the report preview (inline CSS, no scripts)
                    headers[name] = value
                if "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
                renewed = scope.get("state", {}).get("renew_session")
                if renewed:
                    headers.append(
                        "set-cookie",
                        cookies.set_cookie_header(
                            cookies.SESSION_COOKIE,
                            renewed,
                            max_age=self.session_max_age,
                            secure=self.secure_cookies,
                        ),
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)
