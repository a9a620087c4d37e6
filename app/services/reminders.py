"""Reminders: per person, the overdue milestones and the responses still pending that they
should act on, as one digest each (see docs/reminders.md).

- An overdue milestone (due before `today`, not completed) of an open engagement goes to the
  engagement's team: its lead consultant and its members, active consultants only.
- A shared recommendation whose response is still `pending`, in an open engagement, goes to the
  client's active stakeholders (bound to the engagement's region or partnership) and to the
  engagement's lead consultant, so that the team can chase it.
- A self-assessment is due on a shared recommendation the client accepted (fully or partially)
  and that is not rated fully implemented, in an open engagement, `self_assessment_days` (90 by
  default) after the client's latest implementation rating, or after its latest response if it
  never rated (after the sharing if no update records even that). It goes to the client's
  active stakeholders only: the consultants' validated rating is theirs to give, not a chase.

Open means any phase but `closed` and `cancelled`, `on_hold` included (app/vocab.py's
OPEN_PHASES); overdue is app/services/rules.py's rule. `collect` runs three SQL statements
whatever the number of people and engagements; `render` is a pure function of a digest.
Sending is `app/services/mailer.py`'s job.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, bindparam, func, or_, select, union
from sqlalchemy.orm import Session

from app.config import get_settings
from app.models import (
    Engagement,
    EngagementMember,
    Milestone,
    Recommendation,
    StatusUpdate,
    User,
)
from app.models.base import UTCDateTime
from app.services.mailer import SendFailed, one_line
from app.services.rules import overdue_condition
from app.vocab import FINISHED_PHASES, Implementation, Response, Role, Stage


@dataclass(frozen=True)
class OverdueMilestone:
    engagement_reference: str
    engagement_title: str
    title: str
    due_date: date
    days_late: int


@dataclass(frozen=True)
class PendingResponse:
    engagement_reference: str
    engagement_title: str
    code: str
    title: str
    shared_at: datetime | None
    days_pending: int | None  # None when the sharing date is unknown


@dataclass(frozen=True)
class SelfAssessmentDue:
    engagement_reference: str
    engagement_title: str
    code: str
    title: str
    last_rated: date | None  # the client's latest implementation rating; None: it never rated
    since: date  # what the interval counts from: that rating, else the response, else sharing
    due_on: date
    days_late: int  # 0: due today


# Accepted, fully or partially: the client has committed to implementing it.
COMMITTED = (Response.ACCEPTED, Response.PARTIALLY_ACCEPTED)

ReminderItem = OverdueMilestone | PendingResponse | SelfAssessmentDue


@dataclass(frozen=True)
class EngagementItems:
    reference: str
    title: str
    items: tuple[ReminderItem, ...]


@dataclass(frozen=True)
class Digest:
    """What one person is reminded of, as of one day."""

    email: str
    full_name: str
    as_of: date
    items: tuple[ReminderItem, ...]

    @property
    def milestone_count(self) -> int:
        return sum(isinstance(item, OverdueMilestone) for item in self.items)

    @property
    def response_count(self) -> int:
        return sum(isinstance(item, PendingResponse) for item in self.items)

    @property
    def self_assessment_count(self) -> int:
        return sum(isinstance(item, SelfAssessmentDue) for item in self.items)

    @property
    def by_engagement(self) -> tuple[EngagementItems, ...]:
        """The items grouped by engagement, in reference order; within one, the milestones
        (oldest due first) and then the responses (in code order)."""
        groups: dict[str, list[ReminderItem]] = defaultdict(list)
        titles: dict[str, str] = {}
        for item in self.items:
            groups[item.engagement_reference].append(item)
            titles[item.engagement_reference] = item.engagement_title
        return tuple(
            EngagementItems(reference, titles[reference], tuple(sorted(items, key=_item_key)))
            for reference, items in sorted(groups.items())
        )


@dataclass(frozen=True)
class RenderedReminder:
    subject: str
    body: str


def collect(session: Session, *, today: date, every_days: int | None = None) -> list[Digest]:
    """Every person with something overdue, pending or due as of `today`, one digest each, in
    e-mail order; a self-assessment is due every `every_days` (the setting
    `self_assessment_days` by default). Three SQL statements, whatever the size of the
    portfolio."""
    people: dict[str, str] = {}
    items: dict[str, list[ReminderItem]] = defaultdict(list)

    for m in session.execute(_overdue_milestones(today)):
        people[m.email] = m.full_name
        items[m.email].append(
            OverdueMilestone(
                engagement_reference=m.reference,
                engagement_title=m.engagement_title,
                title=m.title,
                due_date=m.due_date,
                days_late=(today - m.due_date).days,
            )
        )
    for r in session.execute(_pending_responses(), _pending_params(today)):
        people[r.email] = r.full_name
        shared_on = r.shared_at.date() if r.shared_at is not None else None
        items[r.email].append(
            PendingResponse(
                engagement_reference=r.reference,
                engagement_title=r.engagement_title,
                code=r.code,
                title=r.title,
                shared_at=r.shared_at,
                days_pending=(today - shared_on).days if shared_on is not None else None,
            )
        )
    every = _every(every_days)
    for r, due in _due(session, _self_assessments_due(), today, every):
        people[r.email] = r.full_name
        items[r.email].append(due)
    return [
        Digest(
            email=email,
            full_name=people[email],
            as_of=today,
            items=tuple(sorted(items[email], key=_digest_key)),
        )
        for email in sorted(people)
    ]


@dataclass(frozen=True)
class Waiting:
    """A pending response `collect` reminds one person of, with the ids a page links to."""

    engagement_id: int
    recommendation_id: int
    item: PendingResponse


def pending_responses_of(session: Session, user_id: int, *, today: date) -> list[Waiting]:
    """The responses `collect` would remind this person of as pending (the same rule), oldest
    shared first (an unknown sharing date last)."""
    rows = session.execute(_of_one(_pending_responses()), _pending_params(today, user_id))
    waiting = [
        Waiting(
            r.engagement_id,
            r.recommendation_id,
            PendingResponse(
                engagement_reference=r.reference,
                engagement_title=r.engagement_title,
                code=r.code,
                title=r.title,
                shared_at=r.shared_at,
                days_pending=(today - r.shared_at.date()).days if r.shared_at else None,
            ),
        )
        for r in rows
    ]
    return sorted(waiting, key=_oldest_first)


@dataclass(frozen=True)
class DueAssessment:
    """A self-assessment `collect` reminds one person of, with the ids a page links to."""

    engagement_id: int
    recommendation_id: int
    item: SelfAssessmentDue


def self_assessments_due_of(
    session: Session, user_id: int, *, today: date, every_days: int | None = None
) -> list[DueAssessment]:
    """The self-assessments `collect` would remind this person of (the same rule), the longest
    overdue first."""
    every = _every(every_days)
    stmt = _of_one(_self_assessments_due())
    due = [
        DueAssessment(r.engagement_id, r.recommendation_id, item)
        for r, item in _due(session, stmt, today, every, user_id)
    ]
    return sorted(due, key=lambda d: (d.item.due_on, *_item_key(d.item)[1:]))


def _every(every_days: int | None) -> timedelta:
    return timedelta(days=every_days or get_settings().self_assessment_days)


def self_assessment_since(
    last_rated: date | None, last_answered: date | None, shared_on: date | None
) -> date | None:
    """When a recommendation's self-assessment clock starts: the client's latest
    implementation rating, else its latest response, else the day it was shared (None when
    nothing dates it). `_self_assessments_due` computes the first two in SQL."""
    return last_rated or last_answered or shared_on


def self_assessment_due_on(since: date, every_days: int | None = None) -> date:
    """The day a self-assessment falls due, `self_assessment_days` after its clock started."""
    return since + _every(every_days)


def self_assessment_days_late(
    r: Recommendation, updates: Iterable[StatusUpdate], engagement: Engagement, today: date
) -> int | None:
    """The reminders' rule for one recommendation already loaded with its updates (the progress
    report's "days overdue"): days since its self-assessment fell due, None when it is not due,
    not yet late, or not a self-assessment's business (not committed, fully implemented, or the
    engagement finished). Updates dated after `today` are not seen, as in SQL."""
    if (
        r.response not in COMMITTED
        or r.implementation == Implementation.FULLY_IMPLEMENTED
        or engagement.phase in FINISHED_PHASES
    ):
        return None
    seen = [u for u in updates if u.as_of <= today]
    rated = [
        u.as_of for u in seen if u.author_role == Role.STAKEHOLDER and u.implementation is not None
    ]
    answered = [u.as_of for u in seen if u.response is not None]
    shared_on = r.shared_at.date() if r.shared_at is not None else None
    since = self_assessment_since(max(rated, default=None), max(answered, default=None), shared_on)
    if since is None:
        return None
    late = (today - self_assessment_due_on(since)).days
    return late if late > 0 else None


def _due(
    session: Session, stmt: Select[Any], today: date, every: timedelta, user_id: int | None = None
) -> list[tuple[Any, SelfAssessmentDue]]:
    """The rows of `stmt` whose self-assessment is due by `today`, each with its item. SQL
    keeps the rows that may be due (the clock's start is at most `today - every`, or is only
    known from the sharing time); the sharing date is compared here, as a date."""
    found = []
    params = {"today": today, "cutoff": today - every, "user_id": user_id}
    for r in session.execute(stmt, params):
        shared_on = r.shared_at.date() if r.shared_at is not None else None
        since = self_assessment_since(r.last_rated, r.since, shared_on)  # r.since: SQL coalesce
        if since is None or since + every > today:
            continue
        due_on = since + every
        item = SelfAssessmentDue(
            engagement_reference=r.reference,
            engagement_title=r.engagement_title,
            code=r.code,
            title=r.title,
            last_rated=r.last_rated,
            since=since,
            due_on=due_on,
            days_late=(today - due_on).days,
        )
        found.append((r, item))
    return found


def _oldest_first(w: Waiting) -> tuple[bool, datetime, str, int, str]:
    shared = w.item.shared_at
    # Rows with no date are compared only with each other (the first item sorts them last).
    known = shared if shared is not None else datetime.min
    reference, code = w.item.engagement_reference, w.item.code
    return (shared is None, known, reference, len(code), code)


def _overdue_milestones(today: date) -> Select[str, str, str, str, str, date]:
    # The team of each engagement: its members and its lead (a lead is a member too, normally;
    # the union covers one who is not, and removes the duplicate when they are).
    team = union(
        select(EngagementMember.engagement_id, EngagementMember.user_id),
        select(
            Engagement.id.label("engagement_id"), Engagement.lead_consultant_id.label("user_id")
        ).where(Engagement.lead_consultant_id.is_not(None)),
    ).subquery("team")
    return (
        select(
            User.email,
            User.full_name,
            Engagement.reference,
            Engagement.title.label("engagement_title"),
            Milestone.title,
            Milestone.due_date,
        )
        .join_from(Milestone, Engagement, Milestone.engagement_id == Engagement.id)
        .join(team, team.c.engagement_id == Engagement.id)
        .join(User, User.id == team.c.user_id)
        .where(
            overdue_condition(today),
            Engagement.phase.not_in(FINISHED_PHASES),
            User.is_active.is_(True),
            User.role == Role.CONSULTANT,
        )
    )


def _client_officer() -> ColumnElement[bool]:
    """The user is a stakeholder of the engagement's region or partnership."""
    return and_(
        User.role == Role.STAKEHOLDER,
        or_(
            User.region_id == Engagement.region_id,
            User.partnership_id == Engagement.partnership_id,
        ),
    )


