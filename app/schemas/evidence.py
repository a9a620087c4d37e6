"""Evidence and the links that tie it to challenges, bottlenecks and recommendations."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, FiniteFloat, StringConstraints

from app.schemas.common import (
    DbId,
    InputModel,
    Label,
    LongText,
    ReadModel,
    Title,
    UpdateModel,
    WebUrl,
)
from app.schemas.diagnosis import ReadWithRefs
from app.vocab import Direction, EvidenceKind, Relation

TargetType = Literal["challenge", "bottleneck", "recommendation"]
Source = Annotated[str, StringConstraints(max_length=500)]
IndicatorName = Annotated[str, StringConstraints(min_length=1, max_length=300)]
IndicatorUnit = Annotated[str, StringConstraints(max_length=50)]
IndicatorYear = Annotated[int, Field(ge=1900, le=2100)]
# FiniteFloat: JSON parsers accept NaN and Infinity, which mean nothing as a measurement.
Value = FiniteFloat


class EvidenceCreate(InputModel):
    kind: EvidenceKind
    title: Title
    url: WebUrl | None = None
    source: Source = ""
    published_on: date | None = None
    excerpt: LongText = ""
    indicator_name: IndicatorName | None = None
    indicator_value: Value | None = None
    indicator_unit: IndicatorUnit | None = None
    indicator_year: IndicatorYear | None = None
    benchmark_value: Value | None = None
    benchmark_label: Label | None = None
    indicator_direction: Direction | None = Field(
        None, description="which way the indicator is better: higher or lower; unset: not said"
    )


class EvidenceUpdate(UpdateModel):
    nullable = frozenset(
        {
            "url",
            "published_on",
            "indicator_name",
            "indicator_value",
            "indicator_unit",
            "indicator_year",
            "benchmark_value",
            "benchmark_label",
            "indicator_direction",
        }
    )

    kind: EvidenceKind | None = None
    title: Title | None = None
    url: WebUrl | None = None
    source: Source | None = None
    published_on: date | None = None
    excerpt: LongText | None = None
    indicator_name: IndicatorName | None = None
    indicator_value: Value | None = None
    indicator_unit: IndicatorUnit | None = None
    indicator_year: IndicatorYear | None = None
    benchmark_value: Value | None = None
    benchmark_label: Label | None = None
    indicator_direction: Direction | None = None

    def changes(self) -> dict[str, Any]:
        """The fields sent, as validated. WebUrl leaves text behind, which model_dump() would
        re-serialise as an HttpUrl with a warning; the attributes are already plain values."""
        return {field: getattr(self, field) for field in self.model_fields_set}


class LinkCreate(InputModel):
    target_type: TargetType
    target_id: DbId
    relation: Relation
    note: LongText = ""


class LinkRead(ReadModel):
    link_id: int
    target_type: TargetType
    target_id: int
    relation: Relation
    note: str


class EvidenceLinkRead(LinkRead):
    evidence_id: int


class EvidenceRead(ReadWithRefs):
    id: int
    engagement_id: int
    kind: EvidenceKind
    title: str
    url: str | None
    source: str
    published_on: date | None
    excerpt: str
    indicator_name: str | None
    indicator_value: float | None
    indicator_unit: str | None
    indicator_year: int | None
    benchmark_value: float | None
    benchmark_label: str | None
    indicator_direction: Direction | None = None
    links: list[LinkRead] = []
    newer_data_available: bool = Field(
        False, description="made from indicator data that has a later year or a revised value"
    )
    version: int
    created_at: datetime
    updated_at: datetime
