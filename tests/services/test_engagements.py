"""The engagement list query: every filter, every order, the text search."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.models import EngagementObjective, EngagementTheme, User
from app.schemas.engagement import EngagementQuery, EngagementRead
from app.services import engagements as service
from app.vocab import EngagementKind, Objective, Phase, Role, Theme
from tests.factories import add_member, make_engagement, make_partnership, make_region, make_user


def _at(month: int, year: int = 2019) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


@pytest.fixture
def portfolio(db: Session) -> dict[str, int]:
    """Three engagements: A (Cantabria, led by Ana), B (a partnership, Jonas on the team),
    C (Wallonia, led by Jonas who is not on its team)."""
    cantabria, wallonia = make_region(db, name="Cantabria"), make_region(db, name="Wallonia")
    packaging = make_partnership(db, name="Smart packaging")
    ana, jonas = make_user(db), make_user(db)
    a = make_engagement(
        db,
        reference="A-1",
        title="Digital clusters",
        summary="Workshops with 100 participants",
        region_id=cantabria.id,
        lead_consultant_id=ana.id,
        planned_start=date(2018, 3, 1),
        created_at=_at(3),
        updated_at=_at(1, 2020),
    )
    b = make_engagement(
        db,
        reference="B-2",
        title="Packaging value chain",
        summary="Reach 100%_coverage of SMEs",
        kind=EngagementKind.PARTNERSHIP_SUPPORT,
        partnership_id=packaging.id,
        phase=Phase.DIAGNOSIS,
        created_at=_at(1),
        updated_at=_at(3, 2020),
    )
    c = make_engagement(
        db,
        reference="C-3",
        title="Circular economy",
        region_id=wallonia.id,
        phase=Phase.CLOSED,
        lead_consultant_id=jonas.id,
        planned_start=date(2017, 5, 1),
        created_at=_at(2),
        updated_at=_at(2, 2020),
    )
    add_member(db, a, ana)
    add_member(db, b, jonas)
    db.add_all(
        [
            EngagementTheme(engagement_id=a.id, theme=Theme.DIGITALISATION),
            EngagementTheme(engagement_id=a.id, theme=Theme.KETS),
            EngagementTheme(engagement_id=b.id, theme=Theme.KETS),
            EngagementTheme(engagement_id=c.id, theme=Theme.DIGITALISATION),
            EngagementObjective(engagement_id=c.id, objective=Objective.EMERGING_INDUSTRIES),
        ]
    )
    db.flush()
    ids = {"cantabria": cantabria.id, "packaging": packaging.id, "ana": ana.id}
    return ids | {"jonas": jonas.id, "A": a.id, "B": b.id, "C": c.id}


def _page(
    db: Session,
    query: EngagementQuery,
    *,
    viewer: User | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[EngagementRead], int]:
    viewer = viewer or make_user(db, role=Role.MONITOR)
    return service.list_engagements(db, query, viewer=viewer, limit=limit, offset=offset)


def _references(db: Session, *, viewer: User | None = None, **query: Any) -> list[str]:
    items, total = _page(db, EngagementQuery(**query), viewer=viewer)
    assert total == len(items)
    return [item.reference for item in items]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["A-1", "B-2", "C-3"]),
        ({"phase": Phase.DIAGNOSIS}, ["B-2"]),
        ({"phase": Phase.ON_HOLD}, []),
        ({"kind": EngagementKind.PARTNERSHIP_SUPPORT}, ["B-2"]),
        ({"kind": EngagementKind.REGIONAL_ADVICE}, ["A-1", "C-3"]),
        ({"theme": Theme.KETS}, ["A-1", "B-2"]),
        ({"theme": Theme.CREATIVITY}, []),
        ({"phase": Phase.CLOSED, "theme": Theme.DIGITALISATION}, ["C-3"]),
    ],
)
def test_filters_by_vocabulary(
    db: Session, portfolio: dict[str, int], query: dict[str, Any], expected: list[str]
) -> None:
    assert _references(db, **query) == expected


def test_filters_by_client(db: Session, portfolio: dict[str, int]) -> None:
    assert _references(db, region_id=portfolio["cantabria"]) == ["A-1"]
    assert _references(db, partnership_id=portfolio["packaging"]) == ["B-2"]
    assert _references(db, region_id=424242) == []


def test_consultant_filter_matches_lead_or_member(db: Session, portfolio: dict[str, int]) -> None:
    assert _references(db, consultant_id=portfolio["ana"]) == ["A-1"]
    # Jonas is on B's team, and leads C without being listed on its team.
    assert _references(db, consultant_id=portfolio["jonas"]) == ["B-2", "C-3"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("CLUSTERS", ["A-1"]),  # title, any case
        ("b-2", ["B-2"]),  # reference
        ("smes", ["B-2"]),  # summary
        ("100%", ["B-2"]),  # % is a character, not a wildcard
        ("%_c", ["B-2"]),  # so is _
        ("100", ["A-1", "B-2"]),
        ("nowhere", []),
    ],
)
def test_q_is_a_case_insensitive_substring(
    db: Session, portfolio: dict[str, int], q: str, expected: list[str]
) -> None:
    assert _references(db, q=q) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("reference", ["A-1", "B-2", "C-3"]),
        ("-reference", ["C-3", "B-2", "A-1"]),
        ("title", ["C-3", "A-1", "B-2"]),
        ("-title", ["B-2", "A-1", "C-3"]),
        ("planned_start", ["C-3", "A-1", "B-2"]),  # undated last
        ("-planned_start", ["A-1", "C-3", "B-2"]),  # undated last, too
        ("created_at", ["B-2", "C-3", "A-1"]),
        ("-created_at", ["A-1", "C-3", "B-2"]),
        ("updated_at", ["A-1", "C-3", "B-2"]),
        ("-updated_at", ["B-2", "C-3", "A-1"]),
    ],
)
def test_sorts(db: Session, portfolio: dict[str, int], sort: str, expected: list[str]) -> None:
    assert _references(db, sort=sort) == expected


def test_equal_sort_keys_fall_back_to_id(db: Session) -> None:
    same = date(2018, 1, 1)
    ids = [make_engagement(db, title="Same", planned_start=same).id for _ in range(3)]
    for sort in ("title", "-title", "planned_start", "-planned_start"):
        items, _ = _page(db, EngagementQuery(sort=sort))
        assert [i.id for i in items] == ids


def test_page_carries_client_name_and_collections(db: Session, portfolio: dict[str, int]) -> None:
    items, total = _page(db, EngagementQuery(), limit=2, offset=1)
    assert total == 3
    b, c = items
    assert (b.reference, b.client_name, b.themes, b.member_ids) == (
        "B-2",
        "Smart packaging",
        [Theme.KETS],
        [portfolio["jonas"]],
    )
    assert (c.client_name, c.objectives, c.member_ids) == (
        "Wallonia",
        [Objective.EMERGING_INDUSTRIES],
        [],
    )


def test_page_past_the_end_still_counts(db: Session, portfolio: dict[str, int]) -> None:
    items, total = _page(
        db, EngagementQuery(kind=EngagementKind.REGIONAL_ADVICE), limit=5, offset=10
    )
    assert items == [] and total == 2


def test_stakeholders_list_only_their_clients_engagements(
    db: Session, portfolio: dict[str, int]
) -> None:
    regional = make_user(db, role=Role.STAKEHOLDER, region_id=portfolio["cantabria"])
    escp = make_user(db, role=Role.STAKEHOLDER, partnership_id=portfolio["packaging"])
    assert _references(db, viewer=regional) == ["A-1"]
    assert _references(db, viewer=escp, sort="-reference") == ["B-2"]
    assert _references(db, viewer=regional, kind=EngagementKind.PARTNERSHIP_SUPPORT) == []
    items, total = _page(db, EngagementQuery(), viewer=regional, offset=5)
    assert items == [] and total == 1