def _recommendation_columns() -> tuple[Any, ...]:
    """Who is reminded, and of which recommendation of which engagement."""
    return (
        User.email,
        User.full_name,
        Engagement.reference,
        Engagement.title.label("engagement_title"),
        Recommendation.code,
        Recommendation.title,
        Recommendation.shared_at,
    )


# The statements below are built once (building one costs more than running it on a small
# portfolio) and take their dates, and the person for the `_of_one` forms, as parameters.
TODAY = bindparam("today", type_=Date())
DAY_AFTER = bindparam("day_after", type_=UTCDateTime())


def _pending_params(today: date, user_id: int | None = None) -> dict[str, Any]:
    return {"today": today, "day_after": _day_after(today), "user_id": user_id}


@cache
def _of_one(stmt: Select[Any]) -> Select[Any]:
    """`stmt` for the person `:user_id`, with the ids a page links to."""
    return stmt.where(User.id == bindparam("user_id")).add_columns(
        Engagement.id.label("engagement_id"), Recommendation.id.label("recommendation_id")
    )


@cache
def _pending_responses() -> Select[Any]:
    client_officer = _client_officer()
    lead = and_(User.role == Role.CONSULTANT, User.id == Engagement.lead_consultant_id)
    return (
        select(*_recommendation_columns())
        .join_from(Recommendation, Engagement, Recommendation.engagement_id == Engagement.id)
        .join(User, or_(client_officer, lead))
        .where(
            Recommendation.stage == Stage.SHARED,
            Recommendation.response == Response.PENDING,
            # Shared by the end of `today` (a backfill does not see later sharings).
            or_(Recommendation.shared_at.is_(None), Recommendation.shared_at < DAY_AFTER),
            Engagement.phase.not_in(FINISHED_PHASES),
            User.is_active.is_(True),
        )
    )


