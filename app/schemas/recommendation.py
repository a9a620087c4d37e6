"""Recommendations: the EOCIC policy-briefing card and the bottlenecks it addresses."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from app.schemas.common import DbId, InputModel, LongText, ReadModel, ShortText, Title, UpdateModel
from app.schemas.links import EvidenceRef
from app.vocab import Horizon, Implementation, Instrument, Priority, Response, Stage

# Ids that reach the database stay inside a 32-bit INTEGER (a bigger one is a 422, not a 500).
MAX_BOTTLENECKS = 50


def _no_duplicates(ids: list[int]) -> list[int]:
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"repeated ids: {repeated}")
    return ids


BottleneckIds = Annotated[
    list[DbId],
    Field(max_length=MAX_BOTTLENECKS, description="bottlenecks of this engagement it addresses"),
    AfterValidator(_no_duplicates),
]


# `code`, `stage` (draft on create), `shared_at`, `response` and `implementation` are not
# inputs here: the system assigns the code, publishing a briefing shares, and the client's
# response is recorded through recommendation updates. Sending them is a 422 (extra=forbid).
class RecommendationCreate(InputModel):
    title: Title
    description: LongText = ""
    benefits_costs: LongText = ""
    risks: LongText = ""
    responsible_actor: ShortText = ""
    instrument: Instrument
    priority: Priority = Priority.MEDIUM
    horizon: Horizon = Horizon.MEDIUM
    bottleneck_ids: BottleneckIds = []


class RecommendationUpdate(UpdateModel):
    title: Title | None = None
    description: LongText | None = None
    benefits_costs: LongText | None = None
    risks: LongText | None = None
    responsible_actor: ShortText | None = None
    instrument: Instrument | None = None
    priority: Priority | None = None
    horizon: Horizon | None = None
    bottleneck_ids: BottleneckIds | None = None
    stage: Stage | None = Field(
        default=None, description="draft ↔ withdrawn, shared → withdrawn; never shared"
    )


class RecommendationRead(ReadModel):
    id: int
    engagement_id: int
    code: str
    title: str
    description: str
    benefits_costs: str
    risks: str
    responsible_actor: str
    instrument: Instrument
    priority: Priority
    horizon: Horizon
    bottleneck_ids: list[int]
    stage: Stage
    shared_at: datetime | None
    response: Response
    implementation: Implementation
    # Derived from the follow-up updates (the latest stakeholder and consultant ratings);
    # `implementation` is the consultants' rating when there is one, else the client's.
    self_assessment: Implementation | None = None
    validated_implementation: Implementation | None = None
    implementation_disagreement: bool = False
    # Filled by the service from the evidence links (one query per page).
    evidence: list[EvidenceRef] = []
    version: int
    created_at: datetime
    updated_at: datetime
