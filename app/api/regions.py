"""/regions: reference data."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import AdminUser, IfMatch, Paging, PathId, check_if_match, set_etag
from app.db import DbSession
from app.schemas.common import Page, error_responses
from app.schemas.reference import RegionCreate, RegionRead, RegionUpdate
from app.services import regions as service

router = APIRouter(prefix="/regions", tags=["regions"])
RegionId = PathId


@router.get("", response_model=Page[RegionRead], responses=error_responses(422))
def list_regions(
    session: DbSession,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=200)] = None,
    country_code: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
) -> Page[RegionRead]:
    """List regions."""
    items, total = service.list_regions(
        session, q=q, country_code=country_code, limit=paging.limit, offset=paging.offset
    )
    return Page[RegionRead](
        items=[RegionRead.model_validate(r) for r in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(403, 409, 413, 422))
def create_region(
    session: DbSession, _admin: AdminUser, body: RegionCreate, response: Response
) -> RegionRead:
    """Create a region."""
    region = service.create(session, body)
    set_etag(response, region)
    return RegionRead.model_validate(region)


@router.get("/{region_id}", responses=error_responses(404, 422))
def get_region(session: DbSession, region_id: RegionId, response: Response) -> RegionRead:
    """Read one region."""
    region = service.get(session, region_id)
    set_etag(response, region)
    return RegionRead.model_validate(region)


@router.patch("/{region_id}", responses=error_responses(403, 404, 409, 412, 413, 422))
def update_region(
    session: DbSession,
    _admin: AdminUser,
    region_id: RegionId,
    body: RegionUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> RegionRead:
    """Change a region."""
    region = service.get(session, region_id)
    check_if_match(if_match, region)
    region = service.update(session, region, body)
    set_etag(response, region)
    return RegionRead.model_validate(region)


@router.delete(
    "/{region_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(403, 404, 409, 412),
)
def delete_region(
    session: DbSession, _admin: AdminUser, region_id: RegionId, if_match: IfMatch = None
) -> None:
    """Delete a region that nothing references."""
    region = service.get(session, region_id)
    check_if_match(if_match, region)
    service.delete(session, region)
