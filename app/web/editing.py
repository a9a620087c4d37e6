"""The flows of a page's forms, written once: read the form into the API's schema, check an
edit against the version it was based on, call the service, and either go on (a redirect) or
show the form again with why and the right status (422 not valid, 409 stale, or the status of
the service's refusal, rolled back)."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.services.errors import AppError
from app.web import forms
from app.web.forms import FormState

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# Show the form again: (its state, the status to answer with) -> the page.
Show = Callable[[FormState, int], Response]
Changes = list[tuple[str, Any, Any]]


def refuse(session: Session, state: FormState, exc: AppError, beside: Iterable[str] = ()) -> None:
    """A service refused the change: roll back, and show why beside the field it names when
    that is one of `beside` (else at the top of the form, as forms.refuse does)."""
    named = [str(f["loc"][-1]) for f in exc.extra.get("fields", []) if f.get("loc")]
    if named and named[0] in beside:
        session.rollback()
        state.add_error(named[0], exc.detail)
    else:
        forms.refuse(session, state, exc)


def save(
    session: Session,
    state: FormState,
    body: M | None,
    call: Callable[[M], T],
    beside: Iterable[str] = (),
    *,
    refusal: Callable[[Session, FormState, AppError], None] | None = None,
) -> tuple[T | None, int]:
    """`call(body)`: (its result, 0); or (None, 422) when the form was not valid, or (None, the
    refusal's status) when the service refused it (rolled back, the reason on `state`, put
    there by `refusal` when the page says it in its own words)."""
    if body is None:
        return None, 422
    try:
        return call(body), 0
    except AppError as exc:
        if refusal is None:
            refuse(session, state, exc, beside)
        else:
            refusal(session, state, exc)
        return None, exc.status_code


def create(
    session: Session,
    form: FormData,
    schema: type[M],
    call: Callable[[M], T],
    *,
    show: Show,
    done: Callable[[T], Response],
    beside: Iterable[str] = (),
) -> Response:
    """A create form: read into `schema`, created by `call`, then `done(created)`; else the
    form shown again with its errors."""
    body, state = forms.parse(schema, form)
    created, status_code = save(session, state, body, call, beside)
    if status_code:
        return show(state, status_code)
    return done(cast(T, created))


def edit(
    session: Session,
    form: FormData,
    obj: Any,
    schema: type[M],
    fields: Sequence[str],
    call: Callable[[M], object],
    *,
    show: Show,
    done: Callable[[], Response],
    beside: Iterable[str] = (),
    explain: Callable[[Changes], Changes] | None = None,
) -> Response:
    """An edit form of `obj`'s `fields`: when it is based on an older version and what the
    user saw changed since, shown again with the changes (409, `explain`ed in words), nothing
    saved; else saved by `call`, then `done()`, or shown again with why."""
    current = forms.snapshot(obj, fields)
    body, state = forms.parse(schema, form, fields=fields, update=True)
    stale = forms.rebase(form, state, current, obj.version)
    if stale:
        if explain is not None:
            state.stale = explain(stale)
        return show(state, 409)
    _, status_code = save(session, state, body, call, beside)
    return show(state, status_code) if status_code else done()


def delete(
    session: Session,
    call: Callable[[], object],
    *,
    refused: Callable[[AppError], Response],
    done: Callable[[], Response],
) -> Response:
    """Delete through `call`, then `done()`; when the service refuses, roll back and answer
    `refused(the error)`."""
    try:
        call()
    except AppError as exc:
        session.rollback()
        return refused(exc)
    return done()
