"""Engagements: the aggregate root of an advisory case.

Reads are assembled from plain rows, not ORM objects (their statements are in
engagement_queries). A list request is one statement: the page, with each engagement's client
name, themes, objectives and team, and the total. The list is the busiest path of the API: its
statements must not grow with the page size, and its per-row work must stay small.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.models import (
    Engagement,
    EngagementMember,
    EngagementObjective,
    EngagementTheme,
    Partnership,
    PhaseChange,
    Region,
    Report,
    User,
)
from app.schemas.engagement import (
    EngagementCreate,
    EngagementQuery,
    EngagementRead,
    EngagementUpdate,
    MemberRead,
)
from app.services import access
from app.services import engagement_queries as queries
from app.services.common import apply_changes, count, get_or_404
from app.services.engagement_queries import EngagementItem
from app.services.errors import Conflict, Duplicate, InvalidInput, NotFound
from app.vocab import EngagementKind, Phase, ReportStatus, Role

_READ_LIST = TypeAdapter(list[EngagementRead])


def get(session: Session, engagement_id: int) -> Engagement:
    """The engagement, or NotFound."""
    return get_or_404(session, Engagement, engagement_id, label="Engagement")


# -- reads -----------------------------------------------------------------------------------------


def list_engagements(
    session: Session, query: EngagementQuery, *, viewer: User, limit: int, offset: int
) -> tuple[list[EngagementRead], int]:
    """One page of the engagements `viewer` may read that match `query`, in its order, and
    their total."""
    scope = access.visibility_scope(viewer)
    items, total = list_items(session, query, scope=scope, limit=limit, offset=offset)
    return _READ_LIST.validate_python(items), total


def list_items(
    session: Session,
    query: EngagementQuery,
    *,
    scope: access.VisibilityScope,
    limit: int,
    offset: int,
) -> tuple[list[EngagementItem], int]:
    """The engagements of `scope` (access.visibility_scope) that match `query`, as plain values
    for the API to write as JSON without building models: one statement (two when the page is
    past the end)."""
    filters = query.model_dump(exclude_none=True, exclude={"sort", "limit", "offset"})
    if "q" in filters:
        filters["q"] = queries.escape_like(filters["q"])
    shape = frozenset(filters)
    restriction = access.scope_condition(scope)
    stmt = queries.page(query.sort, shape, restriction)
    # Core execution: plain rows need none of the ORM's result processing.
    rows = session.connection().execute(stmt, filters | {"limit": limit, "offset": offset}).all()
    if rows:
        return [queries.item(row) for row in rows], rows[0].total
    if offset == 0:
        return [], 0
    return [], session.scalar(queries.total(shape, restriction), filters) or 0


def read(session: Session, engagement_id: int) -> EngagementRead:
    """The engagement as the API shows it, or NotFound."""
    row = session.execute(queries.READ_ONE, {"engagement_id": engagement_id}).first()
    if row is None:
        raise NotFound(f"Engagement {engagement_id} does not exist")
    return EngagementRead.model_validate(queries.item(row))


# -- writes ----------------------------------------------------------------------------------------


def create(session: Session, data: EngagementCreate, *, creator: User) -> EngagementRead:
    """Open an engagement in scoping, its lead on the team, and its creator too when a
    consultant (else they could not work in it); the reference must be new."""
    _check_client(session, data.kind, data.region_id, data.partnership_id)
    _check_dates(data.planned_start, data.planned_end, field="planned_end")
    if data.lead_consultant_id is not None:
        _check_consultants(session, [data.lead_consultant_id], field="lead_consultant_id")
    _ensure_unique_reference(session, data.reference, exclude_id=None)
    team = {data.lead_consultant_id} if data.lead_consultant_id is not None else set()
    if creator.role == Role.CONSULTANT:
        team.add(creator.id)
    # One flush for the engagement and its link rows, so the audit trail has one entry for it.
    engagement = Engagement(
        **data.model_dump(exclude={"themes", "objectives"}),
        phase=Phase.SCOPING,
        theme_rows=[EngagementTheme(theme=t) for t in data.themes],
        objective_rows=[EngagementObjective(objective=o) for o in data.objectives],
        member_rows=[EngagementMember(user_id=u) for u in sorted(team)],
    )
    session.add(engagement)
    session.flush()
    session.add(
        PhaseChange(
            engagement_id=engagement.id,
            from_phase=None,
            to_phase=Phase.SCOPING,
            note="Engagement created",
            actor_id=session.info.get("actor_id"),
        )
    )
    session.flush()
    return read(session, engagement.id)


def update(session: Session, engagement: Engagement, data: EngagementUpdate) -> EngagementRead:
    """Apply the fields sent: the reference stays unique, the dates in order, and a new lead
    joins the team."""
    changes = data.changes()
    themes, objectives = changes.pop("themes", None), changes.pop("objectives", None)
    _check_dates(
        changes.get("planned_start", engagement.planned_start),
        changes.get("planned_end", engagement.planned_end),
        field="planned_end" if "planned_end" in changes else "planned_start",
    )
    new_lead = changes.get("lead_consultant_id")
    if new_lead is not None and new_lead != engagement.lead_consultant_id:
        _check_consultants(session, [new_lead], field="lead_consultant_id")
    if "reference" in changes:
        _ensure_unique_reference(session, changes["reference"], exclude_id=engagement.id)
    changed = bool(apply_changes(engagement, changes))
    if themes is not None:
        changed |= _replace_rows(session, EngagementTheme, "theme", engagement.id, themes)
    if objectives is not None:
        changed |= _replace_rows(
            session, EngagementObjective, "objective", engagement.id, objectives
        )
    if new_lead is not None:
        changed |= _join_team(session, engagement.id, new_lead)
    if changed:
        _new_version(engagement)
    session.flush()
    return read(session, engagement.id)


def delete_engagement(session: Session, engagement: Engagement) -> None:
    """Remove an engagement and everything in it, unless it has a published report: those are
    archival."""
    published = count(
        session,
        select(Report.id).where(
            Report.engagement_id == engagement.id, Report.status == ReportStatus.PUBLISHED
        ),
    )
    if published:
        raise Conflict(
            f"Engagement {engagement.reference} has {published} published report(s), which are "
            "archival: it cannot be deleted"
        )
    # The database cascades to everything inside (ON DELETE CASCADE; passive_deletes).
    session.delete(engagement)
    session.flush()


# -- team ------------------------------------------------------------------------------------------


def members(session: Session, engagement: Engagement) -> list[MemberRead]:
    """The team, by name, the lead flagged."""
    rows = session.execute(
        select(User.id, User.full_name, User.email, User.role)
        .join(EngagementMember, EngagementMember.user_id == User.id)
        .where(EngagementMember.engagement_id == engagement.id)
        .order_by(User.full_name, User.id)
    )
    return [
        MemberRead(
            user_id=user_id,
            full_name=full_name,
            email=email,
            role=role,
            is_lead=user_id == engagement.lead_consultant_id,
        )
        for user_id, full_name, email, role in rows
    ]


def replace_team(session: Session, engagement: Engagement, user_ids: list[int]) -> list[MemberRead]:
    """Make `user_ids` the whole team: active consultants only, the lead among them."""
    lead = engagement.lead_consultant_id
    if lead is not None and lead not in user_ids:
        raise InvalidInput(
            f"The lead consultant (user {lead}) must stay on the team", loc=["body", "user_ids"]
        )
    _check_consultants(session, user_ids, field="user_ids")
    if _replace_rows(session, EngagementMember, "user_id", engagement.id, user_ids):
        _new_version(engagement)
    session.flush()
    return members(session, engagement)


# -- rules -----------------------------------------------------------------------------------------


def _check_client(
    session: Session, kind: EngagementKind, region_id: int | None, partnership_id: int | None
) -> None:
    """Exactly one client, the one the kind names, and an existing one."""
    given = {"region_id": region_id, "partnership_id": partnership_id}
    regional = kind == EngagementKind.REGIONAL_ADVICE
    wanted, other = ("region_id", "partnership_id") if regional else ("partnership_id", "region_id")
    if given[other] is not None:
        raise InvalidInput(f"A {kind} engagement has no {other}", loc=["body", other])
    client_id = given[wanted]
    if client_id is None:
        raise InvalidInput(f"A {kind} engagement needs a {wanted}", loc=["body", wanted])
    model: type[Region | Partnership] = Region if regional else Partnership
    if session.scalar(select(model.id).where(model.id == client_id)) is None:
        raise InvalidInput(f"{model.__name__} {client_id} does not exist", loc=["body", wanted])


def _check_dates(start: date | None, end: date | None, *, field: str) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            f"planned_end ({end}) is before planned_start ({start})", loc=["body", field]
        )


def _check_consultants(session: Session, user_ids: Iterable[int], *, field: str) -> None:
    """Every id names an active consultant, else InvalidInput listing the others."""
    ids = list(user_ids)
    found = set(
        session.scalars(
            select(User.id).where(
                User.id.in_(ids), User.role == Role.CONSULTANT, User.is_active.is_(True)
            )
        )
    )
    bad = [i for i in ids if i not in found]
    if bad:
        raise InvalidInput(
            f"Not active consultants: user(s) {', '.join(map(str, bad))}", loc=["body", field]
        )


def _ensure_unique_reference(session: Session, reference: str, *, exclude_id: int | None) -> None:
    existing = session.scalar(select(Engagement.id).where(Engagement.reference == reference))
    if existing is not None and existing != exclude_id:
        raise Duplicate(f"An engagement with reference {reference} already exists")


def _replace_rows(
    session: Session, model: Any, field: str, engagement_id: int, values: Iterable[Any]
) -> bool:
    """Make the engagement's rows of `model` hold exactly `values`; True if anything changed.
    Rows go through the unit of work (no bulk DELETE) so that the audit hook sees them."""
    rows = session.scalars(select(model).where(model.engagement_id == engagement_id)).all()
    current = {getattr(row, field): row for row in rows}
    wanted = set(values)
    if wanted == set(current):
        return False
    for value, row in current.items():
        if value not in wanted:
            session.delete(row)
    session.add_all(model(engagement_id=engagement_id, **{field: v}) for v in wanted - set(current))
    return True


def _join_team(session: Session, engagement_id: int, user_id: int) -> bool:
    key = {"engagement_id": engagement_id, "user_id": user_id}
    if session.get(EngagementMember, key) is not None:
        return False
    session.add(EngagementMember(**key))
    return True


def _new_version(engagement: Engagement) -> None:
    # The ETag covers themes, objectives and team too: a change to them must bump `version`,
    # which only an UPDATE of the engagement row does.
    engagement.updated_at = clock.now()
