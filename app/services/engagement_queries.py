"""The statements of engagement reads, and their rows as the API shows them.

An engagement's read is one row: its columns, its client's name (outer joins), and its themes,
objectives and team (aggregated subqueries). A page of them carries the total of matching
engagements too (an uncorrelated subquery, which the database evaluates once). Values are bound
by name at execution, so the statement of each shape is built once (see `page`).
"""

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    FunctionElement,
    Integer,
    Row,
    Select,
    String,
    Subquery,
    UnaryExpression,
    bindparam,
    cast,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from app.models import (
    Engagement,
    EngagementMember,
    EngagementObjective,
    EngagementTheme,
    ListChange,
    Partnership,
    Region,
)
from app.vocab import Objective, Theme

# How many changes everything the list shows has seen (its page cache's validator): rises
# with every committed write to those tables (app/models/change_log.py).
LIST_CHANGES = select(cast(func.coalesce(func.sum(ListChange.n), 0), BigInteger))
# An engagement as the API shows it (EngagementRead's fields), with JSON-ready values.
EngagementItem = dict[str, Any]


class _comma_joined(FunctionElement[str]):
    """An aggregate: the values of a column, comma-joined. Unlike func.aggregate_strings, the
    separator is part of the cached SQL, not a literal rendered into it at every execution."""

    type = String()
    name = "comma_joined"
    inherit_cache = True


