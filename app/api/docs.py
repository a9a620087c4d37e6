"""The API's documentation page, /docs (Swagger UI), from the copy in app/web/static/vendor,
served by the app itself: no CDN, so it works with no internet. On in development; in
production only when `api_docs` is set, and so is /openapi.json.

There is no /redoc: ReDoc's bundle fetches its logo from cdn.redoc.ly whatever its options,
writes its styles into <style> elements (a CSP with 'unsafe-inline' styles) and starts a worker
from a blob: URL; Swagger UI shows the same document under a strict policy."""

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from app.config import Settings
from app.web.assets import Assets

OPENAPI_URL = "/openapi.json"
DOCS_URL = "/docs"
SWAGGER_UI_JS = "vendor/swagger-ui-bundle-5.36.0.js"
SWAGGER_UI_CSS = "vendor/swagger-ui-5.36.0.css"
SWAGGER_UI_INIT = "api-docs.js"  # the init script: the CSP allows no inline script
FAVICON = "favicon.svg"

# Scripts, styles and fetches from this origin only; Swagger UI's icons are data: SVGs.
SWAGGER_UI_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# The page names the hashed assets of the running version: ask again after a deploy.
DOCS_CACHE_CONTROL = "no-cache"


def docs_enabled(settings: Settings) -> bool:
    """Whether /docs and /openapi.json are served."""
    if settings.api_docs is not None:
        return settings.api_docs
    return settings.environment == "development"


def swagger_ui_html(title: str, assets: Assets) -> str:
    """The page: Swagger UI's bundle and stylesheet, and its init script, all hashed assets."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} API - Swagger UI</title>
<link rel="icon" href="{assets.url(FAVICON)}">
<link rel="stylesheet" href="{assets.url(SWAGGER_UI_CSS)}">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{OPENAPI_URL}"></div>
<script src="{assets.url(SWAGGER_UI_JS)}"></script>
<script src="{assets.url(SWAGGER_UI_INIT)}"></script>
</body>
</html>
"""


def add_docs_routes(app: FastAPI, assets: Assets) -> None:
    """/docs; the app serves /openapi.json itself (its `openapi_url`)."""
    page = swagger_ui_html(app.title, assets)
    headers = {"Content-Security-Policy": SWAGGER_UI_CSP, "Cache-Control": DOCS_CACHE_CONTROL}

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)
