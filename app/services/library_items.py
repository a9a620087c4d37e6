"""The library's items: a page of ranked ids joined to engagement and client, with the
framework conditions addressed and a plain-text snippet (app/services/library.py ranks)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.orm import Session

from app.models import (
    Bottleneck,
    Engagement,
    Partnership,
    Recommendation,
    RecommendationBottleneck,
    Region,
)
from app.schemas.library import ClientRef, EngagementRef, LibraryItem
from app.services import search_text
from app.services.search_text import CLOSE, OPEN, TextQuery
from app.vocab import EngagementKind, FrameworkCondition

DESCRIPTION_CUT = 500  # characters of the description an item carries
SNIPPET_TOKENS = 30  # SQLite: tokens per snippet; PostgreSQL: two fragments of up to 18 words
_HEADLINE_OPTIONS = (
    f'StartSel="{OPEN}", StopSel="{CLOSE}", MaxFragments=2, MaxWords=18, MinWords=6, '
    'FragmentDelimiter=" … "'
)
_LT = "\ue002"  # a private-use stand-in for "<" in PostgreSQL headlines

FTS = table("recommendations_fts", column("rowid"))
FTS_NAME: ColumnElement[Any] = literal_column("recommendations_fts")


def tsquery(text: TextQuery, *, loose: bool = False) -> ColumnElement[Any]:
    """PostgreSQL: the text as a tsquery (English stemming)."""
    key = "loose_tsquery" if loose else "tsquery"
    return func.to_tsquery(literal_column("'english'"), bindparam(key, text.tsquery(loose=loose)))


def fts5_match(text: TextQuery) -> ColumnElement[bool]:
    """SQLite: the FTS5 MATCH condition for the text."""
    return FTS_NAME.op("MATCH")(bindparam("match", text.fts5()))


def details(page: Any, text: TextQuery | None, dialect: str) -> Select[Any]:
    """The rows of `page` (a subquery of id, score, shared_at, …) joined to their engagement
    and client, in the page's order; with PostgreSQL's headline when there is text."""
    stmt = (
        select(
            page,
            Recommendation.code,
            Recommendation.title,
            func.substr(Recommendation.description, 1, DESCRIPTION_CUT + 1).label("description"),
            Recommendation.instrument,
            Recommendation.priority,
            Recommendation.horizon,
            Recommendation.response,
            Recommendation.implementation,
            Engagement.id.label("engagement_id"),
            Engagement.reference.label("engagement_reference"),
            Engagement.title.label("engagement_title"),
            Engagement.kind.label("engagement_kind"),
            Region.name.label("region_name"),
            Region.country_code,
            Partnership.name.label("partnership_name"),
            Partnership.countries,
        )
        .join(Recommendation, Recommendation.id == page.c.id)
        .join(Engagement, Engagement.id == Recommendation.engagement_id)
        .outerjoin(Region, Region.id == Engagement.region_id)
        .outerjoin(Partnership, Partnership.id == Engagement.partnership_id)
        .order_by(page.c.score, page.c.shared_at.desc(), page.c.id.desc())
    )
    if text is not None and dialect == "postgresql":
        stmt = stmt.add_columns(_headline(text).label("headline"))
    return stmt


def _headline(text: TextQuery) -> ColumnElement[str]:
    """ts_headline over the card's texts, with the marker characters taken out of them first
    (so that only ts_headline's own markers remain), and `<` stood in for by _LT (the parser
    would take `<b>`-like text for markup and drop it; the item gets it back)."""
    texts = (
        Recommendation.title,
        Recommendation.description,
        Recommendation.benefits_costs,
        Recommendation.risks,
        Recommendation.responsible_actor,
    )
    document = func.concat_ws(" — ", *(func.nullif(t, "") for t in texts))
    return func.ts_headline(
        literal_column("'english'"),
        func.translate(document, "<" + OPEN + CLOSE, _LT),
        tsquery(text),
        bindparam("headline_options", _HEADLINE_OPTIONS),
    )


def items(
    session: Session, rows: Sequence[Row[Any]], text: TextQuery | None, dialect: str
) -> list[LibraryItem]:
    """The API items of the `details` rows: two more statements at most (the framework
    conditions; SQLite's snippets)."""
    ids = [row.id for row in rows]
    conditions = _framework_conditions(session, ids)
    if text is None:
        snippets: dict[int, str] = {}
    elif dialect == "postgresql":
        snippets = {row.id: row.headline.replace(_LT, "<") for row in rows}
    else:
        snippets = _fts5_snippets(session, text, ids)
    return [_item(row, conditions.get(row.id, []), snippets.get(row.id)) for row in rows]


def _fts5_snippets(session: Session, text: TextQuery, ids: list[int]) -> dict[int, str]:
    snippet = func.snippet(FTS_NAME, -1, OPEN, CLOSE, "…", SNIPPET_TOKENS)
    stmt = select(FTS.c.rowid, snippet).where(fts5_match(text), FTS.c.rowid.in_(ids))
    return {rowid: marked for rowid, marked in session.execute(stmt)}


def _framework_conditions(session: Session, ids: list[int]) -> dict[int, list[FrameworkCondition]]:
    stmt = (
        select(RecommendationBottleneck.recommendation_id, Bottleneck.framework_condition)
        .join(Bottleneck, Bottleneck.id == RecommendationBottleneck.bottleneck_id)
        .where(RecommendationBottleneck.recommendation_id.in_(ids))
        .distinct()
    )
    found: dict[int, set[FrameworkCondition]] = {}
    for recommendation_id, condition in session.execute(stmt):
        found.setdefault(recommendation_id, set()).add(condition)
    order = list(FrameworkCondition)
    return {rid: sorted(conditions, key=order.index) for rid, conditions in found.items()}


def _cut(description: str) -> tuple[str, bool]:
    """At most DESCRIPTION_CUT characters, cut at a word boundary, with an ellipsis."""
    if len(description) <= DESCRIPTION_CUT:
        return description, False
    head = description[:DESCRIPTION_CUT]
    space = head.rfind(" ")
    if space > DESCRIPTION_CUT // 2:
        head = head[:space]
    return head.rstrip() + "…", True


def _item(row: Row[Any], conditions: list[FrameworkCondition], marked: str | None) -> LibraryItem:
    description, cut = _cut(row.description)
    snippet, highlights = search_text.unmark(marked) if marked is not None else (None, [])
    if row.engagement_kind == EngagementKind.REGIONAL_ADVICE:
        client = ClientRef(kind="region", name=row.region_name, countries=[row.country_code])
    else:
        client = ClientRef(
            kind="partnership", name=row.partnership_name, countries=list(row.countries or [])
        )
    return LibraryItem(
        id=row.id,
        code=row.code,
        title=row.title,
        description=description,
        description_cut=cut,
        instrument=row.instrument,
        priority=row.priority,
        horizon=row.horizon,
        shared_at=row.shared_at,
        response=row.response,
        implementation=row.implementation,
        engagement=EngagementRef(
            id=row.engagement_id, reference=row.engagement_reference, title=row.engagement_title
        ),
        client=client,
        framework_conditions=conditions,
        snippet=snippet,
        highlights=highlights,
    )
