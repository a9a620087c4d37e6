"""Indicator data: public regional statistics, kept apart from the engagements (issue 15).

A `Dataset` is one imported source (a Eurostat table, the Regional Innovation Scoreboard);
a `StatIndicator` is one series of it mapped to a framework condition with a direction; an
`Observation` is one value of an indicator for one place (a NUTS 0-2 code, or an aggregate
such as EU27_2020) and one year. Re-importing a dataset updates observations in place (the
primary key is indicator, place and year), so nothing is ever duplicated.

Evidence made from a diagnosis suggestion keeps the observations it quotes
(`EvidenceObservation`), so that it can say "newer data available" after a later import; a
suggestion that a consultant accepted or dismissed is remembered (`SuggestionDecision`).
"""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.models.base import Base, UTCDateTime, Versioned, vocab
from app.vocab import Direction, FrameworkCondition, SuggestionDecisionKind


class Dataset(Versioned, Base):
    __tablename__ = "stat_datasets"

    source: Mapped[str] = mapped_column(String(200))  # "Eurostat", "European Commission (RIS)"
    code: Mapped[str] = mapped_column(String(100), unique=True)  # "rd_e_gerdreg"
    title: Mapped[str] = mapped_column(String(500))
    licence: Mapped[str] = mapped_column(String(200), default="")
    attribution: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000))
    retrieved_on: Mapped[date | None] = mapped_column(Date)
    dataset_version: Mapped[str] = mapped_column(String(100), default="")
    # True for made-up values (demo data): said in the data and on every page that shows them.
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=clock.now, server_default=func.now()
    )


class StatIndicator(Versioned, Base):
    """One statistical indicator (not to be confused with `Indicator`, a recommendation's
    results-framework target)."""

    __tablename__ = "stat_indicators"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("stat_datasets.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(50), default="")
    framework_condition: Mapped[FrameworkCondition] = mapped_column(
        vocab(FrameworkCondition, "framework_condition")
    )
    direction: Mapped[Direction] = mapped_column(vocab(Direction, "direction"))
    definition: Mapped[str] = mapped_column(Text, default="")


class Observation(Base):
    """One value: indicator, place and year. `nuts_level` is 0-3 for a NUTS code and NULL for
    an aggregate (EU27_2020, EA20), so that peers and percentiles compare like with like."""

    __tablename__ = "stat_observations"
    __table_args__ = (
        CheckConstraint("year BETWEEN 1900 AND 2100", name="year_range"),
        CheckConstraint("nuts_level IS NULL OR nuts_level BETWEEN 0 AND 3", name="nuts_level"),
        Index("ix_stat_observations_geo_indicator_id_year", "geo", "indicator_id", "year"),
        # Covering: a profile's percentiles and level means read the index only (issue 15).
        Index(
            "ix_stat_observations_indicator_id_nuts_level_year",
            "indicator_id",
            "nuts_level",
            "year",
            "value",
        ),
    )

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("stat_indicators.id", ondelete="CASCADE"), primary_key=True
    )
    geo: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    flag: Mapped[str] = mapped_column(String(10), default="")
    nuts_level: Mapped[int | None] = mapped_column(SmallInteger)


class EvidenceObservation(Base):
    """The observations an evidence record was made from (a suggestion accepted): the
    region's value and, when there is one, the benchmark's."""

    __tablename__ = "evidence_observations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), index=True
    )
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("stat_indicators.id", ondelete="CASCADE"), index=True
    )
    geo: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[float] = mapped_column(Float)  # as quoted, to tell a revised value too


class SuggestionDecision(Base):
    """A diagnosis suggestion that was accepted (with the bottleneck it made) or dismissed.
    `key` names the suggestion: its framework condition (one suggestion per condition)."""

    __tablename__ = "diagnosis_suggestion_decisions"
    __table_args__ = (UniqueConstraint("engagement_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(100))
    decision: Mapped[SuggestionDecisionKind] = mapped_column(
        vocab(SuggestionDecisionKind, "decision")
    )
    bottleneck_id: Mapped[int | None] = mapped_column(
        ForeignKey("bottlenecks.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=clock.now, server_default=func.now()
    )
