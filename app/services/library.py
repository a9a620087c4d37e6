"""The policy-learning library: full-text search over the shared recommendations of every
engagement, and the shared recommendations of other engagements similar to a bottleneck.

Only `stage = shared` rows are ever selected, and an item carries no internal content (no
evidence, no bottleneck texts: only the framework conditions of the bottlenecks addressed), so
every role may use it. The full-text objects come from migration 0004:
- PostgreSQL: `recommendations.search_vector`, a stored generated tsvector (title weighted A,
  description B, the rest C) with a GIN index over the shared rows; ranked by `ts_rank`,
  snippets by `ts_headline`.
- SQLite: the FTS5 table `recommendations_fts` (external content, kept in sync by triggers);
  ranked by `bm25` (title 10, description 4, the rest 1), snippets by `snippet()`.

Bounded work: a search examines at most MAX_MATCHES + 1 rows, the first ones the index yields
that contain the words and pass the filters (without text: the newest shared). It ranks the
ones that match (on PostgreSQL a phrase is checked on the examined rows only: a GIN index
cannot, and checking every row with the words would cost a scan of the table), counts them
as `total`, and says `capped` when it stopped early. Filters use indexes: the instrument a
partial index, theme and country a list of engagement ids looked up first.

Statements per page: the engagement ids (theme or country filter only), one for the page
(candidates, counts as windows, the page joined to engagement and client, PostgreSQL's
snippets), the framework conditions, and SQLite's snippets.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    exists,
    func,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.orm import Session

from app.models import (
    Bottleneck,
    Engagement,
    EngagementTheme,
    Partnership,
    Recommendation,
    RecommendationBottleneck,
    Region,
)
from app.schemas.library import LibraryItem, LibraryQuery
from app.services import library_items, search_text
from app.services.common import get_in_engagement
from app.services.library_items import FTS, FTS_NAME, fts5_match, tsquery
from app.services.search_text import TextQuery

MAX_MATCHES = 2_000  # the most rows a search examines (and so ranks and counts)

_VECTOR: ColumnElement[Any] = literal_column("recommendations.search_vector")
# Spelled out, not a bound parameter: the partial indexes of migration 0004 are used only when
# the planner sees this very predicate (also in the generic plans of prepared statements).
_IS_SHARED = Recommendation.stage == literal_column("'shared'")
_NEWEST = (Recommendation.shared_at.desc(), Recommendation.id.desc())


@dataclass(frozen=True)
class Results:
    items: list[LibraryItem]
    total: int  # matches among the examined rows (at most MAX_MATCHES)
    capped: bool  # the search stopped after MAX_MATCHES rows: there may be more


_NOTHING = Results([], 0, capped=False)


def search(session: Session, query: LibraryQuery, *, limit: int, offset: int) -> Results:
    """Shared recommendations matching `query`: by relevance when it has text (a text with
    nothing to look for, like `"` or `*`, finds nothing), else newest shared first."""
    text = search_text.parse(query.q) if query.q else None
    if query.q and text is None:
        return _NOTHING
    where = _filters(session, query)
    if where is None:
        return _NOTHING
    return _page(session, text, where, limit=limit, offset=offset)


def similar(
    session: Session, engagement_id: int, bottleneck_id: int, *, limit: int, offset: int
) -> Results:
    """Shared recommendations of other engagements that address a bottleneck with the same
    framework condition and share a significant word with this bottleneck's title or
    description (any of its 16 longest words, OR-ed), by relevance."""
    bottleneck = get_in_engagement(
        session, Bottleneck, engagement_id, bottleneck_id, label="Bottleneck"
    )
    text = search_text.any_of(f"{bottleneck.title} {bottleneck.description}")
    query = LibraryQuery(framework_condition=bottleneck.framework_condition)
    where = _filters(session, query)
    if text is None or where is None:
        return _NOTHING
    where.append(Recommendation.engagement_id != engagement_id)
    return _page(session, text, where, limit=limit, offset=offset)


def _filters(session: Session, query: LibraryQuery) -> list[ColumnElement[bool]] | None:
    """The conditions of `query`'s filters (its text aside), shared rows only; None when
    no engagement has the theme and country asked for."""
    where: list[ColumnElement[bool]] = [_IS_SHARED]
    if query.instrument is not None:
        where.append(Recommendation.instrument == query.instrument)
    if query.framework_condition is not None:
        where.append(
            exists().where(
                RecommendationBottleneck.recommendation_id == Recommendation.id,
                Bottleneck.id == RecommendationBottleneck.bottleneck_id,
                Bottleneck.framework_condition == query.framework_condition,
            )
        )
    if query.country is None and query.theme is not None:
        # A subquery, not a list of ids: with thousands of ids, PostgreSQL's generic plan for
        # the prepared statement (after a few executions) was ~15x slower than this one.
        themed = select(EngagementTheme.engagement_id).where(EngagementTheme.theme == query.theme)
        where.append(Recommendation.engagement_id.in_(themed))
    elif query.country is not None:
        engagement_ids = _engagements(session, query)
        if not engagement_ids:
            return None
        where.append(Recommendation.engagement_id.in_(engagement_ids))
    return where


def _engagements(session: Session, query: LibraryQuery) -> list[int]:
    """Engagements (with the theme, if asked) whose client is a region of the country or a
    partnership counting it among its countries. A list of ids (not a subquery), so that the
    planner can pick the recommendations of those engagements by index; the country is checked
    here, the same on both databases, rather than with each one's JSON functions."""
    stmt = (
        select(Engagement.id, Region.country_code, Partnership.countries)
        .outerjoin(Region, Region.id == Engagement.region_id)
        .outerjoin(Partnership, Partnership.id == Engagement.partnership_id)
    )
    if query.theme is not None:
        stmt = stmt.where(
            exists().where(
                EngagementTheme.engagement_id == Engagement.id, EngagementTheme.theme == query.theme
            )
        )
    if query.country is None:
        return list(session.scalars(stmt.with_only_columns(Engagement.id)))
    return [
        engagement_id
        for engagement_id, region_country, countries in session.execute(stmt)
        if query.country == region_country
        or query.country in {code.upper() for code in countries or []}
    ]


