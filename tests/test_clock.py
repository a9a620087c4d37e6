"""The one clock: UTC by default; frozen by tests, in every thread, and honoured by what reads it
(access tokens, the portfolio summary's overdue milestones)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import clock
from app.models import User
from app.security import issue_token, token_subject
from app.vocab import Phase
from tests.conftest import bearer
from tests.factories import make_engagement, make_milestone

KEY = "a-signing-key-for-the-clock-tests-" + "c" * 20


def test_the_default_clock_is_utc() -> None:
    now = clock.now()
    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=1)
    assert clock.today() in {now.date(), datetime.now(UTC).date()}  # unless midnight passed


def test_a_frozen_clock_is_honoured_by_now_and_today_and_restored() -> None:
    at = datetime(2024, 6, 1, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    with clock.frozen(at) as instant:
        assert instant == clock.now() == datetime(2024, 6, 2, 1, 30, tzinfo=UTC)
        assert clock.now().tzinfo is UTC
        assert clock.today() == date(2024, 6, 2)  # the UTC date, not the offset's
        with clock.frozen(date(2020, 1, 31)):
            assert clock.now() == datetime(2020, 1, 31, tzinfo=UTC)
            assert clock.today() == date(2020, 1, 31)
        assert clock.today() == date(2024, 6, 2)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=1)


def test_a_naive_datetime_cannot_freeze_the_clock() -> None:
    with pytest.raises(ValueError), clock.frozen(datetime(2024, 6, 1, 12)):
        pass


def test_a_frozen_clock_reaches_worker_threads() -> None:
    with clock.frozen(date(2024, 6, 1)), ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(clock.today).result() == date(2024, 6, 1)


def test_tokens_are_issued_and_checked_by_the_clock() -> None:
    with clock.frozen(datetime(2024, 6, 1, 12, tzinfo=UTC)):
        token = issue_token(7, key=KEY, lifetime=timedelta(minutes=5)).token
        assert token_subject(token, key=KEY) == 7
    with clock.frozen(datetime(2024, 6, 1, 12, 5, tzinfo=UTC)):
        assert token_subject(token, key=KEY) is None  # expired, by the clock's time
    with clock.frozen(datetime(2024, 6, 1, 11, 59, tzinfo=UTC)):
        fresh = issue_token(8, key=KEY, lifetime=timedelta(minutes=5)).token
    with clock.frozen(datetime(2024, 6, 1, 11, 58, tzinfo=UTC)):
        assert token_subject(fresh, key=KEY) is None  # issued in the clock's future


def test_the_portfolio_summary_counts_overdue_as_of_the_frozen_today(
    db: Session, client: TestClient, admin_user: User
) -> None:
    due = date(2024, 6, 1)
    engagement = make_engagement(db, phase=Phase.REPORTING)
    milestone = make_milestone(db, engagement, due_date=due)
    db.commit()

    def overdue_on(day: date) -> dict[str, object]:
        # Logged in under the frozen clock: tokens are checked against the same clock.
        with clock.frozen(day):
            response = client.get("/api/v1/portfolio/summary", headers=bearer(admin_user))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["today"] == day.isoformat()
        return dict(body["overdue_milestones"])

    assert overdue_on(due) == {"count": 0, "items": []}
    later = overdue_on(due + timedelta(days=3))
    assert later["count"] == 1
    assert later["items"] == [
        {
            "engagement_id": engagement.id,
            "engagement_reference": engagement.reference,
            "milestone_id": milestone.id,
            "title": milestone.title,
            "due_date": due.isoformat(),
            "days_overdue": 3,
        }
    ]
