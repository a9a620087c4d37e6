"""Advisory missions of an engagement and the consultants who went."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app import clock
from app.models import Engagement, Mission, MissionConsultant, User
from app.schemas.mission import MissionCreate, MissionUpdate
from app.services.common import apply_changes, get_in_engagement, paginate
from app.services.errors import InvalidInput
from app.vocab import MissionKind, Role


def list_missions(
    session: Session, engagement_id: int, *, kind: MissionKind | None, limit: int, offset: int
) -> tuple[Sequence[Mission], int]:
    """The engagement's missions, newest start date first, optionally of one kind."""
    stmt = (
        select(Mission)
        .where(Mission.engagement_id == engagement_id)
        .options(selectinload(Mission.consultant_rows))
        .order_by(Mission.start_date.desc(), Mission.id.desc())
    )
    if kind is not None:
        stmt = stmt.where(Mission.kind == kind)
    return paginate(session, stmt, limit=limit, offset=offset)


def get(session: Session, engagement_id: int, mission_id: int) -> Mission:
    """The mission of this engagement (its consultants loaded), or NotFound."""
    mission = get_in_engagement(session, Mission, engagement_id, mission_id, label="Mission")
    session.refresh(mission, ["consultant_rows"])
    return mission


def _check_dates(start_date: date, end_date: date | None) -> None:
    if end_date is not None and end_date < start_date:
        raise InvalidInput(
            f"end_date {end_date} is before start_date {start_date}", loc=["body", "end_date"]
        )


def _check_consultants(session: Session, ids: list[int]) -> None:
    if not ids:
        return
    found = set(
        session.scalars(select(User.id).where(User.id.in_(ids), User.role == Role.CONSULTANT))
    )
    missing = sorted(set(ids) - found)
    if missing:
        raise InvalidInput(
            f"Not users with the consultant role: {', '.join(map(str, missing))}",
            loc=["body", "consultant_ids"],
        )


def _set_consultants(mission: Mission, ids: list[int]) -> bool:
    """Make the consultant rows match `ids`; True when they changed."""
    wanted = set(ids)
    kept = [row for row in mission.consultant_rows if row.user_id in wanted]
    added = wanted - {row.user_id for row in kept}
    changed = bool(added) or len(kept) != len(mission.consultant_rows)
    mission.consultant_rows = kept + [MissionConsultant(user_id=u) for u in sorted(added)]
    return changed


def create(session: Session, engagement: Engagement, data: MissionCreate) -> Mission:
    """Log a mission; its consultants must be users with the consultant role."""
    _check_dates(data.start_date, data.end_date)
    _check_consultants(session, data.consultant_ids)
    mission = Mission(
        engagement_id=engagement.id,
        consultant_rows=[],
        **data.model_dump(exclude={"consultant_ids"}),
    )
    _set_consultants(mission, data.consultant_ids)
    session.add(mission)
    session.flush()
    return mission


def update(session: Session, mission: Mission, data: MissionUpdate) -> Mission:
    """Apply the fields sent; the dates are checked as they will stand after the change."""
    changes = data.changes()
    _check_dates(
        changes.get("start_date", mission.start_date),
        changes.get("end_date", mission.end_date),
    )
    consultant_ids = changes.pop("consultant_ids", None)
    if consultant_ids is not None:
        _check_consultants(session, consultant_ids)
        if _set_consultants(mission, consultant_ids):
            # A change of consultants alone writes no column of the row: touch it to bump
            # `version`.
            mission.updated_at = clock.now()
    apply_changes(mission, changes)
    session.flush()
    return mission


def delete(session: Session, mission: Mission) -> None:
    """Remove a mission from the log."""
    session.delete(mission)
    session.flush()
