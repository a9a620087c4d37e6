"""Jinja2 for the pages: autoescaped templates, vocabulary labels, dates in words, and the
response helpers every page route uses."""

import functools
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from app import vocab
from app.web import cookies
from app.web.assets import Assets

TEMPLATES = Path(__file__).parent / "templates"


def day(value: date | datetime | None) -> str:
    """A date as people write it: "6 December 2026"."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def moment(value: datetime | None) -> str:
    """A time as people read it: "6 December 2026, 14:05 UTC"."""
    if value is None:
        return ""
    return f"{day(value)}, {value:%H:%M} UTC"


def label(value: object) -> str:
    """The human label of a vocabulary value (empty for None)."""
    if value is None or value == "":
        return ""
    return vocab.label(str(value))


@functools.cache
def _environment(assets: Assets) -> jinja2.Environment:
    """One environment per set of assets (one per process): templates compile once."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(day=day, moment=moment, label=label)
    env.globals.update(asset=assets.url, vocab=vocab)
    return env


class Pages:
    """The template environment of one app, and what every page's context carries."""

    def __init__(self, assets: Assets, *, secure_cookies: bool) -> None:
        self.assets = assets
        self.env = _environment(assets)
        self.secure_cookies = secure_cookies
        # The page paths the app serves: the menu links only to those (set by create_app).
        self.paths: frozenset[str] = frozenset()

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
    ) -> HTMLResponse:
        """`template` with `context`, plus the signed-in user, their CSRF token and the
        message left by the previous request (shown once)."""
        state = request.state
        full = {
            "request": request,
            "nav": "",
            "served": self.paths,
            "user": getattr(state, "web_user", None),
            "csrf": getattr(state, "csrf", ""),
            "flash": unquote(request.cookies.get(cookies.FLASH_COOKIE, ""))[:200],
            **(context or {}),
        }
        html = self.env.get_template(template).render(full)
        response = HTMLResponse(html, status_code=status_code)
        if full["flash"]:
            response.delete_cookie(cookies.FLASH_COOKIE, path="/")
        return response

    def fragment(self, template: str, **context: Any) -> Markup:
        return Markup(self.env.get_template(template).render(context))

    def redirect(self, request: Request, url: str, *, flash: str = "") -> Response:
        """After a change: see the result (303), or, for htmx, let it load the page."""
        if request.headers.get("hx-request"):
            response: Response = Response(status_code=204, headers={"HX-Location": url})
        else:
            response = RedirectResponse(url, status_code=303)
        if flash:
            response.set_cookie(
                cookies.FLASH_COOKIE,
                quote(flash),
                max_age=60,
                path="/",
                httponly=True,
                samesite="lax",
                secure=self.secure_cookies,
            )
        return response


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages
