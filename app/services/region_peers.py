"""A region's peers (issue 15): the places of its NUTS level most like it by their indicators,
with the shared recommendations given to those that are ClusterCase's client regions.

Statements: the region, one for the distances (all in SQL), one for the recommendations.
"""

import math
from collections import defaultdict
from typing import Any

from sqlalchemy import Select, and_, func, literal, select
from sqlalchemy.orm import Session, aliased

from app.models import Engagement, Observation, Recommendation, Region
from app.schemas.library import LibraryItem
from app.schemas.region_profile import Peer
from app.services import library_items
from app.services.region_profile import get_region, region_ref
from app.vocab import Stage

DEFAULT_PEERS = 5
MIN_OVERLAP = 3  # indicators two regions must both have to be compared
PEER_RECOMMENDATIONS = 5  # the newest shared recommendations shown per peer


def peers(
    session: Session, region_id: int, *, k: int = DEFAULT_PEERS, min_overlap: int = MIN_OVERLAP
) -> list[Peer]:
    """The `k` places of the same NUTS level nearest to the region (regions ClusterCase knows
    or not): the root mean square of the differences of z-scores (each indicator standardised
    over the level's places in the region's latest year of it), over at least `min_overlap`
    indicators both have."""
    region = get_region(session, region_id)
    nearest = session.execute(_distances(region, k, min_overlap)).all()
    found = [
        Peer(
            geo=geo,
            name=geo if peer is None else peer.name,
            region=None if peer is None else region_ref(peer),
            distance=math.sqrt(max(0.0, ss) / n),
            shared_indicators=n,
            recommendations=[],
        )
        for geo, ss, n, peer in nearest
    ]
    given = _recommendations(session, [p.region.id for p in found if p.region is not None])
    for peer in found:
        if peer.region is not None:
            peer.recommendations = given.get(peer.region.id, [])
    return found


def _distances(region: Region, k: int, min_overlap: int) -> Select[Any]:
    """The nearest regions with their sum of squared z-differences and indicator count.

    z(x) - z(y) = (x - y) / sd: the mean cancels out, so only the spread is needed. The
    variance is computed on values shifted by the region's own (avg(d²) - avg(d)²), which
    keeps it exact enough for large values, and on both databases (SQLite has no stddev)."""
    o = aliased(Observation)
    latest = (
        select(Observation.indicator_id, func.max(Observation.year).label("year"))
        .where(Observation.geo == region.nuts_code)
        .group_by(Observation.indicator_id)
        .cte("latest")
    )
    own = (
        select(Observation.indicator_id, Observation.year, Observation.value)
        .join(
            latest,
            and_(
                latest.c.indicator_id == Observation.indicator_id,
                latest.c.year == Observation.year,
            ),
        )
        .where(Observation.geo == region.nuts_code)
        .cte("own")
    )
    same = and_(
        o.indicator_id == own.c.indicator_id,
        o.nuts_level == region.nuts_level,
        o.year == own.c.year,
    )
    d = o.value - own.c.value
    spread = (
        select(
            own.c.indicator_id,
            (func.avg(d * d) - func.avg(d) * func.avg(d)).label("var"),
            func.avg(o.value * o.value).label("scale"),
        )
        .select_from(own)
        .join(o, same)
        .group_by(own.c.indicator_id)
        .cte("spread")
    )
    ss = func.sum(d * d / spread.c.var).label("ss")
    n = func.count().label("n")
    distances = (
        select(o.geo, ss, n)
        .select_from(own)
        .join(spread, spread.c.indicator_id == own.c.indicator_id)
        .join(o, same)
        .where(o.geo != region.nuts_code, spread.c.var > spread.c.scale * 1e-12)
        .group_by(o.geo)
        .having(func.count() >= min_overlap)
        .subquery("distances")
    )
    # Any place of the level with data is a peer; the regions ClusterCase knows get their name.
    return (
        select(distances.c.geo, distances.c.ss, distances.c.n, Region)
        .outerjoin(Region, Region.nuts_code == distances.c.geo)
        .order_by(distances.c.ss / distances.c.n, distances.c.geo)
        .limit(k)
    )


def _recommendations(session: Session, region_ids: list[int]) -> dict[int, list[LibraryItem]]:
    """{region id: the newest shared recommendations of engagements with it as client}, as
    the library shows them (app/services/library_items.py)."""
    if not region_ids:
        return {}
    nth = func.row_number().over(
        partition_by=Engagement.region_id,
        order_by=(Recommendation.shared_at.desc(), Recommendation.id.desc()),
    )
    ranked = (
        select(
            Recommendation.id,
            Recommendation.shared_at,
            literal(0.0).label("score"),
            Engagement.region_id.label("peer_region_id"),
            nth.label("nth"),
        )
        .join(Engagement, Engagement.id == Recommendation.engagement_id)
        .where(Recommendation.stage == Stage.SHARED, Engagement.region_id.in_(region_ids))
        .subquery("ranked")
    )
    page = select(ranked).where(ranked.c.nth <= PEER_RECOMMENDATIONS).subquery("page")
    dialect = session.get_bind().dialect.name
    rows = session.execute(library_items.details(page, None, dialect)).all()
    found: dict[int, list[LibraryItem]] = defaultdict(list)
    for row, item in zip(rows, library_items.items(session, rows, None, dialect), strict=True):
        found[row.peer_region_id].append(item)
    return found
