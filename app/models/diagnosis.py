"""Challenges and the bottlenecks diagnosed behind them."""

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Versioned, vocab
from app.vocab import BottleneckStatus, FrameworkCondition


class Challenge(Versioned, Base):
    __tablename__ = "challenges"
    __table_args__ = (
        UniqueConstraint("engagement_id", "id", name="uq_challenges_engagement_id_id"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority_range"),
    )

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(SmallInteger, default=2)


class Bottleneck(Versioned, Base):
    __tablename__ = "bottlenecks"
    __table_args__ = (
        UniqueConstraint("engagement_id", "id", name="uq_bottlenecks_engagement_id_id"),
        CheckConstraint("severity BETWEEN 1 AND 5", name="severity_range"),
        # The challenge must belong to the same engagement; a referenced challenge can't go.
        ForeignKeyConstraint(
            ["engagement_id", "challenge_id"],
            ["challenges.engagement_id", "challenges.id"],
            name="fk_bottlenecks_challenge_same_engagement",
            ondelete="RESTRICT",
        ),
        Index("ix_bottlenecks_challenge_id", "challenge_id"),
        # The portfolio summary's rates by framework condition (migration 0006).
        Index("ix_bottlenecks_id_framework_condition", "id", "framework_condition"),
    )

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    challenge_id: Mapped[int | None] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    framework_condition: Mapped[FrameworkCondition] = mapped_column(
        vocab(FrameworkCondition, "framework_condition")
    )
    severity: Mapped[int] = mapped_column(SmallInteger, default=3)
    status: Mapped[BottleneckStatus] = mapped_column(
        vocab(BottleneckStatus, "status"), default=BottleneckStatus.HYPOTHESIS
    )
