"""Dependencies shared by the routers: pagination, ETag / If-Match, load-or-404."""

from typing import Annotated, Protocol

from fastapi import Depends, Header, Path, Query, Response
from pydantic import BaseModel

from app.db import DbSession
from app.models import Engagement
from app.schemas.common import MAX_ID
from app.services import engagements as engagement_service
from app.services.errors import PreconditionFailed


class PageParams(BaseModel):
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=200, description="page size (max 200)")] = 50,
    offset: Annotated[int, Query(ge=0, description="items to skip")] = 0,
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


def check_if_match(if_match: str | None, obj: HasVersion) -> None:
    """Refuse a write whose If-Match names a version other than the stored one (412)."""
    if if_match is None:
        return
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" in tags or etag_of(obj) in tags:
        return
    raise PreconditionFailed(
        f"If-Match {if_match} does not match the current version {etag_of(obj)}"
    )


IfMatch = Annotated[
    str | None,
    Header(description="ETag from an earlier read; the write is refused (412) if stale"),
]


async def current_engagement(session: DbSession, engagement_id: PathId) -> Engagement:
    """The engagement named in the path, or 404."""
    return engagement_service.get(session, engagement_id)


CurrentEngagement = Annotated[Engagement, Depends(current_engagement)]
