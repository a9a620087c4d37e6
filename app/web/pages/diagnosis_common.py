"""What the diagnosis and evidence pages share: edit forms saved through the services with the
version check, the workspace around each page, and the evidence bearing on each target."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.models import Engagement, User
from app.schemas.evidence import EvidenceRead, LinkRead
from app.services import access, recommendations
from app.services import engagements as engagement_service
from app.services import evidence as evidence_service
from app.services.errors import AppError
from app.web import forms
from app.web.forms import FormState

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# An engagement's diagnosis is tens of items: the pages show all of it, up to this many.
ALL = 1000


def rebase(form: FormData, state: FormState, current: Mapping[str, Any], version: int) -> bool:
    """forms.rebase; True when the user's version was stale in a field they saw."""
    return bool(forms.rebase(form, state, current, version))


def refuse(session: Session, state: FormState, exc: AppError, fields: Iterable[str]) -> None:
    """A service refused the change: roll back, and show why beside the field it names (or at
    the top of the form)."""
    named = [str(f["loc"][-1]) for f in exc.extra.get("fields", []) if f.get("loc")]
    if named and named[0] in fields:
        session.rollback()
        state.add_error(named[0], exc.detail)
    else:
        forms.refuse(session, state, exc)


def save_new(
    session: Session,
    form: FormData,
    schema: type[M],
    fields: Iterable[str],
    create: Callable[[M], T],
) -> tuple[T | None, FormState]:
    """The form read into `schema` and created by `create`; (None, the form with its errors)
    when it is not valid or the service refuses it."""
    body, state = forms.parse(schema, form)
    if body is None:
        return None, state
    try:
        return create(body), state
    except AppError as exc:
        refuse(session, state, exc, fields)
        return None, state


def save_edit(
    session: Session,
    form: FormData,
    obj: Any,
    schema: type[M],
    fields: Sequence[str],
    update: Callable[[M], object],
) -> tuple[FormState, int]:
    """The edit form checked against `obj`'s stored version, then saved by `update`: (state,
    0) when saved; else the form to show again and its status (409 stale: nothing saved;
    422 not valid; or the status of the service's refusal)."""
    current = forms.snapshot(obj, fields)
    body, state = forms.parse(schema, form, fields=fields, update=True)
    if rebase(form, state, current, obj.version):
        return state, 409
    if body is None:
        return state, 422
    try:
        update(body)
    except AppError as exc:
        refuse(session, state, exc, fields)
        return state, exc.status_code
    return state, 0


def workspace(session: Session, user: User, engagement: Engagement) -> dict[str, Any]:
    """What every page of the engagement's workspace shows around its content."""
    return {
        "nav": "engagements",
        "engagement": engagement_service.read(session, engagement.id),
        "can_write": access.can_write(session, user, engagement),
    }


def linked_evidence(
    items: Sequence[EvidenceRead],
) -> dict[str, list[tuple[LinkRead, EvidenceRead]]]:
    """{"bottleneck:12": [(link, evidence), ...]}: the evidence bearing on each target."""
    found: dict[str, list[tuple[LinkRead, EvidenceRead]]] = defaultdict(list)
    for item in items:
        for link in item.links:
            found[f"{link.target_type}:{link.target_id}"].append((link, item))
    return found


def all_evidence(session: Session, engagement_id: int) -> list[EvidenceRead]:
    return evidence_service.list_evidence(session, engagement_id, kind=None, limit=ALL, offset=0)[0]


def all_recommendation_codes(session: Session, user: User, engagement_id: int) -> dict[int, str]:
    items, _ = recommendations.list_recommendations(
        session,
        engagement_id,
        stage=None,
        priority=None,
        horizon=None,
        instrument=None,
        limit=ALL,
        offset=0,
        shared_only=access.shared_only(user),
    )
    return {r.id: f"{r.code} {r.title}" for r in items}
