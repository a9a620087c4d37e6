"""Dependencies shared by the routers: pagination, ETag / If-Match, load-or-404."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol

from fastapi import Depends, Header, Path, Query, Request, Response
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.db import DbSession
from app.models import Engagement, User
from app.schemas.common import MAX_ID, MAX_PAGE
from app.security import token_subject
from app.services import access
from app.services.access import Section
from app.services.errors import Forbidden, NotFound, PreconditionFailed, Unauthorized
from app.vocab import Role


class PageParams(BaseModel):
    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"page size (max {MAX_PAGE})")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID, description="items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


Paging = Annotated[PageParams, Depends(page_params)]

# A path id: a positive 32-bit integer (anything else is a 422, never a database overflow).
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


class HasVersion(Protocol):
    version: int


def etag_of(obj: HasVersion) -> str:
    return f'"{obj.version}"'


def set_etag(response: Response, obj: HasVersion) -> None:
    response.headers["ETag"] = etag_of(obj)


def etag_listed(header: str, etag: str) -> bool:
    """Whether an If-Match / If-None-Match header names `etag` (or `*`); weak tags count."""
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def check_if_match(if_match: str | None, obj: HasVersion) -> None:
    """Refuse a write whose If-Match names a version other than the stored one (412)."""
    if if_match is None or etag_listed(if_match, etag_of(obj)):
        return
    raise PreconditionFailed(
        f"If-Match {if_match} does not match the current version {etag_of(obj)}"
    )


IfMatch = Annotated[
    str | None,
    Header(description="ETag from an earlier read; the write is refused (412) if stale"),
]


bearer_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
BearerToken = Annotated[str | None, Depends(bearer_scheme)]
_USER_BY_ID = select(User).where(User.id == bindparam("user_id"), User.is_active)


def current_user(request: Request, session: DbSession, token: BearerToken) -> User:
    """The active user the bearer token names, or 401. Read on every request (the token's
    signature check alone is cached), so a deactivated or deleted user loses access at once."""
    user_id = token_subject(token, key=request.app.state.secret_key) if token else None
    user = session.scalar(_USER_BY_ID, {"user_id": user_id}) if user_id is not None else None
    if user is None:
        raise Unauthorized("A valid access token is required")
    session.info["actor_id"] = user_id
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def ensure_role(user: User, *roles: Role) -> User:
    """`user`, when they have one of `roles`; 403 for the others."""
    if user.role not in roles:
        raise Forbidden(f"This action needs one of the roles: {', '.join(roles)}")
    return user


def require_roles(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """A dependency that lets only `roles` through (403 for the others)."""

    async def dependency(user: CurrentUser) -> User:
        return ensure_role(user, *roles)

    return dependency


AdminUser = Annotated[User, Depends(require_roles(Role.ADMIN))]
OverseerUser = Annotated[User, Depends(require_roles(Role.MONITOR, Role.ADMIN))]
StaffUser = Annotated[User, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]


def _readable_engagement(
    session: Session, user: User, engagement_id: int, section: Section
) -> Engagement:
    """The engagement, or 404 when it does not exist or the caller may not read `section`."""
    engagement = session.get(Engagement, engagement_id)
    if engagement is None or not access.can_read(user, engagement, section):
        raise NotFound(f"Engagement {engagement_id} does not exist")
    return engagement


def accessible_engagement(
    session: Session, user: User, engagement_id: int, section: Section, *, write: bool
) -> Engagement:
    """The engagement for `section`: 404 when `user` may not read it (or that part of it), 403
    when they may read but not write. The API's dependencies and the pages both use it."""
    engagement = _readable_engagement(session, user, engagement_id, section)
    if write and not access.can_write(session, user, engagement):
        raise Forbidden("Only the engagement's consultants and administrators may change it")
    return engagement


def engagement_access(section: Section, *, write: bool) -> Callable[..., Engagement]:
    """Load the engagement in the path for `section` (accessible_engagement)."""

    def dependency(session: DbSession, user: CurrentUser, engagement_id: PathId) -> Engagement:
        return accessible_engagement(session, user, engagement_id, section, write=write)

    return dependency


def recordable_engagement(session: Session, user: User, engagement_id: int) -> Engagement:
    """The engagement for recording follow-up: 404 when `user` may not read its
    recommendations, 403 when they may read but not record (monitors, non-member consultants)."""
    engagement = _readable_engagement(session, user, engagement_id, Section.RECOMMENDATIONS)
    if not access.can_record_follow_up(session, user, engagement):
        raise Forbidden(
            "Only the client's stakeholders, the engagement's consultants and administrators "
            "may record follow-up"
        )
    return engagement


def follow_up_recorder(session: DbSession, user: CurrentUser, engagement_id: PathId) -> Engagement:
    """The engagement in the path for recording follow-up (recordable_engagement)."""
    return recordable_engagement(session, user, engagement_id)


FollowUpRecorder = Annotated[Engagement, Depends(follow_up_recorder)]


def _access(section: Section, write: bool) -> Any:
    return Annotated[Engagement, Depends(engagement_access(section, write=write))]


EngagementReader = _access(Section.ENGAGEMENT, False)
EngagementWriter = _access(Section.ENGAGEMENT, True)
MilestonesReader = _access(Section.MILESTONES, False)
MilestonesWriter = _access(Section.MILESTONES, True)
RecommendationsReader = _access(Section.RECOMMENDATIONS, False)
RecommendationsWriter = _access(Section.RECOMMENDATIONS, True)
ReportsReader = _access(Section.REPORTS, False)
ReportsWriter = _access(Section.REPORTS, True)
DiagnosisReader = _access(Section.DIAGNOSIS, False)
DiagnosisWriter = _access(Section.DIAGNOSIS, True)
MissionsReader = _access(Section.MISSIONS, False)
MissionsWriter = _access(Section.MISSIONS, True)
InternalReader = _access(Section.INTERNAL, False)
