"""The portfolio view of DG GROW's monitors: filters, the summary and its parts."""

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from app.vocab import (
    EngagementKind,
    FrameworkCondition,
    Implementation,
    Instrument,
    Objective,
    Phase,
    Response,
    Stage,
    Theme,
)

CountryCode = Annotated[
    str,
    Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2, e.g. BE"),
    AfterValidator(str.upper),
]


class PortfolioFilters(BaseModel):
    """Which engagements the summary and the exports cover (query parameters; all optional,
    combined with AND)."""

    kind: EngagementKind | None = None
    country: CountryCode | None = Field(
        None, description="the region's country, or one of the partnership's countries"
    )
    theme: Theme | None = None
    objective: Objective | None = None
    phase: Phase | None = None
    year: int | None = Field(
        None,
        ge=1900,
        le=2999,
        description="planned period [planned_start, planned_end] overlaps this calendar year; "
        "a missing bound is taken equal to the other; undated engagements match no year",
    )


class RiskReason(StrEnum):
    OVERDUE_MILESTONE = "overdue_milestone"
    NO_MISSION_IN_90_DAYS = "no_mission_in_90_days"
    RESPONSE_PENDING_60_DAYS = "response_pending_60_days"


class EngagementCounts(BaseModel):
    total: int
    by_phase: dict[Phase, int]
    by_kind: dict[EngagementKind, int]


class OverdueMilestone(BaseModel):
    engagement_id: int
    engagement_reference: str
    milestone_id: int
    title: str
    due_date: date
    days_overdue: int


class OverdueMilestones(BaseModel):
    count: int
    items: list[OverdueMilestone] = Field(description="most overdue first")


class RecommendationCounts(BaseModel):
    total: int = Field(description="every recommendation, whatever its stage")
    by_stage: dict[Stage, int]
    shared: int
    by_response: dict[Response, int] = Field(description="shared recommendations only")
    by_implementation: dict[Implementation, int] = Field(description="shared recommendations only")


class Rate(BaseModel):
    shared: int = Field(description="shared recommendations counted")
    implemented: int = Field(description="of which implemented in most respects or fully")
    rate: float | None = Field(description="implemented / shared, 4 decimals; null if none shared")


class ImplementationRates(BaseModel):
    overall: Rate
    by_framework_condition: dict[FrameworkCondition, Rate] = Field(
        description="a recommendation counts once for each framework condition of the "
        "bottlenecks it addresses"
    )
    by_instrument: dict[Instrument, Rate]


class LastMission(BaseModel):
    engagement_id: int
    reference: str
    phase: Phase
    last_mission_on: date | None = Field(
        description="the latest end date (start date when none) of the missions started by today"
    )
    days_since_last_mission: int | None = Field(description="0 while a mission is under way")


class AtRiskEngagement(BaseModel):
    engagement_id: int
    reference: str
    title: str
    phase: Phase
    reasons: list[RiskReason]
    overdue_milestones: int
    days_since_last_mission: int | None
    pending_responses_over_60_days: int


class AtRisk(BaseModel):
    count: int
    items: list[AtRiskEngagement] = Field(description="in reference order")


class PortfolioSummary(BaseModel):
    today: date
    engagements: EngagementCounts
    overdue_milestones: OverdueMilestones
    recommendations: RecommendationCounts
    implementation_rates: ImplementationRates
    last_missions: list[LastMission] = Field(description="every engagement, in reference order")
    at_risk: AtRisk
