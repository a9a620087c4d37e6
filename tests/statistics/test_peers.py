"""Peer regions: a hand-built set where the nearest is known, and their shared recommendations."""

import math
import statistics

import pytest
from sqlalchemy.orm import Session

from app.services import region_peers
from app.vocab import Stage
from tests.conftest import StatementCounter
from tests.factories import make_engagement, make_recommendation, make_region
from tests.statistics.stat_factories import make_stat_indicator, observe


def test_nearest_first_and_too_little_overlap_left_out(db: Session) -> None:
    a, near, far, partial = (make_region(db, nuts_level=2) for _ in range(4))
    other_level = make_region(db, nuts_level=1)
    x1, x2, x3 = (make_stat_indicator(db) for _ in range(3))
    values = {
        a: (10.0, 10.0, 10.0),
        near: (11.0, 11.0, 11.0),
        far: (20.0, 20.0, 20.0),
        other_level: (10.0, 10.0, 10.0),  # identical, but of another NUTS level
    }
    for region, row in values.items():
        for indicator, value in zip((x1, x2, x3), row, strict=True):
            observe(db, indicator, region, {2020: value})
    # Identical to a on the two indicators it has: fewer than the three required.
    observe(db, x1, partial, {2020: 10.0})
    observe(db, x2, partial, {2020: 10.0})

    found = region_peers.peers(db, a.id, k=5)
    assert [p.geo for p in found] == [near.nuts_code, far.nuts_code]
    assert found[0].region is not None and found[0].region.id == near.id
    # By hand: z-differences are differences over each indicator's spread among the level's
    # regions (population variance): x1 and x2 over a, near, far, partial; x3 without partial.
    var12 = statistics.pvariance([10.0, 11.0, 20.0, 10.0])
    var3 = statistics.pvariance([10.0, 11.0, 20.0])
    assert var12 == pytest.approx(17.6875)
    near_distance = math.sqrt((1 / var12 + 1 / var12 + 1 / var3) / 3)
    far_distance = math.sqrt((100 / var12 + 100 / var12 + 100 / var3) / 3)
    assert found[0].distance == pytest.approx(near_distance)
    assert found[1].distance == pytest.approx(far_distance)
    assert found[0].shared_indicators == 3
    assert [p.geo for p in region_peers.peers(db, a.id, k=1)] == [near.nuts_code]


def test_peers_carry_their_shared_recommendations_only(db: Session) -> None:
    a, peer = make_region(db, nuts_level=2), make_region(db, nuts_level=2)
    third = make_region(db, nuts_level=2)
    for indicator in (make_stat_indicator(db) for _ in range(3)):
        observe(db, indicator, a, {2021: 1.0})
        observe(db, indicator, peer, {2021: 2.0})
        observe(db, indicator, third, {2021: 5.0})
    engagement = make_engagement(db, region_id=peer.id)
    shared = make_recommendation(db, engagement, stage=Stage.SHARED, title="Seed fund")
    make_recommendation(db, engagement, title="Draft idea")
    make_recommendation(db, engagement, stage=Stage.WITHDRAWN, title="Withdrawn")

    found = {p.geo: p for p in region_peers.peers(db, a.id)}
    assert [r.id for r in found[peer.nuts_code].recommendations] == [shared.id]
    assert found[peer.nuts_code].recommendations[0].title == "Seed fund"
    assert found[third.nuts_code].recommendations == []


def test_a_region_without_data_has_no_peers(db: Session) -> None:
    assert region_peers.peers(db, make_region(db).id) == []


def test_a_place_without_a_region_record_is_a_peer_by_its_code(db: Session) -> None:
    a = make_region(db, nuts_level=2)
    indicators = [make_stat_indicator(db) for _ in range(3)]
    for indicator, value in zip(indicators, (1.0, 2.0, 3.0), strict=True):
        observe(db, indicator, a, {2021: value})
        observe(db, indicator, "ZZ99", {2021: value + 1}, nuts_level=2)
        observe(db, indicator, "ZZ98", {2021: value * 5}, nuts_level=2)
    found = region_peers.peers(db, a.id)
    assert [(p.geo, p.name, p.region) for p in found] == [
        ("ZZ99", "ZZ99", None),
        ("ZZ98", "ZZ98", None),
    ]
    assert found[0].recommendations == []


def test_peers_take_four_statements_whatever_the_peers(
    db: Session, sql_statements: StatementCounter
) -> None:
    regions = [make_region(db, nuts_level=2) for _ in range(8)]
    for indicator in [make_stat_indicator(db) for _ in range(4)]:
        for n, region in enumerate(regions):
            observe(db, indicator, region, {2020: float(n * n)})
    for region in regions[1:]:
        make_recommendation(db, make_engagement(db, region_id=region.id), stage=Stage.SHARED)
    db.flush()
    db.expunge_all()
    before = sql_statements.count
    found = region_peers.peers(db, regions[0].id, k=5)
    assert [p.geo for p in found] == [r.nuts_code for r in regions[1:6]]
    assert all(len(p.recommendations) == 1 for p in found)
    # The region, the distances, the recommendations (and their framework conditions).
    assert sql_statements.count - before == 4
