"""/portfolio and /audit, for monitors and administrators: DG GROW's dashboard (the figures of
GET /api/v1/portfolio/summary, its filters kept in the URL, the CSV and XLSX exports of what is
filtered) and the audit trail (GET /api/v1/audit), paged, its filters kept in the URL.

Both call the services the API routes call (app/api/portfolio.py, app/api/audit.py) with the
same filters schema; a filter that is not valid in the URL is ignored and said so, not a 422."""

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app import clock
from app.api.portfolio import CSV, XLSX
from app.db import DbSession
from app.models import Base
from app.reports import charts
from app.schemas.common import MAX_ID
from app.schemas.portfolio import PortfolioFilters
from app.services import audit, directory, exports
from app.services import portfolio as service
from app.services.page_cache import PageCache
from app.vocab import EngagementKind, Objective, Phase, Theme
from app.web.deps import OverseerPage, Templates
from app.web.forms import options
from app.web.pages.overview_view import field_label, people_in, recorded_fields, shown
from app.web.templating import Pages, label

router = APIRouter(include_in_schema=False)

FILTERS = ("kind", "country", "theme", "objective", "phase", "year")
LISTED = 100  # rows of each dashboard list; the CSV has every engagement
AUDIT_PAGE = 50
Filters = Annotated[PortfolioFilters, Query()]


def portfolio_filters(params: Mapping[str, str]) -> tuple[PortfolioFilters, str]:
    """The API's filters from the URL's (the invalid ones dropped, and a message naming them)."""
    values = {k: v.strip() for k in FILTERS if (v := params.get(k, "")).strip()}
    try:
        return PortfolioFilters.model_validate(values), ""
    except ValidationError as exc:
        bad = sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})
        kept = {k: v for k, v in values.items() if k not in bad}
        message = f"Some filters were not valid and were ignored: {', '.join(bad)}"
        return PortfolioFilters.model_validate(kept), message


def _percent(rate: float | None) -> str:
    return "no shared recommendation" if rate is None else f"{rate * 100:.0f} %"


def _count_chart(title: str, counts: Mapping[str, int], what: str) -> dict[str, Any]:
    bars = [charts.CountBar(label(value), n) for value, n in counts.items()]
    return {
        "svg": charts.bar_chart(bars, title=title),
        "caption": title,
        "rows": [(bar.label, int(bar.value)) for bar in bars],
        "head": (what, "Count"),
    }


def _rate_chart(title: str, rates: Mapping[str, Mapping[str, Any]], what: str) -> dict[str, Any]:
    rows, bars = [], []
    for value, r in rates.items():
        note = f"{r['implemented']} of {r['shared']}" if r["shared"] else "none shared"
        share = float("nan") if r["rate"] is None else round(r["rate"] * 100)
        bars.append(charts.CountBar(label(value), share, note))
        rows.append((label(value), r["shared"], r["implemented"], _percent(r["rate"])))
    return {
        "svg": charts.bar_chart(bars, title=title, percent=True),
        "caption": f"{title}: shared recommendations implemented in most respects or fully",
        "rows": rows,
        "head": (what, "Shared", "Implemented", "Rate"),
    }


