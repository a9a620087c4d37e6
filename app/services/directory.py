"""The short lists that forms choose from: clients and consultants; names and references."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Engagement, Partnership, Region, User
from app.vocab import Role


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


def regions(session: Session) -> list[Choice]:
    """Every region, by name."""
    rows = session.execute(select(Region.id, Region.name, Region.nuts_code).order_by(Region.name))
    return [Choice(id_, f"{name} ({code})") for id_, name, code in rows]


def partnerships(session: Session) -> list[Choice]:
    """Every partnership, by acronym."""
    rows = session.execute(
        select(Partnership.id, Partnership.acronym, Partnership.name).order_by(Partnership.acronym)
    )
    return [Choice(id_, f"{acronym}: {name}") for id_, acronym, name in rows]


def consultants(session: Session) -> list[Choice]:
    """The active consultants (who may lead or join a team, app/services/engagements), by name."""
    rows = session.execute(
        select(User.id, User.full_name)
        .where(User.is_active, User.role == Role.CONSULTANT)
        .order_by(User.full_name)
    )
    return [Choice(id_, name) for id_, name in rows]


def user_names(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """The full names of these users (any role, active or not), by id."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.full_name).where(User.id.in_(ids)))
    return {id_: name for id_, name in rows}


def engagement_references(session: Session, engagement_ids: Iterable[int]) -> dict[int, str]:
    """The references of these engagements, by id."""
    ids = set(engagement_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Engagement.id, Engagement.reference).where(Engagement.id.in_(ids))
    )
    return {id_: reference for id_, reference in rows}
