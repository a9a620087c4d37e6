"""Which requests are pages (HTML, cookie sign-in) and which are the API's (JSON, bearer)."""

NOT_PAGES = frozenset({"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc"})


def is_page(path: str) -> bool:
    return not path.startswith(("/api/", "/static/", "/openapi")) and path not in NOT_PAGES
