"""Page routes, one module per feature; their templates are in app/web/templates/<feature>/."""

from fastapi import APIRouter

from app.web.pages import auth, engagements

ROUTERS: list[APIRouter] = [auth.router, engagements.router]
