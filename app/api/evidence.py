"""/engagements/{engagement_id}/evidence: what backs each claim, and the links to the claims."""

from fastapi import APIRouter, Response, status

from app.api.deps import (
    DiagnosisReader,
    DiagnosisWriter,
    IfMatch,
    Paging,
    PathId,
    check_if_match,
    set_etag,
)
from app.db import DbSession
from app.schemas.common import Page, error_responses
from app.schemas.evidence import (
    EvidenceCreate,
    EvidenceLinkRead,
    EvidenceRead,
    EvidenceUpdate,
    LinkCreate,
)
from app.services import evidence as service
from app.vocab import EvidenceKind

router = APIRouter(prefix="/engagements/{engagement_id}/evidence", tags=["evidence"])


@router.get("", response_model=Page[EvidenceRead], responses=error_responses(401, 404, 422))
def list_evidence(
    session: DbSession,
    engagement: DiagnosisReader,
    paging: Paging,
    kind: EvidenceKind | None = None,
) -> Page[EvidenceRead]:
    """List the engagement's evidence with its links."""
    items, total = service.list_evidence(
        session, engagement.id, kind=kind, limit=paging.limit, offset=paging.offset
    )
    return Page[EvidenceRead](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 413, 422)
)
def create_evidence(
    session: DbSession, engagement: DiagnosisWriter, body: EvidenceCreate, response: Response
) -> EvidenceRead:
    """Add evidence to the engagement."""
    evidence = service.create(session, engagement.id, body)
    set_etag(response, evidence)
    return evidence


@router.get("/{evidence_id}", responses=error_responses(401, 404, 422))
def get_evidence(
    session: DbSession,
    engagement: DiagnosisReader,
    evidence_id: PathId,
    response: Response,
) -> EvidenceRead:
    """Read one piece of evidence with its links."""
    evidence = service.read(session, engagement.id, evidence_id)
    set_etag(response, evidence)
    return evidence


@router.patch("/{evidence_id}", responses=error_responses(401, 403, 404, 409, 412, 413, 422))
def update_evidence(
    session: DbSession,
    engagement: DiagnosisWriter,
    evidence_id: PathId,
    body: EvidenceUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> EvidenceRead:
    """Change a piece of evidence."""
    evidence = service.get(session, engagement.id, evidence_id)
    check_if_match(if_match, evidence)
    updated = service.update(session, evidence, body)
    set_etag(response, updated)
    return updated


@router.delete(
    "/{evidence_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
def delete_evidence(
    session: DbSession,
    engagement: DiagnosisWriter,
    evidence_id: PathId,
    if_match: IfMatch = None,
) -> None:
    """Delete a piece of evidence and its links."""
    evidence = service.get(session, engagement.id, evidence_id)
    check_if_match(if_match, evidence)
    service.delete(session, evidence)


@router.post(
    "/{evidence_id}/links",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def create_link(
    session: DbSession, engagement: DiagnosisWriter, evidence_id: PathId, body: LinkCreate
) -> EvidenceLinkRead:
    """Link the evidence to a challenge, bottleneck or recommendation of this engagement."""
    evidence = service.get(session, engagement.id, evidence_id)
    return service.link(session, evidence, body)


# Links carry no version (they are created and deleted, never changed), so no If-Match.
@router.delete(
    "/{evidence_id}/links/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 422),
)
def delete_link(
    session: DbSession,
    engagement: DiagnosisWriter,
    evidence_id: PathId,
    link_id: PathId,
) -> None:
    """Remove one link of the evidence."""
    evidence = service.get(session, engagement.id, evidence_id)
    service.unlink(session, evidence, link_id)
