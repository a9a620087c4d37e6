"""A region's statistical profile against benchmarks (issue 15; its peers:
app/services/region_peers.py).

The arithmetic (docs/statistics-analysis.md):
- benchmark: the EU aggregate (EU27_2020, else EU28, else EU27) for the region's latest year;
  without one, the mean of the regions of the region's NUTS level that year;
- percentile: among the regions of the same NUTS level with a value that year,
  (worse + half of the equal, the region included) / all * 100, "worse" by the indicator's
  direction, so that a higher percentile is always a better position;
- CAGR over `years` years: (latest / base) ** (1 / years) - 1, both ends present and positive;
- gap trend: the shortfall against the benchmark (relative to it, direction-aware, zero when
  ahead) at the base year against the latest year: narrowing, widening, stable, or ahead.

Statements per profile: the region, its and the aggregates' observations, the indicators with
their datasets, the level's ranks in the latest years (a grouped join) and the level's yearly
means where there is no aggregate (a grouped scan), both on the covering index
ix_stat_observations_indicator_id_nuts_level_year: five, whatever the number of indicators.
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from app.models import Dataset, Observation, Region, StatIndicator
from app.schemas.region_profile import (
    Benchmark,
    ConditionSummary,
    DatasetRef,
    GapTrend,
    IndicatorProfile,
    RegionProfile,
    RegionRef,
)
from app.services.errors import NotFound
from app.vocab import Direction, FrameworkCondition

AGGREGATES = ("EU27_2020", "EU28", "EU27")  # in order of preference
AGGREGATE_LABELS = {
    "EU27_2020": "EU-27 (2020 composition)",
    "EU28": "EU-28",
    "EU27": "EU-27 (2007-2013 composition)",
}
DEFAULT_YEARS = 5
BOTTOM_QUARTILE = 25.0


def get_region(session: Session, region_id: int) -> Region:
    region = session.get(Region, region_id)
    if region is None:
        raise NotFound(f"Region {region_id} does not exist")
    return region


def region_ref(region: Region) -> RegionRef:
    return RegionRef(
        id=region.id,
        nuts_code=region.nuts_code,
        name=region.name,
        country_code=region.country_code,
        nuts_level=region.nuts_level,
    )


@dataclass
class _Series:
    """The observations read for one profile."""

    own: dict[int, dict[int, tuple[float, str]]] = field(default_factory=lambda: defaultdict(dict))
    aggregate: dict[tuple[int, str], dict[int, float]] = field(
        default_factory=lambda: defaultdict(dict)
    )


@dataclass(frozen=True)
class _LevelStat:
    regions: int
    worse_higher: int  # regions below the region's value
    worse_lower: int  # regions above it
    mean: float


def _read_series(session: Session, geo: str) -> _Series:
    series = _Series()
    rows = session.execute(
        select(
            Observation.indicator_id,
            Observation.geo,
            Observation.year,
            Observation.value,
            Observation.flag,
        ).where(Observation.geo.in_([geo, *AGGREGATES]))
    )
    for indicator_id, where, year, value, flag in rows:
        if where == geo:
            series.own[indicator_id][year] = (value, flag)
        else:
            series.aggregate[(indicator_id, where)][year] = value
    return series


def _aggregate_of(series: _Series, indicator_id: int, year: int) -> str | None:
    """The preferred aggregate with a value for `year`, if any."""
    for geo in AGGREGATES:
        if year in series.aggregate.get((indicator_id, geo), {}):
            return geo
    return None


def _level_stats(
    session: Session, region: Region, latest: Sequence[tuple[int, int]], averaged: Sequence[int]
) -> dict[tuple[int, int], _LevelStat]:
    """For each (indicator, year) of `latest`: the level's regions with a value, how many are
    below and above the region, and their mean; for each indicator of `averaged` (those
    without an aggregate), the level's count and mean in every year. Two statements, both
    reading the covering index only."""
    found: dict[tuple[int, int], _LevelStat] = {}
    if averaged:
        means = (
            select(
                Observation.indicator_id,
                Observation.year,
                func.count(),
                func.avg(Observation.value),
            )
            .where(
                Observation.indicator_id.in_(averaged),
                Observation.nuts_level == region.nuts_level,
            )
            .group_by(Observation.indicator_id, Observation.year)
        )
        for indicator_id, year, n, mean in session.execute(means):
            found[(indicator_id, year)] = _LevelStat(n, 0, 0, float(mean))
    if not latest:
        return found
    own, other = aliased(Observation), aliased(Observation)
    ranks = (
        select(
            own.indicator_id,
            own.year,
            func.count(),
            func.count().filter(other.value < own.value),
            func.count().filter(other.value > own.value),
            func.avg(other.value),
        )
        .select_from(own)
        .join(
            other,
            and_(
                other.indicator_id == own.indicator_id,
                other.nuts_level == region.nuts_level,
                other.year == own.year,
            ),
        )
        .where(own.geo == region.nuts_code, tuple_(own.indicator_id, own.year).in_(latest))
        .group_by(own.indicator_id, own.year)
    )
    for indicator_id, year, n, below, above, mean in session.execute(ranks):
        found[(indicator_id, year)] = _LevelStat(n, below or 0, above or 0, float(mean))
    return found


def percentile(stat: _LevelStat, direction: Direction) -> float | None:
    """The region's position among `stat.regions` (itself included), higher = better."""
    if stat.regions == 0:
        return None
    worse = stat.worse_higher if direction == Direction.HIGHER else stat.worse_lower
    equal = stat.regions - stat.worse_higher - stat.worse_lower
    return 100.0 * (worse + 0.5 * equal) / stat.regions