@cache
def _self_assessments_due() -> Select[Any]:
    """Every (client officer, committed recommendation) pair with the date its self-assessment
    clock starts from (`since`, None when no update dates it: the sharing time decides) and
    the client's latest rating (`last_rated`), when `since` is at most `:cutoff`. Updates
    dated after `:today` are not seen."""

    # Correlated: one lookup on (recommendation_id, as_of) per recommendation, however many
    # updates the portfolio holds.
    def latest(*conditions: ColumnElement[bool]) -> Any:
        return (
            select(func.max(StatusUpdate.as_of))
            .where(StatusUpdate.recommendation_id == Recommendation.id, StatusUpdate.as_of <= TODAY)
            .where(*conditions)
            .scalar_subquery()
        )

    last_rated = latest(
        StatusUpdate.author_role == Role.STAKEHOLDER, StatusUpdate.implementation.is_not(None)
    )
    answered = latest(StatusUpdate.response.is_not(None))
    since = func.coalesce(last_rated, answered)
    return (
        select(
            *_recommendation_columns(),
            last_rated.label("last_rated"),
            since.label("since"),
        )
        .join_from(Recommendation, Engagement, Recommendation.engagement_id == Engagement.id)
        .join(User, _client_officer())
        .where(
            Recommendation.stage == Stage.SHARED,
            Recommendation.response.in_(COMMITTED),
            Recommendation.implementation != Implementation.FULLY_IMPLEMENTED,
            Engagement.phase.not_in(FINISHED_PHASES),
            User.is_active.is_(True),
            or_(since.is_(None), since <= bindparam("cutoff", type_=Date())),
        )
    )


