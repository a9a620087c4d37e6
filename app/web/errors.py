"""Errors on pages: the API's handlers decide the status and the words (app/api/errors.py);
a page shows them inside the layout, and a missing sign-in becomes the sign-in page."""

import json
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.web.deps import SignInRequired
from app.web.paths import is_page
from app.web.templating import pages_of

Handler = Callable[[Request, Exception], Awaitable[Response]]

TITLES = {
    400: "The request could not be understood",
    401: "Please sign in",
    403: "You may not do this",
    404: "Page not found",
    405: "Not possible here",
    409: "This cannot be done now",
    412: "Changed meanwhile",
    413: "Too large",
    422: "The address or the form is not valid",
    429: "Too many attempts",
    503: "Please try again in a moment",
}


def for_pages(handler: Handler) -> Handler:
    """`handler` for the API; for pages, its answer as an HTML page in the layout."""

    async def handle(request: Request, exc: Exception) -> Response:
        if not is_page(request.url.path):
            return await handler(request, exc)
        if isinstance(exc, SignInRequired):
            location = str(exc.extra.get("location", "/login"))
            if request.headers.get("hx-request"):
                return Response(status_code=204, headers={"HX-Redirect": location})
            return RedirectResponse(location, status_code=303)
        answer = await handler(request, exc)
        try:
            detail = str(json.loads(bytes(answer.body))["detail"])
        except (ValueError, KeyError, TypeError):
            detail = ""
        status = answer.status_code
        page = pages_of(request).render(
            request,
            "error.html",
            {
                "status": status,
                "title": TITLES.get(status, "Something went wrong"),
                "detail": detail,
            },
            status_code=status,
        )
        for name in ("retry-after", "allow"):
            if name in answer.headers:
                page.headers[name] = answer.headers[name]
        return page

    return handle
