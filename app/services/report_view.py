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
    Indicator,
    Milestone,
    Mission,
    MissionConsultant,
    Partnership,
    Recommendation,
    RecommendationBottleneck,
    Region,
    Report,
    StatusUpdate,
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
    TargetView,
)
from app.services.follow_up import indicator_progress, latest_measurements
from app.services.reminders import self_assessment_days_late
from app.services.report_changes import changes_since
from app.services.report_summary import executive_summary
from app.services.rules import is_overdue
from app.vocab import (
    CLIENT_STAGE_LABELS,
    BottleneckStatus,
    Direction,
    FrameworkCondition,
    Phase,
    Relation,
    ReportKind,
    ReportStatus,
    Response,
    Role,
    Stage,
    label,
)

PRIORITY_LABELS = {1: "High", 2: "Medium", 3: "Low"}

# The documents a client reads show what the team stands behind: confirmed bottlenecks only.
# The assessment report (staff only) shows the whole diagnosis, hypotheses and dismissed ones too.
CLIENT_BOTTLENECKS = (BottleneckStatus.CONFIRMED,)
# Evidence a finding cites in the text: what supports or frames it. What contradicts it is
# listed apart, in the assessment report only.
CITED_RELATIONS = (Relation.SUPPORTS, Relation.CONTEXT)


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
    targets: dict[int, list[TargetView]] = field(default_factory=dict)
    updates: dict[int, list[StatusUpdate]] = field(default_factory=dict)
    first_briefing: date | None = None


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
    client = kind != ReportKind.ASSESSMENT_REPORT
    # Evidence is numbered in the order the document first cites it: the indicators (context),
    # the challenges, the diagnosis, then the cards. The progress report cites nothing.
    indicators = _indicators(data, citations) if kind != ReportKind.PROGRESS_REPORT else ()
    challenges: tuple[ChallengeView, ...] = ()
    diagnosis: tuple[ConditionGroup, ...] = ()
    if kind != ReportKind.PROGRESS_REPORT:
        challenges = _challenges(data, citations, by_target)
        diagnosis = _diagnosis(data, citations, by_target, client=client)
    refs = {b.id: f"{b.ref} {b.title}" for group in diagnosis for b in group.bottlenecks}
    recommendations: tuple[RecommendationView, ...] = ()
    if kind != ReportKind.ASSESSMENT_REPORT:
        recommendations = _recommendations(data, citations, by_target, refs, kind, as_of)
    plan_from, plan_basis = _plan_from(data, as_of)
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
        key_findings=_key_findings(diagnosis),
        plan_from=plan_from,
        plan_basis=plan_basis,
    )
    changes = (
        changes_since(previous.version_number, previous.published_on, previous.snapshot, view)
        if previous
        else None
    )
    return replace(view, executive_summary=executive_summary(view), changes=changes)


def _key_findings(diagnosis: Sequence[ConditionGroup]) -> tuple[str, ...]:
    """The confirmed bottlenecks, the most severe first (then in report order)."""
    confirmed = [
        b for group in diagnosis for b in group.bottlenecks if b.status_code == "confirmed"
    ]
    confirmed.sort(key=lambda b: -b.severity)  # stable: report order among equals
    return tuple(
        f"{b.ref} {b.title} ({b.condition_label}, severity {b.severity} of 5)" for b in confirmed
    )


def _plan_from(data: _Loaded, as_of: date) -> tuple[date, str]:
    """What the action plan counts from: the engagement's first published briefing, else its
    planned end, else its planned start, else the day of this version; and that in words."""
    e = data.engagement
    if data.first_briefing:
        return data.first_briefing, "when the first version of this briefing was published"
    if e.planned_end:
        return e.planned_end, "the engagement's planned end"
    if e.planned_start:
        return e.planned_start, "the engagement's planned start"
    return as_of, "the date of this version"


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
    indicators = rows(Indicator, Indicator.id)
    latest = latest_measurements(session, [i.id for i in indicators])
    targets: dict[int, list[TargetView]] = defaultdict(list)
    for indicator in indicators:
        targets[indicator.recommendation_id].append(_target(indicator, latest.get(indicator.id)))
    updates: dict[int, list[StatusUpdate]] = defaultdict(list)
    for update in rows(StatusUpdate, StatusUpdate.as_of, StatusUpdate.id):
        updates[update.recommendation_id].append(update)
    first_briefing = session.scalar(
        select(Report.published_at)
        .where(
            Report.engagement_id == eid,
            Report.kind == ReportKind.POLICY_BRIEFING,
            Report.status == ReportStatus.PUBLISHED,
        )
        .order_by(Report.published_at)
        .limit(1)
    )
    return _Loaded(
        targets=targets,
        updates=updates,
        first_briefing=first_briefing.date() if first_briefing else None,
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
            higher_is_better=(
                None if e.indicator_direction is None else e.indicator_direction == Direction.HIGHER
            ),
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
            citations=citations.cite(
                link.evidence_id
                for link in by_target[("challenge", c.id)]
                if link.relation in CITED_RELATIONS
            ),
        )
        for c in data.challenges
    )


