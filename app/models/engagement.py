"""The engagement aggregate root and what belongs only to it: members, themes, objectives,
milestones and the phase history."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.models.base import Base, UTCDateTime, Versioned, vocab
from app.vocab import EngagementKind, Objective, Phase, Theme


class Engagement(Versioned, Base):
    __tablename__ = "engagements"
    __table_args__ = (
        # Exactly one client, and the one the kind says.
        CheckConstraint(
            "(kind = 'regional_advice' AND region_id IS NOT NULL AND partnership_id IS NULL)"
            " OR (kind = 'partnership_support' AND partnership_id IS NOT NULL"
            " AND region_id IS NULL)",
            name="one_client",
        ),
        CheckConstraint(
            "planned_end IS NULL OR planned_start IS NULL OR planned_end >= planned_start",
            name="planned_dates_order",
        ),
        CheckConstraint(
            "(phase = 'on_hold') = (phase_before_hold IS NOT NULL)", name="hold_remembers_phase"
        ),
        Index("ix_engagements_phase_reference", "phase", "reference"),
    )

    reference: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[EngagementKind] = mapped_column(vocab(EngagementKind, "kind"))
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="RESTRICT"), index=True
    )
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnerships.id", ondelete="RESTRICT"), index=True
    )
    phase: Mapped[Phase] = mapped_column(vocab(Phase, "phase"), default=Phase.SCOPING)
    phase_before_hold: Mapped[Phase | None] = mapped_column(vocab(Phase, "phase_before_hold"))
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    lead_consultant_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )

    theme_rows: Mapped[list["EngagementTheme"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    objective_rows: Mapped[list["EngagementObjective"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    member_rows: Mapped[list["EngagementMember"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def themes(self) -> list[Theme]:
        return sorted((row.theme for row in self.theme_rows), key=list(Theme).index)

    @property
    def objectives(self) -> list[Objective]:
        return sorted((row.objective for row in self.objective_rows), key=list(Objective).index)

    @property
    def member_ids(self) -> list[int]:
        return sorted(row.user_id for row in self.member_rows)


class EngagementTheme(Base):
    __tablename__ = "engagement_themes"

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[Theme] = mapped_column(vocab(Theme, "theme"), primary_key=True)

    __table_args__ = (Index("ix_engagement_themes_theme", "theme"),)


class EngagementObjective(Base):
    __tablename__ = "engagement_objectives"

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True
    )
    objective: Mapped[Objective] = mapped_column(vocab(Objective, "objective"), primary_key=True)


class EngagementMember(Base):
    __tablename__ = "engagement_members"

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class Milestone(Versioned, Base):
    __tablename__ = "milestones"

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)


class PhaseChange(Base):
    """One step of the workflow; append-only."""

    __tablename__ = "phase_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    from_phase: Mapped[Phase | None] = mapped_column(vocab(Phase, "from_phase"))
    to_phase: Mapped[Phase] = mapped_column(vocab(Phase, "to_phase"))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
