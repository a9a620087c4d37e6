"""The shapes of the demo content: plain frozen records that app/seed/demo.py turns into
rows. Items inside an engagement refer to each other by short keys (C1, B2, E3, R1), never by
database ids, so that the content reads like the case file it imitates.

The story is dated 2018-2020. What must look current (the latest missions, follow-up updates
and measurements, upcoming milestones, the steps that resumed paused work) is dated
`days_ago(n)` / `days_ahead(n)` instead: counted from the day the demo is seeded, so a portfolio
loaded years later still looks alive."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, TypeAlias

from app.vocab import (
    BottleneckStatus,
    EvidenceKind,
    FrameworkCondition,
    Horizon,
    Implementation,
    Instrument,
    MissionKind,
    Objective,
    PartnershipKind,
    Phase,
    Priority,
    Relation,
    Response,
    Stage,
    Theme,
)


@dataclass(frozen=True)
class Relative:
    """A date `days` after the day the demo is seeded (negative: before it)."""

    days: int


def days_ago(days: int) -> Relative:
    return Relative(-days)


def days_ahead(days: int) -> Relative:
    return Relative(days)


When: TypeAlias = date | Relative


def resolve(when: When, today: date) -> date:
    """The calendar date of `when` for a demo seeded on `today`."""
    return today + timedelta(days=when.days) if isinstance(when, Relative) else when


def instant(when: datetime | Relative, today: date) -> datetime:
    """The moment of a workflow step; a relative one at 09:00 UTC on its day."""
    if isinstance(when, Relative):
        return datetime.combine(resolve(when, today), time(9), tzinfo=UTC)
    return when


@dataclass(frozen=True)
class RegionSpec:
    nuts_code: str
    name: str
    country_code: str
    nuts_level: int
    notes: str = ""


@dataclass(frozen=True)
class PartnershipSpec:
    acronym: str
    name: str
    kind: PartnershipKind
    sectors: tuple[str, ...]
    coordinator: str
    countries: tuple[str, ...]
    website: str | None = None
    notes: str = ""


@dataclass(frozen=True)
class ConsultantSpec:
    email: str
    full_name: str


@dataclass(frozen=True)
class AccountSpec:
    """A demo login of another role; a stakeholder names its region or partnership."""

    email: str
    full_name: str
    role: str
    region: str | None = None
    partnership: str | None = None


@dataclass(frozen=True)
class Step:
    """One workflow step after creation: the phase entered, when, and why."""

    to: Phase
    at: datetime | Relative
    note: str = ""


@dataclass(frozen=True)
class ChallengeSpec:
    key: str
    title: str
    description: str
    priority: int


@dataclass(frozen=True)
class BottleneckSpec:
    key: str
    title: str
    description: str
    framework_condition: FrameworkCondition
    severity: int
    status: BottleneckStatus
    challenge: str | None = None


@dataclass(frozen=True)
class Indicator:
    name: str
    value: float
    unit: str
    year: int
    benchmark_value: float | None = None
    benchmark_label: str | None = None
    higher_is_better: bool | None = True  # every demo indicator is


@dataclass(frozen=True)
class Link:
    """Evidence bearing on a challenge (C…), bottleneck (B…) or recommendation (R…)."""

    target_type: Literal["challenge", "bottleneck", "recommendation"]
    target: str
    relation: Relation = Relation.SUPPORTS
    note: str = ""


@dataclass(frozen=True)
class EvidenceSpec:
    key: str
    kind: EvidenceKind
    title: str
    source: str
    links: tuple[Link, ...] = ()
    url: str | None = None
    published_on: date | None = None
    excerpt: str = ""
    indicator: Indicator | None = None


@dataclass(frozen=True)
class RecommendationSpec:
    code: str
    title: str
    description: str
    benefits_costs: str
    risks: str
    responsible_actor: str
    instrument: Instrument
    priority: Priority
    horizon: Horizon
    addresses: tuple[str, ...]
    stage: Stage = Stage.DRAFT


@dataclass(frozen=True)
class MissionSpec:
    kind: MissionKind
    title: str
    start_date: When
    consultants: tuple[str, ...]
    end_date: When | None = None
    location: str = ""
    participants_count: int = 0
    organisations: tuple[str, ...] = ()
    summary: str = ""
    outcomes: str = ""
    follow_up: str = ""


@dataclass(frozen=True)
class MilestoneSpec:
    title: str
    due_date: When
    completed_on: When | None = None


@dataclass(frozen=True)
class BriefingSpec:
    """The policy briefing, rendered as a draft as of `drafted_on`, then published at
    `published_at` by `author` (a consultant's e-mail): publication shares its recommendations."""

    author: str
    drafted_on: date
    published_at: datetime


@dataclass(frozen=True)
class UpdateSpec:
    """A follow-up update of recommendation `recommendation` (its code) by `author` (an e-mail:
    the client's stakeholder or a consultant)."""

    recommendation: str
    author: str
    as_of: When
    comment: str
    response: Response | None = None
    implementation: Implementation | None = None


@dataclass(frozen=True)
class MeasurementSpec:
    value: float
    measured_on: When
    author: str
    note: str = ""


@dataclass(frozen=True)
class IndicatorSpec:
    """A results-framework target of a shared recommendation, with its measured values."""

    recommendation: str
    name: str
    unit: str
    baseline_value: float
    baseline_year: int
    target_value: float
    target_year: int
    measurements: tuple[MeasurementSpec, ...] = ()


@dataclass(frozen=True)
class FollowUpSpec:
    """How an engagement reached `follow_up` (its published briefing) and what happened since:
    updates in the order they were recorded, and indicators."""

    briefing: BriefingSpec
    updates: tuple[UpdateSpec, ...] = ()
    indicators: tuple[IndicatorSpec, ...] = ()


@dataclass(frozen=True)
class EngagementSpec:
    """An engagement and everything in it. The client is a region (NUTS code) or a partnership
    (acronym), which also fixes the kind; the current phase is where `steps` end. One in
    `follow_up` has a `follow_up`, and its last step is the one to `follow_up`."""

    reference: str
    title: str
    summary: str
    created_at: datetime
    lead: str
    members: tuple[str, ...]
    themes: tuple[Theme, ...]
    objectives: tuple[Objective, ...]
    planned_start: date
    planned_end: date
    region: str | None = None
    partnership: str | None = None
    steps: tuple[Step, ...] = ()
    challenges: tuple[ChallengeSpec, ...] = ()
    bottlenecks: tuple[BottleneckSpec, ...] = ()
    evidence: tuple[EvidenceSpec, ...] = ()
    recommendations: tuple[RecommendationSpec, ...] = ()
    missions: tuple[MissionSpec, ...] = ()
    milestones: tuple[MilestoneSpec, ...] = ()
    follow_up: FollowUpSpec | None = None

    @property
    def phase(self) -> Phase:
        return self.steps[-1].to if self.steps else Phase.SCOPING

    @property
    def phase_before_hold(self) -> Phase | None:
        if self.phase != Phase.ON_HOLD:
            return None
        return self.steps[-2].to if len(self.steps) > 1 else Phase.SCOPING
