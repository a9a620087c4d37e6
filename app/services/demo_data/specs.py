"""The shapes of the demo content: plain frozen records that app/services/demo.py turns into
rows. Items inside an engagement refer to each other by short keys (C1, B2, E3, R1), never by
database ids, so that the content reads like the case file it imitates."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from app.vocab import (
    BottleneckStatus,
    EvidenceKind,
    FrameworkCondition,
    Horizon,
    Instrument,
    MissionKind,
    Objective,
    PartnershipKind,
    Phase,
    Priority,
    Relation,
    Stage,
    Theme,
)


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
    at: datetime
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
    start_date: date
    consultants: tuple[str, ...]
    end_date: date | None = None
    location: str = ""
    participants_count: int = 0
    organisations: tuple[str, ...] = ()
    summary: str = ""
    outcomes: str = ""
    follow_up: str = ""


@dataclass(frozen=True)
class MilestoneSpec:
    title: str
    due_date: date
    completed_on: date | None = None


@dataclass(frozen=True)
class EngagementSpec:
    """An engagement and everything in it. The client is a region (NUTS code) or a partnership
    (acronym), which also fixes the kind; the current phase is where `steps` end."""

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

    @property
    def phase(self) -> Phase:
        return self.steps[-1].to if self.steps else Phase.SCOPING

    @property
    def phase_before_hold(self) -> Phase | None:
        if self.phase != Phase.ON_HOLD:
            return None
        return self.steps[-2].to if len(self.steps) > 1 else Phase.SCOPING