def dashboard_charts(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The summary's counts and rates as charts, each with the rows of its data table."""
    engagements, recommendations = summary["engagements"], summary["recommendations"]
    rates = summary["implementation_rates"]
    return [
        _count_chart("Engagements by phase", engagements["by_phase"], "Phase"),
        _count_chart("Engagements by kind", engagements["by_kind"], "Kind"),
        _count_chart(
            "Shared recommendations by response", recommendations["by_response"], "Response"
        ),
        _count_chart(
            "Shared recommendations by implementation",
            recommendations["by_implementation"],
            "Implementation",
        ),
        _rate_chart(
            "Implementation rate by framework condition",
            rates["by_framework_condition"],
            "Framework condition",
        ),
        _rate_chart("Implementation rate by instrument", rates["by_instrument"], "Instrument"),
    ]


def _longest_without_mission(last_missions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Engagements by days since their last mission, those without any first."""
    return sorted(
        last_missions,
        key=lambda m: (
            m["days_since_last_mission"] is not None,
            -(m["days_since_last_mission"] or 0),
        ),
    )[:LISTED]


@router.get("/portfolio")
def portfolio_dashboard(
    request: Request, session: DbSession, _user: OverseerPage, pages: Templates
) -> Response:
    """The portfolio's figures for the filters in the URL, with links to the exports. The
    dashboard's content depends on the data, the day and the URL only: this process renders it
    once and serves it again while the portfolio's change log has not moved (its summary takes
    200 ms and more at 10,000 engagements); the page around it is the reader's."""
    params = {k: request.query_params.get(k, "") for k in FILTERS}
    today = clock.today()
    kept: PageCache = request.app.state.portfolio_pages
    key = (today, *params.values())
    changes = session.connection().scalar(service.PORTFOLIO_CHANGES)
    body = kept.get(key, changes)
    if body is None:
        body = _dashboard(session, pages, params, today).encode()
        kept.put(key, changes, body)
    return pages.render(
        request, "portfolio/dashboard.html", {"nav": "portfolio", "body": Markup(body.decode())}
    )


def _dashboard(session: Session, pages: Pages, params: dict[str, str], today: date) -> str:
    filters, problem = portfolio_filters(params)
    summary = service.summary(session, filters, today=today)
    query = urlencode(filters.model_dump(mode="json", exclude_none=True))
    return pages.fragment(
        "portfolio/_dashboard.html",
        summary=summary,
        charts=dashboard_charts(summary),
        no_mission=_longest_without_mission(summary["last_missions"]),
        listed=LISTED,
        params=params,
        filtered=any(params.values()),
        problem=problem,
        query=f"?{query}" if query else "",
        kinds=options(EngagementKind),
        themes=options(Theme),
        objectives=options(Objective),
        phases=options(Phase),
    )


def _download(request: Request, filters: PortfolioFilters, extension: str) -> StreamingResponse:
    """As the API's download (app/api/portfolio.py): the export streamed with a session of its
    own, opened when streaming starts, under the API's filename."""
    sessionmaker = request.app.state.sessions.reader
    today = clock.today()
    write, media_type = (
        (exports.csv_stream, CSV) if extension == "csv" else (exports.xlsx_stream, XLSX)
    )

    def body() -> Iterator[bytes]:
        with sessionmaker() as session:
            yield from write(session, exports.engagements_export(session, filters, today=today))

    filename = f"clustercase-engagements-{today.isoformat()}.{extension}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(body(), media_type=media_type, headers=headers)


@router.get("/portfolio/engagements.csv")
def portfolio_csv(request: Request, _user: OverseerPage, filters: Filters) -> StreamingResponse:
    """The filtered engagements as CSV, as GET /api/v1/portfolio/engagements.csv."""
    return _download(request, filters, "csv")


@router.get("/portfolio/engagements.xlsx")
def portfolio_xlsx(request: Request, _user: OverseerPage, filters: Filters) -> StreamingResponse:
    """The filtered engagements as an Excel workbook, as GET .../engagements.xlsx."""
    return _download(request, filters, "xlsx")


# -- the audit trail ---------------------------------------------------------------------------


def _entity_types() -> list[tuple[str, str]]:
    """Every mapped class as audit.entity_type names it, with its label."""
    names = {
        "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))
        for name in (mapper.class_.__name__ for mapper in Base.registry.mappers)
    }
    return [(name, label(name)) for name in sorted(names)]


def _audit_params(params: Mapping[str, str]) -> tuple[dict[str, Any], str]:
    """The API's audit filters from the URL's (the invalid ones ignored, and said so)."""
    values: dict[str, Any] = {"engagement_id": None, "entity_type": None, "actor_id": None}
    bad = []
    for name in ("engagement_id", "actor_id"):
        text = params.get(name, "").strip()
        if text.isdigit() and 1 <= int(text) <= MAX_ID:
            values[name] = int(text)
        elif text:
            bad.append(name)
    entity = params.get("entity_type", "").strip()
    if len(entity) <= 40:
        values["entity_type"] = entity or None
    else:
        bad.append("entity_type")
    message = f"Some filters were not valid and were ignored: {', '.join(bad)}" if bad else ""
    return values, message


HIDDEN_FIELDS = frozenset({"engagement_id", "phase_before_hold", "sha256", "search_text"})
VERBS = {"create": "Created", "update": "Changed", "delete": "Deleted", "transition": "Moved"}


def _changes(entry: Any, names: Mapping[int, str]) -> list[tuple[str, str, str]]:
    """Each field's old -> new, in words; fields empty before and after, secrets (hashes) and
    bookkeeping left out."""
    return [
        (field_label(name), shown(name, pair[0], names), shown(name, pair[-1], names))
        for name, pair in entry.changes.items()
        if name not in HIDDEN_FIELDS
        and not name.endswith("_hash")
        and any(value not in (None, "", []) for value in pair)
    ]


@router.get("/audit")
def audit_trail(
    request: Request,
    session: DbSession,
    _user: OverseerPage,
    pages: Templates,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The audit trail, newest first, filtered by engagement, entity type or actor, paged."""
    filters, problem = _audit_params(request.query_params)
    items, total = audit.list_entries(
        session, **filters, limit=AUDIT_PAGE, offset=(page - 1) * AUDIT_PAGE
    )
    names = directory.user_names(session, people_in(recorded_fields(items)))
    references = directory.engagement_references(
        session,
        {e.engagement_id for e in items if e.engagement_id} | {filters["engagement_id"] or 0},
    )
    kept = {k: v for k, v in filters.items() if v is not None}
    return pages.render(
        request,
        "portfolio/audit.html",
        {
            "nav": "portfolio",
            "entries": [(e, _changes(e, names)) for e in items],
            "names": names,
            "references": references,
            "total": total,
            "page": page,
            "last_page": max(1, -(-total // AUDIT_PAGE)),
            "filters": filters,
            "actor_name": directory.user_names(session, [filters["actor_id"] or 0]),
            "problem": problem,
            "entity_types": _entity_types(),
            "verbs": VERBS,
            "url": lambda **change: (
                "/audit?"
                + urlencode({k: v for k, v in ({**kept, **change}).items() if v is not None})
            ),
        },
    )
