"""/regions/{id}/profile: a region's indicators against their benchmarks and its peers (public
statistics: every signed-in user, as GET /api/v1/regions/{id}/profile); and the diagnosis
page's Accept / Dismiss of a suggestion (the diagnosis's writers, as the API)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import PathId
from app.db import DbSession
from app.reports import numbers, trend_charts
from app.schemas.region_profile import IndicatorProfile, RegionProfile
from app.services import diagnosis_suggestions, region_peers, region_profile
from app.services.errors import AppError
from app.vocab import FrameworkCondition, label
from app.web.deps import DiagnosisEdit, PageUser, Templates
from app.web.forms import Form
from app.web.pages.recommendations import HORIZONS

router = APIRouter(include_in_schema=False)

TRENDS = {
    "narrowing": "Gap narrowing",
    "widening": "Gap widening",
    "stable": "Gap stable",
    "ahead": "Ahead of the benchmark",
}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}% a year"


def _row(item: IndicatorProfile, region: str) -> dict[str, Any]:
    """What the table and the charts show of one indicator."""
    mine = [(p.year, p.value) for p in item.series]
    theirs = [(p.year, p.value) for p in item.benchmark_series]
    benchmark = item.benchmark.label if item.benchmark else "No benchmark"
    return {
        "item": item,
        "value": numbers.quantity(item.value, item.unit),
        "benchmark": numbers.quantity(item.benchmark.value, item.unit) if item.benchmark else "—",
        "percentile": "—" if item.percentile is None else f"{item.percentile:.0f}",
        "cagr": _percent(item.cagr),
        "trend": TRENDS.get(item.gap_trend or "", "—"),
        "direction": "Higher is better" if item.direction == "higher" else "Lower is better",
        "spark": trend_charts.sparkline(item.name, mine, theirs, benchmark),
        "multiple": trend_charts.small_multiple(item.name, mine, theirs, region, benchmark),
        "data": [(p.year, p.value) for p in item.series],
    }


def _groups(profile: RegionProfile) -> list[dict[str, Any]]:
    summaries = {s.framework_condition: s for s in profile.conditions}
    groups = []
    for condition in FrameworkCondition:
        rows = [
            _row(i, profile.region.name)
            for i in profile.indicators
            if i.framework_condition == condition
        ]
        if rows:
            groups.append(
                {"key": condition.value, "label": label(condition), "summary": summaries[condition],
                 "rows": rows}
            )  # fmt: skip
    return groups


def _years(raw: str | None) -> int:
    """The trend's span from the query (1-30 years), the default when absent or not valid."""
    if raw and raw.isdigit() and 1 <= int(raw) <= 30:
        return int(raw)
    return region_profile.DEFAULT_YEARS


@router.get("/regions/{region_id}/profile")
def profile_page(
    request: Request, session: DbSession, user: PageUser, region_id: PathId, pages: Templates
) -> Response:
    """A region's indicator profile against benchmarks, over time, and its peers."""
    profile = region_profile.profile(
        session, region_id, years=_years(request.query_params.get("years"))
    )
    context = {
        "nav": "",
        "profile": profile,
        "groups": _groups(profile),
        "peers": region_peers.peers(session, region_id),
        "illustrative": any(d.illustrative for d in profile.datasets),
        "horizons": HORIZONS,
    }
    return pages.render(request, "statistics/profile.html", context)


def _decide(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    pages: Templates,
    form: Form,
    *,
    accept: bool,
) -> Response:
    key = str(form.get("key") or "")
    url = f"/engagements/{engagement.id}/diagnosis"
    if key not in {c.value for c in FrameworkCondition}:
        return pages.redirect(request, f"{url}#suggestions", flash="Choose a suggestion first")
    try:
        if accept:
            made = diagnosis_suggestions.accept(session, engagement, key, user)
            flash = f"Added the hypothesis bottleneck on {label(key).lower()} with its evidence"
            return pages.redirect(request, f"{url}#bottleneck-{made.bottleneck_id}", flash=flash)
        diagnosis_suggestions.dismiss(session, engagement, key, user)
    except AppError as exc:
        return pages.redirect(request, f"{url}#suggestions", flash=exc.detail)
    return pages.redirect(
        request, f"{url}#suggestions", flash=f"Dismissed the suggestion on {label(key).lower()}"
    )


@router.post("/engagements/{engagement_id}/diagnosis/suggestions/accept")
def accept_suggestion(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    pages: Templates,
    form: Form,
) -> Response:
    """Turn a suggestion into a hypothesis bottleneck with its indicator evidence."""
    return _decide(request, session, user, engagement, pages, form, accept=True)


@router.post("/engagements/{engagement_id}/diagnosis/suggestions/dismiss")
def dismiss_suggestion(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    pages: Templates,
    form: Form,
) -> Response:
    """Dismiss a suggestion: it is not offered again."""
    return _decide(request, session, user, engagement, pages, form, accept=False)
