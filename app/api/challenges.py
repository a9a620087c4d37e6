"""/engagements/{engagement_id}/challenges: what the client wants to overcome."""

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
from app.schemas.diagnosis import ChallengeCreate, ChallengeRead, ChallengeUpdate
from app.services import challenges as service

router = APIRouter(prefix="/engagements/{engagement_id}/challenges", tags=["challenges"])


@router.get("", response_model=Page[ChallengeRead], responses=error_responses(401, 404, 422))
def list_challenges(
    session: DbSession, engagement: DiagnosisReader, paging: Paging
) -> Page[ChallengeRead]:
    """List the engagement's challenges, highest priority first."""
    items, total = service.list_challenges(
        session, engagement.id, limit=paging.limit, offset=paging.offset
    )
    return Page[ChallengeRead](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 413, 422)
)
def create_challenge(
    session: DbSession, engagement: DiagnosisWriter, body: ChallengeCreate, response: Response
) -> ChallengeRead:
    """Add a challenge to the engagement."""
    challenge = service.create(session, engagement.id, body)
    set_etag(response, challenge)
    return challenge


@router.get("/{challenge_id}", responses=error_responses(401, 404, 422))
def get_challenge(
    session: DbSession,
    engagement: DiagnosisReader,
    challenge_id: PathId,
    response: Response,
) -> ChallengeRead:
    """Read one challenge with its evidence references."""
    challenge = service.read(session, engagement.id, challenge_id)
    set_etag(response, challenge)
    return challenge


@router.patch("/{challenge_id}", responses=error_responses(401, 403, 404, 409, 412, 413, 422))
def update_challenge(
    session: DbSession,
    engagement: DiagnosisWriter,
    challenge_id: PathId,
    body: ChallengeUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> ChallengeRead:
    """Change a challenge."""
    challenge = service.get(session, engagement.id, challenge_id)
    check_if_match(if_match, challenge)
    updated = service.update(session, challenge, body)
    set_etag(response, updated)
    return updated


@router.delete(
    "/{challenge_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
def delete_challenge(
    session: DbSession,
    engagement: DiagnosisWriter,
    challenge_id: PathId,
    if_match: IfMatch = None,
) -> None:
    """Delete a challenge that no bottleneck points at (its evidence links go with it)."""
    challenge = service.get(session, engagement.id, challenge_id)
    check_if_match(if_match, challenge)
    service.delete(session, challenge)
