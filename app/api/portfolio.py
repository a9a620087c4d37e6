"""/portfolio: DG GROW's view of every engagement (summary and exports), for monitors and
administrators."""

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from app import clock
from app.api.deps import OverseerUser
from app.api.responses import JSONBytes
from app.db import DbSession
from app.schemas.common import error_responses
from app.schemas.portfolio import PortfolioFilters, PortfolioSummary
from app.services import exports
from app.services import portfolio as service

router = APIRouter(prefix="/portfolio", tags=["portfolio"])
Filters = Annotated[PortfolioFilters, Query()]

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/summary",
    status_code=status.HTTP_200_OK,
    response_model=PortfolioSummary,
    responses=error_responses(401, 403, 422),
)
def portfolio_summary(session: DbSession, _user: OverseerUser, filters: Filters) -> Response:
    """Summarise the portfolio: counts, implementation rates, overdue milestones, risks."""
    # Written by orjson from plain values: a large portfolio's lists run to tens of thousands
    # of items (see app/services/portfolio.py); the tests check the body against the model.
    return JSONBytes(service.summary(session, filters, today=clock.today()))


def _download(
    request: Request, filters: PortfolioFilters, *, table: str, extension: str
) -> StreamingResponse:
    """Stream an export. The request's session is committed and closed when the route returns
    (before the body is sent), so the body is read with a session of its own, opened when
    streaming starts and closed when it ends (or the client goes away). It is a plain
    generator: Starlette runs each step in a worker thread, off the event loop."""
    sessionmaker = request.app.state.sessions.reader
    today = clock.today()
    write, media_type = _FORMATS[extension]

    def body() -> Iterator[bytes]:
        with sessionmaker() as session:
            if table == "engagements":
                export = exports.engagements_export(session, filters, today=today)
            else:
                export = exports.recommendations_export(session, filters)
            yield from write(session, export)

    filename = f"clustercase-{table}-{today.isoformat()}.{extension}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(body(), media_type=media_type, headers=headers)


_FORMATS = {"csv": (exports.csv_stream, CSV), "xlsx": (exports.xlsx_stream, XLSX)}


def _responses(media_type: str) -> dict[int | str, dict[str, Any]]:
    ok = {200: {"content": {media_type: {}}, "description": "The export, streamed"}}
    return ok | error_responses(401, 403, 422)


@router.get(
    "/engagements.csv",
    status_code=status.HTTP_200_OK,
    response_class=StreamingResponse,
    responses=_responses(CSV),
)
def engagements_csv(request: Request, _user: OverseerUser, filters: Filters) -> StreamingResponse:
    """Export the matching engagements as CSV, one row each."""
    return _download(request, filters, table="engagements", extension="csv")


@router.get(
    "/engagements.xlsx",
    status_code=status.HTTP_200_OK,
    response_class=StreamingResponse,
    responses=_responses(XLSX),
)
def engagements_xlsx(request: Request, _user: OverseerUser, filters: Filters) -> StreamingResponse:
    """Export the matching engagements as an Excel workbook, one row each."""
    return _download(request, filters, table="engagements", extension="xlsx")


@router.get(
    "/recommendations.csv",
    status_code=status.HTTP_200_OK,
    response_class=StreamingResponse,
    responses=_responses(CSV),
)
def recommendations_csv(
    request: Request, _user: OverseerUser, filters: Filters
) -> StreamingResponse:
    """Export the recommendations of the matching engagements as CSV, one row each."""
    return _download(request, filters, table="recommendations", extension="csv")


@router.get(
    "/recommendations.xlsx",
    status_code=status.HTTP_200_OK,
    response_class=StreamingResponse,
    responses=_responses(XLSX),
)
def recommendations_xlsx(
    request: Request, _user: OverseerUser, filters: Filters
) -> StreamingResponse:
    """Export the recommendations of the matching engagements as an Excel workbook."""
    return _download(request, filters, table="recommendations", extension="xlsx")
