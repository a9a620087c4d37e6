"""The policy-learning library: shared recommendations of every engagement, searchable."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from app.schemas.common import Page
from app.vocab import (
    FrameworkCondition,
    Horizon,
    Implementation,
    Instrument,
    Priority,
    Response,
    Theme,
)

# Longer searches are a 422: they would only slow the query down.
MAX_QUERY_LENGTH = 200


class LibraryQuery(BaseModel):
    """The search and filters of the library (query parameters)."""

    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_QUERY_LENGTH)] = (
        Field(
            "",
            description='words (stemmed: "clusters" finds "cluster"), "a phrase", `or` between '
            "alternatives, `-word` to exclude; empty lists newest shared first",
        )
    )
    framework_condition: FrameworkCondition | None = Field(
        None, description="of a bottleneck the recommendation addresses"
    )
    instrument: Instrument | None = None
    theme: Theme | None = Field(None, description="a theme of the recommendation's engagement")
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True)] | None = (
        Field(None, description="ISO code: the region's country, or one of the partnership's")
    )


class EngagementRef(BaseModel):
    id: int
    reference: str
    title: str


class ClientRef(BaseModel):
    kind: Literal["region", "partnership"]
    name: str
    countries: list[str] = Field(description="the region's country, or the partnership's")


class LibraryItem(BaseModel):
    id: int
    code: str
    title: str
    description: str = Field(description="cut at about 500 characters (see description_cut)")
    description_cut: bool
    instrument: Instrument
    priority: Priority
    horizon: Horizon
    shared_at: datetime | None
    response: Response
    implementation: Implementation
    engagement: EngagementRef
    client: ClientRef
    framework_conditions: list[FrameworkCondition] = Field(
        description="of the bottlenecks it addresses (the bottlenecks themselves are internal)"
    )
    snippet: str | None = Field(
        description="plain text around the matched words (never HTML); null without a search"
    )
    highlights: list[tuple[int, int]] = Field(
        description="[start, end) offsets of the matched words in `snippet`, in Unicode code "
        "points (JavaScript: index Array.from(snippet), not the UTF-16 string)"
    )


class LibraryPage(Page[LibraryItem]):
    total_capped: bool = Field(
        description="the search stopped after examining 2,000 recommendations (the first the "
        "index yields; without q, the newest): there may be more matches than `total`, and the "
        "items are the best of those examined; add words or filters"
    )