def cagr(first: float | None, last: float | None, years: int) -> float | None:
    """Compound annual growth from `first` to `last` over `years`; None unless both are > 0."""
    if first is None or last is None or first <= 0 or last <= 0 or years <= 0:
        return None
    return float((last / first) ** (1.0 / years) - 1.0)


def _shortfall(direction: Direction, value: float, benchmark: float, relative: bool) -> float:
    gap = value - benchmark
    if relative:
        gap /= abs(benchmark)
    position = gap if direction == Direction.HIGHER else -gap
    return max(0.0, -position)


def gap_trend(
    direction: Direction, before: tuple[float, float], after: tuple[float, float]
) -> GapTrend:
    """How the shortfall against the benchmark moved from `before` to `after` ((value,
    benchmark) pairs): relative to the benchmark unless a benchmark is zero."""
    relative = before[1] != 0 and after[1] != 0
    first = _shortfall(direction, *before, relative)
    last = _shortfall(direction, *after, relative)
    if first == 0 and last == 0:
        return "ahead"
    if math.isclose(first, last, rel_tol=1e-9, abs_tol=1e-12):
        return "stable"
    return "widening" if last > first else "narrowing"


def profile(session: Session, region_id: int, *, years: int = DEFAULT_YEARS) -> RegionProfile:
    """The region's profile: per indicator its latest value against the benchmark, its
    percentile among the regions of its level, its trend; per framework condition a summary."""
    region = get_region(session, region_id)
    series = _read_series(session, region.nuts_code)
    meta = _indicators(session, list(series.own))
    choice = {i: _aggregate_of(series, i, max(values)) for i, values in series.own.items()}
    latest = [(i, max(values)) for i, values in series.own.items()]
    averaged = [i for i, aggregate in choice.items() if aggregate is None]
    stats = _level_stats(session, region, latest, averaged)
    items = [
        _indicator(region, meta[i], series, stats, choice[i], years)
        for i in series.own
        if i in meta
    ]
    order = list(FrameworkCondition)
    items.sort(key=lambda p: (order.index(p.framework_condition), p.name, p.indicator_id))
    datasets = {indicator.dataset_id: dataset for indicator, dataset in meta.values()}
    return RegionProfile(
        region=region_ref(region),
        years=years,
        indicators=items,
        conditions=summaries(items),
        datasets=[_dataset_ref(d) for _, d in sorted(datasets.items())],
    )


