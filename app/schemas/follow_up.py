"""Follow-up of recommendations: status updates, indicators and their measurements."""

from datetime import date, datetime, timedelta
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, FiniteFloat, StringConstraints, model_validator

from app import clock
from app.schemas.common import InputModel, ReadModel, UpdateModel
from app.vocab import Implementation, Response, Role

EARLIEST_DATE = date(1990, 1, 1)
Year = Annotated[int, Field(ge=1990, le=2100)]
IndicatorName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Unit = Annotated[str, StringConstraints(max_length=50)]
Comment = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
Note = Annotated[str, StringConstraints(max_length=2000)]
IndicatorStatus = Literal[
    "no_measurement", "target_equals_baseline", "regressed", "in_progress", "achieved"
]


def _not_future(value: date) -> date:
    # Today somewhere on Earth (UTC+14) is not refused as "the future".
    if value > (clock.now() + timedelta(hours=14)).date():
        raise ValueError("must not be in the future")
    if value < EARLIEST_DATE:
        raise ValueError(f"must not be before {EARLIEST_DATE.isoformat()}")
    return value


PastDate = Annotated[date, AfterValidator(_not_future)]


class StatusUpdateCreate(InputModel):
    response: Response | None = None
    implementation: Implementation | None = None
    comment: Comment
    as_of: PastDate | None = Field(default=None, description="defaults to today")

    @model_validator(mode="after")
    def _response_or_implementation(self) -> Self:
        if self.response is None and self.implementation is None:
            raise ValueError("give a response, an implementation rating, or both")
        return self


class StatusUpdateRead(ReadModel):
    id: int
    engagement_id: int
    recommendation_id: int
    response: Response | None
    implementation: Implementation | None
    comment: str
    as_of: date
    author_id: int
    author_name: str
    author_role: Role
    created_at: datetime


class IndicatorCreate(InputModel):
    name: IndicatorName
    unit: Unit = ""
    baseline_value: FiniteFloat
    baseline_year: Year
    target_value: FiniteFloat
    target_year: Year

    @model_validator(mode="after")
    def _years_in_order(self) -> Self:
        if self.target_year < self.baseline_year:
            raise ValueError("target_year must not be before baseline_year")
        return self


class IndicatorUpdate(UpdateModel):
    name: IndicatorName | None = None
    unit: Unit | None = None
    baseline_value: FiniteFloat | None = None
    baseline_year: Year | None = None
    target_value: FiniteFloat | None = None
    target_year: Year | None = None


class IndicatorRead(ReadModel):
    id: int
    engagement_id: int
    recommendation_id: int
    name: str
    unit: str
    baseline_value: float
    baseline_year: int
    target_value: float
    target_year: int
    latest_value: float | None = None
    latest_measured_on: date | None = None
    progress: float | None = Field(
        default=None,
        description="(latest - baseline) / (target - baseline); not clipped (below 0: worse "
        "than the baseline, above 1: beyond the target); null without a measurement or when "
        "target equals baseline",
    )
    on_track: bool | None = Field(
        default=None,
        description="progress at least what a straight line from the baseline year to the "
        "target year expects by the year of the latest measurement",
    )
    status: IndicatorStatus = "no_measurement"
    version: int
    created_at: datetime
    updated_at: datetime


class MeasurementCreate(InputModel):
    value: FiniteFloat
    measured_on: PastDate
    note: Note = ""


class MeasurementRead(ReadModel):
    id: int
    engagement_id: int
    indicator_id: int
    value: float
    measured_on: date
    note: str
    author_id: int
    author_name: str
    author_role: Role
    created_at: datetime