def _day_after(today: date) -> datetime:
    return datetime.combine(today + timedelta(days=1), time.min, tzinfo=UTC)


def _item_key(item: ReminderItem) -> tuple[int, date, int, str]:
    if isinstance(item, OverdueMilestone):
        return (0, item.due_date, 0, item.title)
    if isinstance(item, PendingResponse):
        return (1, date.min, len(item.code), item.code)
    return (2, date.min, len(item.code), item.code)


def _digest_key(item: ReminderItem) -> tuple[str, tuple[int, date, int, str]]:
    return (item.engagement_reference, _item_key(item))


# --- rendering (pure) ---------------------------------------------------------------------------


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary(digest: Digest) -> str:
    """e.g. "2 overdue milestones, 1 response pending" (a part with nothing is left out)."""
    parts = []
    if digest.milestone_count:
        parts.append(_plural(digest.milestone_count, "overdue milestone", "overdue milestones"))
    if digest.response_count:
        parts.append(_plural(digest.response_count, "response pending", "responses pending"))
    if digest.self_assessment_count:
        parts.append(
            _plural(digest.self_assessment_count, "self-assessment due", "self-assessments due")
        )
    return ", ".join(parts) or "nothing due"


def subject(digest: Digest) -> str:
    """Built from counts only: no user text ever reaches a header."""
    return f"ClusterCase: {summary(digest)}"


