"""Signing in and out, and each role's home."""

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app import clock
from app.api.auth import client_address
from app.db import DbSession
from app.services import auth as login_service
from app.services import web_sessions
from app.vocab import Role
from app.web import cookies
from app.web.deps import PageUser, Templates

router = APIRouter(include_in_schema=False)

HOMES = {
    Role.CONSULTANT: "/engagements",
    Role.ADMIN: "/engagements",
    Role.STAKEHOLDER: "/portal",
    Role.MONITOR: "/portfolio",
}


def local_path(target: str | None) -> str | None:
    """`target` when it is a path of this site (not `//host`, not `/\\host`, no scheme)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


@router.get("/")
def home(user: PageUser) -> Response:
    """Each role's home page."""
    return RedirectResponse(HOMES[user.role], status_code=303)


def _login_page(
    request: Request, pages: Templates, *, email: str = "", error: str = "", status_code: int = 200
) -> Response:
    nonce = request.cookies.get(cookies.LOGIN_COOKIE) or cookies.new_nonce()
    response = pages.render(
        request,
        "auth/login.html",
        {
            "csrf": cookies.csrf_token(request.app.state.secret_key, nonce),
            "email": email,
            "error": error,
            "next": local_path(request.query_params.get("next")) or "",
        },
        status_code=status_code,
    )
    response.headers.append(
        "set-cookie",
        cookies.set_cookie_header(
            cookies.LOGIN_COOKIE, nonce, max_age=3600, secure=pages.secure_cookies
        ),
    )
    return response


def wait_in_words(seconds: int) -> str:
    """`seconds` for people: "1 second", "40 seconds", "2 minutes" (rounded up)."""
    if seconds < 60:
        return f"{seconds} second" + ("" if seconds == 1 else "s")
    minutes = -(-seconds // 60)
    return f"{minutes} minute" + ("" if minutes == 1 else "s")


@router.get("/login")
def login_form(request: Request, pages: Templates) -> Response:
    """The sign-in form."""
    return _login_page(request, pages)


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    pages: Templates,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Sign in: the API's password check and throttling, then a cookie."""
    settings = request.app.state.settings
    attempt = login_service.start_login(
        session,
        email=email,
        client_ip=client_address(request),
        throttle=login_service.Throttle.from_settings(settings),
    )
    if attempt.retry_after is not None:
        # No password check while throttled (app/api/auth.py).
        error = f"Too many failed sign-ins. Try again in {wait_in_words(attempt.retry_after)}."
        page = _login_page(request, pages, email=email, error=error, status_code=429)
        page.headers["retry-after"] = str(attempt.retry_after)
        return page
    # The attempt is recorded; no lock is held while the password is checked (app/api/auth.py).
    session.commit()
    outcome = login_service.finish_login(session, attempt, password)
    if outcome.user is None:
        error = "The email address or the password is not right."
        return _login_page(request, pages, email=email, error=error, status_code=401)
    lifetime = timedelta(hours=settings.web_session_hours)
    token = web_sessions.start(session, outcome.user, lifetime=lifetime)
    target = local_path(request.query_params.get("next")) or HOMES[outcome.user.role]
    response = RedirectResponse(target, status_code=303)
    value = cookies.session_value(
        request.app.state.secret_key, cookies.SignIn(token, int(attempt.now.timestamp()))
    )
    response.headers.append(
        "set-cookie",
        cookies.set_cookie_header(
            cookies.SESSION_COOKIE,
            value,
            max_age=int(lifetime.total_seconds()),
            secure=pages.secure_cookies,
        ),
    )
    response.delete_cookie(cookies.LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, pages: Templates) -> Response:
    """Sign out: the sign-in ends on the server, and the cookie is removed."""
    key = request.app.state.secret_key
    sign_in = cookies.read_session(
        key,
        request.cookies.get(cookies.SESSION_COOKIE),
        now=clock.now().timestamp(),
        idle_s=float("inf"),
    )
    if sign_in is not None:
        web_sessions.end(session, sign_in.token)
    response = pages.redirect(request, "/login", flash="You are signed out.")
    response.delete_cookie(cookies.SESSION_COOKIE, path="/")
    return response