def _candidates(dialect: str, text: TextQuery | None, where: list[ColumnElement[bool]]) -> Any:
    """The examined rows: id, shared_at, `score` (lower is better) and `hit` (matches)."""
    columns = (Recommendation.id, Recommendation.shared_at)
    if text is None:
        stmt = (
            select(*columns, literal(0.0).label("score"), true().label("hit"))
            .where(*where)
            .order_by(*_NEWEST)
        )
    elif dialect == "postgresql":
        # Scalar subqueries: each tsquery is parsed once per statement, not once per row.
        exact = select(tsquery(text)).scalar_subquery()
        phrases = _checks_phrases(dialect, text)
        found = select(tsquery(text, loose=True)).scalar_subquery() if phrases else exact
        hit = _VECTOR.op("@@")(exact) if phrases else true()
        stmt = select(
            *columns, (-func.ts_rank(_VECTOR, exact)).label("score"), hit.label("hit")
        ).where(_VECTOR.op("@@")(found), *where)
    else:
        bm25 = func.bm25(FTS_NAME, 10.0, 4.0, 1.0, 1.0, 1.0)
        stmt = (
            select(*columns, bm25.label("score"), true().label("hit"))
            .select_from(FTS)
            .join(Recommendation, Recommendation.id == FTS.c.rowid)
            .where(fts5_match(text), *where)
        )
    return stmt.limit(MAX_MATCHES + 1).subquery("candidates")


def _page(
    session: Session,
    text: TextQuery | None,
    where: list[ColumnElement[bool]],
    *,
    limit: int,
    offset: int,
) -> Results:
    dialect = session.get_bind().dialect.name
    candidates = _candidates(dialect, text, where)
    examined = select(candidates, func.count().over().label("examined")).subquery("examined")
    ranked = (
        select(examined, func.count().over().label("matches"))
        .where(examined.c.hit)
        .order_by(examined.c.score, examined.c.shared_at.desc(), examined.c.id.desc())
    )
    limit = min(limit, MAX_MATCHES - offset)
    rows: Sequence[Row[Any]] = []
    if limit > 0:
        page = ranked.limit(limit).offset(offset).subquery("page")
        rows = session.execute(library_items.details(page, text, dialect)).all()
    if rows:
        matches, examined_count = rows[0].matches, rows[0].examined
    elif offset == 0 and limit > 0 and not _checks_phrases(dialect, text):
        matches = examined_count = 0  # every examined row is a match: none was found
    else:  # past the last page, or no phrase matched in the examined rows: the counts alone
        counts = select(func.count().filter(candidates.c.hit), func.count())
        matches, examined_count = session.execute(counts.select_from(candidates)).one()
    return Results(
        library_items.items(session, rows, text, dialect),
        total=min(matches, MAX_MATCHES),
        capped=examined_count > MAX_MATCHES,
    )


def _checks_phrases(dialect: str, text: TextQuery | None) -> bool:
    """Whether some examined rows may not match (PostgreSQL checks phrases after the index)."""
    return dialect == "postgresql" and text is not None and text.has_phrase