@compiles(_comma_joined, "sqlite")
def _group_concat(element: _comma_joined, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(_comma_joined, "postgresql")
def _string_agg(element: _comma_joined, compiler: SQLCompiler, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


def _joined(column: Any, model: Any) -> Any:
    """The engagement's values of a child table's column, comma-joined, as a correlated
    subquery: the page carries its themes, objectives and team in the same statement, one
    index lookup per row and table."""
    return (
        select(_comma_joined(cast(column, String)))
        .where(model.engagement_id == Engagement.id)
        .scalar_subquery()
    )


# The engagement as the API reads it, with its client's name and its collections, in the order
# of EngagementRead's fields: one statement, whatever the number of engagements it returns. Its
# times skip UTCDateTime's per-value Python step (a tenth of a list request's CPU time): they
# come naive from SQLite, and EngagementRead and the list's JSON writer read naive as UTC.
_READ = (
    select(
        Engagement.id,
        Engagement.reference,
        Engagement.title,
        Engagement.summary,
        Engagement.kind,
        Engagement.region_id,
        Engagement.partnership_id,
        func.coalesce(Region.name, Partnership.name).label("client_name"),
        Engagement.phase,
        Engagement.phase_before_hold,
        _joined(EngagementTheme.theme, EngagementTheme).label("themes"),
        _joined(EngagementObjective.objective, EngagementObjective).label("objectives"),
        Engagement.planned_start,
        Engagement.planned_end,
        Engagement.lead_consultant_id,
        _joined(EngagementMember.user_id, EngagementMember).label("member_ids"),
        Engagement.version,
        type_coerce(Engagement.created_at, DateTime()).label("created_at"),
        type_coerce(Engagement.updated_at, DateTime()).label("updated_at"),
    )
    .select_from(Engagement)
    .outerjoin(Region, Region.id == Engagement.region_id)
    .outerjoin(Partnership, Partnership.id == Engagement.partnership_id)
)
_FIELDS = tuple(column.name for column in _READ.selected_columns)
# One engagement, by its id bound as `engagement_id`.
READ_ONE = _READ.where(Engagement.id == bindparam("engagement_id"))
_SORT_COLUMNS: dict[str, Any] = {
    "reference": Engagement.reference,
    "title": Engagement.title,
    "planned_start": Engagement.planned_start,
    "created_at": Engagement.created_at,
    "updated_at": Engagement.updated_at,
}
_THEME_ORDER = {theme.value: i for i, theme in enumerate(Theme)}
_OBJECTIVE_ORDER = {objective.value: i for i, objective in enumerate(Objective)}


def page(
    sort: str, filters: frozenset[str], restriction: ColumnElement[bool] | None
) -> Select[Any]:
    """The page of engagements that match the named filters of EngagementQuery (bound at
    execution by name, like `limit` and `offset`) and `restriction` (the access rule's
    conditions, if any), in `sort` order, each row with the total."""
    if restriction is None:
        return _unrestricted_page(sort, filters)
    return _page(sort, filters, restriction)


def total(filters: frozenset[str], restriction: ColumnElement[bool] | None) -> Select[Any]:
    """The number of engagements `page` would list, for a page past the end (no row to carry
    the total)."""
    return select(func.count()).select_from(_matching(filters, restriction))


@lru_cache(maxsize=256)
def _unrestricted_page(sort: str, filters: frozenset[str]) -> Select[Any]:
    # Built once per shape: SQLAlchemy then neither rebuilds the statement nor computes its
    # cache key nor adapts its result columns, 0.2 ms a request (the compiled form is cached
    # either way, so restricted pages still skip compiling).
    return _page(sort, filters, None)


def _page(
    sort: str, filters: frozenset[str], restriction: ColumnElement[bool] | None
) -> Select[Any]:
    conditions = _conditions(filters, restriction)
    count = select(func.count()).select_from(_matching(filters, restriction)).scalar_subquery()
    return (
        _READ.add_columns(count.label("total"))
        .where(*conditions)
        .order_by(*_order_by(sort))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def _matching(filters: frozenset[str], restriction: ColumnElement[bool] | None) -> Subquery:
    return select(Engagement.id).where(*_conditions(filters, restriction)).subquery()


def _conditions(
    filters: frozenset[str], restriction: ColumnElement[bool] | None
) -> list[ColumnElement[bool]]:
    """The conditions of the named filters, their values bound by name, and `restriction`."""
    conditions: list[ColumnElement[bool]] = [] if restriction is None else [restriction]
    for name in ("phase", "kind", "region_id", "partnership_id"):
        if name in filters:
            conditions.append(getattr(Engagement, name) == bindparam(name))
    if "consultant_id" in filters:
        consultant = bindparam("consultant_id", type_=Integer)
        team = select(EngagementMember.engagement_id).where(EngagementMember.user_id == consultant)
        conditions.append(or_(Engagement.lead_consultant_id == consultant, Engagement.id.in_(team)))
    if "theme" in filters:
        themed = select(EngagementTheme.engagement_id).where(
            EngagementTheme.theme == bindparam("theme")
        )
        conditions.append(Engagement.id.in_(themed))
    if "q" in filters:
        texts = (Engagement.reference, Engagement.title, Engagement.summary)
        # The value is escaped by escape_like, as autoescape=True would escape a literal.
        conditions.append(or_(*(c.icontains(bindparam("q"), escape="/") for c in texts)))
    return conditions


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards (and the escape character) escaped by '/'."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _order_by(sort: str) -> tuple[UnaryExpression[Any], ...]:
    name = sort.removeprefix("-")
    key = _SORT_COLUMNS[name].desc() if sort.startswith("-") else _SORT_COLUMNS[name].asc()
    if name == "planned_start":
        # Undated engagements last in both directions (the databases' defaults differ).
        key = key.nulls_last()
    return key, Engagement.id.asc()


def item(row: Row[*tuple[Any, ...]]) -> EngagementItem:
    """A row as EngagementRead's fields, in its order: the vocabulary values stay StrEnums or
    strings, which JSON writes alike."""
    values = dict(zip(_FIELDS, row, strict=False))
    values["themes"] = _themes(values["themes"])
    values["objectives"] = _objectives(values["objectives"])
    members = values["member_ids"]
    values["member_ids"] = sorted(map(int, members.split(","))) if members else []
    return values


# The comma-joined values in vocabulary order (the order the ORM properties give). A page repeats
# the same few combinations, so each is sorted once.
@lru_cache(maxsize=2 ** len(Theme))
def _themes(joined: str | None) -> tuple[str, ...]:
    return tuple(sorted(joined.split(","), key=_THEME_ORDER.__getitem__)) if joined else ()


@lru_cache(maxsize=2 ** len(Objective))
def _objectives(joined: str | None) -> tuple[str, ...]:
    return tuple(sorted(joined.split(","), key=_OBJECTIVE_ORDER.__getitem__)) if joined else ()
