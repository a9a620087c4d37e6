"""/auth: OAuth2 password flow issuing short-lived JWT access tokens."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import CurrentUser
from app.api.errors import error_body
from app.db import DbSession
from app.schemas.common import error_responses
from app.schemas.user import Token, UserRead
from app.security import issue_token
from app.services import auth as service
from app.services.errors import TooManyAttempts

public = APIRouter(prefix="/auth", tags=["auth"])
router = APIRouter(prefix="/auth", tags=["auth"])


def client_address(request: Request) -> str:
    """The client's address as the server sees it: behind a reverse proxy, uvicorn's
    `--proxy-headers --forwarded-allow-ips` make it the real one. The API and the sign-in page
    both throttle by it."""
    return request.client.host if request.client else "unknown"


@public.post("/token", responses=error_responses(401, 422, 429))
def issue_access_token(
    request: Request, session: DbSession, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    """Exchange an email and password for a bearer access token."""
    settings = request.app.state.settings
    attempt = service.start_login(
        session,
        email=form.username[:320],
        client_ip=client_address(request),
        throttle=service.Throttle.from_settings(settings),
    )
    if attempt.retry_after is not None:
        # Refused before the password is checked: a throttled client learns nothing from it.
        raise TooManyAttempts(
            "Too many failed logins; try again later", retry_after=attempt.retry_after
        )
    # Commit the attempt (counted as a failure until the password proves right), so that
    # concurrent attempts see it; no lock is held while the password is checked (~100 ms).
    session.commit()
    outcome = service.finish_login(session, attempt, form.password[:256])
    if outcome.user is None:
        # Returned, not raised: the session commits (the failure is already recorded).
        return JSONResponse(  # type: ignore[return-value]
            error_body("invalid_credentials", "Incorrect email or password"),
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    issued = issue_token(
        outcome.user.id,
        key=request.app.state.secret_key,
        lifetime=timedelta(minutes=settings.access_token_minutes),
    )
    return Token(access_token=issued.token, expires_in=issued.expires_in)


@router.get("/me", responses=error_responses(401))
def who_am_i(user: CurrentUser) -> UserRead:
    """The user the access token belongs to."""
    return UserRead.model_validate(user)
