"""Small helpers every service uses: pagination, applying changes, existence checks."""

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models import Engagement
from app.models.base import Base
from app.services.errors import NotFound

M = TypeVar("M", bound=Base)


def paginate(
    session: Session, stmt: Select[M], *, limit: int, offset: int
) -> tuple[Sequence[M], int]:
    """One page of `stmt` and the total number of rows it matches (two statements)."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = session.scalars(stmt.limit(limit).offset(offset)).all()
    return items, int(total or 0)


def get_or_404(session: Session, model: type[M], item_id: int, *, label: str) -> M:
    """The row with this primary key, or NotFound naming `label`."""
    obj = session.get(model, item_id)
    if obj is None:
        raise NotFound(f"{label} {item_id} does not exist")
    return obj


def get_in_engagement(
    session: Session, model: type[M], engagement_id: int, item_id: int, *, label: str
) -> M:
    """The row with this id inside the engagement, or NotFound (rows of other engagements
    are as absent as rows that never existed)."""
    obj = session.get(model, item_id)
    if obj is None or getattr(obj, "engagement_id", None) != engagement_id:
        raise NotFound(f"{label} {item_id} does not exist in this engagement")
    return obj


def apply_changes(obj: Base, changes: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the changed attributes; return {field: [old, new]} for those that really changed."""
    diff: dict[str, list[Any]] = {}
    for field, value in changes.items():
        old = getattr(obj, field)
        if old != value:
            setattr(obj, field, value)
            diff[field] = [old, value]
    return diff


def count(session: Session, stmt: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def lock_engagement(session: Session, engagement_id: int) -> None:
    """Take the engagement's row lock until the transaction ends: whoever numbers something per
    engagement (recommendation codes, report versions) takes it before reading the highest
    number, so concurrent requests number one after the other instead of colliding.

    PostgreSQL: FOR NO KEY UPDATE, which queues the numbering transactions (and updates of the
    engagement) but not the many inserts that merely reference the engagement (their foreign
    key takes FOR KEY SHARE). SQLite renders no FOR UPDATE: its writers begin IMMEDIATE
    (app/db.py), so they run one at a time anyway."""
    session.execute(
        select(Engagement.id).where(Engagement.id == engagement_id).with_for_update(key_share=True)
    )
