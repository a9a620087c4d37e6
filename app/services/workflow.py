"""The engagement workflow: which phase may follow which, the gates on forward steps, the
readiness check and the phase history.

The state machine is data: TRANSITIONS lists every allowed (from, to) pair with its kind of step
and, for forward steps, its gate. A gate takes the session and the engagement and returns every
unmet condition as a blocking problem, in a fixed number of queries whatever the engagement's size.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from app import clock
from app.models import (
    Bottleneck,
    Challenge,
    Engagement,
    Evidence,
    EvidenceLink,
    Milestone,
    Mission,
    PhaseChange,
    Recommendation,
    RecommendationBottleneck,
    Report,
)
from app.schemas.common import Problem
from app.schemas.workflow import ReadinessRead
from app.services.common import paginate
from app.services.errors import InvalidInput, InvalidTransition, TransitionBlocked
from app.services.rules import overdue_condition
from app.vocab import (
    OPEN_PHASES,
    BottleneckStatus,
    Phase,
    Relation,
    ReportKind,
    ReportStatus,
    Response,
    Stage,
)

Check = Callable[[Session, Engagement], list[Problem]]


def _problem(severity: str, code: str, message: str, entity_type: str, entity_id: int) -> Problem:
    return Problem(
        severity=severity, code=code, message=message, entity_type=entity_type, entity_id=entity_id
    )


def _blocking(code: str, message: str, entity_type: str, entity_id: int) -> Problem:
    return _problem("blocking", code, message, entity_type, entity_id)


def _warning(code: str, message: str, entity_type: str, entity_id: int) -> Problem:
    return _problem("warning", code, message, entity_type, entity_id)


def _warn_each(
    rows: Iterable[tuple[int, str]], code: str, entity_type: str, text: str
) -> list[Problem]:
    """A warning per (id, name) row; `text` has one {} for the name."""
    return [_warning(code, text.format(name), entity_type, id_) for id_, name in rows]


# --- Gates: the conditions a forward step requires --------------------------------------------


def _needs_challenge(session: Session, engagement: Engagement) -> list[Problem]:
    found = session.scalar(select(exists().where(Challenge.engagement_id == engagement.id)))
    if found:
        return []
    message = "Diagnosis needs at least one challenge"
    return [_blocking("no_challenge", message, "engagement", engagement.id)]


def _needs_supported_bottlenecks(session: Session, engagement: Engagement) -> list[Problem]:
    supported = exists().where(
        EvidenceLink.bottleneck_id == Bottleneck.id, EvidenceLink.relation == Relation.SUPPORTS
    )
    rows = session.execute(
        select(Bottleneck.id, Bottleneck.title, supported)
        .where(
            Bottleneck.engagement_id == engagement.id,
            Bottleneck.status == BottleneckStatus.CONFIRMED,
        )
        .order_by(Bottleneck.id)
    ).all()
    if not rows:
        message = "Recommendations need at least one confirmed bottleneck"
        return [_blocking("no_confirmed_bottleneck", message, "engagement", engagement.id)]
    return [
        _blocking(
            "bottleneck_without_supporting_evidence",
            f"Confirmed bottleneck {title!r} has no supporting evidence",
            "bottleneck",
            bottleneck_id,
        )
        for bottleneck_id, title, has_support in rows
        if not has_support
    ]


def _needs_complete_recommendations(session: Session, engagement: Engagement) -> list[Problem]:
    addresses = exists().where(RecommendationBottleneck.recommendation_id == Recommendation.id)
    rows = session.execute(
        select(Recommendation.id, Recommendation.code, Recommendation.responsible_actor, addresses)
        .where(
            Recommendation.engagement_id == engagement.id,
            Recommendation.stage != Stage.WITHDRAWN,
        )
        .order_by(Recommendation.id)
    ).all()
    if not rows:
        message = "Reporting needs at least one recommendation that is not withdrawn"
        return [_blocking("no_recommendation", message, "engagement", engagement.id)]
    problems = []
    for rec_id, code, actor, addresses_any in rows:
        if not addresses_any:
            message = f"Recommendation {code} addresses no bottleneck"
            problems.append(
                _blocking("recommendation_without_bottleneck", message, "recommendation", rec_id)
            )
        if not actor.strip():
            message = f"Recommendation {code} names no responsible actor"
            problems.append(
                _blocking("recommendation_without_actor", message, "recommendation", rec_id)
            )
    return problems


def _needs_published_briefing(session: Session, engagement: Engagement) -> list[Problem]:
    found = session.scalar(
        select(
            exists().where(
                Report.engagement_id == engagement.id,
                Report.kind == ReportKind.POLICY_BRIEFING,
                Report.status == ReportStatus.PUBLISHED,
            )
        )
    )
    if found:
        return []
    message = "Follow-up needs a published policy briefing"
    return [_blocking("no_published_policy_briefing", message, "engagement", engagement.id)]


def _needs_responses(session: Session, engagement: Engagement) -> list[Problem]:
    rows = session.execute(
        select(Recommendation.id, Recommendation.code)
        .where(
            Recommendation.engagement_id == engagement.id,
            Recommendation.stage == Stage.SHARED,
            Recommendation.response == Response.PENDING,
        )
        .order_by(Recommendation.id)
    ).all()
    return [
        _blocking(
            "recommendation_response_pending",
            f"Shared recommendation {code} still awaits the client's response",
            "recommendation",
            rec_id,
        )
        for rec_id, code in rows
    ]


# --- The transition table ---------------------------------------------------------------------


class Step(StrEnum):
    FORWARD = "forward"
    BACK = "back"
    HOLD = "hold"
    RESUME = "resume"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Rule:
    step: Step
    gate: Check | None = None

    @property
    def needs_note(self) -> bool:
        """A step back undoes agreed work, so it must say why."""
        return self.step is Step.BACK


P = Phase
MAIN_LINE = (P.SCOPING, P.DIAGNOSIS, P.RECOMMENDATIONS, P.REPORTING, P.FOLLOW_UP, P.CLOSED)
# The open phases but on_hold: the steps of the main line where work is under way.
WORKING_PHASES = tuple(phase for phase in OPEN_PHASES if phase is not P.ON_HOLD)

TRANSITIONS: dict[tuple[Phase, Phase], Rule] = {
    (P.SCOPING, P.DIAGNOSIS): Rule(Step.FORWARD, _needs_challenge),
    (P.DIAGNOSIS, P.RECOMMENDATIONS): Rule(Step.FORWARD, _needs_supported_bottlenecks),
    (P.RECOMMENDATIONS, P.REPORTING): Rule(Step.FORWARD, _needs_complete_recommendations),
    (P.REPORTING, P.FOLLOW_UP): Rule(Step.FORWARD, _needs_published_briefing),
    (P.FOLLOW_UP, P.CLOSED): Rule(Step.FORWARD, _needs_responses),
    (P.DIAGNOSIS, P.SCOPING): Rule(Step.BACK),
    (P.RECOMMENDATIONS, P.DIAGNOSIS): Rule(Step.BACK),
    (P.REPORTING, P.RECOMMENDATIONS): Rule(Step.BACK),
    (P.FOLLOW_UP, P.REPORTING): Rule(Step.BACK),
    (P.CLOSED, P.FOLLOW_UP): Rule(Step.BACK),  # reopening
    # A working phase may pause; a pause resumes only to the phase it left (see allowed_targets);
    # any open phase may be cancelled.
    **{(phase, P.ON_HOLD): Rule(Step.HOLD) for phase in WORKING_PHASES},
    **{(P.ON_HOLD, phase): Rule(Step.RESUME) for phase in WORKING_PHASES},
    **{(phase, P.CANCELLED): Rule(Step.CANCEL) for phase in OPEN_PHASES},
}


def allowed_targets(engagement: Engagement) -> dict[Phase, Rule]:
    """The phases the engagement may move to now, with the rule of each step."""
    return {
        to: rule
        for (from_phase, to), rule in TRANSITIONS.items()
        if from_phase == engagement.phase
        and (rule.step is not Step.RESUME or to == engagement.phase_before_hold)
    }


def _not_allowed_message(engagement: Engagement, to: Phase) -> str:
    targets = ", ".join(allowed_targets(engagement)) or "none (the phase is final)"
    return (
        f"An engagement in phase {engagement.phase} cannot move to {to}; allowed targets: {targets}"
    )


def blocking_problems(session: Session, engagement: Engagement, to: Phase) -> list[Problem]:
    """Every condition that stops the engagement from moving to `to` now (empty: it may)."""
    rule = allowed_targets(engagement).get(to)
    if rule is None:
        message = _not_allowed_message(engagement, to)
        return [_blocking("invalid_transition", message, "engagement", engagement.id)]
    return rule.gate(session, engagement) if rule.gate else []


# --- Warnings: worth knowing before a step, never blocking ------------------------------------


def _evidence_without_source(session: Session, engagement: Engagement) -> list[Problem]:
    rows = session.execute(
        select(Evidence.id, Evidence.title)
        .where(Evidence.engagement_id == engagement.id, func.trim(Evidence.source) == "")
        .order_by(Evidence.id)
    ).all()
    return _warn_each(rows, "evidence_without_source", "evidence", "Evidence {!r} names no source")


def _no_mission(session: Session, engagement: Engagement) -> list[Problem]:
    found = session.scalar(select(exists().where(Mission.engagement_id == engagement.id)))
    if found:
        return []
    message = "No advisory mission has been logged for this engagement"
    return [_warning("no_mission", message, "engagement", engagement.id)]


def _unaddressed_bottlenecks(session: Session, engagement: Engagement) -> list[Problem]:
    # A withdrawn recommendation no longer addresses anything.
    addressed = exists().where(
        RecommendationBottleneck.bottleneck_id == Bottleneck.id,
        RecommendationBottleneck.recommendation_id == Recommendation.id,
        Recommendation.stage != Stage.WITHDRAWN,
    )
    rows = session.execute(
        select(Bottleneck.id, Bottleneck.title)
        .where(
            Bottleneck.engagement_id == engagement.id,
            Bottleneck.status == BottleneckStatus.CONFIRMED,
            ~addressed,
        )
        .order_by(Bottleneck.id)
    ).all()
    text = "No recommendation addresses confirmed bottleneck {!r}"
    return _warn_each(rows, "bottleneck_not_addressed", "bottleneck", text)


def _overdue_milestones(session: Session, engagement: Engagement) -> list[Problem]:
    rows = session.execute(
        select(Milestone.id, Milestone.title, Milestone.due_date)
        .where(Milestone.engagement_id == engagement.id, overdue_condition(clock.today()))
        .order_by(Milestone.due_date, Milestone.id)
    ).all()
    return [
        _warning("milestone_overdue", f"Milestone {title!r} was due on {due}", "milestone", id_)
        for id_, title, due in rows
    ]


def _hypothesis_bottlenecks(session: Session, engagement: Engagement) -> list[Problem]:
    rows = session.execute(
        select(Bottleneck.id, Bottleneck.title)
        .where(
            Bottleneck.engagement_id == engagement.id,
            Bottleneck.status == BottleneckStatus.HYPOTHESIS,
        )
        .order_by(Bottleneck.id)
    ).all()
    text = "Bottleneck {!r} is still a hypothesis"
    return _warn_each(rows, "bottleneck_still_hypothesis", "bottleneck", text)


def _recommendations_without_evidence(session: Session, engagement: Engagement) -> list[Problem]:
    linked = exists().where(EvidenceLink.recommendation_id == Recommendation.id)
    rows = session.execute(
        select(Recommendation.id, Recommendation.code)
        .where(
            Recommendation.engagement_id == engagement.id,
            Recommendation.stage != Stage.WITHDRAWN,
            ~linked,
        )
        .order_by(Recommendation.id)
    ).all()
    text = "Recommendation {} has no evidence linked"
    return _warn_each(rows, "recommendation_without_evidence", "recommendation", text)


GENERAL_WARNINGS: tuple[Check, ...] = (
    _evidence_without_source,
    _no_mission,
    _unaddressed_bottlenecks,
    _overdue_milestones,
)
TARGET_WARNINGS: dict[Phase, tuple[Check, ...]] = {
    P.RECOMMENDATIONS: (_hypothesis_bottlenecks,),
    P.REPORTING: (_recommendations_without_evidence,),
}


def _note_warning(engagement: Engagement, to: Phase) -> list[Problem]:
    rule = allowed_targets(engagement).get(to)
    if rule is None or not rule.needs_note:
        return []
    message = f"Going back from {engagement.phase} to {to} needs a note saying why"
    return [_warning("note_required", message, "engagement", engagement.id)]


# --- Operations --------------------------------------------------------------------------------


def readiness(session: Session, engagement: Engagement, to: Phase) -> ReadinessRead:
    """Whether the engagement may move to `to` now: the transition's blocking problems, plus
    warnings that never block."""
    problems = blocking_problems(session, engagement, to)
    ready = not problems
    problems += _note_warning(engagement, to)
    for check in (*GENERAL_WARNINGS, *TARGET_WARNINGS.get(to, ())):
        problems += check(session, engagement)
    return ReadinessRead(ready=ready, problems=problems)


def transition(
    session: Session, engagement: Engagement, *, to: Phase, note: str, actor_id: int | None
) -> PhaseChange:
    """Move the engagement to `to` and record the step; InvalidTransition, InvalidInput (a step
    back without a note) or TransitionBlocked (every unmet condition) change nothing."""
    rule = allowed_targets(engagement).get(to)
    if rule is None:
        raise InvalidTransition(_not_allowed_message(engagement, to))
    if rule.needs_note and not note.strip():
        raise InvalidInput(
            f"Going back from {engagement.phase} to {to} needs a note saying why",
            loc=["body", "note"],
        )
    problems = rule.gate(session, engagement) if rule.gate else []
    if problems:
        raise TransitionBlocked(
            f"The engagement cannot move from {engagement.phase} to {to}: "
            f"{len(problems)} condition(s) unmet",
            problems=[p.model_dump() for p in problems],
        )
    change = PhaseChange(
        engagement_id=engagement.id,
        from_phase=engagement.phase,
        to_phase=to,
        note=note,
        actor_id=actor_id,
    )
    engagement.phase_before_hold = engagement.phase if to == P.ON_HOLD else None
    engagement.phase = to
    session.add(change)
    session.flush()
    return change


def history(
    session: Session, engagement: Engagement, *, limit: int, offset: int
) -> tuple[Sequence[PhaseChange], int]:
    """The engagement's phase changes, oldest first."""
    stmt = (
        select(PhaseChange)
        .where(PhaseChange.engagement_id == engagement.id)
        .order_by(PhaseChange.id)
    )
    return paginate(session, stmt, limit=limit, offset=offset)
