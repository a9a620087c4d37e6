"""All models, imported here so that Alembic and the mappers see every table."""

from app.models.audit import AuditEntry, LoginFailure
from app.models.base import Base
from app.models.change_log import ListChange, PortfolioChange
from app.models.diagnosis import Bottleneck, Challenge
from app.models.engagement import (
    Engagement,
    EngagementMember,
    EngagementObjective,
    EngagementTheme,
    Milestone,
    PhaseChange,
)
from app.models.evidence import Evidence, EvidenceLink
from app.models.follow_up import Indicator, Measurement, StatusUpdate
from app.models.mission import Mission, MissionConsultant
from app.models.recommendation import Recommendation, RecommendationBottleneck
from app.models.reference import Partnership, Region
from app.models.report import Report
from app.models.statistics import (
    Dataset,
    EvidenceObservation,
    Observation,
    StatIndicator,
    SuggestionDecision,
)
from app.models.user import User
from app.models.web_session import WebSession

__all__ = [
    "AuditEntry",
    "Base",
    "Bottleneck",
    "Challenge",
    "Dataset",
    "Engagement",
    "EngagementMember",
    "EngagementObjective",
    "EngagementTheme",
    "Evidence",
    "EvidenceLink",
    "EvidenceObservation",
    "Indicator",
    "ListChange",
    "LoginFailure",
    "Measurement",
    "Milestone",
    "Mission",
    "MissionConsultant",
    "Observation",
    "Partnership",
    "PhaseChange",
    "PortfolioChange",
    "Recommendation",
    "RecommendationBottleneck",
    "Region",
    "Report",
    "StatIndicator",
    "StatusUpdate",
    "SuggestionDecision",
    "User",
    "WebSession",
]
