"""/engagements/{id}/milestones: planned steps, their completion and the overdue flag."""

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Engagement, Milestone
from tests.factories import make_engagement, make_milestone


def _url(engagement: Engagement | int, milestone: Milestone | int | None = None) -> str:
    engagement_id = engagement if isinstance(engagement, int) else engagement.id
    url = f"/api/v1/engagements/{engagement_id}/milestones"
    if milestone is None:
        return url
    return f"{url}/{milestone if isinstance(milestone, int) else milestone.id}"


def _milestones(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Milestone)) or 0


def test_create_then_read_milestone(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    body = {"title": "Kick-off workshop", "due_date": "2019-02-15"}
    created = client.post(_url(engagement), json=body)
    assert created.status_code == 201, created.text
    milestone = created.json()
    assert milestone["engagement_id"] == engagement.id and milestone["completed_on"] is None
    assert milestone["overdue"] is True  # due in the past, not completed
    assert created.headers["etag"] == '"1"'
    read = client.get(_url(engagement, milestone["id"]))
    assert read.status_code == 200 and read.json() == milestone
    assert read.headers["etag"] == '"1"'


@pytest.mark.parametrize(
    ("due_in_days", "completed", "overdue"),
    [(-1, False, True), (-1, True, False), (0, False, False), (30, False, False)],
)
def test_overdue_means_due_before_today_and_not_completed(
    client: TestClient, db: Session, due_in_days: int, completed: bool, overdue: bool
) -> None:
    engagement = make_engagement(db)
    due = date.today() + timedelta(days=due_in_days)
    milestone = make_milestone(
        db, engagement, due_date=due, completed_on=due if completed else None
    )
    db.commit()
    assert client.get(_url(engagement, milestone)).json()["overdue"] is overdue


def test_list_is_ordered_by_due_date_then_id_and_paginated(client: TestClient, db: Session) -> None:
    engagement, other = make_engagement(db), make_engagement(db)
    late = make_milestone(db, engagement, due_date=date(2019, 9, 1))
    first = make_milestone(db, engagement, due_date=date(2019, 3, 1))
    tie = make_milestone(db, engagement, due_date=date(2019, 3, 1))
    make_milestone(db, other)
    db.commit()
    page = client.get(_url(engagement)).json()
    assert [m["id"] for m in page["items"]] == [first.id, tie.id, late.id]
    assert page["total"] == 3 and page["limit"] == 50
    second = client.get(_url(engagement), params={"limit": 1, "offset": 1}).json()
    assert [m["id"] for m in second["items"]] == [tie.id] and second["total"] == 3
    beyond = client.get(_url(engagement), params={"offset": 5}).json()
    assert beyond["items"] == [] and beyond["total"] == 3
    assert client.get(_url(engagement), params={"limit": 0}).status_code == 422


def test_patch_completes_and_null_reopens(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    milestone = make_milestone(db, engagement, due_date=date(2019, 1, 31))
    db.commit()
    done = client.patch(
        _url(engagement, milestone),
        json={"completed_on": "2019-01-30"},
        headers={"If-Match": '"1"'},
    )
    assert done.status_code == 200, done.text
    assert done.json()["completed_on"] == "2019-01-30" and done.json()["overdue"] is False
    assert done.headers["etag"] == '"2"'
    reopened = client.patch(_url(engagement, milestone), json={"completed_on": None})
    assert reopened.json()["completed_on"] is None and reopened.json()["overdue"] is True
    db.refresh(milestone)
    assert milestone.completed_on is None and milestone.version == 3


@pytest.mark.parametrize(
    "bad",
    [
        {"title": None},
        {"due_date": None},
        {"title": ""},
        {"title": "x" * 301},
        {"due_date": "2019-13-01"},
        {"engagement_id": 1},
        {"overdue": False},
    ],
)
def test_malformed_patch_is_422_and_changes_nothing(
    client: TestClient, db: Session, bad: dict[str, Any]
) -> None:
    engagement = make_engagement(db)
    milestone = make_milestone(db, engagement, title="Kept")
    db.commit()
    response = client.patch(_url(engagement, milestone), json=bad)
    assert response.status_code == 422
    db.refresh(milestone)
    assert milestone.title == "Kept" and milestone.version == 1


@pytest.mark.parametrize(
    "body",
    [{"title": "No date"}, {"due_date": "2019-01-01"}, {"title": "T", "due_date": "someday"}],
)
def test_malformed_create_is_422(client: TestClient, db: Session, body: dict[str, Any]) -> None:
    engagement = make_engagement(db)
    db.commit()
    assert client.post(_url(engagement), json=body).status_code == 422
    assert _milestones(db) == 0


def test_stale_if_match_is_412_on_patch_and_delete(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    milestone = make_milestone(db, engagement, title="Kept")
    db.commit()
    stale = {"If-Match": '"2"'}
    url = _url(engagement, milestone)
    assert client.patch(url, json={"title": "Lost"}, headers=stale).status_code == 412
    assert client.delete(url, headers=stale).status_code == 412
    db.refresh(milestone)
    assert milestone.title == "Kept" and _milestones(db) == 1


def test_delete_milestone(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    milestone = make_milestone(db, engagement)
    db.commit()
    response = client.delete(_url(engagement, milestone), headers={"If-Match": '"1"'})
    assert response.status_code == 204
    assert client.get(_url(engagement, milestone)).status_code == 404
    assert _milestones(db) == 0


def test_milestone_of_another_engagement_is_404(client: TestClient, db: Session) -> None:
    mine, theirs = make_engagement(db), make_engagement(db)
    milestone = make_milestone(db, theirs, title="Theirs")
    db.commit()
    url = _url(mine, milestone)
    assert client.get(url).status_code == 404
    assert client.patch(url, json={"title": "Mine now"}).status_code == 404
    assert client.delete(url).status_code == 404
    db.refresh(milestone)
    assert milestone.title == "Theirs" and milestone.engagement_id == theirs.id


def test_unknown_engagement_or_ids_out_of_range(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    assert client.get(_url(424242)).status_code == 404
    body = {"title": "T", "due_date": "2019-01-01"}
    assert client.post(_url(424242), json=body).status_code == 404
    assert client.get(_url(2**31)).status_code == 422
    assert client.get(_url(engagement, 2**31)).status_code == 422
    assert client.get(_url(engagement, 0)).status_code == 422
    assert _milestones(db) == 0
