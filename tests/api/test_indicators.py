""".../recommendations/{id}/indicators and their measurements: targets, progress toward them,
who may write what, validation, ETags, pagination and engagement scope."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import Engagement, Indicator, Measurement, Recommendation, User
from app.vocab import Role, Stage
from tests.conftest import StatementCounter, bearer
from tests.factories import (
    add_member,
    make_engagement,
    make_indicator,
    make_measurement,
    make_recommendation,
    make_region,
    make_user,
)

TARGET = {
    "name": "Firms in the cluster programme",
    "unit": "firms",
    "baseline_value": 100,
    "baseline_year": 2018,
    "target_value": 200,
    "target_year": 2022,
}


@dataclass
class Case:
    engagement: Engagement
    recommendation: Recommendation
    indicator: Indicator
    users: dict[str, User]


@pytest.fixture
def case(db: Session) -> Case:
    own, other = make_region(db), make_region(db)
    member = make_user(db, role=Role.CONSULTANT)
    engagement = make_engagement(db, region_id=own.id, lead_consultant_id=member.id)
    add_member(db, engagement, member)
    users = {
        "member": member,
        "outsider": make_user(db, role=Role.CONSULTANT),
        "stakeholder": make_user(db, role=Role.STAKEHOLDER, region_id=own.id),
        "other_stakeholder": make_user(db, role=Role.STAKEHOLDER, region_id=other.id),
        "monitor": make_user(db, role=Role.MONITOR),
        "admin": make_user(db, role=Role.ADMIN),
    }
    recommendation = make_recommendation(db, engagement, stage=Stage.SHARED)
    indicator = make_indicator(db, recommendation, **TARGET)
    db.commit()
    return Case(engagement, recommendation, indicator, users)


def indicators_url(recommendation: Recommendation, indicator_id: int | None = None) -> str:
    base = (
        f"/api/v1/engagements/{recommendation.engagement_id}/recommendations/"
        f"{recommendation.id}/indicators"
    )
    return base if indicator_id is None else f"{base}/{indicator_id}"


def measurements_url(case: Case, measurement_id: int | None = None) -> str:
    base = f"{indicators_url(case.recommendation, case.indicator.id)}/measurements"
    return base if measurement_id is None else f"{base}/{measurement_id}"


def as_(case: Case, role: str) -> dict[str, str]:
    return bearer(case.users[role])


def measure(client: TestClient, case: Case, value: float, on: str, role: str = "member") -> Any:
    body = {"value": value, "measured_on": on}
    return client.post(measurements_url(case), json=body, headers=as_(case, role))


def indicator(client: TestClient, case: Case, role: str | None = None) -> dict[str, Any]:
    headers = as_(case, role) if role else {}
    response = client.get(indicators_url(case.recommendation, case.indicator.id), headers=headers)
    assert response.status_code == 200
    return dict(response.json())


def test_create_then_read_indicator(client: TestClient, db: Session, case: Case) -> None:
    created = client.post(indicators_url(case.recommendation), json=TARGET)
    assert created.status_code == 201, created.text
    read = created.json()
    assert {k: read[k] for k in TARGET} == TARGET
    assert read["recommendation_id"] == case.recommendation.id and read["version"] == 1
    assert read["latest_value"] is None and read["latest_measured_on"] is None
    assert read["progress"] is None and read["on_track"] is None
    assert read["status"] == "no_measurement"
    assert created.headers["etag"] == '"1"'
    again = client.get(indicators_url(case.recommendation, read["id"]))
    assert again.json() == read and again.headers["etag"] == '"1"'


def test_progress_follows_the_latest_measurement(anonymous: TestClient, case: Case) -> None:
    assert measure(anonymous, case, 150, "2020-06-30").status_code == 201
    read = indicator(anonymous, case, "stakeholder")
    assert read["latest_value"] == 150 and read["latest_measured_on"] == "2020-06-30"
    assert read["progress"] == 0.5 and read["status"] == "in_progress"
    assert read["on_track"] is True  # half way at half time (2020 of 2018 → 2022)
    # An older measurement recorded later does not become the latest.
    assert measure(anonymous, case, 190, "2019-01-31", role="stakeholder").status_code == 201
    assert measure(anonymous, case, 120, "2021-03-31").status_code == 201
    read = indicator(anonymous, case, "stakeholder")
    assert read["latest_value"] == 120 and read["progress"] == pytest.approx(0.2)
    assert read["on_track"] is False  # 0.2 where three quarters of the time is gone


@pytest.mark.parametrize(
    ("baseline", "target", "latest", "progress", "status"),
    [
        (100, 200, 250, 1.5, "achieved"),  # beyond the target: not clipped
        (100, 200, 200, 1.0, "achieved"),
        (100, 200, 80, -0.2, "regressed"),  # worse than the baseline: negative
        (10, 5, 7, 0.6, "in_progress"),  # a falling target (e.g. unemployment)
        (10, 5, 12, -0.4, "regressed"),
        (50, 50, 60, None, "target_equals_baseline"),
    ],
)
def test_progress_is_computed_not_clipped(
    client: TestClient,
    db: Session,
    case: Case,
    baseline: float,
    target: float,
    latest: float,
    progress: float | None,
    status: str,
) -> None:
    case.indicator.baseline_value, case.indicator.target_value = baseline, target
    make_measurement(db, case.indicator, case.users["member"], value=latest)
    db.commit()
    read = indicator(client, case)
    assert read["progress"] == (pytest.approx(progress) if progress is not None else None)
    assert read["status"] == status and read["latest_value"] == latest
    assert (read["on_track"] is None) == (progress is None)


def test_extreme_values_never_break_the_read(client: TestClient, case: Case) -> None:
    patched = client.patch(
        indicators_url(case.recommendation, case.indicator.id),
        json={"baseline_value": 0, "target_value": 5e-324},
    )
    assert patched.status_code == 200, patched.text
    body = {"value": 1e308, "measured_on": "2020-01-01"}
    assert client.post(measurements_url(case), json=body).status_code == 201
    read = indicator(client, case)
    assert read["progress"] is None and read["status"] == "achieved"


def test_list_carries_progress_in_constant_statements(
    client: TestClient, db: Session, case: Case, sql_statements: StatementCounter
) -> None:
    def listing(size: int) -> int:
        recommendation = make_recommendation(db, case.engagement, stage=Stage.SHARED)
        for _ in range(size):
            made = make_indicator(db, recommendation)
            for value in (120, 160):
                make_measurement(db, made, case.users["member"], value=value)
        db.commit()
        before = sql_statements.count
        page = client.get(indicators_url(recommendation)).json()
        assert page["total"] == size and all(i["progress"] == 0.6 for i in page["items"])
        return sql_statements.count - before

    assert listing(2) == listing(12)


@pytest.mark.parametrize(
    "change",
    [
        {"target_year": 2017},  # before the baseline year
        {"baseline_year": 1989},
        {"target_year": 2101},
        {"name": ""},
        {"name": "x" * 201},
        {"unit": "u" * 51},
        {"baseline_value": "lots"},
        {"target_value": None},
        {"version": 7},
    ],
)
def test_invalid_indicator_is_422(client: TestClient, db: Session, case: Case, change: Any) -> None:
    response = client.post(indicators_url(case.recommendation), json={**TARGET, **change})
    assert response.status_code == 422, response.text
    count = select(func.count()).select_from(Indicator)
    assert db.scalar(count.where(Indicator.recommendation_id == case.recommendation.id)) == 1


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_422(client: TestClient, case: Case, number: str) -> None:
    # JSON parsers accept NaN and Infinity; they mean nothing as a target or a measurement.
    headers = {"Content-Type": "application/json"}
    target = json.dumps(TARGET).replace('"baseline_value": 100', f'"baseline_value": {number}')
    response = client.post(indicators_url(case.recommendation), content=target, headers=headers)
    assert response.status_code == 422
    measured = f'{{"value": {number}, "measured_on": "2020-01-01"}}'
    assert client.post(measurements_url(case), content=measured, headers=headers).status_code == 422


def test_patch_checks_years_against_the_stored_ones(client: TestClient, case: Case) -> None:
    target = indicators_url(case.recommendation, case.indicator.id)
    response = client.patch(target, json={"baseline_year": 2023})
    assert response.status_code == 422 and response.json()["error"] == "invalid_input"
    assert response.json()["fields"][0]["loc"] == ["body", "baseline_year"]
    assert client.patch(target, json={"target_year": 2017}).status_code == 422
    assert client.patch(target, json={"name": None}).status_code == 422
    changed = client.patch(target, json={"target_year": 2030, "target_value": 300})
    assert changed.status_code == 200 and changed.headers["etag"] == '"2"'
    assert changed.json()["target_year"] == 2030


def test_stale_if_match_is_412(client: TestClient, db: Session, case: Case) -> None:
    target = indicators_url(case.recommendation, case.indicator.id)
    assert client.patch(target, json={"unit": "%"}, headers={"If-Match": '"9"'}).status_code == 412
    assert client.delete(target, headers={"If-Match": '"9"'}).status_code == 412
    assert client.delete(target, headers={"If-Match": '"1"'}).status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        {"value": 1, "measured_on": "FUTURE"},
        {"value": 1, "measured_on": "1989-12-31"},
        {"value": 1},
        {"measured_on": "2020-01-01"},
        {"value": 1, "measured_on": "2020-01-01", "note": "n" * 2001},
        {"value": 1, "measured_on": "2020-01-01", "author_id": 1},
    ],
)
def test_invalid_measurement_is_422(client: TestClient, db: Session, case: Case, body: Any) -> None:
    if body.get("measured_on") == "FUTURE":
        body = {**body, "measured_on": (datetime.now(UTC) + timedelta(days=2)).date().isoformat()}
    assert client.post(measurements_url(case), json=body).status_code == 422
    assert db.scalar(select(func.count()).select_from(Measurement)) == 0


def test_measurements_are_paginated_latest_first(
    client: TestClient, db: Session, case: Case
) -> None:
    author = case.users["stakeholder"]
    ids = [
        make_measurement(db, case.indicator, author, measured_on=date(2020, month, 1)).id
        for month in range(1, 6)
    ]
    db.commit()
    page = client.get(measurements_url(case), params={"limit": 3}).json()
    assert page["total"] == 5 and [m["id"] for m in page["items"]] == ids[:-4:-1]
    assert page["items"][0]["author_id"] == author.id
    assert page["items"][0]["author_role"] == "stakeholder"
    rest = client.get(measurements_url(case), params={"limit": 3, "offset": 3}).json()
    assert [m["id"] for m in rest["items"]] == ids[1::-1]


def test_deleting_a_measurement_changes_the_latest(client: TestClient, case: Case) -> None:
    first = client.post(measurements_url(case), json={"value": 150, "measured_on": "2020-01-01"})
    second = client.post(measurements_url(case), json={"value": 180, "measured_on": "2021-01-01"})
    assert indicator(client, case)["latest_value"] == 180
    assert client.delete(measurements_url(case, second.json()["id"])).status_code == 204
    assert indicator(client, case)["latest_value"] == 150
    assert client.delete(measurements_url(case, second.json()["id"])).status_code == 404
    assert first.json()["id"] != second.json()["id"]


def test_deleting_an_indicator_takes_its_measurements(
    client: TestClient, db: Session, case: Case
) -> None:
    make_measurement(db, case.indicator, case.users["member"])
    db.commit()
    assert client.delete(indicators_url(case.recommendation, case.indicator.id)).status_code == 204
    assert db.scalar(select(func.count()).select_from(Measurement)) == 0
    assert client.get(indicators_url(case.recommendation, case.indicator.id)).status_code == 404


@pytest.mark.parametrize(
    ("role", "read", "measure_status", "write"),
    [
        ("member", 200, 201, "ok"),
        ("admin", 200, 201, "ok"),
        ("stakeholder", 200, 201, 403),
        ("outsider", 200, 403, 403),
        ("monitor", 200, 403, 403),
        ("other_stakeholder", 404, 404, 404),
    ],
)
def test_who_may_read_measure_and_write(
    anonymous: TestClient,
    db: Session,
    case: Case,
    role: str,
    read: int,
    measure_status: int,
    write: int | str,
) -> None:
    headers = as_(case, role)
    made = make_measurement(db, case.indicator, case.users["member"])
    db.commit()
    item = indicators_url(case.recommendation, case.indicator.id)
    for path in (indicators_url(case.recommendation), item, measurements_url(case)):
        assert anonymous.get(path, headers=headers).status_code == read
    assert measure(anonymous, case, 130, "2020-02-01", role=role).status_code == measure_status
    writes = [
        anonymous.post(indicators_url(case.recommendation), json=TARGET, headers=headers),
        anonymous.patch(item, json={"unit": "%"}, headers=headers),
        anonymous.delete(measurements_url(case, made.id), headers=headers),
        anonymous.delete(item, headers=headers),
    ]
    expected = {201, 200, 204} if write == "ok" else {write}
    assert {w.status_code for w in writes} <= expected, [w.text for w in writes]


def test_stakeholder_cannot_see_indicators_of_a_draft(
    anonymous: TestClient, db: Session, case: Case
) -> None:
    draft = make_recommendation(db, case.engagement, stage=Stage.DRAFT)
    hidden = make_indicator(db, draft)
    db.commit()
    headers = as_(case, "stakeholder")
    assert anonymous.get(indicators_url(draft), headers=headers).status_code == 404
    assert anonymous.get(indicators_url(draft, hidden.id), headers=headers).status_code == 404
    body = {"value": 1, "measured_on": "2020-01-01"}
    path = f"{indicators_url(draft, hidden.id)}/measurements"
    assert anonymous.post(path, json=body, headers=headers).status_code == 404
    # The engagement's consultants design indicators before sharing.
    member = as_(case, "member")
    assert anonymous.post(indicators_url(draft), json=TARGET, headers=member).status_code == 201


def test_anonymous_is_401(anonymous: TestClient, case: Case) -> None:
    assert anonymous.get(indicators_url(case.recommendation)).status_code == 401
    body = {"value": 1, "measured_on": "2020-01-01"}
    assert anonymous.post(measurements_url(case), json=body).status_code == 401


def test_indicators_and_measurements_never_cross(
    client: TestClient, db: Session, case: Case
) -> None:
    sibling = make_recommendation(db, case.engagement, stage=Stage.SHARED)
    foreign_recommendation = make_recommendation(db, make_engagement(db), stage=Stage.SHARED)
    foreign = make_indicator(db, foreign_recommendation)
    foreign_measurement = make_measurement(db, foreign, case.users["admin"])
    db.commit()
    # Another engagement's indicator, or another recommendation's, through this path: absent.
    for path in (
        indicators_url(case.recommendation, foreign.id),
        indicators_url(sibling, case.indicator.id),
        f"/api/v1/engagements/{case.engagement.id}/recommendations/{foreign_recommendation.id}"
        f"/indicators/{foreign.id}",
    ):
        assert client.get(path).status_code == 404
        assert client.patch(path, json={"name": "Hijacked"}).status_code == 404
        assert (
            client.post(
                f"{path}/measurements", json={"value": 1, "measured_on": "2020-01-01"}
            ).status_code
            == 404
        )
    assert client.delete(measurements_url(case, foreign_measurement.id)).status_code == 404
    assert client.get(measurements_url(case)).json()["total"] == 0
    db.refresh(foreign)
    assert foreign.name != "Hijacked"
    assert db.get(Measurement, foreign_measurement.id) is not None


def test_database_refuses_a_measurement_of_another_engagements_indicator(
    db: Session, case: Case
) -> None:
    other = make_engagement(db)
    savepoint = db.begin_nested()
    with pytest.raises(IntegrityError):
        db.add(
            Measurement(
                engagement_id=other.id,
                indicator_id=case.indicator.id,
                value=1.0,
                measured_on=date(2020, 1, 1),
                author_id=case.users["member"].id,
                author_role=Role.CONSULTANT,
            )
        )
        db.flush()
    savepoint.rollback()