def _indicators(session: Session, ids: list[int]) -> dict[int, tuple[StatIndicator, Dataset]]:
    if not ids:
        return {}
    rows = session.execute(
        select(StatIndicator, Dataset)
        .join(Dataset, Dataset.id == StatIndicator.dataset_id)
        .where(StatIndicator.id.in_(ids))
    )
    return {indicator.id: (indicator, dataset) for indicator, dataset in rows}


def _dataset_ref(dataset: Dataset) -> DatasetRef:
    return DatasetRef(
        id=dataset.id,
        code=dataset.code,
        title=dataset.title,
        source=dataset.source,
        licence=dataset.licence,
        attribution=dataset.attribution,
        url=dataset.url,
        illustrative=dataset.illustrative,
    )


def _benchmark_series(
    series: _Series,
    stats: dict[tuple[int, int], _LevelStat],
    indicator_id: int,
    aggregate: str | None,
) -> dict[int, tuple[float, int | None]]:
    """{year: (benchmark value, regions averaged or None)} for the chosen kind of benchmark."""
    if aggregate is not None:
        return {y: (v, None) for y, v in series.aggregate[(indicator_id, aggregate)].items()}
    return {
        year: (stat.mean, stat.regions)
        for (i, year), stat in stats.items()
        if i == indicator_id and stat.regions > 0
    }


def _indicator(
    region: Region,
    meta: tuple[StatIndicator, Dataset],
    series: _Series,
    stats: dict[tuple[int, int], _LevelStat],
    aggregate: str | None,
    years: int,
) -> IndicatorProfile:
    indicator = meta[0]
    own = series.own[indicator.id]
    latest = max(own)
    value, flag = own[latest]
    base = latest - years
    benchmarks = _benchmark_series(series, stats, indicator.id, aggregate)
    benchmark = None
    if latest in benchmarks:
        mean, count = benchmarks[latest]
        label = (
            AGGREGATE_LABELS[aggregate]
            if aggregate is not None
            else f"Mean of the NUTS {region.nuts_level} regions"
        )
        kind = "eu_aggregate" if aggregate is not None else "level_mean"
        benchmark = Benchmark(kind=kind, geo=aggregate, label=label, value=mean, regions=count)
    stat = stats.get((indicator.id, latest))
    trend: GapTrend | None = None
    if benchmark is not None and base in own and base in benchmarks:
        trend = gap_trend(
            indicator.direction, (own[base][0], benchmarks[base][0]), (value, benchmark.value)
        )
    # One validation of plain values (pydantic builds the hundreds of points in its core).
    return IndicatorProfile.model_validate(
        {
            "indicator_id": indicator.id,
            "code": indicator.code,
            "name": indicator.name,
            "unit": indicator.unit,
            "framework_condition": indicator.framework_condition,
            "direction": indicator.direction,
            "dataset_id": indicator.dataset_id,
            "year": latest,
            "value": value,
            "flag": flag,
            "benchmark": benchmark,
            "gap": None if benchmark is None else value - benchmark.value,
            "percentile": None if stat is None else percentile(stat, indicator.direction),
            "regions_compared": 0 if stat is None else stat.regions,
            "cagr": cagr(own[base][0] if base in own else None, value, years),
            "base_year": base,
            "gap_trend": trend,
            "series": [{"year": y, "value": own[y][0]} for y in sorted(own)],
            "benchmark_series": [
                {"year": y, "value": benchmarks[y][0]} for y in sorted(benchmarks)
            ],
        }
    )


def summaries(items: Sequence[IndicatorProfile]) -> list[ConditionSummary]:
    """Per framework condition with indicators: how many, the median percentile, how many in
    the bottom quartile and how many with a widening gap."""
    found = []
    for condition in FrameworkCondition:
        mine = [p for p in items if p.framework_condition == condition]
        if not mine:
            continue
        ranks = [p.percentile for p in mine if p.percentile is not None]
        found.append(
            ConditionSummary(
                framework_condition=condition,
                indicators=len(mine),
                median_percentile=statistics.median(ranks) if ranks else None,
                bottom_quartile=sum(1 for r in ranks if r < BOTTOM_QUARTILE),
                widening=sum(1 for p in mine if p.gap_trend == "widening"),
            )
        )
    return found
