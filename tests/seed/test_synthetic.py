"""The synthetic portfolio: amounts per engagement as documented, the database's constraints
hold (every row went in through them), the same seed gives the same content (appending too),
a second load of a seed is refused, and the API works on the result."""

import hashlib
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import (
    Base,
    Bottleneck,
    Engagement,
    EvidenceLink,
    Milestone,
    Recommendation,
    RecommendationBottleneck,
    Region,
    StatusUpdate,
)
from app.seed import synthetic
from app.seed.synthetic_rows import ANCHOR
from app.services.errors import Conflict
from app.vocab import BottleneckStatus, Phase, Relation, Response, Stage
from tests.factories import make_engagement, make_region

N = 20
# Per engagement: (table, least, most), as app/seed/synthetic_rows.py generates them.
AMOUNTS = (
    ("recommendations", 10, 30),
    ("bottlenecks", 5, 11),
    ("evidence", 10, 20),
    ("evidence_links", 40, 60),
    ("challenges", 2, 4),
    ("milestones", 3, 5),
    ("missions", 0, 5),
    ("engagement_members", 3, 4),
    ("engagement_themes", 1, 3),
    ("engagement_objectives", 1, 2),
)
DIGESTED = ("engagements", "recommendations", "evidence_links", "milestones", "bottlenecks")
DIGESTED += ("recommendation_updates", "missions")
BY_KEY = {"region_id", "partnership_id", "lead_consultant_id", "author_id", "actor_id"}


def _per_engagement(db: Session, table: str) -> list[int]:
    """How many rows of `table` each synthetic engagement has (0 included)."""
    stmt = text(
        f"SELECT count(t.engagement_id) FROM engagements e LEFT JOIN {table} t "
        "ON t.engagement_id = e.id WHERE e.reference LIKE 'SYN-%' GROUP BY e.id"
    )
    return list(db.scalars(stmt))


