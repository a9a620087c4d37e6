"""Recommendations (the EOCIC policy-briefing card) and the bottlenecks each addresses."""

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, Versioned, vocab
from app.vocab import Horizon, Implementation, Instrument, Priority, Response, Stage


class Recommendation(Versioned, Base):
    __tablename__ = "recommendations"
    __table_args__ = (
        UniqueConstraint("engagement_id", "id", name="uq_recommendations_engagement_id_id"),
        UniqueConstraint("engagement_id", "code", name="uq_recommendations_engagement_id_code"),
        Index("ix_recommendations_stage", "stage"),
        # The portfolio summary's tallies, late responses and shared ones (migration 0006).
        Index(
            "ix_recommendations_portfolio",
            "stage",
            "response",
            "implementation",
            "instrument",
            "shared_at",
            "engagement_id",
            "id",
        ),
    )

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    benefits_costs: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    responsible_actor: Mapped[str] = mapped_column(String(300), default="")
    instrument: Mapped[Instrument] = mapped_column(vocab(Instrument, "instrument"))
    priority: Mapped[Priority] = mapped_column(vocab(Priority, "priority"), default=Priority.MEDIUM)
    horizon: Mapped[Horizon] = mapped_column(vocab(Horizon, "horizon"), default=Horizon.MEDIUM)
    stage: Mapped[Stage] = mapped_column(vocab(Stage, "stage"), default=Stage.DRAFT)
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response: Mapped[Response] = mapped_column(
        vocab(Response, "response"), default=Response.PENDING
    )
    implementation: Mapped[Implementation] = mapped_column(
        vocab(Implementation, "implementation"), default=Implementation.NOT_IMPLEMENTED
    )
    # Derived from the follow-up updates by app/services/follow_up.py, in the same transaction
    # as each update: the latest rating by the client's stakeholders and by the consultants.
    # `implementation` is the validated rating when there is one, else the self-assessment.
    self_assessment: Mapped[Implementation | None] = mapped_column(
        vocab(Implementation, "self_assessment")
    )
    validated_implementation: Mapped[Implementation | None] = mapped_column(
        vocab(Implementation, "validated_implementation")
    )

    bottleneck_rows: Mapped[list["RecommendationBottleneck"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def bottleneck_ids(self) -> list[int]:
        return sorted(row.bottleneck_id for row in self.bottleneck_rows)

    @property
    def implementation_disagreement(self) -> bool:
        """The client's self-assessment and the consultants' rating both exist and differ."""
        return (
            self.self_assessment is not None
            and self.validated_implementation is not None
            and self.self_assessment != self.validated_implementation
        )


class RecommendationBottleneck(Base):
    """A recommendation addresses a bottleneck of the same engagement (composite foreign keys).
    A bottleneck that a recommendation addresses cannot be deleted."""

    __tablename__ = "recommendation_bottlenecks"
    __table_args__ = (
        ForeignKeyConstraint(
            ["engagement_id", "recommendation_id"],
            ["recommendations.engagement_id", "recommendations.id"],
            name="fk_recommendation_bottlenecks_recommendation_same_engagement",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["engagement_id", "bottleneck_id"],
            ["bottlenecks.engagement_id", "bottlenecks.id"],
            name="fk_recommendation_bottlenecks_bottleneck_same_engagement",
            ondelete="RESTRICT",
        ),
        Index("ix_recommendation_bottlenecks_bottleneck_id", "bottleneck_id"),
    )

    recommendation_id: Mapped[int] = mapped_column(primary_key=True)
    bottleneck_id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
