"""The audit trail, written by a session hook in the same transaction as every change.

After each flush, every new, changed and deleted row of an audited model becomes an entry with
its field-level changes {field: [old, new]}. Rows of the link tables (themes, members, the
bottlenecks a recommendation addresses, …) are folded into their parent's entry as a list field,
so an engagement's entry says `themes: [[old…], [new…]]` rather than one entry per link row. The
actor and request id come from `session.info`, set by the request's authentication dependency.
Nothing here can be skipped by a service forgetting to call it.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Select, event, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from app import clock
from app.models import (
    AuditEntry,
    Engagement,
    EngagementMember,
    EngagementObjective,
    EngagementTheme,
    LoginFailure,
    MissionConsultant,
    PhaseChange,
    RecommendationBottleneck,
    WebSession,
)
from app.models.base import Base
from app.services.common import paginate

# Not audited: the trail itself, throttling records, browser sign-ins (their rows hold token
# hashes), and the phase history (its own log; the engagement's "transition" entry records each
# step).
_SKIPPED: tuple[type[Base], ...] = (AuditEntry, LoginFailure, PhaseChange, WebSession)
_META_FIELDS = frozenset({"id", "version", "created_at", "updated_at"})
_REDACTED_FIELDS = frozenset({"password_hash", "token_hash"})
_BULKY_FIELDS = frozenset({"pdf", "snapshot"})

# link row class -> (parent entity type, parent id column, field name on the parent, value column)
_LINK_ROWS: dict[type[Base], tuple[str, str, str, str]] = {
    EngagementTheme: ("engagement", "engagement_id", "themes", "theme"),
    EngagementObjective: ("engagement", "engagement_id", "objectives", "objective"),
    EngagementMember: ("engagement", "engagement_id", "member_ids", "user_id"),
    RecommendationBottleneck: (
        "recommendation",
        "recommendation_id",
        "bottleneck_ids",
        "bottleneck_id",
    ),
    MissionConsultant: ("mission", "mission_id", "consultant_ids", "user_id"),
}


def entity_type(obj: Base) -> str:
    """snake_case of the class name: Engagement -> engagement, EvidenceLink -> evidence_link."""
    name = type(obj).__name__
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def _column_changes(obj: Base, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _META_FIELDS:
            continue
        if action == "update":
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
        elif key not in state.dict:
            continue  # never loaded: reading it now would query a row that may be gone
        else:
            value = state.dict[key]
            old, new = (None, value) if action == "create" else (value, None)
        if key in _BULKY_FIELDS:
            continue
        if key in _REDACTED_FIELDS:
            old, new = ("[redacted]" if old else None), ("[redacted]" if new else None)
        changes[key] = [_plain(old), _plain(new)]
    return changes


def _engagement_of(obj: Base) -> int | None:
    if isinstance(obj, Engagement):
        return obj.id
    return getattr(obj, "engagement_id", None)


def _link_changes(
    session: Session, links: dict[tuple[str, int, str], dict[str, set[Any]]]
) -> dict[tuple[str, int], dict[str, list[Any]]]:
    """{(parent type, parent id): {field: [old list, new list]}} for the link rows flushed."""
    folded: dict[tuple[str, int], dict[str, list[Any]]] = defaultdict(dict)
    by_field = {(p, f): (cls, pcol, vcol) for cls, (p, pcol, f, vcol) in _LINK_ROWS.items()}
    for (parent, parent_id, field), delta in links.items():
        cls, parent_col, value_col = by_field[(parent, field)]
        table = cls.__table__  # type: ignore[attr-defined]
        current = set(
            session.connection().scalars(
                select(table.c[value_col]).where(table.c[parent_col] == parent_id)
            )
        )
        old = (current - delta["added"]) | delta["removed"]
        folded[(parent, parent_id)][field] = [
            sorted(_plain(v) for v in old),
            sorted(_plain(v) for v in current),
        ]
    return folded


def _collect(session: Session) -> list[dict[str, Any]]:
    entries: dict[tuple[str, int], dict[str, Any]] = {}
    links: dict[tuple[str, int, str], dict[str, set[Any]]] = defaultdict(
        lambda: {"added": set(), "removed": set()}
    )
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if isinstance(obj, _SKIPPED):
                continue
            link = _LINK_ROWS.get(type(obj))
            if link is not None:
                parent, parent_col, field, value_col = link
                if action != "update":
                    bucket = "added" if action == "create" else "removed"
                    key = (parent, getattr(obj, parent_col), field)
                    links[key][bucket].add(getattr(obj, value_col))
                continue
            changes = _column_changes(obj, action)
            if action == "update" and not changes:
                continue
            if isinstance(obj, Engagement) and action == "update" and "phase" in changes:
                action_name = "transition"
            else:
                action_name = action
            entries[(entity_type(obj), obj.id)] = {
                "action": action_name,
                "entity_type": entity_type(obj),
                "entity_id": obj.id,
                "engagement_id": _engagement_of(obj),
                "changes": changes,
            }
    for (parent, parent_id), fields in _link_changes(session, links).items():
        entry = entries.get((parent, parent_id))
        if entry is None:
            entry = entries[(parent, parent_id)] = {
                "action": "update",
                "entity_type": parent,
                "entity_id": parent_id,
                "engagement_id": _parent_engagement(session, parent, parent_id),
                "changes": {},
            }
        entry["changes"].update(fields)
    return list(entries.values())


def _parent_engagement(session: Session, parent: str, parent_id: int) -> int | None:
    if parent == "engagement":
        return parent_id
    from app.models import Mission, Recommendation

    model = Recommendation if parent == "recommendation" else Mission
    return session.connection().scalar(select(model.engagement_id).where(model.id == parent_id))


@event.listens_for(Session, "after_flush")
def _record(session: Session, _context: UOWTransaction) -> None:
    entries = _collect(session)
    if not entries:
        return
    actor_id = session.info.get("actor_id")
    request_id = session.info.get("request_id")
    for entry in entries:
        entry |= {"actor_id": actor_id, "request_id": request_id, "at": clock.now()}
    session.connection().execute(insert(AuditEntry), entries)


def list_entries(
    session: Session,
    *,
    engagement_id: int | None,
    entity_type: str | None,
    actor_id: int | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[AuditEntry], int]:
    """Audit entries, newest first, filtered by engagement, entity type or actor."""
    stmt = entries_query(engagement_id=engagement_id, entity_type=entity_type, actor_id=actor_id)
    return paginate(session, stmt, limit=limit, offset=offset)


def latest_entries(session: Session, *, engagement_id: int, limit: int) -> Sequence[AuditEntry]:
    """The newest `limit` entries of an engagement's trail, without counting them all."""
    stmt = entries_query(engagement_id=engagement_id, entity_type=None, actor_id=None)
    return session.scalars(stmt.limit(limit)).all()


def entries_query(
    *, engagement_id: int | None, entity_type: str | None, actor_id: int | None
) -> Select[AuditEntry]:
    """Audit entries, newest first, filtered by engagement, entity type or actor."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if engagement_id is not None:
        stmt = stmt.where(AuditEntry.engagement_id == engagement_id)
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    return stmt
