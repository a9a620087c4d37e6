"""The engagement list's and the portfolio's change logs: each sum rises on every write to what
its pages show, whoever writes, and on no other write; on PostgreSQL writers add rows and never
wait on each other, and folding the rows keeps the sum."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Select, delete, func, select, text, update
from sqlalchemy.orm import Session

from app.models import (
    Engagement,
    EngagementMember,
    EngagementObjective,
    EngagementTheme,
    ListChange,
    Partnership,
    PortfolioChange,
    Recommendation,
    RecommendationBottleneck,
    Region,
)
from app.models.change_log import ENGAGEMENT_LIST_TABLES, PORTFOLIO_TABLES
from app.services.engagement_queries import LIST_CHANGES
from app.services.portfolio import PORTFOLIO_CHANGES
from app.vocab import Objective, Theme
from tests.factories import (
    add_member,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_milestone,
    make_mission,
    make_partnership,
    make_recommendation,
    make_region,
    make_user,
)


def counter(db: Session, log: Select[Any] = LIST_CHANGES) -> int:
    value = db.scalar(log)
    assert value is not None
    return int(value)


def raises_counter(
    db: Session, write: Callable[[], object], log: Select[Any] = LIST_CHANGES
) -> bool:
    before = counter(db, log)
    write()
    db.flush()
    return counter(db, log) > before


@pytest.fixture
def engagement(db: Session) -> Engagement:
    engagement = make_engagement(db)
    add_member(db, engagement, make_user(db))
    db.add(EngagementTheme(engagement_id=engagement.id, theme=Theme.KETS))
    db.add(EngagementObjective(engagement_id=engagement.id, objective=next(iter(Objective))))
    db.flush()
    return engagement


def test_every_write_to_an_engagement_raises_it(db: Session, engagement: Engagement) -> None:
    assert raises_counter(db, lambda: make_engagement(db))
    assert raises_counter(
        db,
        lambda: db.execute(
            update(Engagement).where(Engagement.id == engagement.id).values(title="Renamed")
        ),
    )
    other = make_engagement(db)
    assert raises_counter(
        db, lambda: db.execute(delete(Engagement).where(Engagement.id == other.id))
    )


@pytest.mark.parametrize("model", [EngagementTheme, EngagementObjective, EngagementMember])
def test_every_write_to_a_collection_of_the_list_raises_it(
    db: Session, engagement: Engagement, model: type
) -> None:
    rows = select(model).where(model.engagement_id == engagement.id)  # type: ignore[attr-defined]
    row = db.scalars(rows).one()
    key = {"theme": Theme.DIGITALISATION, "objective": list(Objective)[1]}
    column = next(c.key for c in model.__table__.columns if c.key != "engagement_id")  # type: ignore[attr-defined]
    value = key.get(column) or make_user(db).id
    assert raises_counter(db, lambda: db.add(model(engagement_id=engagement.id, **{column: value})))
    assert raises_counter(db, lambda: db.delete(row))


@pytest.mark.parametrize("model", [Region, Partnership])
def test_renaming_a_client_raises_it(db: Session, model: type) -> None:
    client = make_region(db) if model is Region else make_partnership(db)
    assert raises_counter(
        db,
        lambda: db.execute(update(model).where(model.id == client.id).values(name="New name")),  # type: ignore[attr-defined]
    )


def test_writes_the_list_does_not_show_leave_it(db: Session, engagement: Engagement) -> None:
    assert not raises_counter(db, lambda: make_challenge(db, engagement))
    assert not raises_counter(db, lambda: make_milestone(db, engagement))
    assert not raises_counter(db, lambda: make_user(db))


def test_a_raw_statement_from_any_client_raises_it(db: Session, engagement: Engagement) -> None:
    """Not the ORM: a console, a script, another process."""
    statement = text("UPDATE engagements SET summary = 'edited by hand' WHERE id = :id")
    assert raises_counter(db, lambda: db.execute(statement, {"id": engagement.id}))


def test_every_table_the_list_reads_has_its_triggers(db: Session) -> None:
    """A table added to the list's sources without a trigger would let the list go stale."""
    if db.get_bind().dialect.name == "postgresql":
        names = db.scalars(
            text(
                "SELECT DISTINCT event_object_table FROM information_schema.triggers "
                "WHERE action_statement LIKE '%note_engagement_list_change%'"
            )
        ).all()
    else:
        names = db.scalars(
            text(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%notes_engagement_list_change'"
            )
        ).all()
    assert sorted(names) == sorted(ENGAGEMENT_LIST_TABLES)


def test_folding_the_log_keeps_its_sum_and_shortens_it(db: Session) -> None:
    """PostgreSQL: every 64th row folds the others into one; the sum is the same before and
    after (SQLite keeps one row raised in place)."""
    before = counter(db)
    for n in range(130):
        make_region(db, name=f"Folded {n}")
        db.flush()
    assert counter(db) == before + 130
    rows = db.scalar(select(func.count()).select_from(ListChange))
    assert rows is not None and rows <= 66


# -- the portfolio's change log (migration 0010) ----------------------------------------------


def portfolio_counter(db: Session) -> int:
    return counter(db, PORTFOLIO_CHANGES)


def raises_portfolio_counter(db: Session, write: Callable[[], object]) -> bool:
    return raises_counter(db, write, PORTFOLIO_CHANGES)


def test_every_write_the_portfolio_summary_reads_raises_its_log(
    db: Session, engagement: Engagement
) -> None:
    bottleneck = make_bottleneck(db, engagement)
    for write in (
        lambda: make_milestone(db, engagement),
        lambda: make_mission(db, engagement),
        lambda: make_bottleneck(db, engagement),
        lambda: make_recommendation(db, engagement, bottlenecks=[bottleneck]),
        lambda: db.execute(
            update(Recommendation)
            .where(Recommendation.engagement_id == engagement.id)
            .values(implementation="fully_implemented")
        ),
        lambda: db.execute(text("UPDATE bottlenecks SET framework_condition = 'knowledge_skills'")),
        lambda: db.execute(delete(RecommendationBottleneck)),
        lambda: db.execute(update(Engagement).values(phase="closed")),
        lambda: make_region(db),
    ):
        assert raises_portfolio_counter(db, write)


def test_writes_the_portfolio_does_not_read_leave_its_log(
    db: Session, engagement: Engagement
) -> None:
    assert not raises_portfolio_counter(db, lambda: make_challenge(db, engagement))
    assert not raises_portfolio_counter(db, lambda: make_user(db))
    assert not raises_portfolio_counter(db, lambda: add_member(db, engagement, make_user(db)))


def test_every_table_the_portfolio_reads_has_its_triggers(db: Session) -> None:
    if db.get_bind().dialect.name == "postgresql":
        query = (
            "SELECT DISTINCT event_object_table FROM information_schema.triggers "
            "WHERE action_statement LIKE '%note_portfolio_change%'"
        )
    else:
        query = (
            "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE '%note_portfolio_change'"
        )
    assert sorted(db.scalars(text(query)).all()) == sorted(PORTFOLIO_TABLES)


def test_folding_the_portfolio_log_keeps_its_sum(db: Session, engagement: Engagement) -> None:
    before = portfolio_counter(db)
    for _ in range(130):
        make_milestone(db, engagement)
        db.flush()
    assert portfolio_counter(db) == before + 130
    rows = db.scalar(select(func.count()).select_from(PortfolioChange))
    assert rows is not None and rows <= 66
