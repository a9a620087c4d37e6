"""A region's statistical profile, its peer regions, and an engagement's diagnosis suggestions
(issue 15; the arithmetic is described in docs/statistics-analysis.md)."""

from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.library import LibraryItem
from app.vocab import Direction, FrameworkCondition

BenchmarkKind = Literal["eu_aggregate", "level_mean"]
GapTrend = Literal["narrowing", "widening", "stable", "ahead"]


class RegionRef(BaseModel):
    id: int
    nuts_code: str
    name: str
    country_code: str
    nuts_level: int


class DatasetRef(BaseModel):
    id: int
    code: str
    title: str
    source: str
    licence: str
    attribution: str
    url: str | None
    illustrative: bool = Field(description="made-up values (demo data), not a real source")


class Point(BaseModel):
    year: int
    value: float


class Benchmark(BaseModel):
    kind: BenchmarkKind = Field(
        description="eu_aggregate: the EU's own figure (EU27_2020, else EU28 or EU27); "
        "level_mean: the mean of the regions of the same NUTS level that year"
    )
    geo: str | None = Field(description="the aggregate's code (eu_aggregate only)")
    label: str
    value: float
    regions: int | None = Field(description="how many regions the mean is over (level_mean)")


class IndicatorProfile(BaseModel):
    indicator_id: int
    code: str
    name: str
    unit: str
    framework_condition: FrameworkCondition
    direction: Direction
    dataset_id: int
    year: int = Field(description="the region's latest year with a value")
    value: float
    flag: str
    benchmark: Benchmark | None
    gap: float | None = Field(description="value minus benchmark, in the indicator's unit")
    percentile: float | None = Field(
        description="0-100 among the regions of the same NUTS level that year, higher = better "
        "position whatever the direction: (worse + half of the equal) / all * 100"
    )
    regions_compared: int = Field(description="regions of the level with a value that year")
    cagr: float | None = Field(
        description="compound annual growth rate over `years` years, as a fraction (0.03 = 3%)"
    )
    base_year: int = Field(description="latest year minus `years`: the start of the trend")
    gap_trend: GapTrend | None = Field(
        description="how the shortfall against the benchmark moved since base_year "
        "(direction-aware); ahead: not behind in either year"
    )
    series: list[Point]
    benchmark_series: list[Point]


class ConditionSummary(BaseModel):
    framework_condition: FrameworkCondition
    indicators: int
    median_percentile: float | None
    bottom_quartile: int = Field(description="indicators with a percentile below 25")
    widening: int = Field(description="indicators whose gap to the benchmark is widening")


class RegionProfile(BaseModel):
    region: RegionRef
    years: int = Field(description="the span of the trend (CAGR and gap), in years")
    indicators: list[IndicatorProfile]
    conditions: list[ConditionSummary]
    datasets: list[DatasetRef]


class Peer(BaseModel):
    geo: str = Field(description="the peer's NUTS code")
    name: str = Field(description="the region's name, or its code when it is no known region")
    region: RegionRef | None = Field(description="the region, when ClusterCase knows it")
    distance: float = Field(
        description="root mean square difference of z-scores over the shared indicators"
    )
    shared_indicators: int
    recommendations: list[LibraryItem] = Field(
        description="shared recommendations given to engagements with this region as client"
    )


class PeerPage(BaseModel):
    items: list[Peer]
    total: int
    limit: int = Field(description="k, the number of peers asked for")
    offset: int


class SuggestedIndicator(BaseModel):
    indicator_id: int
    name: str
    unit: str
    year: int
    value: float
    benchmark: Benchmark | None
    percentile: float | None
    gap_trend: GapTrend | None
    reasons: list[Literal["bottom_quartile", "widening_gap"]]
    summary: str = Field(description="the same in a plain sentence")


class Suggestion(BaseModel):
    key: str = Field(description="the framework condition: accept or dismiss with it")
    framework_condition: FrameworkCondition
    title: str
    description: str
    indicators: list[SuggestedIndicator]


class DecidedSuggestion(BaseModel):
    key: str
    decision: Literal["accepted", "dismissed"]
    bottleneck_id: int | None


class SuggestionPage(BaseModel):
    items: list[Suggestion]
    total: int
    limit: int
    offset: int
    reason: str | None = Field(description="why there is nothing to suggest, when there is not")
    decided: list[DecidedSuggestion] = Field(description="accepted or dismissed: not offered")


class AcceptedSuggestion(BaseModel):
    key: str
    bottleneck_id: int
    evidence_ids: list[int]
