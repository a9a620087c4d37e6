"""The dated part of a demo engagement (app/seed/demo.py): its missions and milestones,
and for an engagement in `follow_up`, how it got there and what happened since, made the way
the API makes it. The policy briefing is rendered, stored as a draft and published by
app/services/reports.py (which shares its recommendations); the step to `follow_up` goes
through the workflow and its gate; updates, indicators and measurements go through
app/services/follow_up.py, so each recommendation's derived status is exactly what the API
would show, and the audit trail records every row. Flushes, never commits."""

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Engagement,
    Milestone,
    Mission,
    MissionConsultant,
    Recommendation,
    Report,
    User,
)
from app.reports.render import RenderedPdf
from app.reports.viewmodel import ReportView
from app.schemas.follow_up import IndicatorCreate, MeasurementCreate, StatusUpdateCreate
from app.seed.demo_data.specs import (
    BriefingSpec,
    EngagementSpec,
    FollowUpSpec,
    MissionSpec,
    Step,
    instant,
    resolve,
)
from app.services import follow_up, reports, workflow
from app.vocab import Phase, ReportKind

Renderer = Callable[[ReportView], RenderedPdf]


def add_timeline(
    session: Session,
    engagement: Engagement,
    spec: EngagementSpec,
    *,
    consultants: Mapping[str, int],
    today: date,
    render: Renderer,
) -> None:
    """Missions and milestones; for a follow-up engagement, also the missions up to its
    briefing (whose annex lists them), the published briefing, the step to `follow_up`, the
    missions since, and the follow-up itself. `engagement` is in the phase before that step."""
    if spec.follow_up is None:
        _add_missions(session, engagement.id, spec.missions, consultants, today)
    else:
        published_on = spec.follow_up.briefing.published_at.date()
        held = [m for m in spec.missions if resolve(m.start_date, today) <= published_on]
        _add_missions(session, engagement.id, held, consultants, today)
        session.flush()
        users = _authors(session, spec.follow_up)
        _publish_briefing(session, engagement, spec.follow_up.briefing, users=users, render=render)
        _enter_follow_up(session, engagement, spec.steps[-1], today)
        later = [m for m in spec.missions if m not in held]
        _add_missions(session, engagement.id, later, consultants, today)
        _record_follow_up(session, engagement, spec.follow_up, users=users, today=today)
    session.add_all(
        Milestone(
            engagement_id=engagement.id,
            title=m.title,
            due_date=resolve(m.due_date, today),
            completed_on=resolve(m.completed_on, today) if m.completed_on else None,
        )
        for m in spec.milestones
    )
    session.flush()


def _add_missions(
    session: Session,
    engagement_id: int,
    missions: Iterable[MissionSpec],
    consultants: Mapping[str, int],
    today: date,
) -> None:
    session.add_all(
        Mission(
            engagement_id=engagement_id,
            kind=m.kind,
            title=m.title,
            start_date=resolve(m.start_date, today),
            end_date=resolve(m.end_date, today) if m.end_date else None,
            location=m.location,
            participants_count=m.participants_count,
            participant_organisations=list(m.organisations),
            summary=m.summary,
            outcomes=m.outcomes,
            follow_up=m.follow_up,
            consultant_rows=[
                MissionConsultant(user_id=consultants[email]) for email in m.consultants
            ],
        )
        for m in missions
    )


def _authors(session: Session, spec: FollowUpSpec) -> dict[str, User]:
    """{e-mail: user} of everyone who renders, updates or measures in the follow-up."""
    emails = {
        spec.briefing.author,
        *(u.author for u in spec.updates),
        *(m.author for i in spec.indicators for m in i.measurements),
    }
    return {u.email: u for u in session.scalars(select(User).where(User.email.in_(emails)))}


def _publish_briefing(
    session: Session,
    engagement: Engagement,
    spec: BriefingSpec,
    *,
    users: Mapping[str, User],
    render: Renderer,
) -> Report:
    """Render, store and publish the engagement's policy briefing on the spec's dates."""
    author = users[spec.author]
    view = reports.prepare_draft(
        session,
        engagement,
        kind=ReportKind.POLICY_BRIEFING,
        language="en",
        author=author,
        as_of=spec.drafted_on,
    )
    report = reports.store_draft(session, engagement, view, render(view), author=author)
    # Dated in the story, like the engagement itself: a report is not created after it was
    # published. Set before publish() flushes, so these are written with its UPDATE.
    report.created_at = datetime.combine(spec.drafted_on, spec.published_at.timetz())
    report.updated_at = spec.published_at
    final = reports.prepare_publication(session, report, now=spec.published_at)
    return reports.publish(session, report, final, render(final), now=spec.published_at)


def _enter_follow_up(session: Session, engagement: Engagement, step: Step, today: date) -> None:
    """Take the workflow's step to `follow_up` (its gate wants the published briefing),
    dated as the spec says."""
    assert step.to == Phase.FOLLOW_UP, "the last step of a follow-up engagement"
    at = instant(step.at, today)
    engagement.updated_at = at
    change = workflow.transition(
        session,
        engagement,
        to=Phase.FOLLOW_UP,
        note=step.note,
        actor_id=engagement.lead_consultant_id,
    )
    change.at = at
    session.flush()


def _record_follow_up(
    session: Session,
    engagement: Engagement,
    spec: FollowUpSpec,
    *,
    users: Mapping[str, User],
    today: date,
) -> None:
    """The updates in the order they were recorded, then the indicators and their values."""
    recommendations = {
        r.code: r
        for r in session.scalars(
            select(Recommendation).where(Recommendation.engagement_id == engagement.id)
        )
    }
    for update in spec.updates:
        data = StatusUpdateCreate(
            response=update.response,
            implementation=update.implementation,
            comment=update.comment,
            as_of=resolve(update.as_of, today),
        )
        follow_up.record_update(
            session, recommendations[update.recommendation], data, author=users[update.author]
        )
    for item in spec.indicators:
        indicator = follow_up.create_indicator(
            session,
            recommendations[item.recommendation],
            IndicatorCreate(
                name=item.name,
                unit=item.unit,
                baseline_value=item.baseline_value,
                baseline_year=item.baseline_year,
                target_value=item.target_value,
                target_year=item.target_year,
            ),
        )
        for m in item.measurements:
            measurement = MeasurementCreate(
                value=m.value, measured_on=resolve(m.measured_on, today), note=m.note
            )
            follow_up.record_measurement(session, indicator, measurement, author=users[m.author])
