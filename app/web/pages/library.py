"""/library: the policy-learning library, shared recommendations of every engagement, searched
with the API's filters (app/api/library.py: the same query schema and service call, so the
same visibility: shared recommendations only, for every signed-in role). Snippets are plain
text with the offsets of the matched words; the page cuts the text at those offsets and lets
the template escape every piece, wrapping only the matched ones in <mark>."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.api.deps import PathId
from app.db import DbSession
from app.schemas.library import LibraryQuery
from app.services import bottlenecks
from app.services import library as service
from app.services.library import MAX_MATCHES
from app.vocab import FrameworkCondition, Instrument, Role, Theme
from app.web.deps import DiagnosisPage, PageUser, Templates
from app.web.forms import options
from app.web.pages.recommendations import HORIZONS

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
FILTERS = ("q", "framework_condition", "instrument", "theme", "country")
LAST_PAGE = MAX_MATCHES // PAGE_SIZE


def segments(snippet: str | None, highlights: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The snippet as (text, matched) pieces, cut at the highlight offsets (code points, as the
    API gives them); ranges out of order, overlapping or out of bounds are clipped or skipped."""
    if not snippet:
        return []
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(highlights):
        start, end = max(start, at), min(end, len(snippet))
        if start >= end:
            continue
        if start > at:
            pieces.append((snippet[at:start], False))
        pieces.append((snippet[start:end], True))
        at = end
    if at < len(snippet):
        pieces.append((snippet[at:], False))
    return pieces


def _query(params: dict[str, str]) -> tuple[LibraryQuery, str]:
    """The API's query for the page's filters (and a message when one is not valid)."""
    values: dict[str, Any] = {k: v for k, v in params.items() if v}
    try:
        return LibraryQuery.model_validate(values), ""
    except ValidationError as exc:
        names = sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})
        message = f"Some filters were not valid and were ignored: {', '.join(names)}"
        return LibraryQuery(), message


@router.get("/library")
def library(
    request: Request,
    session: DbSession,
    user: PageUser,
    pages: Templates,
    page: Annotated[int, Query(ge=1, le=LAST_PAGE)] = 1,
) -> Response:
    """Search the shared recommendations of every engagement, as GET
    /api/v1/library/recommendations does."""
    params = {k: request.query_params.get(k, "").strip() for k in FILTERS}
    query, problem = _query(params)
    results = service.search(session, query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    kept = {k: v for k, v in params.items() if v}
    last_page = min(LAST_PAGE, max(1, -(-results.total // PAGE_SIZE)))
    items = [(item, segments(item.snippet, item.highlights)) for item in results.items]
    return pages.render(
        request,
        "library/search.html",
        {
            "nav": "library",
            "items": items,
            "total": results.total,
            "capped": results.capped,
            "page": page,
            "last_page": last_page,
            "params": params,
            "problem": problem,
            "searched": bool(query.q),
            "links": user.role != Role.STAKEHOLDER,
            "page_url": lambda n: "/library?" + urlencode({**kept, "page": n}),
            "conditions": options(FrameworkCondition),
            "instruments": options(Instrument),
            "themes": options(Theme),
            "horizons": HORIZONS,
        },
    )


SIMILAR_SHOWN = 5


@router.get("/engagements/{engagement_id}/bottlenecks/{bottleneck_id}/similar")
def similar_recommendations(
    request: Request,
    session: DbSession,
    engagement: DiagnosisPage,
    bottleneck_id: PathId,
    pages: Templates,
) -> Response:
    """Shared recommendations of other engagements like a bottleneck, as GET
    /api/v1/engagements/{id}/bottlenecks/{bid}/similar-recommendations: a page of its own, or
    (htmx, from the diagnosis page) the list alone, shown beside the bottleneck."""
    bottleneck = bottlenecks.get(session, engagement.id, bottleneck_id)
    results = service.similar(session, engagement.id, bottleneck_id, limit=SIMILAR_SHOWN, offset=0)
    partial = bool(request.headers.get("hx-request"))
    context = {
        "nav": "engagements",
        "engagement_id": engagement.id,
        "bottleneck": bottleneck,
        "items": [(item, segments(item.snippet, item.highlights)) for item in results.items],
        "horizons": HORIZONS,
        "level": 5 if partial else 2,
    }
    template = "library/_similar.html" if partial else "library/similar.html"
    return pages.render(request, template, context)
