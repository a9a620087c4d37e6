"""The API documentation in a real browser with no network beyond the app: Swagger UI (/docs)
renders from the app's own copy under its strict CSP. A request to any other origin is cut
off (and fails the test); a CSP violation is a console error, which fails it too (conftest)."""

from typing import Any
from urllib.parse import urlsplit

from tests.web.browser.helpers import DemoServer


def cut_off_the_internet(page: Any, server: DemoServer) -> list[str]:
    """Let only requests to the app through; the list of every other URL asked for."""
    app_origin = urlsplit(server.base_url)[:2]
    elsewhere: list[str] = []

    def route(route: Any) -> None:
        url = route.request.url
        if urlsplit(url)[:2] == app_origin or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort("internetdisconnected")

    page.route("**/*", route)
    return elsewhere


def test_swagger_ui_renders_every_operation_offline(page: Any, demo_server: DemoServer) -> None:
    elsewhere = cut_off_the_internet(page, demo_server)
    page.goto("/docs")
    operations = page.locator(".opblock")
    operations.first.wait_for()
    assert operations.count() >= 50
    assert page.locator(".opblock-summary-path", has_text="/api/v1/auth/token").count() == 1
    # An operation opens (Swagger UI's own rendering, not only the list).
    page.locator(".opblock-summary", has_text="/api/v1/auth/me").first.click()
    page.locator(".opblock.is-open .responses-wrapper").first.wait_for()
    assert elsewhere == []
