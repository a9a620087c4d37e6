"""Challenges and bottlenecks: the diagnosis of an engagement."""

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from app.schemas.common import DbId, InputModel, LongText, ReadModel, Title, UpdateModel
from app.schemas.links import EvidenceRef
from app.vocab import BottleneckStatus, FrameworkCondition

ChallengePriority = Annotated[int, Field(ge=1, le=3, description="1 high … 3 low")]
Severity = Annotated[int, Field(ge=1, le=5, description="1 minor … 5 critical")]


class ReadWithRefs(ReadModel):
    """A read whose reference lists the service fills in after loading the row: they default
    to empty, yet the response schema marks them required, as every response carries them."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_serialization_defaults_required=True
    )


class ChallengeCreate(InputModel):
    title: Title
    description: LongText = ""
    priority: ChallengePriority = 2


class ChallengeUpdate(UpdateModel):
    title: Title | None = None
    description: LongText | None = None
    priority: ChallengePriority | None = None


class ChallengeRead(ReadWithRefs):
    id: int
    engagement_id: int
    title: str
    description: str
    priority: int
    evidence: list[EvidenceRef] = []
    version: int
    created_at: datetime
    updated_at: datetime


class BottleneckCreate(InputModel):
    challenge_id: DbId | None = None
    title: Title
    description: LongText = ""
    framework_condition: FrameworkCondition
    severity: Severity = 3
    status: BottleneckStatus = BottleneckStatus.HYPOTHESIS


class BottleneckUpdate(UpdateModel):
    nullable = frozenset({"challenge_id"})

    challenge_id: DbId | None = None
    title: Title | None = None
    description: LongText | None = None
    framework_condition: FrameworkCondition | None = None
    severity: Severity | None = None
    status: BottleneckStatus | None = None


class BottleneckRead(ReadWithRefs):
    id: int
    engagement_id: int
    challenge_id: int | None
    title: str
    description: str
    framework_condition: FrameworkCondition
    severity: int
    status: BottleneckStatus
    evidence: list[EvidenceRef] = []
    recommendation_ids: list[int] = []
    version: int
    created_at: datetime
    updated_at: datetime
