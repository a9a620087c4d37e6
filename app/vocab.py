"""Controlled vocabularies of docs/design.md: API values and their human labels."""

from enum import StrEnum


class Theme(StrEnum):
    KETS = "kets"
    DIGITALISATION = "digitalisation"
    CREATIVITY = "creativity"
    SERVICE_INNOVATION = "service_innovation"
    ENTREPRENEURSHIP = "entrepreneurship"
    RESOURCE_EFFICIENCY = "resource_efficiency"


class Objective(StrEnum):
    INDUSTRIAL_MODERNISATION = "industrial_modernisation"
    EMERGING_INDUSTRIES = "emerging_industries"
    SME_INTERNATIONALISATION = "sme_internationalisation"
    INTERREGIONAL_COLLABORATION = "interregional_collaboration"


class FrameworkCondition(StrEnum):
    KNOWLEDGE_SKILLS = "knowledge_skills"
    ACCESS_TO_FINANCE = "access_to_finance"
    COLLABORATION_INTERNATIONALISATION = "collaboration_internationalisation"
    DEMAND_CONDITIONS = "demand_conditions"
    ENTREPRENEURIAL_CONDITIONS = "entrepreneurial_conditions"
    QUALITY_OF_GOVERNANCE = "quality_of_governance"
    OTHER = "other"


class Direction(StrEnum):
    """Which way an indicator is better (statistics, issue 15)."""

    HIGHER = "higher"
    LOWER = "lower"


DIRECTION_LABELS = {Direction.HIGHER: "Higher is better", Direction.LOWER: "Lower is better"}


class SuggestionDecisionKind(StrEnum):
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class BottleneckStatus(StrEnum):
    HYPOTHESIS = "hypothesis"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class EvidenceKind(StrEnum):
    INDICATOR = "indicator"
    PUBLICATION = "publication"
    DATASET = "dataset"
    INTERVIEW = "interview"
    WORKSHOP = "workshop"
    SURVEY = "survey"
    SITE_VISIT = "site_visit"
    OTHER = "other"


class Relation(StrEnum):
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    CONTEXT = "context"


class Instrument(StrEnum):
    FUNDING = "funding"
    REGULATION = "regulation"
    GOVERNANCE = "governance"
    NETWORK = "network"
    SKILLS = "skills"
    INFRASTRUCTURE = "infrastructure"
    INTERNATIONALISATION = "internationalisation"
    OTHER = "other"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Horizon(StrEnum):
    SHORT = "short"
    MEDIUM = "medium"
    LONG = "long"


class Stage(StrEnum):
    DRAFT = "draft"
    SHARED = "shared"
    WITHDRAWN = "withdrawn"


class Response(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    NOTED = "noted"
    REJECTED = "rejected"


class Implementation(StrEnum):
    NOT_IMPLEMENTED = "not_implemented"
    SOME_RESPECTS = "some_respects"
    MOST_RESPECTS = "most_respects"
    FULLY_IMPLEMENTED = "fully_implemented"


class MissionKind(StrEnum):
    SITE_VISIT = "site_visit"
    WORKSHOP = "workshop"
    PEER_REVIEW = "peer_review"
    INTERVIEWS = "interviews"
    REMOTE_MEETING = "remote_meeting"
    DESK_RESEARCH = "desk_research"


class ReportKind(StrEnum):
    ASSESSMENT_REPORT = "assessment_report"
    POLICY_BRIEFING = "policy_briefing"
    PROGRESS_REPORT = "progress_report"


class ReportStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class PartnershipKind(StrEnum):
    ESCP_4I = "escp_4i"
    ESCP_S3 = "escp_s3"
    ESCP_4X = "escp_4x"


class EngagementKind(StrEnum):
    REGIONAL_ADVICE = "regional_advice"
    PARTNERSHIP_SUPPORT = "partnership_support"


class Phase(StrEnum):
    SCOPING = "scoping"
    DIAGNOSIS = "diagnosis"
    RECOMMENDATIONS = "recommendations"
    REPORTING = "reporting"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


# A closed or cancelled engagement is finished: nothing in it is chased any more (overdue
# milestones, pending responses, the mission clock). Every other phase is open, `on_hold`
# included. Tuples in declaration order, so that what is built from them has a stable order.
FINISHED_PHASES: tuple[Phase, ...] = (Phase.CLOSED, Phase.CANCELLED)
OPEN_PHASES: tuple[Phase, ...] = tuple(p for p in Phase if p not in FINISHED_PHASES)

# How a client document (policy briefing, progress report) names the engagement's stage: the
# client's words, not the workflow's. `on_hold` and `cancelled` are internal and have none, so
# the document says nothing about the stage (docs/report-labels.md).
CLIENT_STAGE_LABELS: dict[Phase, str] = {
    Phase.SCOPING: "Scoping",
    Phase.DIAGNOSIS: "Assessment",
    Phase.RECOMMENDATIONS: "Recommendations in preparation",
    Phase.REPORTING: "Reporting",
    Phase.FOLLOW_UP: "Implementation of the recommendations",
    Phase.CLOSED: "Completed",
}


class Role(StrEnum):
    CONSULTANT = "consultant"
    STAKEHOLDER = "stakeholder"
    MONITOR = "monitor"
    ADMIN = "admin"


# Labels for UI and PDF where the value's words, capitalised, would read wrong.
_SPECIAL_LABELS = {
    "kets": "Key enabling technologies",
    "escp_4i": "ESCP-4i (industrial modernisation)",
    "escp_s3": "ESCP-S3 (smart specialisation)",
    "escp_4x": "ESCP-4x (excellence)",
    "some_respects": "Implemented in some respects",
    "most_respects": "Implemented in most respects",
    "sme_internationalisation": "SME internationalisation",
    "knowledge_skills": "Knowledge and skills",
    "collaboration_internationalisation": "Collaboration and internationalisation",
    "follow_up": "Follow-up",
    "on_hold": "On hold",
}


def label(value: str) -> str:
    """The human label of a vocabulary value."""
    return _SPECIAL_LABELS.get(value) or value.replace("_", " ").capitalize()
