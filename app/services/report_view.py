"""Builds a report's frozen view-model: everything is loaded once, labels resolved, evidence
numbered in order of first citation. Templates never see the ORM."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.countries import country_name, country_names
from app.models import (
    Bottleneck,
    Challenge,
    Engagement,
    EngagementMember,
    EngagementObjective,
    EngagementTheme,
    Evidence,
    EvidenceLink,
    Milestone,
    Mission,
    MissionConsultant,
    Partnership,
    Recommendation,
    RecommendationBottleneck,
    Region,
    User,
)
from app.reports.viewmodel import (
    BottleneckView,
    ChallengeView,
    ClientView,
    ConditionGroup,
    EngagementView,
    IndicatorView,
    MilestoneView,
    MissionView,
    RecommendationView,
    ReferenceView,
    ReportView,
)
from app.services.report_changes import changes_since
from app.services.report_summary import executive_summary
from app.services.rules import is_overdue
from app.vocab import (
    CLIENT_STAGE_LABELS,
    BottleneckStatus,
    FrameworkCondition,
    Phase,
    Relation,
    ReportKind,
    Stage,
    label,
)

PRIORITY_LABELS = {1: "High", 2: "Medium", 3: "Low"}


@dataclass(frozen=True)
class Previous:
    """The last published version of the same kind, for "changes since version N"."""

    version_number: int
    published_on: date | None
    snapshot: dict[str, object]


@dataclass
class _Citations:
    """Numbers evidence in order of first citation; only evidence that may be shown is cited."""

    evidence: dict[int, Evidence]
    numbers: dict[int, int] = field(default_factory=dict)

    def cite(self, evidence_ids: Iterable[int]) -> tuple[int, ...]:
        cited: list[int] = []
        for evidence_id in evidence_ids:
            if evidence_id not in self.evidence:
                continue
            number = self.numbers.setdefault(evidence_id, len(self.numbers) + 1)
            if number not in cited:
                cited.append(number)
        return tuple(sorted(cited))


@dataclass
class _Loaded:
    """Everything of one engagement a report may show, loaded once."""

    engagement: Engagement
    users: dict[int, str]
    team: list[int]
    themes: list[str]
    objectives: list[str]
    challenges: list[Challenge]
    bottlenecks: list[Bottleneck]
    evidence: dict[int, Evidence]
    links: list[EvidenceLink]
    recommendations: list[Recommendation]
    addressed: dict[int, list[int]]
    missions: list[Mission]
    mission_consultants: dict[int, list[int]]
    milestones: list[Milestone]
    client: ClientView


def build_view(
    session: Session,
    engagement: Engagement,
    *,
    kind: ReportKind,
    version_number: int,
    language: str,
    author: str,
    as_of: date,
    previous: Previous | None,
) -> ReportView:
    """The view-model of a new draft of `kind` for `engagement`, as of `as_of`."""
    data = _load(session, engagement)
    citations = _Citations(data.evidence)
    by_target = _links_by_target(data.links)
    indicators = _indicators(data, citations) if kind != ReportKind.PROGRESS_REPORT else ()
    challenges: tuple[ChallengeView, ...] = ()
    diagnosis: tuple[ConditionGroup, ...] = ()
    if kind != ReportKind.PROGRESS_REPORT:
        challenges = _challenges(data, citations, by_target)
        diagnosis = _diagnosis(data, citations, by_target)
    refs = {b.id: f"{b.ref} {b.title}" for group in diagnosis for b in group.bottlenecks}
    recommendations: tuple[RecommendationView, ...] = ()
    if kind != ReportKind.ASSESSMENT_REPORT:
        recommendations = _recommendations(data, citations, by_target, refs, kind)
    if kind == ReportKind.ASSESSMENT_REPORT:
        citations.cite(sorted(data.evidence))  # the assessment lists all its evidence
    view = ReportView(
        kind=kind.value,
        kind_label=label(kind.value),
        title=f"{label(kind.value)}: {engagement.title}"[:300],
        language=language,
        version_number=version_number,
        status="draft",
        as_of=as_of,
        published_on=None,
        author=author,
        engagement=_engagement(data),
        client=data.client,
        executive_summary=(),
        indicators=indicators,
        challenges=challenges,
        diagnosis=diagnosis,
        recommendations=recommendations,
        missions=_missions(data) if kind == ReportKind.POLICY_BRIEFING else (),
        milestones=_milestones(data, as_of) if kind == ReportKind.PROGRESS_REPORT else (),
        references=_references(data, citations),
    )
    changes = (
        changes_since(previous.version_number, previous.published_on, previous.snapshot, view)
        if previous
        else None
    )
    return replace(view, executive_summary=executive_summary(view), changes=changes)


def _load(session: Session, engagement: Engagement) -> _Loaded:
    eid = engagement.id

    def rows(model: Any, *order: Any) -> list[Any]:
        stmt: Select[Any] = select(model).where(model.engagement_id == eid)
        return list(session.scalars(stmt.order_by(*order)))

    team = list(
        session.scalars(
            select(EngagementMember.user_id)
            .where(EngagementMember.engagement_id == eid)
            .order_by(EngagementMember.user_id)
        )
    )
    missions: list[Mission] = rows(Mission, Mission.start_date, Mission.id)
    mission_consultants: dict[int, list[int]] = defaultdict(list)
    for mission_id, user_id in session.execute(
        select(MissionConsultant.mission_id, MissionConsultant.user_id)
        .join(Mission, Mission.id == MissionConsultant.mission_id)
        .where(Mission.engagement_id == eid)
        .order_by(MissionConsultant.user_id)
    ):
        mission_consultants[mission_id].append(user_id)
    addressed: dict[int, list[int]] = defaultdict(list)
    for rec_id, bottleneck_id in session.execute(
        select(RecommendationBottleneck.recommendation_id, RecommendationBottleneck.bottleneck_id)
        .where(RecommendationBottleneck.engagement_id == eid)
        .order_by(RecommendationBottleneck.bottleneck_id)
    ):
        addressed[rec_id].append(bottleneck_id)
    user_ids = {*team, *(u for ids in mission_consultants.values() for u in ids)}
    if engagement.lead_consultant_id:
        user_ids.add(engagement.lead_consultant_id)
    users = {
        user_id: name
        for user_id, name in session.execute(
            select(User.id, User.full_name).where(User.id.in_(user_ids))
        )
    }
    return _Loaded(
        engagement=engagement,
        users=users,
        team=team,
        themes=[t.theme for t in rows(EngagementTheme, EngagementTheme.theme)],
        objectives=[o.objective for o in rows(EngagementObjective, EngagementObjective.objective)],
        challenges=rows(Challenge, Challenge.priority, Challenge.id),
        bottlenecks=rows(Bottleneck, Bottleneck.severity.desc(), Bottleneck.id),
        evidence={e.id: e for e in rows(Evidence, Evidence.id)},
        links=rows(EvidenceLink, EvidenceLink.id),
        recommendations=[
            r for r in rows(Recommendation, Recommendation.id) if r.stage != Stage.WITHDRAWN
        ],
        addressed=addressed,
        missions=missions,
        mission_consultants=mission_consultants,
        milestones=rows(Milestone, Milestone.due_date, Milestone.id),
        client=_client(session, engagement),
    )


def _client(session: Session, engagement: Engagement) -> ClientView:
    facts: tuple[tuple[str, str], ...]
    if engagement.region_id is not None:
        region = session.get_one(Region, engagement.region_id)
        level = "whole country" if region.nuts_level == 0 else f"NUTS {region.nuts_level}"
        facts = (
            ("NUTS code", region.nuts_code),
            ("Country", country_name(region.country_code)),
            ("Level", level),
        )
        return ClientView("region", region.nuts_code, region.name, facts, region.notes)
    assert engagement.partnership_id is not None  # the engagement CHECK guarantees one client
    escp = session.get_one(Partnership, engagement.partnership_id)
    facts = (
        ("Partnership type", label(escp.kind)),
        ("Coordinator", escp.coordinator or "—"),
        ("Sectors", ", ".join(escp.sectors) or "—"),
        ("Countries", country_names(escp.countries) or "—"),
        ("Website", escp.website or "—"),
    )
    return ClientView("partnership", escp.acronym, escp.name, facts, escp.notes)


def _links_by_target(links: Sequence[EvidenceLink]) -> dict[tuple[str, int], list[EvidenceLink]]:
    by_target: dict[tuple[str, int], list[EvidenceLink]] = defaultdict(list)
    for link in links:
        for target in ("challenge", "bottleneck", "recommendation"):
            target_id = getattr(link, f"{target}_id")
            if target_id is not None:
                by_target[(target, target_id)].append(link)
    return by_target


def _engagement(data: _Loaded) -> EngagementView:
    e = data.engagement
    lead = data.users.get(e.lead_consultant_id or 0, "")
    team = tuple(data.users[u] for u in data.team if u in data.users and u != e.lead_consultant_id)
    return EngagementView(
        id=e.id,
        reference=e.reference,
        title=e.title,
        summary=e.summary,
        kind=label(e.kind),
        phase=label(e.phase),
        themes=tuple(label(t) for t in data.themes),
        objectives=tuple(label(o) for o in data.objectives),
        planned_start=e.planned_start,
        planned_end=e.planned_end,
        lead=lead,
        team=team,
        client_stage=CLIENT_STAGE_LABELS.get(Phase(e.phase), ""),
    )


def _indicators(data: _Loaded, citations: _Citations) -> tuple[IndicatorView, ...]:
    return tuple(
        IndicatorView(
            evidence_id=e.id,
            name=e.indicator_name or e.title,
            value=e.indicator_value,
            unit=e.indicator_unit or "",
            year=e.indicator_year,
            benchmark_value=e.benchmark_value,
            benchmark_label=e.benchmark_label or "",
            citation=citations.cite([e.id])[0],
        )
        for e in data.evidence.values()
        if e.indicator_value is not None
    )


def _challenges(
    data: _Loaded, citations: _Citations, by_target: dict[tuple[str, int], list[EvidenceLink]]
) -> tuple[ChallengeView, ...]:
    return tuple(
        ChallengeView(
            id=c.id,
            title=c.title,
            description=c.description,
            priority=PRIORITY_LABELS.get(c.priority, str(c.priority)),
            citations=citations.cite(link.evidence_id for link in by_target[("challenge", c.id)]),
        )
        for c in data.challenges
    )


def _diagnosis(
    data: _Loaded, citations: _Citations, by_target: dict[tuple[str, int], list[EvidenceLink]]
) -> tuple[ConditionGroup, ...]:
    challenge_titles = {c.id: c.title for c in data.challenges}
    shown = [b for b in data.bottlenecks if b.status != BottleneckStatus.DISMISSED]
    groups = []
    number = 0
    for condition in FrameworkCondition:
        views = []
        for b in (b for b in shown if b.framework_condition == condition):
            number += 1
            linked = (link.evidence_id for link in by_target[("bottleneck", b.id)])
            views.append(
                BottleneckView(
                    id=b.id,
                    ref=f"B{number}",
                    title=b.title,
                    description=b.description,
                    framework_condition=condition.value,
                    condition_label=label(condition),
                    severity=b.severity,
                    status=label(b.status),
                    challenge=challenge_titles.get(b.challenge_id or 0, ""),
                    citations=citations.cite(linked),
                )
            )
        if views:
            groups.append(ConditionGroup(label(condition), tuple(views)))
    return tuple(groups)


def _recommendations(
    data: _Loaded,
    citations: _Citations,
    by_target: dict[tuple[str, int], list[EvidenceLink]],
    refs: dict[int, str],
    kind: ReportKind,
) -> tuple[RecommendationView, ...]:
    recs = data.recommendations
    if kind == ReportKind.PROGRESS_REPORT:
        recs = [r for r in recs if r.stage == Stage.SHARED]
    recs = sorted(recs, key=lambda r: (len(r.code), r.code))
    views = []
    for r in recs:
        bottleneck_ids = data.addressed.get(r.id, [])
        direct = [link.evidence_id for link in by_target[("recommendation", r.id)]]
        via = [
            link.evidence_id
            for b in bottleneck_ids
            for link in by_target[("bottleneck", b)]
            if link.relation == Relation.SUPPORTS
        ]
        evidence_ids = tuple(dict.fromkeys(direct + via))
        views.append(_recommendation(r, bottleneck_ids, refs, evidence_ids, citations))
    return tuple(views)


def _recommendation(
    r: Recommendation,
    bottleneck_ids: list[int],
    refs: dict[int, str],
    evidence_ids: tuple[int, ...],
    citations: _Citations,
) -> RecommendationView:
    return RecommendationView(
        id=r.id,
        code=r.code,
        title=r.title,
        description=r.description,
        benefits_costs=r.benefits_costs,
        risks=r.risks,
        responsible_actor=r.responsible_actor,
        instrument=r.instrument.value,
        instrument_label=label(r.instrument),
        priority=r.priority.value,
        priority_label=label(r.priority),
        horizon=r.horizon.value,
        horizon_label=label(r.horizon),
        stage=r.stage.value,
        shared_on=r.shared_at.date() if r.shared_at else None,
        response=r.response.value,
        response_label=label(r.response),
        implementation=r.implementation.value,
        implementation_label=label(r.implementation),
        bottleneck_ids=tuple(bottleneck_ids),
        bottleneck_refs=tuple(refs[b] for b in bottleneck_ids if b in refs),
        evidence_ids=evidence_ids,
        citations=citations.cite(evidence_ids),
    )


def _missions(data: _Loaded) -> tuple[MissionView, ...]:
    return tuple(
        MissionView(
            kind=label(m.kind),
            title=m.title,
            start_date=m.start_date,
            end_date=m.end_date,
            location=m.location,
            participants_count=m.participants_count,
            organisations=tuple(m.participant_organisations),
            consultants=tuple(
                data.users[u] for u in data.mission_consultants.get(m.id, []) if u in data.users
            ),
            summary=m.summary,
            outcomes=m.outcomes,
        )
        for m in data.missions
    )


def _milestones(data: _Loaded, as_of: date) -> tuple[MilestoneView, ...]:
    return tuple(
        MilestoneView(
            title=m.title,
            due_date=m.due_date,
            completed_on=m.completed_on,
            overdue=is_overdue(m, as_of),
        )
        for m in data.milestones
    )


def _references(data: _Loaded, citations: _Citations) -> tuple[ReferenceView, ...]:
    ordered = sorted(citations.numbers.items(), key=lambda item: item[1])
    return tuple(
        ReferenceView(
            number=number,
            evidence_id=evidence_id,
            kind=label(data.evidence[evidence_id].kind),
            title=data.evidence[evidence_id].title,
            source=data.evidence[evidence_id].source,
            url=_safe_url(data.evidence[evidence_id].url),
            published_on=data.evidence[evidence_id].published_on,
            excerpt=data.evidence[evidence_id].excerpt,
        )
        for evidence_id, number in ordered
    )


def _safe_url(url: str | None) -> str | None:
    """Only http(s) URLs reach a report (the API refuses others; this guards old data too)."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None
