"""Indicator data (issue 15): the datasets imported and their indicators, as read."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.schemas.common import ReadModel
from app.vocab import Direction, FrameworkCondition


class DatasetRead(ReadModel):
    id: int
    code: str
    source: str
    title: str
    licence: str
    attribution: str
    url: str | None
    retrieved_on: date | None
    dataset_version: str = Field(description="the publisher's version or release of the data")
    illustrative: bool = Field(description="made-up values (demo data), not statistics")
    imported_at: datetime
    indicators: int = Field(description="how many indicators it has")


class IndicatorRead(ReadModel):
    id: int
    code: str
    name: str
    unit: str
    framework_condition: FrameworkCondition
    direction: Direction
    definition: str
    dataset_id: int
    dataset_code: str
    illustrative: bool = Field(description="its dataset's values are made up (demo data)")
    observations: int
    first_year: int | None
    last_year: int | None


class IndicatorFilters(BaseModel):
    """Filters of the indicator list (query parameters)."""

    dataset: str | None = Field(None, max_length=100, description="a dataset's code")
    framework_condition: FrameworkCondition | None = None
