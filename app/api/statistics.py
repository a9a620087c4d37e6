"""Indicator data put to use: a region's profile and peers (public statistics: every signed-in
user), and an engagement's diagnosis suggestions (the diagnosis's readers and writers)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from app.api.deps import CurrentUser, DiagnosisReader, DiagnosisWriter, Paging, PathId
from app.db import DbSession
from app.schemas.common import error_responses
from app.schemas.region_profile import (
    AcceptedSuggestion,
    DecidedSuggestion,
    PeerPage,
    RegionProfile,
    SuggestionPage,
)
from app.services import diagnosis_suggestions, region_peers, region_profile
from app.vocab import FrameworkCondition

router = APIRouter(tags=["statistics"])

Key = Annotated[FrameworkCondition, Path(description="the suggestion's framework condition")]
SUGGESTIONS = "/engagements/{engagement_id}/diagnosis-suggestions"


@router.get("/regions/{region_id}/profile", responses=error_responses(401, 404, 422))
def region_profile_read(
    session: DbSession,
    region_id: PathId,
    years: Annotated[int, Query(ge=1, le=30, description="span of the trend")] = 5,
) -> RegionProfile:
    """A region's indicators against their benchmarks, percentiles and trends."""
    return region_profile.profile(session, region_id, years=years)


@router.get("/regions/{region_id}/peers", responses=error_responses(401, 404, 422))
def read_region_peers(
    session: DbSession,
    region_id: PathId,
    k: Annotated[int, Query(ge=1, le=50, description="how many peers")] = 5,
) -> PeerPage:
    """The regions most like this one by their indicators, with their shared recommendations."""
    items = region_peers.peers(session, region_id, k=k)
    return PeerPage(items=items, total=len(items), limit=k, offset=0)


@router.get(SUGGESTIONS, responses=error_responses(401, 404, 422))
def list_suggestions(
    session: DbSession, engagement: DiagnosisReader, paging: Paging
) -> SuggestionPage:
    """Framework conditions where the client region lags, still to accept or dismiss."""
    found = diagnosis_suggestions.suggestions(session, engagement)
    return SuggestionPage(
        items=found.items[paging.offset : paging.offset + paging.limit],
        total=len(found.items),
        limit=paging.limit,
        offset=paging.offset,
        reason=found.reason,
        decided=found.decided,
    )


@router.post(
    f"{SUGGESTIONS}/{{key}}/accept",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 422),
)
def accept_suggestion(
    session: DbSession, engagement: DiagnosisWriter, key: Key, user: CurrentUser
) -> AcceptedSuggestion:
    """Make the suggestion a hypothesis bottleneck with its indicator evidence."""
    return diagnosis_suggestions.accept(session, engagement, key.value, user)


@router.post(
    f"{SUGGESTIONS}/{{key}}/dismiss",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409, 422),
)
def dismiss_suggestion(
    session: DbSession, engagement: DiagnosisWriter, key: Key, user: CurrentUser
) -> DecidedSuggestion:
    """Dismiss the suggestion: it is not offered again."""
    return diagnosis_suggestions.dismiss(session, engagement, key.value, user)
