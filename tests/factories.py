"""Small factory functions: `make_x(session, **overrides)` adds a valid row and flushes."""

import itertools
import string
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models import (
    Bottleneck,
    Challenge,
    Engagement,
    EngagementMember,
    Evidence,
    EvidenceLink,
    Indicator,
    Measurement,
    Milestone,
    Mission,
    Partnership,
    Recommendation,
    RecommendationBottleneck,
    Region,
    Report,
    StatusUpdate,
    User,
)
from app.vocab import (
    BottleneckStatus,
    EngagementKind,
    EvidenceKind,
    FrameworkCondition,
    Instrument,
    MissionKind,
    PartnershipKind,
    Relation,
    ReportKind,
    ReportStatus,
    Role,
)

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def _add(session: Session, obj: Any) -> Any:
    session.add(obj)
    session.flush()
    return obj


_LETTERS = string.ascii_uppercase
_ALNUM = string.digits + string.ascii_uppercase


def _nuts_code(n: int) -> str:
    """A NUTS-shaped code (two letters, three letters or digits) unique for 1.2 million calls:
    a whole suite makes more than the 10,000 that decimal digits allowed."""
    return "X" + _LETTERS[n // 36**3 % 26] + "".join(_ALNUM[n // 36**i % 36] for i in (2, 1, 0))


def make_region(session: Session, **overrides: Any) -> Region:
    n = _n()
    values: dict[str, Any] = {
        "nuts_code": _nuts_code(n),
        "name": f"Region {n}",
        "country_code": "XX",
        "nuts_level": 2,
    }
    return _add(session, Region(**(values | overrides)))


def make_partnership(session: Session, **overrides: Any) -> Partnership:
    n = _n()
    values: dict[str, Any] = {
        "acronym": f"ESCP{n}",
        "name": f"Partnership {n}",
        "kind": PartnershipKind.ESCP_4I,
        "sectors": ["packaging"],
        "countries": ["BE", "FR"],
    }
    return _add(session, Partnership(**(values | overrides)))


def make_user(session: Session, **overrides: Any) -> User:
    n = _n()
    values: dict[str, Any] = {
        "email": f"user{n}@example.org",
        "full_name": f"User {n}",
        "role": Role.CONSULTANT,
    }
    return _add(session, User(**(values | overrides)))


def make_engagement(session: Session, **overrides: Any) -> Engagement:
    """A regional-advice engagement in scoping (a region is made unless one is given)."""
    n = _n()
    values: dict[str, Any] = {
        "reference": f"ENG-{n:05d}",
        "title": f"Engagement {n}",
        "summary": "",
        "kind": EngagementKind.REGIONAL_ADVICE,
    }
    values |= overrides
    if values["kind"] == EngagementKind.REGIONAL_ADVICE and "region_id" not in values:
        values["region_id"] = make_region(session).id
    if values["kind"] == EngagementKind.PARTNERSHIP_SUPPORT and "partnership_id" not in values:
        values["partnership_id"] = make_partnership(session).id
    return _add(session, Engagement(**values))


def add_member(session: Session, engagement: Engagement, user: User) -> None:
    _add(session, EngagementMember(engagement_id=engagement.id, user_id=user.id))


def make_challenge(session: Session, engagement: Engagement, **overrides: Any) -> Challenge:
    values: dict[str, Any] = {"title": f"Challenge {_n()}", "priority": 2}
    return _add(session, Challenge(engagement_id=engagement.id, **(values | overrides)))


def make_bottleneck(session: Session, engagement: Engagement, **overrides: Any) -> Bottleneck:
    values: dict[str, Any] = {
        "title": f"Bottleneck {_n()}",
        "framework_condition": FrameworkCondition.KNOWLEDGE_SKILLS,
        "severity": 3,
        "status": BottleneckStatus.HYPOTHESIS,
    }
    return _add(session, Bottleneck(engagement_id=engagement.id, **(values | overrides)))


def make_evidence(session: Session, engagement: Engagement, **overrides: Any) -> Evidence:
    values: dict[str, Any] = {
        "kind": EvidenceKind.PUBLICATION,
        "title": f"Evidence {_n()}",
        "source": "Eurostat",
    }
    return _add(session, Evidence(engagement_id=engagement.id, **(values | overrides)))


def link_evidence(
    session: Session,
    evidence: Evidence,
    *,
    relation: Relation = Relation.SUPPORTS,
    challenge: Challenge | None = None,
    bottleneck: Bottleneck | None = None,
    recommendation: Recommendation | None = None,
) -> EvidenceLink:
    return _add(
        session,
        EvidenceLink(
            engagement_id=evidence.engagement_id,
            evidence_id=evidence.id,
            relation=relation,
            challenge_id=challenge.id if challenge else None,
            bottleneck_id=bottleneck.id if bottleneck else None,
            recommendation_id=recommendation.id if recommendation else None,
        ),
    )


def make_recommendation(
    session: Session,
    engagement: Engagement,
    *,
    bottlenecks: list[Bottleneck] = (),  # type: ignore[assignment]
    **overrides: Any,
) -> Recommendation:
    n = _n()
    values: dict[str, Any] = {
        "code": f"R{n}",
        "title": f"Recommendation {n}",
        "instrument": Instrument.GOVERNANCE,
        "responsible_actor": "Regional ministry",
    }
    rec = _add(session, Recommendation(engagement_id=engagement.id, **(values | overrides)))
    for b in bottlenecks:
        _add(
            session,
            RecommendationBottleneck(
                engagement_id=engagement.id, recommendation_id=rec.id, bottleneck_id=b.id
            ),
        )
    return rec


def make_mission(session: Session, engagement: Engagement, **overrides: Any) -> Mission:
    values: dict[str, Any] = {
        "kind": MissionKind.SITE_VISIT,
        "title": f"Mission {_n()}",
        "start_date": date(2019, 3, 1),
    }
    return _add(session, Mission(engagement_id=engagement.id, **(values | overrides)))


def make_milestone(session: Session, engagement: Engagement, **overrides: Any) -> Milestone:
    values: dict[str, Any] = {"title": f"Milestone {_n()}", "due_date": date(2019, 6, 30)}
    return _add(session, Milestone(engagement_id=engagement.id, **(values | overrides)))


def make_report(session: Session, engagement: Engagement, **overrides: Any) -> Report:
    """A stored report row (no real PDF: rendering arrives with issue #4)."""
    values: dict[str, Any] = {
        "kind": ReportKind.POLICY_BRIEFING,
        "version_number": 1,
        "status": ReportStatus.DRAFT,
        "title": "Policy briefing",
        "sha256": "0" * 64,
        "size_bytes": 0,
        "page_count": 0,
        "pdf": b"",
        "snapshot": {},
    }
    values |= overrides
    if values["status"] == ReportStatus.PUBLISHED and "published_at" not in values:
        values["published_at"] = datetime.now(UTC)
    return _add(session, Report(engagement_id=engagement.id, **values))


def make_status_update(
    session: Session, recommendation: Recommendation, author: User, **overrides: Any
) -> StatusUpdate:
    """A follow-up update row as such: the recommendation's derived status is not recomputed
    (the API does that; app.services.follow_up.derive_status on demand)."""
    values: dict[str, Any] = {
        "response": "accepted",
        "comment": f"Update {_n()}",
        "as_of": date(2020, 1, 15),
        "author_role": author.role,
    }
    return _add(
        session,
        StatusUpdate(
            engagement_id=recommendation.engagement_id,
            recommendation_id=recommendation.id,
            author_id=author.id,
            **(values | overrides),
        ),
    )


def make_indicator(session: Session, recommendation: Recommendation, **overrides: Any) -> Indicator:
    values: dict[str, Any] = {
        "name": f"Indicator {_n()}",
        "unit": "firms",
        "baseline_value": 100.0,
        "baseline_year": 2018,
        "target_value": 200.0,
        "target_year": 2022,
    }
    return _add(
        session,
        Indicator(
            engagement_id=recommendation.engagement_id,
            recommendation_id=recommendation.id,
            **(values | overrides),
        ),
    )


def make_measurement(
    session: Session, indicator: Indicator, author: User, **overrides: Any
) -> Measurement:
    values: dict[str, Any] = {
        "value": 150.0,
        "measured_on": date(2020, 6, 30),
        "author_role": author.role,
    }
    return _add(
        session,
        Measurement(
            engagement_id=indicator.engagement_id,
            indicator_id=indicator.id,
            author_id=author.id,
            **(values | overrides),
        ),
    )


def make_briefable_engagement(session: Session, **overrides: Any) -> Engagement:
    """An engagement with one recommendation: enough for a policy briefing (a briefing with
    none is refused, app/services/reports.py's check_has_content)."""
    engagement = make_engagement(session, **overrides)
    make_recommendation(session, engagement)
    return engagement
