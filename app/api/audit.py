"""/audit: the trail of every change (monitors and administrators)."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import OverseerUser, Paging
from app.db import DbSession
from app.schemas.audit import AuditEntryRead
from app.schemas.common import MAX_ID, Page, error_responses
from app.services import audit as service

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", responses=error_responses(401, 403, 422))
def list_audit_entries(
    session: DbSession,
    _overseer: OverseerUser,
    paging: Paging,
    engagement_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    entity_type: Annotated[str | None, Query(max_length=40)] = None,
    actor_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Page[AuditEntryRead]:
    """List audit entries, newest first."""
    items, total = service.list_entries(
        session,
        engagement_id=engagement_id,
        entity_type=entity_type,
        actor_id=actor_id,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page[AuditEntryRead](
        items=[AuditEntryRead.model_validate(e) for e in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )
