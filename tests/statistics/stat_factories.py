"""Indicator data for the analysis tests, written straight to the tables (no importer)."""

import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from app.models import Dataset, Observation, Region, StatIndicator
from app.vocab import Direction, FrameworkCondition
from tests.factories import make_region

_seq = itertools.count(1)
AGGREGATES = frozenset({"EU27_2020", "EU28", "EU27"})


def make_dataset(session: Session, **overrides: Any) -> Dataset:
    n = next(_seq)
    values: dict[str, Any] = {
        "source": "Eurostat",
        "code": f"test_ds_{n}",
        "title": f"Test table {n}",
        "licence": "CC BY 4.0",
        "attribution": "© European Union, 1995-2026",
        "url": "https://ec.europa.eu/eurostat/databrowser/view/test",
    }
    dataset = Dataset(**(values | overrides))
    session.add(dataset)
    session.flush()
    return dataset


def make_stat_indicator(
    session: Session, dataset: Dataset | None = None, **overrides: Any
) -> StatIndicator:
    n = next(_seq)
    values: dict[str, Any] = {
        "code": f"test_ind_{n}",
        "name": f"Indicator {n}",
        "unit": "%",
        "framework_condition": FrameworkCondition.KNOWLEDGE_SKILLS,
        "direction": Direction.HIGHER,
    }
    if dataset is None:
        dataset = make_dataset(session)
    indicator = StatIndicator(dataset_id=dataset.id, **(values | overrides))
    session.add(indicator)
    session.flush()
    return indicator


def observe(
    session: Session,
    indicator: StatIndicator,
    where: Region | str,
    values: dict[int, float],
    *,
    nuts_level: int | None = None,
) -> None:
    """Observations of `indicator` for a region (its NUTS level), an aggregate code (none) or
    another place's code (`nuts_level`), by year. Core inserts, as the importer writes them."""
    geo = where if isinstance(where, str) else where.nuts_code
    level = nuts_level if isinstance(where, str) else where.nuts_level
    assert isinstance(where, Region) or (where in AGGREGATES) == (nuts_level is None)
    rows = [
        {
            "indicator_id": indicator.id,
            "geo": geo,
            "year": year,
            "value": value,
            "flag": "",
            "nuts_level": level,
        }
        for year, value in values.items()
    ]
    session.execute(insert(Observation), rows)


def revise(session: Session, indicator: StatIndicator, geo: str, year: int, value: float) -> None:
    """A re-import's revised value."""
    session.execute(
        update(Observation)
        .where(
            Observation.indicator_id == indicator.id,
            Observation.geo == geo,
            Observation.year == year,
        )
        .values(value=value)
    )


@dataclass
class HandWorld:
    """Five NUTS 2 regions (`a` is the one profiled) and a NUTS 1 region that must not count,
    three indicators whose results are worked out by hand in tests/statistics/test_profile.py:
    - `rd` (higher is better, knowledge and skills): an EU27_2020 benchmark, narrowing gap;
    - `unemployment` (lower is better, knowledge and skills): an EU28 value for 2017 only, so
      the benchmark falls back to the level's mean; the gap widens;
    - `finance` (higher is better, access to finance): `a` is the lowest, no history."""

    a: Region
    others: list[Region]
    nuts1: Region
    dataset: Dataset
    rd: StatIndicator
    unemployment: StatIndicator
    finance: StatIndicator


def hand_world(session: Session, *, a: Region | None = None, **dataset: Any) -> HandWorld:
    a = a or make_region(session, name="Alphaland", nuts_level=2)
    b, c, d, e = (make_region(session, nuts_level=2) for _ in range(4))
    nuts1 = make_region(session, nuts_level=1)
    ds = make_dataset(session, **dataset)
    rd = make_stat_indicator(session, ds, name="R&D expenditure", unit="% of GDP")
    unemployment = make_stat_indicator(
        session, ds, name="Unemployment rate", unit="%", direction=Direction.LOWER
    )
    finance = make_stat_indicator(
        session,
        ds,
        name="Venture capital",
        unit="% of GDP",
        framework_condition=FrameworkCondition.ACCESS_TO_FINANCE,
    )
    for region, rd_2022, (u_2017, u_2022), fin in (
        (a, 20.0, (5.0, 11.0), 1.0),
        (b, 10.0, (5.0, 4.0), 2.0),
        (c, 30.0, (5.0, 6.0), 3.0),
        (d, 40.0, (5.0, 10.0), 4.0),
        (e, 50.0, (10.0, 12.0), 5.0),
    ):
        observe(session, rd, region, {2022: rd_2022})
        observe(session, unemployment, region, {2017: u_2017, 2022: u_2022})
        observe(session, finance, region, {2022: fin})
    observe(session, rd, a, {2017: 10.0, 2020: 15.0})
    observe(session, rd, "EU27_2020", {2017: 30.0, 2022: 35.0})
    observe(session, unemployment, "EU28", {2017: 7.0})
    observe(session, finance, "EU27_2020", {2022: 3.0})
    for indicator in (rd, unemployment, finance):
        observe(session, indicator, nuts1, {2017: 100.0, 2022: 100.0})
    return HandWorld(a, [b, c, d, e], nuts1, ds, rd, unemployment, finance)
