"""Regions: reference data that engagements and stakeholders point at."""

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.models import Engagement, Region, User
from app.schemas.reference import RegionCreate, RegionUpdate
from app.services.common import apply_changes, count, get_or_404, paginate
from app.services.errors import Duplicate, StillReferenced


def list_regions(
    session: Session, *, q: str | None, country_code: str | None, limit: int, offset: int
) -> tuple[Sequence[Region], int]:
    """Regions ordered by NUTS code, optionally filtered by country or a text match."""
    stmt = select(Region).order_by(Region.nuts_code)
    if country_code:
        stmt = stmt.where(Region.country_code == country_code.upper())
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(func.lower(Region.name).like(pattern), func.lower(Region.nuts_code).like(pattern))
        )
    return paginate(session, stmt, limit=limit, offset=offset)


def get(session: Session, region_id: int) -> Region:
    """The region, or NotFound."""
    return get_or_404(session, Region, region_id, label="Region")


def _ensure_unique_code(session: Session, nuts_code: str, *, exclude_id: int | None) -> None:
    existing = session.scalar(select(Region.id).where(Region.nuts_code == nuts_code))
    if existing is not None and existing != exclude_id:
        raise Duplicate(f"A region with NUTS code {nuts_code} already exists")


def create(session: Session, data: RegionCreate) -> Region:
    """Add a region; its NUTS code must be new."""
    _ensure_unique_code(session, data.nuts_code, exclude_id=None)
    region = Region(**data.model_dump())
    session.add(region)
    session.flush()
    return region


def update(session: Session, region: Region, data: RegionUpdate) -> Region:
    """Apply the fields sent; a changed NUTS code must stay unique."""
    changes = data.changes()
    if "nuts_code" in changes:
        _ensure_unique_code(session, changes["nuts_code"], exclude_id=region.id)
    apply_changes(region, changes)
    session.flush()
    return region


def delete(session: Session, region: Region) -> None:
    """Remove a region no engagement or user points at."""
    engagements = count(session, select(Engagement.id).where(Engagement.region_id == region.id))
    users = count(session, select(User.id).where(User.region_id == region.id))
    if engagements or users:
        raise StillReferenced(
            f"Region {region.nuts_code} is still referenced by {engagements} engagement(s) "
            f"and {users} user(s)"
        )
    session.delete(region)
    session.flush()
