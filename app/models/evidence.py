"""Evidence and its links to the claims it bears on."""

from datetime import date

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
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Versioned, vocab
from app.vocab import Direction, EvidenceKind, Relation


class Evidence(Versioned, Base):
    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("engagement_id", "id", name="uq_evidence_engagement_id_id"),
        CheckConstraint(
            "url IS NULL OR url LIKE 'http://%' OR url LIKE 'https://%'", name="url_scheme"
        ),
        CheckConstraint(
            "indicator_year IS NULL OR indicator_year BETWEEN 1900 AND 2100",
            name="indicator_year_range",
        ),
    )

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EvidenceKind] = mapped_column(vocab(EvidenceKind, "kind"))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    source: Mapped[str] = mapped_column(String(500), default="")
    published_on: Mapped[date | None] = mapped_column(Date)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    indicator_name: Mapped[str | None] = mapped_column(String(300))
    indicator_value: Mapped[float | None] = mapped_column(Float)
    indicator_unit: Mapped[str | None] = mapped_column(String(50))
    indicator_year: Mapped[int | None] = mapped_column(SmallInteger)
    benchmark_value: Mapped[float | None] = mapped_column(Float)
    benchmark_label: Mapped[str | None] = mapped_column(String(200))
    # Which way the indicator is better; None: not stated (the reports then say nothing).
    indicator_direction: Mapped[Direction | None] = mapped_column(
        vocab(Direction, "indicator_direction")
    )


class EvidenceLink(Base):
    """Evidence bearing on exactly one challenge, bottleneck or recommendation of the same
    engagement. The composite foreign keys make a cross-engagement link impossible; deleting
    either end deletes the link (it means nothing without both)."""

    __tablename__ = "evidence_links"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN challenge_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN bottleneck_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN recommendation_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        ForeignKeyConstraint(
            ["engagement_id", "evidence_id"],
            ["evidence.engagement_id", "evidence.id"],
            name="fk_evidence_links_evidence_same_engagement",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["engagement_id", "challenge_id"],
            ["challenges.engagement_id", "challenges.id"],
            name="fk_evidence_links_challenge_same_engagement",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["engagement_id", "bottleneck_id"],
            ["bottlenecks.engagement_id", "bottlenecks.id"],
            name="fk_evidence_links_bottleneck_same_engagement",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["engagement_id", "recommendation_id"],
            ["recommendations.engagement_id", "recommendations.id"],
            name="fk_evidence_links_recommendation_same_engagement",
            ondelete="CASCADE",
        ),
        # One link per evidence and target (NULLs never collide, so each pair is its own key).
        UniqueConstraint("evidence_id", "challenge_id"),
        UniqueConstraint("evidence_id", "bottleneck_id"),
        UniqueConstraint("evidence_id", "recommendation_id"),
        Index("ix_evidence_links_challenge_id", "challenge_id"),
        Index("ix_evidence_links_bottleneck_id", "bottleneck_id"),
        Index("ix_evidence_links_recommendation_id", "recommendation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    evidence_id: Mapped[int] = mapped_column()
    challenge_id: Mapped[int | None] = mapped_column()
    bottleneck_id: Mapped[int | None] = mapped_column()
    recommendation_id: Mapped[int | None] = mapped_column()
    relation: Mapped[Relation] = mapped_column(vocab(Relation, "relation"))
    note: Mapped[str] = mapped_column(Text, default="")
