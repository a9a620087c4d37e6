"""/users: accounts (administrators only)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import AdminUser, IfMatch, Paging, PathId, check_if_match, set_etag
from app.db import DbSession
from app.schemas.common import Page, error_responses
from app.schemas.user import UserCreate, UserRead, UserUpdate
from app.services import users as service
from app.vocab import Role

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", responses=error_responses(401, 403, 422))
def list_users(
    session: DbSession,
    _admin: AdminUser,
    paging: Paging,
    role: Role | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[UserRead]:
    """List users."""
    items, total = service.list_users(
        session, role=role, q=q, limit=paging.limit, offset=paging.offset
    )
    return Page[UserRead](
        items=[UserRead.model_validate(u) for u in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 409, 413, 422)
)
def create_user(
    session: DbSession, _admin: AdminUser, body: UserCreate, response: Response
) -> UserRead:
    """Create a user."""
    user = service.create(session, body)
    set_etag(response, user)
    return UserRead.model_validate(user)


@router.get("/{user_id}", responses=error_responses(401, 403, 404, 422))
def get_user(
    session: DbSession, _admin: AdminUser, user_id: PathId, response: Response
) -> UserRead:
    """Read one user."""
    user = service.get(session, user_id)
    set_etag(response, user)
    return UserRead.model_validate(user)


@router.patch("/{user_id}", responses=error_responses(401, 403, 404, 409, 412, 413, 422))
def update_user(
    session: DbSession,
    _admin: AdminUser,
    user_id: PathId,
    body: UserUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> UserRead:
    """Change a user: name, role, client, password, or deactivate."""
    user = service.get(session, user_id)
    check_if_match(if_match, user)
    user = service.update(session, user, body)
    set_etag(response, user)
    return UserRead.model_validate(user)
