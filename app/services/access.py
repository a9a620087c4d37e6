"""Who may read and write what (docs/design.md, "Users and what each must be able to do").

The rules live here as plain functions; app/api/deps.py turns them into the load-or-404 and
403 dependencies each route declares. Reading is decided before writing, so an object the caller
may not read answers 404 even to a write.
"""

from enum import StrEnum
from typing import Protocol

from sqlalchemy import ColumnElement, Select, exists, false, or_, select
from sqlalchemy.orm import Session

from app.models import Engagement, EngagementMember, User
from app.vocab import Role


class Section(StrEnum):
    """The parts of an engagement that the rules tell apart."""

    ENGAGEMENT = "engagement"  # the summary itself
    MILESTONES = "milestones"
    RECOMMENDATIONS = "recommendations"  # stakeholders: shared ones only
    REPORTS = "reports"  # stakeholders: published ones only
    DIAGNOSIS = "diagnosis"  # challenges, bottlenecks, evidence and links
    MISSIONS = "missions"
    INTERNAL = "internal"  # members, phase history, readiness


class Viewer(Protocol):
    """What the visibility rules read of a user: a User, or a row of those columns."""

    @property
    def role(self) -> Role: ...
    @property
    def region_id(self) -> int | None: ...
    @property
    def partnership_id(self) -> int | None: ...


STAKEHOLDER_SECTIONS = frozenset(
    {Section.ENGAGEMENT, Section.MILESTONES, Section.RECOMMENDATIONS, Section.REPORTS}
)
SEES_EVERY_ENGAGEMENT = frozenset({Role.CONSULTANT, Role.MONITOR, Role.ADMIN})


def is_client_of(user: User, engagement: Engagement) -> bool:
    if user.region_id is not None:
        return engagement.region_id == user.region_id
    return user.partnership_id is not None and engagement.partnership_id == user.partnership_id


def can_read(user: User, engagement: Engagement, section: Section) -> bool:
    """Whether `user` may see `section` of `engagement` at all."""
    if user.role in SEES_EVERY_ENGAGEMENT:
        return True
    return section in STAKEHOLDER_SECTIONS and is_client_of(user, engagement)


def is_member(session: Session, user: User, engagement: Engagement) -> bool:
    if engagement.lead_consultant_id == user.id:
        return True
    return bool(
        session.scalar(
            select(
                exists().where(
                    EngagementMember.engagement_id == engagement.id,
                    EngagementMember.user_id == user.id,
                )
            )
        )
    )


def can_write(session: Session, user: User, engagement: Engagement) -> bool:
    """Admins write everywhere; consultants in the engagements they are members of."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.CONSULTANT and is_member(session, user, engagement)


def can_record_follow_up(session: Session, user: User, engagement: Engagement) -> bool:
    """Who records follow-up (updates, measurements): whoever may write the engagement, and the
    client's own stakeholders (on shared recommendations: the caller checks the stage)."""
    if user.role == Role.STAKEHOLDER:
        return is_client_of(user, engagement)
    return can_write(session, user, engagement)


def shared_only(user: User) -> bool:
    """Stakeholders see recommendations once shared, and published reports only."""
    return user.role == Role.STAKEHOLDER


# What a list shows a viewer depends on the data and on this alone: everyone who sees every
# engagement shares one scope; a stakeholder's is their region or partnership.
VisibilityScope = tuple[str, int | None, int | None]
EVERY_ENGAGEMENT: VisibilityScope = ("every", None, None)


def visibility_scope(user: Viewer) -> VisibilityScope:
    """Which engagements `user` may read, as a value: two users of one scope see the same
    engagements (also the key of the pages kept for lists, app/services/page_cache.py)."""
    if user.role in SEES_EVERY_ENGAGEMENT:
        return EVERY_ENGAGEMENT
    return ("client", user.region_id, user.partnership_id)


def scope_condition(scope: VisibilityScope) -> ColumnElement[bool] | None:
    """The condition on engagements of `scope` (None: every engagement)."""
    if scope == EVERY_ENGAGEMENT:
        return None
    _, region_id, partnership_id = scope
    conditions = []
    if region_id is not None:
        conditions.append(Engagement.region_id == region_id)
    if partnership_id is not None:
        conditions.append(Engagement.partnership_id == partnership_id)
    return or_(*conditions) if conditions else false()


def visible_engagements(stmt: Select[Engagement], user: Viewer) -> Select[Engagement]:
    """Restrict an engagement query to what `user` may read (lists, counts, searches)."""
    condition = scope_condition(visibility_scope(user))
    return stmt if condition is None else stmt.where(condition)
