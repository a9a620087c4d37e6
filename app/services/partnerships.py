"""Partnerships (ESCPs): reference data that engagements and stakeholders point at."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from app.models import Engagement, Partnership, User
from app.schemas.reference import PartnershipCreate, PartnershipUpdate
from app.services.common import apply_changes, count, get_or_404, paginate
from app.services.errors import Duplicate, StillReferenced
from app.vocab import PartnershipKind


def _has_country(session: Session, country_code: str) -> ColumnElement[bool]:
    """`countries` (a JSON array) contains the code. JSON containment has no portable SQL
    spelling: PostgreSQL uses jsonb `@>`, SQLite scans the array with json_each()."""
    if session.get_bind().dialect.name == "postgresql":
        return Partnership.countries.cast(JSONB).contains([country_code])
    element = func.json_each(Partnership.countries).table_valued("value")
    return exists().select_from(element).where(element.c.value == country_code)


def list_partnerships(
    session: Session,
    *,
    kind: PartnershipKind | None,
    q: str | None,
    country: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Partnership], int]:
    """Partnerships ordered by acronym, optionally filtered by kind, a country they cover or
    a text match on acronym and name."""
    stmt = select(Partnership).order_by(Partnership.acronym, Partnership.id)
    if kind is not None:
        stmt = stmt.where(Partnership.kind == kind)
    if country:
        stmt = stmt.where(_has_country(session, country.upper()))
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Partnership.acronym).like(pattern),
                func.lower(Partnership.name).like(pattern),
            )
        )
    return paginate(session, stmt, limit=limit, offset=offset)


def get(session: Session, partnership_id: int) -> Partnership:
    """The partnership, or NotFound."""
    return get_or_404(session, Partnership, partnership_id, label="Partnership")


def _ensure_unique_acronym(session: Session, acronym: str, *, exclude_id: int | None) -> None:
    existing = session.scalar(select(Partnership.id).where(Partnership.acronym == acronym))
    if existing is not None and existing != exclude_id:
        raise Duplicate(f"A partnership with acronym {acronym} already exists")


def create(session: Session, data: PartnershipCreate) -> Partnership:
    """Add a partnership; its acronym must be new."""
    _ensure_unique_acronym(session, data.acronym, exclude_id=None)
    partnership = Partnership(**data.model_dump())
    session.add(partnership)
    session.flush()
    return partnership


def update(session: Session, partnership: Partnership, data: PartnershipUpdate) -> Partnership:
    """Apply the fields sent; a changed acronym must stay unique."""
    changes = data.changes()
    if "acronym" in changes:
        _ensure_unique_acronym(session, changes["acronym"], exclude_id=partnership.id)
    apply_changes(partnership, changes)
    session.flush()
    return partnership


def delete(session: Session, partnership: Partnership) -> None:
    """Remove a partnership no engagement or user points at."""
    engagements = count(
        session, select(Engagement.id).where(Engagement.partnership_id == partnership.id)
    )
    users = count(session, select(User.id).where(User.partnership_id == partnership.id))
    if engagements or users:
        raise StillReferenced(
            f"Partnership {partnership.acronym} is still referenced by {engagements} "
            f"engagement(s) and {users} user(s)"
        )
    session.delete(partnership)
    session.flush()
