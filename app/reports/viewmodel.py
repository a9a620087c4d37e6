"""The frozen view-model a report is rendered from (docs/style.md rule 10).

A service (app/services/report_view.py) loads everything once and builds a `ReportView`; the
templates only read it. The same object, dumped to JSON, is the report's stored snapshot, and it
is loaded back from that snapshot to re-render a version when it is published. Labels are
resolved here, so templates print strings and never look up vocabularies.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import TypeAdapter

SNAPSHOT_SCHEMA = "clustercase.report-view/1"


@dataclass(frozen=True)
class ClientView:
    kind: str  # "region" | "partnership"
    code: str  # NUTS code or ESCP acronym
    name: str
    facts: tuple[tuple[str, str], ...]  # (label, value) lines for the client profile
    notes: str = ""


@dataclass(frozen=True)
class EngagementView:
    id: int
    reference: str
    title: str
    summary: str
    kind: str
    phase: str
    themes: tuple[str, ...]
    objectives: tuple[str, ...]
    planned_start: date | None
    planned_end: date | None
    lead: str
    team: tuple[str, ...]
    # The stage in the client's words, "" when a client document should not name it (an
    # internal phase, or a snapshot from before it existed); `phase` is for staff documents.
    client_stage: str = ""


@dataclass(frozen=True)
class IndicatorView:
    evidence_id: int
    name: str
    value: float
    unit: str
    year: int | None
    benchmark_value: float | None
    benchmark_label: str
    citation: int
    higher_is_better: bool | None = None  # None: the evidence does not say


@dataclass(frozen=True)
class ChallengeView:
    id: int
    title: str
    description: str
    priority: str
    citations: tuple[int, ...]


@dataclass(frozen=True)
class BottleneckView:
    id: int
    ref: str  # "B1", numbered in report order
    title: str
    description: str
    framework_condition: str  # API value
    condition_label: str
    severity: int
    status: str
    challenge: str
    citations: tuple[int, ...]
    status_code: str = ""  # API value: "hypothesis" | "confirmed" | "dismissed"
    # Evidence that speaks against it (the assessment report only; a client document cites the
    # evidence that supports or frames a finding).
    contradicting: tuple[int, ...] = ()


@dataclass(frozen=True)
class ConditionGroup:
    label: str
    bottlenecks: tuple[BottleneckView, ...]


@dataclass(frozen=True)
class TargetView:
    """A results-framework indicator of a recommendation: from a baseline to a target."""

    name: str
    unit: str
    baseline_value: float
    baseline_year: int
    target_value: float
    target_year: int
    latest_value: float | None = None
    latest_on: date | None = None
    on_track: bool | None = None  # None: not measured yet, or nothing to measure against


@dataclass(frozen=True)
class RecommendationView:
    id: int
    code: str
    title: str
    description: str
    benefits_costs: str
    risks: str
    responsible_actor: str
    instrument: str
    instrument_label: str
    priority: str
    priority_label: str
    horizon: str
    horizon_label: str
    stage: str
    shared_on: date | None
    response: str
    response_label: str
    implementation: str
    implementation_label: str
    bottleneck_ids: tuple[int, ...]
    bottleneck_refs: tuple[str, ...]  # "B2 <title>" for display
    evidence_ids: tuple[int, ...]
    citations: tuple[int, ...]
    # Traceability: the evidence linked to the card itself, then what it inherits from the
    # bottlenecks it addresses, kept apart (`citations` is both, for older snapshots).
    own_citations: tuple[int, ...] = ()
    inherited_citations: tuple[int, ...] = ()
    targets: tuple[TargetView, ...] = ()
    # Follow-up (the progress report): the client's self-assessment beside the consultants'
    # validated rating, the latest comment, and how long the client has been waiting to act.
    self_assessment_label: str = ""
    validated_label: str = ""
    disagreement: bool = False
    latest_comment: str = ""
    latest_comment_on: date | None = None
    latest_comment_by: str = ""  # "the client" | "the advisory team"
    days_pending: int | None = None  # shared, no response yet: days since sharing
    days_overdue: int | None = None  # a self-assessment due and not given: days late


@dataclass(frozen=True)
class MissionView:
    kind: str
    title: str
    start_date: date
    end_date: date | None
    location: str
    participants_count: int
    organisations: tuple[str, ...]
    consultants: tuple[str, ...]
    summary: str
    outcomes: str


@dataclass(frozen=True)
class MilestoneView:
    title: str
    due_date: date
    completed_on: date | None
    overdue: bool
    days_overdue: int = 0


@dataclass(frozen=True)
class ReferenceView:
    number: int
    evidence_id: int
    kind: str
    title: str
    source: str
    url: str | None  # http(s) only; printed as text
    published_on: date | None
    excerpt: str


@dataclass(frozen=True)
class ChangesView:
    """What changed since the last published version of the same kind."""

    since_version: int
    since_date: date | None
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ReportView:
    kind: str
    kind_label: str
    title: str
    language: str
    version_number: int
    status: str  # "draft" | "published"
    as_of: date
    published_on: date | None
    author: str
    engagement: EngagementView
    client: ClientView
    executive_summary: tuple[str, ...]
    indicators: tuple[IndicatorView, ...] = ()
    challenges: tuple[ChallengeView, ...] = ()
    diagnosis: tuple[ConditionGroup, ...] = ()
    recommendations: tuple[RecommendationView, ...] = ()
    missions: tuple[MissionView, ...] = ()
    milestones: tuple[MilestoneView, ...] = ()
    references: tuple[ReferenceView, ...] = ()
    changes: ChangesView | None = None
    # The executive summary's key findings: the confirmed bottlenecks, the most severe first.
    key_findings: tuple[str, ...] = ()
    # What the action plan's years count from: the engagement's first published briefing, or
    # its planned end (never the day a draft is rendered).
    plan_from: date | None = None
    plan_basis: str = ""  # what `plan_from` is, in words
    schema: str = field(default=SNAPSHOT_SCHEMA)

    @property
    def is_draft(self) -> bool:
        return self.status != "published"

    @property
    def bottlenecks(self) -> tuple[BottleneckView, ...]:
        return tuple(b for group in self.diagnosis for b in group.bottlenecks)


_ADAPTER: TypeAdapter[ReportView] = TypeAdapter(ReportView)


def to_snapshot(view: ReportView) -> dict[str, Any]:
    """The view as JSON-ready data: what a report version stores."""
    data: dict[str, Any] = _ADAPTER.dump_python(view, mode="json")
    return data


def from_snapshot(data: dict[str, Any]) -> ReportView:
    """The view a stored snapshot was made from (validated, dates parsed back)."""
    return _ADAPTER.validate_python(data)


def machine_readable(view: ReportView) -> dict[str, Any]:
    """The data embedded in the PDF as a JSON attachment, for a client's own tools."""
    snapshot = to_snapshot(view)
    engagement = snapshot["engagement"]
    return {
        "schema": "clustercase.recommendations/1",
        "report": {
            "kind": view.kind,
            "version": view.version_number,
            "status": view.status,
            "as_of": snapshot["as_of"],
            "published_on": snapshot["published_on"],
            "language": view.language,
        },
        "engagement": {
            "reference": engagement["reference"],
            "title": engagement["title"],
            "client": {"kind": view.client.kind, "code": view.client.code},
        },
        "recommendations": [
            {
                key: rec[key]
                for key in (
                    "id", "code", "title", "description", "benefits_costs", "risks",
                    "responsible_actor", "instrument", "priority", "horizon", "stage",
                    "shared_on", "response", "implementation", "bottleneck_ids", "evidence_ids",
                )
            }
            for rec in snapshot["recommendations"]
        ],
        "bottlenecks": [
            {
                "id": b["id"], "ref": b["ref"], "title": b["title"],
                "framework_condition": b["framework_condition"], "severity": b["severity"],
                "status": b["status"],
            }
            for group in snapshot["diagnosis"]
            for b in group["bottlenecks"]
        ],
        "evidence": [
            {
                "id": r["evidence_id"], "number": r["number"], "kind": r["kind"],
                "title": r["title"], "source": r["source"], "url": r["url"],
                "published_on": r["published_on"],
            }
            for r in snapshot["references"]
        ],
    }  # fmt: skip
