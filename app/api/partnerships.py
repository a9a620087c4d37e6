"""/partnerships: reference data (European Strategic Cluster Partnerships)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import AdminUser, IfMatch, Paging, PathId, check_if_match, set_etag
from app.db import DbSession
from app.schemas.common import Page, error_responses
from app.schemas.reference import PartnershipCreate, PartnershipRead, PartnershipUpdate
from app.services import partnerships as service
from app.vocab import PartnershipKind

router = APIRouter(prefix="/partnerships", tags=["partnerships"])


@router.get(
    "",
    status_code=status.HTTP_200_OK,
    response_model=Page[PartnershipRead],
    responses=error_responses(422),
)
def list_partnerships(
    session: DbSession,
    paging: Paging,
    kind: PartnershipKind | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    country: Annotated[
        str | None, Query(pattern=r"^[A-Za-z]{2}$", description="ISO code of a covered country")
    ] = None,
) -> Page[PartnershipRead]:
    """List partnerships."""
    items, total = service.list_partnerships(
        session, kind=kind, q=q, country=country, limit=paging.limit, offset=paging.offset
    )
    return Page[PartnershipRead](
        items=[PartnershipRead.model_validate(p) for p in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(403, 409, 413, 422))
def create_partnership(
    session: DbSession, _admin: AdminUser, body: PartnershipCreate, response: Response
) -> PartnershipRead:
    """Create a partnership."""
    partnership = service.create(session, body)
    set_etag(response, partnership)
    return PartnershipRead.model_validate(partnership)


@router.get(
    "/{partnership_id}", status_code=status.HTTP_200_OK, responses=error_responses(404, 422)
)
def get_partnership(
    session: DbSession, partnership_id: PathId, response: Response
) -> PartnershipRead:
    """Read one partnership."""
    partnership = service.get(session, partnership_id)
    set_etag(response, partnership)
    return PartnershipRead.model_validate(partnership)


@router.patch(
    "/{partnership_id}",
    status_code=status.HTTP_200_OK,
    responses=error_responses(403, 404, 409, 412, 413, 422),
)
def update_partnership(
    session: DbSession,
    _admin: AdminUser,
    partnership_id: PathId,
    body: PartnershipUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> PartnershipRead:
    """Change a partnership."""
    partnership = service.get(session, partnership_id)
    check_if_match(if_match, partnership)
    partnership = service.update(session, partnership, body)
    set_etag(response, partnership)
    return PartnershipRead.model_validate(partnership)


@router.delete(
    "/{partnership_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(403, 404, 409, 412, 422),
)
def delete_partnership(
    session: DbSession, _admin: AdminUser, partnership_id: PathId, if_match: IfMatch = None
) -> None:
    """Delete a partnership that nothing references."""
    partnership = service.get(session, partnership_id)
    check_if_match(if_match, partnership)
    service.delete(session, partnership)
