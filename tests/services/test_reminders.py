"""Reminders: who is reminded of what (a small portfolio, a fixed today), the digest's text, and
messages that user text cannot add headers to."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import message_from_string, policy
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Engagement, StatusUpdate, User
from app.services import reminders
from app.services.follow_up import derive_status
from app.services.mailer import build_message, parse_sender
from app.services.reminders import Digest, OverdueMilestone, PendingResponse, SelfAssessmentDue
from app.vocab import EngagementKind, Implementation, Phase, Response, Role, Stage
from tests.conftest import StatementCounter
from tests.factories import (
    add_member,
    make_engagement,
    make_milestone,
    make_partnership,
    make_recommendation,
    make_region,
    make_status_update,
    make_user,
)

TODAY = date(2024, 6, 1)
SHARED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


@dataclass
class Portfolio:
    lead: User
    member: User
    inactive_member: User
    outsider: User
    officer: User
    inactive_officer: User
    other_officer: User
    escp_officer: User
    e1: Engagement
    e2: Engagement


def _shared(db: Session, engagement: Engagement, **overrides: Any) -> None:
    values: dict[str, Any] = {"stage": Stage.SHARED, "shared_at": SHARED}
    make_recommendation(db, engagement, **(values | overrides))


def build_portfolio(db: Session, tag: str = "") -> Portfolio:
    region, other_region = make_region(db), make_region(db)
    escp = make_partnership(db)
    lead = make_user(db, full_name="Lena Lead")
    member = make_user(db, full_name="Max Member")
    inactive_member = make_user(db, full_name="Ina Gone", is_active=False)
    outsider = make_user(db, full_name="Otto Outside")
    make_user(db, role=Role.ADMIN)
    make_user(db, role=Role.MONITOR)

    def officer(**overrides: object) -> User:
        return make_user(db, role=Role.STAKEHOLDER, **overrides)

    # E1: a regional engagement led by `lead`, team lead + member + an inactive member.
    e1 = make_engagement(
        db,
        reference=f"E1-WAL{tag}",
        title="Wallonia",
        region_id=region.id,
        lead_consultant_id=lead.id,
        phase=Phase.FOLLOW_UP,
    )
    for user in (lead, member, inactive_member):
        add_member(db, e1, user)
    make_milestone(db, e1, title="Workshop", due_date=date(2024, 5, 1))  # 31 days late
    make_milestone(db, e1, title="Done", due_date=date(2024, 1, 1), completed_on=date(2024, 2, 1))
    make_milestone(db, e1, title="Due today", due_date=TODAY)
    make_milestone(db, e1, title="Later", due_date=date(2024, 9, 1))
    _shared(db, e1, code="R10", title="Cluster office")
    _shared(db, e1, code="R2", title="Skills agenda", shared_at=None)
    _shared(db, e1, code="R3", title="Answered", response=Response.ACCEPTED)
    make_recommendation(db, e1, code="R4", title="Still a draft")
    make_recommendation(db, e1, code="R5", title="Dropped", stage=Stage.WITHDRAWN)

    # E2: a partnership engagement on hold, led by `member`, who is not in its member rows.
    e2 = make_engagement(
        db,
        reference=f"E2-ESCP{tag}",
        title="ESCP support",
        kind=EngagementKind.PARTNERSHIP_SUPPORT,
        partnership_id=escp.id,
        lead_consultant_id=member.id,
        phase=Phase.ON_HOLD,
        phase_before_hold=Phase.DIAGNOSIS,
    )
    make_milestone(db, e2, title="Kick-off", due_date=date(2024, 5, 31))  # 1 day late
    _shared(db, e2, code="R1", title="Export desk")

    # Closed and cancelled engagements of the same client and lead: nothing is chased there.
    for phase in (Phase.CLOSED, Phase.CANCELLED):
        finished = make_engagement(db, region_id=region.id, lead_consultant_id=lead.id, phase=phase)
        add_member(db, finished, lead)
        make_milestone(db, finished, due_date=date(2024, 1, 1))
        _shared(db, finished)

    return Portfolio(
        lead=lead,
        member=member,
        inactive_member=inactive_member,
        outsider=outsider,
        officer=officer(full_name="Olga Officer", region_id=region.id),
        inactive_officer=officer(region_id=region.id, is_active=False),
        other_officer=officer(region_id=other_region.id),
        escp_officer=officer(full_name="Esther Escp", partnership_id=escp.id),
        e1=e1,
        e2=e2,
    )


def _what(digest: Digest) -> list[tuple[str, str]]:
    return [
        (item.engagement_reference, item.title if isinstance(item, OverdueMilestone) else item.code)
        for item in digest.items
    ]


def test_each_person_gets_what_they_should_act_on(db: Session) -> None:
    p = build_portfolio(db)

    digests = {d.email: d for d in reminders.collect(db, today=TODAY)}

    assert set(digests) == {p.lead.email, p.member.email, p.officer.email, p.escp_officer.email}
    # The lead: the overdue milestone of their team (once, though lead and member) and the
    # pending responses of the engagement they lead; R2 before R10.
    assert _what(digests[p.lead.email]) == [
        ("E1-WAL", "Workshop"),
        ("E1-WAL", "R2"),
        ("E1-WAL", "R10"),
    ]
    # A member: E1's milestone only (E1's responses are chased by its lead); E2, which they
    # lead without a member row and which is on hold, all of it.
    assert _what(digests[p.member.email]) == [
        ("E1-WAL", "Workshop"),
        ("E2-ESCP", "Kick-off"),
        ("E2-ESCP", "R1"),
    ]
    # The client's officers: their own client's pending responses, never milestones, and the
    # self-assessment of R3, accepted and shared 92 days ago with no rating since (due after 90).
    assert _what(digests[p.officer.email]) == [
        ("E1-WAL", "R2"),
        ("E1-WAL", "R10"),
        ("E1-WAL", "R3"),
    ]
    assert _what(digests[p.escp_officer.email]) == [("E2-ESCP", "R1")]


def test_lateness_and_pending_since_are_counted_from_today(db: Session) -> None:
    p = build_portfolio(db)

    digest = next(d for d in reminders.collect(db, today=TODAY) if d.email == p.member.email)

    late = {i.title: i.days_late for i in digest.items if isinstance(i, OverdueMilestone)}
    assert late == {"Workshop": 31, "Kick-off": 1}
    (pending,) = [i for i in digest.items if isinstance(i, PendingResponse)]
    assert pending.shared_at == SHARED and pending.days_pending == 92
    assert (digest.milestone_count, digest.response_count, digest.as_of) == (2, 1, TODAY)


def test_nothing_is_due_before_its_date(db: Session) -> None:
    p = build_portfolio(db)

    digests = reminders.collect(db, today=date(2024, 2, 1))

    # No milestone is late yet, and only R2 (sharing date unknown) was shared by then.
    assert {d.email: _what(d) for d in digests} == {
        p.lead.email: [("E1-WAL", "R2")],
        p.officer.email: [("E1-WAL", "R2")],
    }


def test_closing_the_engagements_ends_their_reminders(db: Session) -> None:
    p = build_portfolio(db)
    before = {d.email for d in reminders.collect(db, today=TODAY)}
    assert p.escp_officer.email in before

    for engagement in (p.e1, p.e2):
        engagement.phase = Phase.CLOSED
        engagement.phase_before_hold = None
    db.flush()

    assert reminders.collect(db, today=TODAY) == []


def test_three_statements_whatever_the_size_of_the_portfolio(
    db: Session, sql_statements: StatementCounter
) -> None:
    build_portfolio(db)
    sql_statements.statements.clear()
    small = reminders.collect(db, today=TODAY)
    small_count = sql_statements.count

    for n in range(4):
        build_portfolio(db, tag=f"-{n}")
    sql_statements.statements.clear()
    large = reminders.collect(db, today=TODAY)

    assert len(large) == 5 * len(small)
    assert small_count == sql_statements.count == 3


def _client_with_a_recommendation(db: Session, **overrides: Any) -> tuple[User, Any]:
    region = make_region(db)
    lead = make_user(db)
    officer = make_user(db, role=Role.STAKEHOLDER, region_id=region.id)
    engagement = make_engagement(
        db, region_id=region.id, lead_consultant_id=lead.id, phase=Phase.FOLLOW_UP
    )
    values: dict[str, Any] = {"stage": Stage.SHARED, "shared_at": SHARED, "code": "R1"}
    recommendation = make_recommendation(db, engagement, **(values | overrides))
    return officer, recommendation


def _update(db: Session, recommendation: Any, author: User, on: date, **values: Any) -> None:
    make_status_update(db, recommendation, author, as_of=on, **({"response": None} | values))
    derive_status(db, recommendation)
    db.flush()


def _due_of(db: Session, officer: User, today: date = TODAY) -> list[SelfAssessmentDue]:
    digests = reminders.collect(db, today=today, every_days=90)
    return [
        item
        for d in digests
        if d.email == officer.email
        for item in d.items
        if isinstance(item, SelfAssessmentDue)
    ]


def test_a_self_assessment_is_due_90_days_after_the_clients_last_rating(db: Session) -> None:
    officer, rec = _client_with_a_recommendation(db)
    _update(db, rec, officer, date(2024, 1, 10), response=Response.ACCEPTED)
    _update(db, rec, officer, date(2024, 2, 1), implementation=Implementation.SOME_RESPECTS)

    (due,) = _due_of(db, officer)
    assert (due.code, due.last_rated, due.since) == ("R1", date(2024, 2, 1), date(2024, 2, 1))
    assert (due.due_on, due.days_late) == (date(2024, 5, 1), 31)
    # Due on the 90th day exactly, not the day before.
    assert [d.days_late for d in _due_of(db, officer, date(2024, 5, 1))] == [0]
    assert _due_of(db, officer, date(2024, 4, 30)) == []

    # A new rating restarts the clock; one dated after "today" is not seen yet.
    _update(db, rec, officer, date(2024, 5, 20), implementation=Implementation.MOST_RESPECTS)
    assert _due_of(db, officer) == []
    assert [d.last_rated for d in _due_of(db, officer, date(2024, 5, 19))] == [date(2024, 2, 1)]


def test_without_a_rating_the_clock_starts_at_the_response(db: Session) -> None:
    officer, rec = _client_with_a_recommendation(db)
    _update(db, rec, officer, date(2024, 4, 1), response=Response.PARTIALLY_ACCEPTED)

    assert _due_of(db, officer) == []  # 61 days since the response
    (due,) = _due_of(db, officer, date(2024, 7, 1))
    assert (due.last_rated, due.since, due.days_late) == (None, date(2024, 4, 1), 1)


def test_the_consultants_rating_does_not_stand_in_for_the_clients(db: Session) -> None:
    officer, rec = _client_with_a_recommendation(db)
    consultant = make_user(db)
    _update(db, rec, officer, date(2024, 1, 10), response=Response.ACCEPTED)
    _update(db, rec, consultant, date(2024, 5, 25), implementation=Implementation.SOME_RESPECTS)

    assert [d.last_rated for d in _due_of(db, officer)] == [None]


@pytest.mark.parametrize(
    "response, implementation",
    [
        (Response.NOTED, None),
        (Response.REJECTED, None),
        (Response.PENDING, None),
        (Response.ACCEPTED, Implementation.FULLY_IMPLEMENTED),
    ],
)
def test_nothing_is_due_on_what_the_client_did_not_commit_to_or_finished(
    db: Session, response: Response, implementation: Implementation | None
) -> None:
    officer, rec = _client_with_a_recommendation(db)
    consultant = make_user(db)
    if response != Response.PENDING:
        _update(db, rec, officer, date(2023, 1, 10), response=response)
    if implementation is not None:
        _update(db, rec, consultant, date(2023, 2, 1), implementation=implementation)

    assert _due_of(db, officer) == []


def test_only_the_clients_active_officers_are_reminded_of_self_assessments(db: Session) -> None:
    p = build_portfolio(db)
    make_user(db, role=Role.STAKEHOLDER, region_id=p.e1.region_id, is_active=False)

    digests = reminders.collect(db, today=TODAY, every_days=90)

    due = {d.email: [i.code for i in d.items if isinstance(i, SelfAssessmentDue)] for d in digests}
    assert {email: codes for email, codes in due.items() if codes} == {p.officer.email: ["R3"]}
    # A longer interval: not due yet.
    later = reminders.collect(db, today=TODAY, every_days=120)
    assert not any(isinstance(i, SelfAssessmentDue) for d in later for i in d.items)


def test_self_assessments_due_of_one_person_longest_overdue_first(db: Session) -> None:
    officer, r1 = _client_with_a_recommendation(db)
    engagement = db.get(Engagement, r1.engagement_id)
    assert engagement is not None
    r2 = make_recommendation(db, engagement, code="R2", stage=Stage.SHARED, shared_at=SHARED)
    _update(db, r1, officer, date(2024, 1, 20), response=Response.ACCEPTED)
    _update(db, r2, officer, date(2024, 1, 5), response=Response.ACCEPTED)

    due = reminders.self_assessments_due_of(db, officer.id, today=TODAY, every_days=90)

    assert [(d.item.code, d.item.due_on) for d in due] == [
        ("R2", date(2024, 4, 4)),
        ("R1", date(2024, 4, 19)),
    ]
    assert {(d.engagement_id, d.recommendation_id) for d in due} == {
        (engagement.id, r1.id),
        (engagement.id, r2.id),
    }
    other = make_user(db, role=Role.STAKEHOLDER, region_id=make_region(db).id)
    assert reminders.self_assessments_due_of(db, other.id, today=TODAY, every_days=90) == []


def _digest(**overrides: object) -> Digest:
    milestone = OverdueMilestone("E1", "Wallonia", "Workshop", date(2024, 5, 1), 31)
    values: dict[str, object] = {
        "email": "lena@example.org",
        "full_name": "Lena Lead",
        "as_of": TODAY,
        "items": (
            PendingResponse("E2", "ESCP support", "R1", "Export desk", SHARED, 92),
            milestone,
            PendingResponse("E1", "Wallonia", "R2", "Skills agenda", None, None),
            OverdueMilestone("E1", "Wallonia", "Steering", date(2024, 5, 31), 1),
        ),
    }
    return Digest(**(values | overrides))  # type: ignore[arg-type]


def test_subject_counts_and_pluralises() -> None:
    assert reminders.render(_digest()).subject == (
        "ClusterCase: 2 overdue milestones, 2 responses pending"
    )
    one = _digest(items=(OverdueMilestone("E1", "W", "Workshop", date(2024, 5, 31), 1),))
    assert reminders.render(one).subject == "ClusterCase: 1 overdue milestone"


def test_the_body_groups_items_by_engagement() -> None:
    body = reminders.render(_digest()).body

    assert body.startswith("Hello Lena Lead,\n\nAs of 2024-06-01, ClusterCase has 2 overdue")
    assert (
        "E1 - Wallonia\n"
        "  - Overdue milestone: Workshop - due 2024-05-01, 31 days late\n"
        "  - Overdue milestone: Steering - due 2024-05-31, 1 day late\n"
        "  - Response pending: R2 Skills agenda - response pending (sharing date unknown)\n"
        "\n"
        "E2 - ESCP support\n"
        "  - Response pending: R1 Export desk - shared 2024-03-01, response pending for 92 days\n"
    ) in body


INJECTION = "\r\nBcc: evil@example.org\r\n\r\nforged body"


def test_user_text_cannot_add_headers_or_lines() -> None:
    hostile = _digest(
        full_name="Eve" + INJECTION,
        items=(OverdueMilestone("E1", "Wall" + INJECTION, "Work" + INJECTION, TODAY, 0),),
    )
    rendered = reminders.render(hostile)
    message = build_message(
        sender=parse_sender("ClusterCase <noreply@clustercase.example>"),
        to_email=hostile.email,
        to_name=hostile.full_name,
        subject=rendered.subject,
        body=rendered.body,
    )

    parsed = message_from_string(message.as_string(), policy=policy.default)
    assert sorted(parsed.keys()) == sorted(
        ["From", "To", "Subject", "Date", "Message-ID", "Content-Type",
         "Content-Transfer-Encoding", "MIME-Version"]
    )  # fmt: skip
    (to,) = parsed["To"].addresses
    assert to.addr_spec == "lena@example.org"
    assert to.display_name == "Eve Bcc: evil@example.org forged body"
    lines = parsed.get_content().splitlines()
    assert not any(line.startswith(("Bcc:", "forged")) for line in lines)
    assert "  - Overdue milestone: Work Bcc: evil@example.org forged body - due" in "\n".join(lines)


def test_an_address_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="not a valid e-mail address"):
        build_message(
            sender=parse_sender("noreply@clustercase.example"),
            to_email="a@example.org\r\nBcc: evil@example.org",
            to_name="A",
            subject="s",
            body="b",
        )


def test_non_ascii_names_and_text_survive_the_trip() -> None:
    digest = _digest(full_name="Élodie Marchand", items=(
        OverdueMilestone("E1", "Hauts-de-France", "Atelier d'été", date(2024, 5, 1), 31),
    ))  # fmt: skip
    rendered = reminders.render(digest)
    message = build_message(
        sender=parse_sender("ClusterCase <noreply@clustercase.example>"),
        to_email=digest.email,
        to_name=digest.full_name,
        subject=rendered.subject,
        body=rendered.body,
    )

    wire = message.as_bytes()
    assert wire.isascii()  # encoded words and quoted-printable: no 8BITMIME needed
    parsed = message_from_string(wire.decode(), policy=policy.default)
    assert parsed["To"].addresses[0].display_name == "Élodie Marchand"
    assert "Overdue milestone: Atelier d'été - due 2024-05-01" in parsed.get_content()


def test_a_due_self_assessment_reads_as_such() -> None:
    never = SelfAssessmentDue(
        "E1", "Wallonia", "R3", "Answered", None, date(2024, 2, 1), date(2024, 5, 1), 31
    )
    rated = SelfAssessmentDue(
        "E1", "Wallonia", "R4", "Rated", date(2024, 3, 3), date(2024, 3, 3), date(2024, 6, 1), 0
    )
    rendered = reminders.render(_digest(items=(rated, never)))

    assert rendered.subject == "ClusterCase: 2 self-assessments due"
    assert (
        "E1 - Wallonia\n"
        "  - Self-assessment due: R3 Answered - never rated since 2024-02-01, due since "
        "2024-05-01 (31 days)\n"
        "  - Self-assessment due: R4 Rated - last rated 2024-03-03, due since 2024-06-01 (today)\n"
    ) in rendered.body


def _python_days_late(db: Session, rec: Any, today: date) -> int | None:
    db.refresh(rec)
    engagement = db.get(Engagement, rec.engagement_id)
    updates = db.scalars(
        select(StatusUpdate)
        .where(StatusUpdate.recommendation_id == rec.id)
        .order_by(StatusUpdate.as_of, StatusUpdate.id)
    ).all()
    return reminders.self_assessment_days_late(rec, updates, engagement, today)


@pytest.mark.parametrize(
    "history",
    [
        "client accepts, then rates",  # the clock starts at the client's rating
        "consultant records the response",  # any response starts it, whoever records it
        "consultant rates",  # a consultant's rating does not restart it
        "nothing recorded",  # the sharing does
    ],
)
def test_the_progress_reports_days_overdue_follow_the_reminders_rule(
    db: Session, history: str
) -> None:
    """`self_assessment_days_late` (one recommendation in Python, for the progress report) and
    `collect` (SQL, for the reminders) give the same lateness, day by day around the due date."""
    officer, rec = _client_with_a_recommendation(db, response=Response.ACCEPTED)
    consultant = make_user(db)
    if history == "client accepts, then rates":
        _update(db, rec, officer, date(2024, 1, 10), response=Response.ACCEPTED)
        _update(db, rec, officer, date(2024, 2, 1), implementation=Implementation.SOME_RESPECTS)
    elif history == "consultant records the response":
        _update(db, rec, consultant, date(2024, 3, 5), response=Response.ACCEPTED)
    elif history == "consultant rates":
        _update(db, rec, officer, date(2024, 1, 10), response=Response.ACCEPTED)
        _update(db, rec, consultant, date(2024, 3, 20), implementation=Implementation.SOME_RESPECTS)
    rec.response = Response.ACCEPTED
    db.flush()

    seen_late = 0
    for day in range(0, 200, 3):
        today = date.fromordinal(date(2024, 3, 1).toordinal() + day)
        sql = [d.days_late for d in _due_of(db, officer, today)]
        late = sql[0] if sql and sql[0] > 0 else None  # due today is not yet overdue
        assert _python_days_late(db, rec, today) == late, (history, today, sql)
        seen_late += late is not None
    assert seen_late > 10  # the comparison covered days on both sides of the due date