def _digest(db: Session) -> str:
    """A digest of the synthetic tables, row by row in id order: every column, except that
    regions, partnerships and users are named by their natural keys (their ids come from
    sequences, which PostgreSQL does not roll back)."""
    digest = hashlib.sha256()
    for table in DIGESTED:
        columns = [c.name for c in Base.metadata.tables[table].c if c.name not in BY_KEY]
        for row in db.execute(text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")):
            digest.update(repr(tuple(row)).encode())
    clients = text(
        "SELECT e.reference, r.nuts_code, p.acronym, u.email FROM engagements e "
        "LEFT JOIN regions r ON r.id = e.region_id LEFT JOIN partnerships p "
        "ON p.id = e.partnership_id JOIN users u ON u.id = e.lead_consultant_id ORDER BY e.id"
    )
    for row in db.execute(clients):
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_amounts_per_engagement_are_as_documented(db: Session) -> None:
    result = synthetic.seed(db, engagements=N)
    assert (result.first, result.last) == (1, N)
    assert result.references == ("SYN-2018-000001", "SYN-2018-000020")
    for table, least, most in AMOUNTS:
        counts = _per_engagement(db, table)
        assert len(counts) == N
        assert least <= min(counts) and max(counts) <= most, table
        assert result.rows[table] == sum(counts)
    # The averages the scale benchmark relies on: 20 recommendations, 50 links, 8 bottlenecks.
    assert 15 <= result.rows["recommendations"] / N <= 25
    assert 45 <= result.rows["evidence_links"] / N <= 55
    assert 6 <= result.rows["bottlenecks"] / N <= 10
    addressed = db.scalars(
        select(func.count())
        .select_from(RecommendationBottleneck)
        .group_by(RecommendationBottleneck.recommendation_id)
    ).all()
    assert len(addressed) == result.rows["recommendations"] and set(addressed) <= {1, 2}


def test_the_content_follows_the_rules_of_the_domain(db: Session) -> None:
    synthetic.seed(db, engagements=N)
    # Every confirmed bottleneck is supported by evidence (the gate to `recommendations`).
    unsupported = select(Bottleneck.id).where(
        Bottleneck.status == BottleneckStatus.CONFIRMED,
        ~select(EvidenceLink.id)
        .where(
            EvidenceLink.bottleneck_id == Bottleneck.id,
            EvidenceLink.relation == Relation.SUPPORTS,
        )
        .exists(),
    )
    assert db.scalars(unsupported).all() == []
    # Closed engagements have answered every shared recommendation (the gate to `closed`).
    pending_closed = (
        select(Recommendation.id)
        .join(Engagement, Engagement.id == Recommendation.engagement_id)
        .where(
            Engagement.phase == Phase.CLOSED,
            Recommendation.stage == Stage.SHARED,
            Recommendation.response == Response.PENDING,
        )
    )
    assert db.scalars(pending_closed).all() == []
    # Shared ones carry their sharing date; the current response is the latest update's.
    shared = db.scalars(select(Recommendation).where(Recommendation.stage == Stage.SHARED)).all()
    assert shared and all(r.shared_at is not None for r in shared)
    latest = {}
    for update in db.scalars(select(StatusUpdate).order_by(StatusUpdate.as_of, StatusUpdate.id)):
        if update.response is not None:
            latest[update.recommendation_id] = update.response
    assert latest and all(r.response == latest.get(r.id, Response.PENDING) for r in shared)
    # Some milestones are overdue as of the data's date.
    overdue = select(func.count()).where(
        Milestone.completed_on.is_(None), Milestone.due_date < ANCHOR
    )
    assert db.scalar(overdue)


def test_every_row_satisfies_the_composite_keys_and_checks(db: Session) -> None:
    """The database enforced them on insert; the joins show it from the other side."""
    synthetic.seed(db, engagements=N)
    crossing = text(
        "SELECT count(*) FROM evidence_links l JOIN evidence e ON e.id = l.evidence_id "
        "LEFT JOIN bottlenecks b ON b.id = l.bottleneck_id "
        "LEFT JOIN recommendations r ON r.id = l.recommendation_id "
        "LEFT JOIN challenges c ON c.id = l.challenge_id "
        "WHERE e.engagement_id <> l.engagement_id "
        "OR coalesce(b.engagement_id, r.engagement_id, c.engagement_id) <> l.engagement_id "
        "OR (CASE WHEN l.challenge_id IS NULL THEN 0 ELSE 1 END + CASE WHEN l.bottleneck_id "
        "IS NULL THEN 0 ELSE 1 END + CASE WHEN l.recommendation_id IS NULL THEN 0 ELSE 1 END)"
        " <> 1"
    )
    assert db.scalar(crossing) == 0
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"), db.begin_nested():
        # The other engagement's bottleneck: refused by the composite key.
        first, second = db.scalars(select(Engagement.id).order_by(Engagement.id).limit(2))
        evidence = db.scalar(text(f"SELECT min(id) FROM evidence WHERE engagement_id = {first}"))
        bottleneck = db.scalar(
            text(f"SELECT min(id) FROM bottlenecks WHERE engagement_id = {second}")
        )
        db.execute(
            text(
                "INSERT INTO evidence_links (engagement_id, evidence_id, bottleneck_id, "
                f"relation, note) VALUES ({first}, {evidence}, {bottleneck}, 'supports', '')"
            )
        )


def test_the_same_seed_gives_the_same_content_and_appending_too(db: Session) -> None:
    digests = []
    for parts in ((10,), (10,), (6, 4)):
        savepoint = db.begin_nested()
        for i, part in enumerate(parts):
            synthetic.seed(db, engagements=part, append=i > 0)
        digests.append(_digest(db))
        savepoint.rollback()
    assert digests[0] == digests[1] == digests[2]
    savepoint = db.begin_nested()
    synthetic.seed(db, engagements=10, seed=7)
    assert _digest(db) != digests[0]
    savepoint.rollback()


def test_a_second_load_of_a_seed_is_refused_unless_appended(db: Session) -> None:
    region = make_region(db, nuts_code="BE3", name="Wallonia", country_code="BE")
    synthetic.seed(db, engagements=3)
    with pytest.raises(Conflict, match="already holds 3 synthetic engagements of seed 2018"):
        synthetic.seed(db, engagements=3)
    appended = synthetic.seed(db, engagements=2, append=True)
    assert appended.references == ("SYN-2018-000004", "SYN-2018-000005")
    other = synthetic.seed(db, engagements=1, seed=9)
    assert other.references == ("SYN-9-000001", "SYN-9-000001")
    # Reference rows already stored are reused, never duplicated.
    assert db.scalars(select(Region).where(Region.nuts_code == "BE3")).all() == [region]
    synthetic_ids = db.scalars(
        select(Engagement.id).where(Engagement.reference.like("SYN-%"))
    ).all()
    assert len(synthetic_ids) == 6
    # The app's own inserts go on after the ids assigned by the load.
    assert make_engagement(db).id > max(synthetic_ids)
    db.execute(text("DELETE FROM engagements WHERE reference = 'SYN-2018-000003'"))
    with pytest.raises(Conflict, match="not numbered 1 to 4"):
        synthetic.seed(db, engagements=1, append=True)


def test_the_api_works_on_a_synthetic_portfolio(db: Session, client: TestClient) -> None:
    synthetic.seed(db, engagements=N)
    db.commit()
    page = client.get("/api/v1/engagements", params={"q": "SYN-2018", "limit": 5})
    assert page.status_code == 200, page.text
    assert page.json()["total"] == N and len(page.json()["items"]) == 5
    summary = client.get("/api/v1/portfolio/summary")
    assert summary.status_code == 200, summary.text
    body: dict[str, Any] = summary.json()
    assert body["engagements"]["total"] == N
    shared = body["recommendations"]["shared"]
    assert shared == db.scalar(select(func.count()).where(Recommendation.stage == Stage.SHARED))
    assert body["overdue_milestones"]["count"] > 0
    found = client.get("/api/v1/library/recommendations", params={"q": "cluster organisation"})
    assert found.status_code == 200, found.text
    assert found.json()["total"] == shared
    assert all(item["snippet"] for item in found.json()["items"])


def test_progress_is_reported_per_batch(db: Session) -> None:
    seen: list[tuple[int, int]] = []

    class Recorder:
        def start(self, engagements: int) -> None:
            seen.append((0, engagements))

        def advance(self, engagements: int, rows: Any) -> None:
            seen.append((engagements, sum(rows.values())))

        def finish(self) -> None:
            seen.append((-1, -1))

    result = synthetic.seed(db, engagements=25, progress=Recorder())
    assert seen[0] == (0, 25) and seen[-1] == (-1, -1)
    assert sum(e for e, _ in seen[1:-1]) == 25
    assert sum(r for _, r in seen[1:-1]) == sum(result.rows.values())
    assert date(2019, 1, 1) <= db.scalar(select(func.min(Engagement.planned_start)))
