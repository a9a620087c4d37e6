"""Page routes, one module per feature; their templates are in app/web/templates/<feature>/."""

from fastapi import APIRouter

from app.web.pages import (
    auth,
    diagnosis,
    engagements,
    evidence,
    follow_up,
    missions,
    overview,
    recommendations,
    reports,
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
]