def _days(n: int) -> str:
    return _plural(n, "day", "days")


def item_line(item: ReminderItem) -> str:
    if isinstance(item, OverdueMilestone):
        return (
            f"Overdue milestone: {one_line(item.title)} - due {item.due_date.isoformat()}, "
            f"{_days(item.days_late)} late"
        )
    if isinstance(item, SelfAssessmentDue):
        return (
            f"Self-assessment due: {one_line(item.code)} {one_line(item.title)} - {due_line(item)}"
        )
    if item.shared_at is None or item.days_pending is None:
        since = "response pending (sharing date unknown)"
    else:
        since = (
            f"shared {item.shared_at.date().isoformat()}, "
            f"response pending for {_days(item.days_pending)}"
        )
    return f"Response pending: {one_line(item.code)} {one_line(item.title)} - {since}"


def due_line(item: SelfAssessmentDue) -> str:
    """e.g. "last rated 2024-01-10, due since 2024-04-09 (53 days)"."""
    start = (
        f"last rated {item.last_rated.isoformat()}"
        if item.last_rated is not None
        else f"never rated since {item.since.isoformat()}"
    )
    late = f" ({_days(item.days_late)})" if item.days_late else " (today)"
    return f"{start}, due since {item.due_on.isoformat()}{late}"


def sections(digest: Digest) -> list[str]:
    """The digest's lines grouped by engagement: a heading per engagement, an indented line
    per item, a blank line between engagements."""
    lines: list[str] = []
    for group in digest.by_engagement:
        if lines:
            lines.append("")
        lines.append(f"{one_line(group.reference)} - {one_line(group.title)}")
        lines.extend(f"  - {item_line(item)}" for item in group.items)
    return lines


def render(digest: Digest) -> RenderedReminder:
    """The reminder e-mail for one digest: subject and plain-text body."""
    body = [
        f"Hello {one_line(digest.full_name)},",
        "",
        f"As of {digest.as_of.isoformat()}, ClusterCase has {summary(digest)} for you.",
        "",
        *sections(digest),
        "",
        "A milestone leaves this list once its completion date is recorded, a recommendation",
        "once the client's response to it is recorded, a self-assessment once the client rates",
        "the implementation again.",
        "",
        "-- ",
        "ClusterCase (an automatic reminder)",
    ]
    return RenderedReminder(subject=subject(digest), body="\n".join(body) + "\n")


# --- delivery -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    email: str
    error: str | None  # None: sent

    @property
    def sent(self) -> bool:
        return self.error is None


def deliver(
    digests: Iterable[Digest],
    send: Callable[[str, str, str, str], None],
    *,
    on_result: Callable[[DeliveryResult], None] = lambda _r: None,
) -> list[DeliveryResult]:
    """Send each digest with `send(email, full_name, subject, body)` (`SmtpMailer.send`); a
    failure (`SendFailed`, its message the reason) is recorded and the others still go."""
    results = []
    for digest in digests:
        try:
            rendered = render(digest)
            send(digest.email, digest.full_name, rendered.subject, rendered.body)
            result = DeliveryResult(digest.email, None)
        except SendFailed as exc:
            result = DeliveryResult(digest.email, str(exc))
        results.append(result)
        on_result(result)
    return results
