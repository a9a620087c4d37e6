"""A region's profile against numbers worked out by hand (the world: stat_factories.hand_world)."""

import pytest
from sqlalchemy.orm import Session

from app.services import region_profile
from app.services.errors import NotFound
from app.vocab import Direction, FrameworkCondition
from tests.conftest import StatementCounter
from tests.factories import make_region
from tests.statistics.stat_factories import hand_world, make_stat_indicator, observe


def _by_name(profile: region_profile.RegionProfile) -> dict[str, region_profile.IndicatorProfile]:
    return {p.name: p for p in profile.indicators}


def test_eu_aggregate_benchmark_percentile_cagr_and_narrowing_gap(db: Session) -> None:
    world = hand_world(db)
    rd = _by_name(region_profile.profile(db, world.a.id))["R&D expenditure"]
    assert (rd.year, rd.value) == (2022, 20.0)
    assert rd.benchmark is not None
    assert (rd.benchmark.kind, rd.benchmark.geo, rd.benchmark.value) == (
        "eu_aggregate",
        "EU27_2020",
        35.0,
    )
    assert rd.benchmark.label == "EU-27 (2020 composition)"
    assert rd.gap == -15.0
    # NUTS 2 values in 2022: 10, 20 (a), 30, 40, 50; the NUTS 1 region's 100 does not count.
    # One worse, one equal (a itself): (1 + 0.5) / 5 = 30th percentile.
    assert rd.regions_compared == 5
    assert rd.percentile == pytest.approx(30.0)
    # 10 in 2017 to 20 in 2022: 2 ** (1/5) - 1.
    assert rd.cagr == pytest.approx(0.148698355)
    # Shortfall (35-20)/35 = 0.43 in 2022 against (30-10)/30 = 0.67 in 2017: narrowing.
    assert (rd.base_year, rd.gap_trend) == (2017, "narrowing")
    assert [(p.year, p.value) for p in rd.series] == [(2017, 10.0), (2020, 15.0), (2022, 20.0)]
    assert [(p.year, p.value) for p in rd.benchmark_series] == [(2017, 30.0), (2022, 35.0)]


def test_level_mean_benchmark_when_no_aggregate_has_the_year_lower_is_better(
    db: Session,
) -> None:
    world = hand_world(db)
    unemployment = _by_name(region_profile.profile(db, world.a.id))["Unemployment rate"]
    assert unemployment.direction == Direction.LOWER
    benchmark = unemployment.benchmark
    assert benchmark is not None
    # EU28 has 2017 only: 2022's benchmark is the mean of 11, 4, 6, 10, 12 = 8.6.
    assert (benchmark.kind, benchmark.geo, benchmark.regions) == ("level_mean", None, 5)
    assert benchmark.value == pytest.approx(8.6)
    assert benchmark.label == "Mean of the NUTS 2 regions"
    # Lower is better: one region (12) is worse than 11, a itself equal: (1 + 0.5) / 5.
    assert unemployment.percentile == pytest.approx(30.0)
    # 5 in 2017 to 11 in 2022.
    assert unemployment.cagr == pytest.approx((11 / 5) ** 0.2 - 1)
    # 2017: 5 against a mean of 6, ahead; 2022: 11 against 8.6, behind: widening.
    assert unemployment.gap_trend == "widening"
    assert [(p.year, round(p.value, 6)) for p in unemployment.benchmark_series] == [
        (2017, 6.0),
        (2022, 8.6),
    ]


def test_bottom_quartile_and_no_history(db: Session) -> None:
    world = hand_world(db)
    profile = region_profile.profile(db, world.a.id)
    finance = _by_name(profile)["Venture capital"]
    assert finance.percentile == pytest.approx(10.0)  # the lowest of five: 0.5 / 5
    assert finance.gap == -2.0
    assert finance.cagr is None and finance.gap_trend is None
    summaries = {s.framework_condition: s for s in profile.conditions}
    skills = summaries[FrameworkCondition.KNOWLEDGE_SKILLS]
    assert (skills.indicators, skills.median_percentile, skills.bottom_quartile) == (2, 30.0, 0)
    assert skills.widening == 1
    access = summaries[FrameworkCondition.ACCESS_TO_FINANCE]
    assert (access.indicators, access.median_percentile, access.bottom_quartile) == (1, 10.0, 1)
    assert [d.id for d in profile.datasets] == [world.dataset.id]


def test_years_parameter_moves_the_base_year(db: Session) -> None:
    world = hand_world(db)
    rd = _by_name(region_profile.profile(db, world.a.id, years=2))["R&D expenditure"]
    assert rd.base_year == 2020
    assert rd.cagr == pytest.approx((20 / 15) ** 0.5 - 1)
    assert rd.gap_trend is None  # no benchmark in 2020


def test_cagr_needs_positive_ends() -> None:
    assert region_profile.cagr(0.0, 5.0, 5) is None
    assert region_profile.cagr(-1.0, 5.0, 5) is None
    assert region_profile.cagr(None, 5.0, 5) is None
    assert region_profile.cagr(100.0, 121.0, 2) == pytest.approx(0.1)


def test_gap_trend_is_direction_aware() -> None:
    higher, lower = Direction.HIGHER, Direction.LOWER
    assert region_profile.gap_trend(higher, (8, 10), (9, 10)) == "narrowing"
    assert region_profile.gap_trend(higher, (9, 10), (8, 10)) == "widening"
    assert region_profile.gap_trend(higher, (12, 10), (15, 10)) == "ahead"
    assert region_profile.gap_trend(higher, (8, 10), (16, 20)) == "stable"  # 20% behind both
    # Lower is better: above the benchmark is behind.
    assert region_profile.gap_trend(lower, (12, 10), (11, 10)) == "narrowing"
    assert region_profile.gap_trend(lower, (8, 10), (9, 10)) == "ahead"
    assert region_profile.gap_trend(lower, (9, 10), (12, 10)) == "widening"


def test_percentile_ties_share_the_middle(db: Session) -> None:
    regions = [make_region(db, nuts_level=2) for _ in range(4)]
    indicator = make_stat_indicator(db)
    for region in regions:
        observe(db, indicator, region, {2020: 7.0})
    (item,) = region_profile.profile(db, regions[0].id).indicators
    assert item.percentile == pytest.approx(50.0)  # 0 worse, 4 equal: 2 / 4


def test_region_without_data_has_an_empty_profile(db: Session) -> None:
    region = make_region(db)
    profile = region_profile.profile(db, region.id)
    assert profile.indicators == [] and profile.conditions == [] and profile.datasets == []


def test_unknown_region_is_not_found(db: Session) -> None:
    with pytest.raises(NotFound):
        region_profile.profile(db, 987654)


def test_profile_takes_the_same_few_statements_whatever_the_indicators(
    db: Session, sql_statements: StatementCounter
) -> None:
    world = hand_world(db)
    for _ in range(10):
        extra = make_stat_indicator(db, world.dataset)
        observe(db, extra, world.a, {2018: 1.0, 2022: 2.0})
        observe(db, extra, world.others[0], {2022: 3.0})
    db.flush()
    db.expunge_all()  # the region too: read like a request would
    before = sql_statements.count
    profile = region_profile.profile(db, world.a.id)
    assert len(profile.indicators) == 13
    assert sql_statements.count - before == 5
