"""Page routes, one module per feature; their templates are in app/web/templates/<feature>/."""

from fastapi import APIRouter

from app.web.pages import (
    admin,
    auth,
    diagnosis,
    engagements,
    evidence,
    follow_up,
    library,
    missions,
    overview,
    portal,
    portfolio,
    recommendations,
    region_profile,
    reports,
    statistics,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    engagements.router,
    overview.router,
    diagnosis.router,
    evidence.router,
    recommendations.router,
    follow_up.router,
    missions.router,
    reports.router,
    portal.router,
    portfolio.router,
    library.router,
    region_profile.router,
    statistics.router,
    admin.router,
]
