"""Follow-up of shared recommendations: the append-only history of status updates, and the
indicators (results-framework targets) with their measured values."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.models.base import Base, UTCDateTime, Versioned, vocab
from app.models.user import User
from app.vocab import Implementation, Response, Role


class StatusUpdate(Base):
    """One entry of a recommendation's follow-up: the client's response and/or an
    implementation rating, as of a date, by an author in a role. Append-only: database
    triggers refuse UPDATE and DELETE (the rows go only with their recommendation)."""

    __tablename__ = "recommendation_updates"
    __table_args__ = (
        ForeignKeyConstraint(
            ["engagement_id", "recommendation_id"],
            ["recommendations.engagement_id", "recommendations.id"],
            name="fk_recommendation_updates_recommendation_same_engagement",
            ondelete="CASCADE",
        ),
        CheckConstraint(
            "response IS NOT NULL OR implementation IS NOT NULL",
            name="response_or_implementation",
        ),
        Index("ix_recommendation_updates_recommendation_id_as_of", "recommendation_id", "as_of"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    recommendation_id: Mapped[int] = mapped_column()
    response: Mapped[Response | None] = mapped_column(vocab(Response, "response"))
    implementation: Mapped[Implementation | None] = mapped_column(
        vocab(Implementation, "implementation")
    )
    comment: Mapped[str] = mapped_column(Text)
    as_of: Mapped[date] = mapped_column(Date)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    author_role: Mapped[Role] = mapped_column(vocab(Role, "author_role"))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=clock.now, server_default=func.now()
    )

    author: Mapped[User] = relationship(lazy="raise")

    @property
    def author_name(self) -> str:
        return self.author.full_name


class Indicator(Versioned, Base):
    """A results-framework target for a recommendation: from a baseline to a target value."""

    __tablename__ = "indicators"
    __table_args__ = (
        UniqueConstraint("engagement_id", "id", name="uq_indicators_engagement_id_id"),
        ForeignKeyConstraint(
            ["engagement_id", "recommendation_id"],
            ["recommendations.engagement_id", "recommendations.id"],
            name="fk_indicators_recommendation_same_engagement",
            ondelete="CASCADE",
        ),
        CheckConstraint("baseline_year BETWEEN 1990 AND 2100", name="baseline_year_range"),
        CheckConstraint("target_year BETWEEN 1990 AND 2100", name="target_year_range"),
        CheckConstraint("target_year >= baseline_year", name="years_order"),
        Index("ix_indicators_recommendation_id", "recommendation_id"),
    )

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    recommendation_id: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(50), default="")
    baseline_value: Mapped[float] = mapped_column(Float)
    baseline_year: Mapped[int] = mapped_column(SmallInteger)
    target_value: Mapped[float] = mapped_column(Float)
    target_year: Mapped[int] = mapped_column(SmallInteger)


class Measurement(Base):
    """A value of an indicator measured on a date (never edited: delete and record again)."""

    __tablename__ = "indicator_measurements"
    __table_args__ = (
        ForeignKeyConstraint(
            ["engagement_id", "indicator_id"],
            ["indicators.engagement_id", "indicators.id"],
            name="fk_indicator_measurements_indicator_same_engagement",
            ondelete="CASCADE",
        ),
        Index("ix_indicator_measurements_indicator_id_measured_on", "indicator_id", "measured_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    indicator_id: Mapped[int] = mapped_column()
    value: Mapped[float] = mapped_column(Float)
    measured_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    author_role: Mapped[Role] = mapped_column(vocab(Role, "author_role"))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=clock.now, server_default=func.now()
    )

    author: Mapped[User] = relationship(lazy="raise")

    @property
    def author_name(self) -> str:
        return self.author.full_name