def _diagnosis(
    data: _Loaded,
    citations: _Citations,
    by_target: dict[tuple[str, int], list[EvidenceLink]],
    *,
    client: bool,
) -> tuple[ConditionGroup, ...]:
    """The bottlenecks by framework condition: a client document shows the confirmed ones;
    the assessment report all of them, with the evidence that contradicts each."""
    challenge_titles = {c.id: c.title for c in data.challenges}
    shown = [b for b in data.bottlenecks if not client or b.status in CLIENT_BOTTLENECKS]
    groups = []
    number = 0
    for condition in FrameworkCondition:
        views = []
        for b in (b for b in shown if b.framework_condition == condition):
            number += 1
            links = by_target[("bottleneck", b.id)]
            cited = [link.evidence_id for link in links if link.relation in CITED_RELATIONS]
            against = [link.evidence_id for link in links if link.relation == Relation.CONTRADICTS]
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
                    citations=citations.cite(cited),
                    status_code=b.status.value,
                    contradicting=() if client else citations.cite(against),
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
    as_of: date,
) -> tuple[RecommendationView, ...]:
    recs = data.recommendations
    progress = kind == ReportKind.PROGRESS_REPORT
    if progress:
        recs = [r for r in recs if r.stage == Stage.SHARED]
    recs = sorted(recs, key=lambda r: (len(r.code), r.code))
    views = []
    for r in recs:
        bottleneck_ids = data.addressed.get(r.id, [])
        own = [
            link.evidence_id
            for link in by_target[("recommendation", r.id)]
            if link.relation in CITED_RELATIONS
        ]
        # Inherited: what supports the bottlenecks the card addresses, as far as the document
        # shows them (a client document leaves hypotheses out, and what backs them).
        inherited = [
            link.evidence_id
            for b in bottleneck_ids
            if b in refs
            for link in by_target[("bottleneck", b)]
            if link.relation == Relation.SUPPORTS and link.evidence_id not in own
        ]
        own_cited = () if progress else citations.cite(own)
        inherited_cited = () if progress else citations.cite(inherited)
        view = _recommendation(r, bottleneck_ids, refs, tuple(dict.fromkeys(own + inherited)))
        view = replace(
            view,
            citations=tuple(sorted({*own_cited, *inherited_cited})),
            own_citations=own_cited,
            inherited_citations=tuple(n for n in inherited_cited if n not in own_cited),
            targets=tuple(data.targets.get(r.id, ())),
        )
        if progress:
            view = _follow_up(view, r, data.updates.get(r.id, []), data.engagement, as_of)
        views.append(view)
    return tuple(views)


def _target(indicator: Indicator, latest: tuple[float, date] | None) -> TargetView:
    _, on_track, _ = indicator_progress(indicator, latest)
    return TargetView(
        name=indicator.name,
        unit=indicator.unit,
        baseline_value=indicator.baseline_value,
        baseline_year=indicator.baseline_year,
        target_value=indicator.target_value,
        target_year=indicator.target_year,
        latest_value=latest[0] if latest else None,
        latest_on=latest[1] if latest else None,
        on_track=on_track,
    )


def _follow_up(
    view: RecommendationView,
    r: Recommendation,
    updates: Sequence[StatusUpdate],
    engagement: Engagement,
    as_of: date,
) -> RecommendationView:
    """A shared recommendation's follow-up as the progress report shows it."""
    updates = [u for u in updates if u.as_of <= as_of]
    latest = next((u for u in reversed(updates) if u.comment.strip()), None)
    shared_on = r.shared_at.date() if r.shared_at else None
    days_pending = (
        (as_of - shared_on).days if r.response == Response.PENDING and shared_on else None
    )
    return replace(
        view,
        self_assessment_label=label(r.self_assessment) if r.self_assessment else "",
        validated_label=label(r.validated_implementation) if r.validated_implementation else "",
        disagreement=r.implementation_disagreement,
        latest_comment=latest.comment.strip() if latest else "",
        latest_comment_on=latest.as_of if latest else None,
        latest_comment_by=(
            ("the client" if latest.author_role == Role.STAKEHOLDER else "the advisory team")
            if latest
            else ""
        ),
        days_pending=days_pending,
        days_overdue=self_assessment_days_late(r, updates, engagement, as_of),
    )


def _recommendation(
    r: Recommendation,
    bottleneck_ids: list[int],
    refs: dict[int, str],
    evidence_ids: tuple[int, ...],
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
        citations=(),
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
            days_overdue=(as_of - m.due_date).days if is_overdue(m, as_of) else 0,
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
