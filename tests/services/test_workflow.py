"""Workflow service: the transition table, every gate both ways, warnings, query counts."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Engagement, PhaseChange
from app.services import workflow
from app.services.errors import InvalidInput, InvalidTransition, TransitionBlocked
from app.vocab import BottleneckStatus, Phase, Relation, ReportKind, ReportStatus, Response, Stage
from tests.conftest import StatementCounter
from tests.factories import (
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_milestone,
    make_mission,
    make_recommendation,
    make_report,
)

OPEN = [Phase.SCOPING, Phase.DIAGNOSIS, Phase.RECOMMENDATIONS, Phase.REPORTING, Phase.FOLLOW_UP]


def _codes(problems: list) -> list[str]:
    return [p.code for p in problems]


def _blocking(db: Session, engagement: Engagement, to: Phase) -> list[str]:
    return _codes(workflow.blocking_problems(db, engagement, to))


def _warnings(db: Session, engagement: Engagement, to: Phase) -> list[str]:
    result = workflow.readiness(db, engagement, to)
    return [p.code for p in result.problems if p.severity == "warning"]


def _supported_bottleneck(db: Session, engagement: Engagement, **overrides: object):
    bottleneck = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED, **overrides)
    link_evidence(db, make_evidence(db, engagement), bottleneck=bottleneck)
    return bottleneck


# --- The table ---------------------------------------------------------------------------------


def test_every_forward_step_is_one_step_and_gated() -> None:
    forward = {k: r for k, r in workflow.TRANSITIONS.items() if r.step is workflow.Step.FORWARD}
    main = list(workflow.MAIN_LINE)
    assert set(forward) == set(itertools.pairwise(main))
    assert all(rule.gate is not None for rule in forward.values())


@pytest.mark.parametrize("phase", OPEN)
def test_open_phase_may_pause_and_cancel(db: Session, phase: Phase) -> None:
    engagement = make_engagement(db, phase=phase)
    targets = workflow.allowed_targets(engagement)
    assert Phase.ON_HOLD in targets and Phase.CANCELLED in targets


@pytest.mark.parametrize("left", OPEN)
def test_hold_resumes_only_to_the_phase_it_left(db: Session, left: Phase) -> None:
    engagement = make_engagement(db, phase=Phase.ON_HOLD, phase_before_hold=left)
    assert set(workflow.allowed_targets(engagement)) == {left, Phase.CANCELLED}


def test_closed_only_reopens_and_cancelled_goes_nowhere(db: Session) -> None:
    closed = make_engagement(db, phase=Phase.CLOSED)
    assert set(workflow.allowed_targets(closed)) == {Phase.FOLLOW_UP}
    cancelled = make_engagement(db, phase=Phase.CANCELLED)
    assert workflow.allowed_targets(cancelled) == {}


def test_skipping_forward_is_an_invalid_transition_problem(db: Session) -> None:
    engagement = make_engagement(db)
    problems = workflow.blocking_problems(db, engagement, Phase.RECOMMENDATIONS)
    assert _codes(problems) == ["invalid_transition"]
    assert "scoping" in problems[0].message and "recommendations" in problems[0].message
    with pytest.raises(InvalidTransition):
        workflow.transition(db, engagement, to=Phase.RECOMMENDATIONS, note="", actor_id=None)


# --- Gates -------------------------------------------------------------------------------------


def test_diagnosis_needs_a_challenge(db: Session) -> None:
    engagement = make_engagement(db)
    assert _blocking(db, engagement, Phase.DIAGNOSIS) == ["no_challenge"]
    make_challenge(db, engagement)
    assert _blocking(db, engagement, Phase.DIAGNOSIS) == []


def test_another_engagements_challenge_does_not_count(db: Session) -> None:
    engagement = make_engagement(db)
    make_challenge(db, make_engagement(db))
    assert _blocking(db, engagement, Phase.DIAGNOSIS) == ["no_challenge"]


def test_recommendations_need_a_confirmed_bottleneck(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.DIAGNOSIS)
    make_bottleneck(db, engagement)  # a hypothesis does not count
    make_bottleneck(db, engagement, status=BottleneckStatus.DISMISSED)
    assert _blocking(db, engagement, Phase.RECOMMENDATIONS) == ["no_confirmed_bottleneck"]
    _supported_bottleneck(db, engagement)
    assert _blocking(db, engagement, Phase.RECOMMENDATIONS) == []


def test_every_unsupported_confirmed_bottleneck_is_reported(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.DIAGNOSIS)
    first = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED)
    second = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED)
    # Evidence that contradicts or only gives context is no support.
    link_evidence(db, make_evidence(db, engagement), bottleneck=second, relation=Relation.CONTEXT)
    _supported_bottleneck(db, engagement)
    problems = workflow.blocking_problems(db, engagement, Phase.RECOMMENDATIONS)
    assert _codes(problems) == ["bottleneck_without_supporting_evidence"] * 2
    assert [(p.entity_type, p.entity_id) for p in problems] == [
        ("bottleneck", first.id),
        ("bottleneck", second.id),
    ]
    for bottleneck in (first, second):
        link_evidence(db, make_evidence(db, engagement), bottleneck=bottleneck)
    assert _blocking(db, engagement, Phase.RECOMMENDATIONS) == []


def test_reporting_needs_a_live_recommendation(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.RECOMMENDATIONS)
    bottleneck = _supported_bottleneck(db, engagement)
    make_recommendation(db, engagement, bottlenecks=[bottleneck], stage=Stage.WITHDRAWN)
    assert _blocking(db, engagement, Phase.REPORTING) == ["no_recommendation"]
    make_recommendation(db, engagement, bottlenecks=[bottleneck])
    assert _blocking(db, engagement, Phase.REPORTING) == []


def test_reporting_lists_every_incomplete_recommendation(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.RECOMMENDATIONS)
    bottleneck = _supported_bottleneck(db, engagement)
    bare = make_recommendation(db, engagement, responsible_actor="  ")
    no_actor = make_recommendation(db, engagement, bottlenecks=[bottleneck], responsible_actor="")
    make_recommendation(db, engagement, bottlenecks=[bottleneck])
    make_recommendation(db, engagement, stage=Stage.WITHDRAWN, responsible_actor="")
    problems = workflow.blocking_problems(db, engagement, Phase.REPORTING)
    assert [(p.code, p.entity_id) for p in problems] == [
        ("recommendation_without_bottleneck", bare.id),
        ("recommendation_without_actor", bare.id),
        ("recommendation_without_actor", no_actor.id),
    ]


def test_follow_up_needs_a_published_policy_briefing(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.REPORTING)
    make_report(db, engagement)  # a draft briefing
    make_report(db, engagement, kind=ReportKind.ASSESSMENT_REPORT, status=ReportStatus.PUBLISHED)
    assert _blocking(db, engagement, Phase.FOLLOW_UP) == ["no_published_policy_briefing"]
    make_report(db, engagement, version_number=2, status=ReportStatus.PUBLISHED)
    assert _blocking(db, engagement, Phase.FOLLOW_UP) == []


def test_closing_needs_a_response_to_every_shared_recommendation(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.FOLLOW_UP)
    pending = make_recommendation(db, engagement, stage=Stage.SHARED)
    make_recommendation(db, engagement, stage=Stage.SHARED, response=Response.REJECTED)
    make_recommendation(db, engagement)  # a draft awaits nobody's response
    problems = workflow.blocking_problems(db, engagement, Phase.CLOSED)
    assert [(p.code, p.entity_id) for p in problems] == [
        ("recommendation_response_pending", pending.id)
    ]
    pending.response = Response.NOTED
    db.flush()
    assert _blocking(db, engagement, Phase.CLOSED) == []


# --- Warnings ----------------------------------------------------------------------------------


def test_general_warnings_point_at_the_offending_items(db: Session) -> None:
    engagement = make_engagement(db)
    make_challenge(db, engagement)
    evidence = make_evidence(db, engagement, source=" ")
    make_evidence(db, engagement)
    bottleneck = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED)
    make_recommendation(db, engagement, bottlenecks=[bottleneck], stage=Stage.WITHDRAWN)
    late = make_milestone(db, engagement)
    make_milestone(db, engagement, completed_on=late.due_date)
    make_milestone(db, engagement, due_date=datetime.now(UTC).date() + timedelta(days=30))
    result = workflow.readiness(db, engagement, Phase.DIAGNOSIS)
    assert result.ready is True
    assert [(p.severity, p.code, p.entity_type, p.entity_id) for p in result.problems] == [
        ("warning", "evidence_without_source", "evidence", evidence.id),
        ("warning", "no_mission", "engagement", engagement.id),
        ("warning", "bottleneck_not_addressed", "bottleneck", bottleneck.id),
        ("warning", "milestone_overdue", "milestone", late.id),
    ]


def test_no_warnings_for_a_tidy_engagement(db: Session) -> None:
    engagement = make_engagement(db)
    make_challenge(db, engagement)
    make_mission(db, engagement)
    bottleneck = _supported_bottleneck(db, engagement)
    make_recommendation(db, engagement, bottlenecks=[bottleneck])
    assert workflow.readiness(db, engagement, Phase.DIAGNOSIS).problems == []


def test_hypotheses_warn_only_when_going_to_recommendations(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.DIAGNOSIS)
    make_mission(db, engagement)
    _supported_bottleneck(db, engagement)
    hypothesis = make_bottleneck(db, engagement)
    result = workflow.readiness(db, engagement, Phase.RECOMMENDATIONS)
    assert result.ready is True
    warned = [(p.code, p.entity_id) for p in result.problems]
    assert ("bottleneck_still_hypothesis", hypothesis.id) in warned
    assert "bottleneck_still_hypothesis" not in _warnings(db, engagement, Phase.SCOPING)


def test_unlinked_recommendations_warn_when_going_to_reporting(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.RECOMMENDATIONS)
    make_mission(db, engagement)
    bottleneck = _supported_bottleneck(db, engagement)
    unlinked = make_recommendation(db, engagement, bottlenecks=[bottleneck])
    linked = make_recommendation(db, engagement, bottlenecks=[bottleneck])
    link_evidence(db, make_evidence(db, engagement), recommendation=linked)
    result = workflow.readiness(db, engagement, Phase.REPORTING)
    assert result.ready is True
    assert [(p.code, p.entity_id) for p in result.problems] == [
        ("recommendation_without_evidence", unlinked.id)
    ]


def test_a_step_back_warns_that_a_note_is_needed(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.DIAGNOSIS)
    make_mission(db, engagement)
    result = workflow.readiness(db, engagement, Phase.SCOPING)
    assert result.ready is True
    assert _codes(result.problems) == ["note_required"]


def test_checks_use_a_fixed_number_of_queries(
    db: Session, sql_statements: StatementCounter
) -> None:
    def statements_for(size: int) -> int:
        engagement = make_engagement(db, phase=Phase.RECOMMENDATIONS)
        for _ in range(size):
            bottleneck = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED)
            make_recommendation(db, engagement, bottlenecks=[bottleneck], responsible_actor="")
            make_evidence(db, engagement, source="")
            make_milestone(db, engagement)
        before = sql_statements.count
        result = workflow.readiness(db, engagement, Phase.REPORTING)
        assert len(result.problems) >= 4 * size
        return sql_statements.count - before

    assert statements_for(1) == statements_for(6) <= 7


# --- Transitions -------------------------------------------------------------------------------


def test_transition_moves_and_records_the_step(db: Session) -> None:
    engagement = make_engagement(db)
    make_challenge(db, engagement)
    change = workflow.transition(db, engagement, to=Phase.DIAGNOSIS, note="go", actor_id=None)
    assert engagement.phase == Phase.DIAGNOSIS and engagement.version == 2
    stored = db.scalars(select(PhaseChange).where(PhaseChange.engagement_id == engagement.id))
    assert [(c.id, c.from_phase, c.to_phase, c.note) for c in stored] == [
        (change.id, Phase.SCOPING, Phase.DIAGNOSIS, "go")
    ]


def test_hold_remembers_the_phase_and_resuming_forgets_it(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.REPORTING)
    workflow.transition(db, engagement, to=Phase.ON_HOLD, note="", actor_id=None)
    assert (engagement.phase, engagement.phase_before_hold) == (Phase.ON_HOLD, Phase.REPORTING)
    # Resuming is not a forward step: the gates were passed on the way in.
    workflow.transition(db, engagement, to=Phase.REPORTING, note="", actor_id=None)
    assert (engagement.phase, engagement.phase_before_hold) == (Phase.REPORTING, None)


def test_cancelling_a_paused_engagement_clears_the_remembered_phase(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.ON_HOLD, phase_before_hold=Phase.DIAGNOSIS)
    workflow.transition(db, engagement, to=Phase.CANCELLED, note="", actor_id=None)
    assert (engagement.phase, engagement.phase_before_hold) == (Phase.CANCELLED, None)


def test_step_back_without_a_note_is_invalid_input(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.DIAGNOSIS)
    with pytest.raises(InvalidInput) as raised:
        workflow.transition(db, engagement, to=Phase.SCOPING, note="  ", actor_id=None)
    assert raised.value.extra["fields"][0]["loc"] == ["body", "note"]
    assert engagement.phase == Phase.DIAGNOSIS


def test_blocked_transition_carries_every_problem_and_changes_nothing(db: Session) -> None:
    engagement = make_engagement(db, phase=Phase.FOLLOW_UP)
    first = make_recommendation(db, engagement, stage=Stage.SHARED)
    second = make_recommendation(db, engagement, stage=Stage.SHARED)
    with pytest.raises(TransitionBlocked) as raised:
        workflow.transition(db, engagement, to=Phase.CLOSED, note="", actor_id=None)
    problems = raised.value.extra["problems"]
    assert [p["entity_id"] for p in problems] == [first.id, second.id]
    assert all(p["severity"] == "blocking" for p in problems)
    assert engagement.phase == Phase.FOLLOW_UP and engagement.version == 1
    assert (
        db.scalars(select(PhaseChange).where(PhaseChange.engagement_id == engagement.id)).all()
        == []
    )
