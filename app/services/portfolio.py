"""The portfolio as DG GROW monitors it: counts, implementation rates, overdue milestones,
the last mission of each engagement, and the engagements at risk (definitions:
docs/portfolio.md).

The database aggregates (GROUP BY, grouped subqueries joined to the engagements), so a summary
is five statements whatever the size of the portfolio, and Python sees one row per group or per
engagement, never one per recommendation. `today` is a parameter, for the tests.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Date,
    Row,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from app.models import (
    Bottleneck,
    Engagement,
    EngagementObjective,
    EngagementTheme,
    Milestone,
    Mission,
    Partnership,
    PortfolioChange,
    Recommendation,
    RecommendationBottleneck,
    Region,
)
from app.schemas.portfolio import PortfolioFilters, RiskReason
from app.services.rules import overdue_condition
from app.vocab import (
    FINISHED_PHASES,
    EngagementKind,
    FrameworkCondition,
    Implementation,
    Instrument,
    Phase,
    Response,
    Stage,
)

MISSION_GAP_DAYS = 90
PENDING_RESPONSE_DAYS = 60
IMPLEMENTED = (Implementation.MOST_RESPECTS, Implementation.FULLY_IMPLEMENTED)
Conditions = list[ColumnElement[bool]]


# -- which engagements -----------------------------------------------------------------------


def _has_country(session: Session, code: str) -> ColumnElement[bool]:
    """The partnership's `countries` (a JSON array) contains the code: jsonb `@>` on
    PostgreSQL, a json_each() scan on SQLite (as app/services/partnerships.py does)."""
    if session.get_bind().dialect.name == "postgresql":
        return Partnership.countries.cast(JSONB).contains([code])
    element = func.json_each(Partnership.countries).table_valued("value")
    return exists().select_from(element).where(element.c.value == code)


def engagement_conditions(session: Session, filters: PortfolioFilters) -> Conditions:
    """The conditions on Engagement that `filters` ask for (none: the whole portfolio)."""
    conditions: Conditions = []
    if filters.kind is not None:
        conditions.append(Engagement.kind == filters.kind)
    if filters.phase is not None:
        conditions.append(Engagement.phase == filters.phase)
    if filters.country is not None:
        regions = select(Region.id).where(Region.country_code == filters.country)
        partnerships = select(Partnership.id).where(_has_country(session, filters.country))
        conditions.append(
            or_(Engagement.region_id.in_(regions), Engagement.partnership_id.in_(partnerships))
        )
    if filters.theme is not None:
        themed = select(EngagementTheme.engagement_id).where(EngagementTheme.theme == filters.theme)
        conditions.append(Engagement.id.in_(themed))
    if filters.objective is not None:
        aim = EngagementObjective.objective == filters.objective
        conditions.append(Engagement.id.in_(select(EngagementObjective.engagement_id).where(aim)))
    if filters.year is not None:
        # A missing bound is taken equal to the other; an undated engagement matches no year.
        start = func.coalesce(Engagement.planned_start, Engagement.planned_end)
        end = func.coalesce(Engagement.planned_end, Engagement.planned_start)
        conditions.append(
            and_(start <= date(filters.year, 12, 31), end >= date(filters.year, 1, 1))
        )
    return conditions


def in_scope(engagement_id: Any, conditions: Conditions) -> Conditions:
    """A condition keeping a child table's rows to the matching engagements (none when every
    engagement matches: the database then aggregates without a semi-join)."""
    if not conditions:
        return []
    return [engagement_id.in_(select(Engagement.id).where(*conditions))]


# -- per engagement --------------------------------------------------------------------------


SHARED = Recommendation.stage == Stage.SHARED
PENDING = and_(SHARED, Recommendation.response == Response.PENDING)


def late_response(today: date) -> ColumnElement[bool]:
    """Shared, and the response still pending more than PENDING_RESPONSE_DAYS days (UTC) after
    it was shared."""
    cutoff = today - timedelta(days=PENDING_RESPONSE_DAYS)
    return and_(PENDING, Recommendation.shared_at < datetime.combine(cutoff, time(), tzinfo=UTC))


def _missions_held(conditions: Conditions, today: date) -> Any:
    """Per engagement, the date of its last mission started by today (end date, else start)."""
    held_on = type_coerce(func.coalesce(Mission.end_date, Mission.start_date), Date)
    return (
        select(Mission.engagement_id, func.max(held_on).label("last_on"))
        .where(Mission.start_date <= today, *in_scope(Mission.engagement_id, conditions))
        .group_by(Mission.engagement_id)
        .subquery("missions_held")
    )


def _overdue_counts(conditions: Conditions, today: date) -> Any:
    """Per engagement, its overdue milestones (whatever its phase)."""
    return (
        select(Milestone.engagement_id, func.count().label("overdue"))
        .where(overdue_condition(today), *in_scope(Milestone.engagement_id, conditions))
        .group_by(Milestone.engagement_id)
        .subquery("overdue")
    )


def engagement_facts(conditions: Conditions, *, today: date) -> Select[Any]:
    """The engagements matching `conditions` in reference order, each with its last mission
    date and overdue milestones, as one statement. Columns: id, reference, title, phase,
    planned_start, created_at, last_mission_on, overdue_milestones."""
    missions = _missions_held(conditions, today)
    overdue = _overdue_counts(conditions, today)
    return (
        select(
            Engagement.id,
            Engagement.reference,
            Engagement.title,
            Engagement.phase,
            Engagement.planned_start,
            Engagement.created_at,
            missions.c.last_on.label("last_mission_on"),
            # Milestones of a closed or cancelled engagement are never overdue.
            case(
                (Engagement.phase.in_(FINISHED_PHASES), 0),
                else_=func.coalesce(overdue.c.overdue, 0),
            ).label("overdue_milestones"),
        )
        .select_from(Engagement)
        .outerjoin(missions, missions.c.engagement_id == Engagement.id)
        .outerjoin(overdue, overdue.c.engagement_id == Engagement.id)
        .where(*conditions)
        .order_by(Engagement.reference)
    )


def _summary_rows(conditions: Conditions, today: date) -> Select[Any]:
    """The summary's per-engagement lists, with the at-risk rules applied by the database (the
    same as risk_reasons'), so that Python only copies values: the engagements matching
    `conditions` in reference order. Columns: id, reference, title, phase (its value),
    last_mission_on, then, 0 or false for a closed or cancelled engagement: its overdue
    milestones, whether its mission clock has run out (more than MISSION_GAP_DAYS days since
    its last mission, else since its planned start, else since it was created) and its late
    responses."""
    missions = _missions_held(conditions, today)
    overdue = _overdue_counts(conditions, today)
    late = (
        select(Recommendation.engagement_id, func.count().label("late"))
        .where(late_response(today), *in_scope(Recommendation.engagement_id, conditions))
        .group_by(Recommendation.engagement_id)
        .subquery("late")
    )
    cutoff = today - timedelta(days=MISSION_GAP_DAYS)  # "more than 90 days" before today
    clock_ran_out = case(
        (missions.c.last_on.is_not(None), missions.c.last_on < cutoff),
        (Engagement.planned_start.is_not(None), Engagement.planned_start < cutoff),
        else_=Engagement.created_at < datetime.combine(cutoff, time(), tzinfo=UTC),
    )
    open_ = Engagement.phase.not_in(FINISHED_PHASES)
    return (
        select(
            Engagement.id,
            Engagement.reference,
            Engagement.title,
            type_coerce(Engagement.phase, String),  # the value, without the enum's conversion
            missions.c.last_on,
            case((open_, func.coalesce(overdue.c.overdue, 0)), else_=0),
            and_(open_, clock_ran_out),
            case((open_, func.coalesce(late.c.late, 0)), else_=0),
        )
        .select_from(Engagement)
        .outerjoin(missions, missions.c.engagement_id == Engagement.id)
        .outerjoin(overdue, overdue.c.engagement_id == Engagement.id)
        .outerjoin(late, late.c.engagement_id == Engagement.id)
        .where(*conditions)
        .order_by(Engagement.reference)
    )


def days_since_last_mission(last_mission_on: date | None, today: date) -> int | None:
    """Whole days since the last mission ended; 0 while one is under way; None without one."""
    if last_mission_on is None:
        return None
    return max(0, (today - last_mission_on).days)


def risk_reasons(row: Row[Any], today: date, *, pending_late: int) -> list[RiskReason]:
    """Why an engagement row of engagement_facts, with `pending_late` late responses, is at
    risk (empty: it is not)."""
    if row.phase in FINISHED_PHASES:
        return []
    reasons = []
    if row.overdue_milestones:
        reasons.append(RiskReason.OVERDUE_MILESTONE)
    if row.last_mission_on is not None:
        since = today - row.last_mission_on
    else:
        # No mission yet: the clock runs from the planned start, or from the creation date.
        since = today - (row.planned_start or row.created_at.astimezone(UTC).date())
    if since.days > MISSION_GAP_DAYS:
        reasons.append(RiskReason.NO_MISSION_IN_90_DAYS)
    if pending_late:
        reasons.append(RiskReason.RESPONSE_PENDING_60_DAYS)
    return reasons


# -- the summary -----------------------------------------------------------------------------

# How many changes the tables the summary reads have seen (PORTFOLIO_TABLES): the validator of
# the dashboards each process keeps (app/web/pages/portfolio.py).
PORTFOLIO_CHANGES = select(cast(func.coalesce(func.sum(PortfolioChange.n), 0), BigInteger))

# PortfolioSummary's fields as plain, JSON-ready values. Built without pydantic models: the
# per-engagement lists run to tens of thousands of items on a large portfolio, and validating
# them would cost more than all the queries (the route declares the model for the OpenAPI
# document, and the tests check the result against it).
Summary = dict[str, Any]


def summary(session: Session, filters: PortfolioFilters, *, today: date) -> Summary:
    """The portfolio summary of the engagements matching `filters`, as of `today`: five
    statements, whatever the number of engagements and recommendations."""
    conditions = engagement_conditions(session, filters)
    connection = session.connection()  # Core execution: plain rows, no ORM result processing
    rows = connection.execute(_summary_rows(conditions, today))
    last_missions, at_risk = _per_engagement(rows, today)
    recommendations, rates = _recommendation_counts(connection, conditions)
    rates["by_framework_condition"] = _condition_rates(connection, conditions)
    return {
        "today": today,
        "engagements": _engagement_counts(connection, conditions),
        "overdue_milestones": _overdue_milestones(connection, conditions, today),
        "recommendations": recommendations,
        "implementation_rates": rates,
        "last_missions": last_missions,
        "at_risk": at_risk,
    }


def _by_value(vocabulary: Iterable[StrEnum], counts: dict[Any, Any], empty: Any = 0) -> Any:
    return {value.value: counts.get(value, empty) for value in vocabulary}


def _engagement_counts(connection: Connection, conditions: Conditions) -> dict[str, Any]:
    stmt = (
        select(Engagement.phase, Engagement.kind, func.count())
        .where(*conditions)
        .group_by(Engagement.phase, Engagement.kind)
    )
    by_phase: Counter[Phase] = Counter()
    by_kind: Counter[EngagementKind] = Counter()
    for phase, kind, n in connection.execute(stmt):
        by_phase[phase] += n
        by_kind[kind] += n
    return {
        "total": sum(by_phase.values()),
        "by_phase": _by_value(Phase, by_phase),
        "by_kind": _by_value(EngagementKind, by_kind),
    }


def _overdue_milestones(
    connection: Connection, conditions: Conditions, today: date
) -> dict[str, Any]:
    stmt = (
        select(
            Engagement.id, Engagement.reference, Milestone.id, Milestone.title, Milestone.due_date
        )
        .join(Milestone, Milestone.engagement_id == Engagement.id)
        .where(overdue_condition(today), Engagement.phase.not_in(FINISHED_PHASES), *conditions)
        .order_by(Milestone.due_date, Engagement.reference, Milestone.id)
    )
    items = [
        {
            "engagement_id": engagement_id,
            "engagement_reference": reference,
            "milestone_id": milestone_id,
            "title": title,
            "due_date": due,
            "days_overdue": (today - due).days,
        }
        for engagement_id, reference, milestone_id, title, due in connection.execute(stmt).all()
    ]
    return {"count": len(items), "items": items}


def _rate(shared: int, implemented: int) -> dict[str, Any]:
    rate = round(implemented / shared, 4) if shared else None
    return {"shared": shared, "implemented": implemented, "rate": rate}


def _recommendation_counts(
    connection: Connection, conditions: Conditions
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Recommendations by stage, and the shared ones by response and implementation; and the
    implementation rates, overall and by instrument. One pass over the recommendations, grouped
    by those four columns (at most a few hundred groups; on PostgreSQL an index-only scan of
    ix_recommendations_portfolio, already in that order)."""
    columns = (
        Recommendation.stage,
        Recommendation.response,
        Recommendation.implementation,
        Recommendation.instrument,
    )
    stmt = (
        select(*columns, func.count())
        .where(*in_scope(Recommendation.engagement_id, conditions))
        .group_by(*columns)
    )
    by_stage: Counter[Stage] = Counter()
    by_response: Counter[Response] = Counter()
    by_implementation: Counter[Implementation] = Counter()
    shared: Counter[Instrument] = Counter()
    implemented: Counter[Instrument] = Counter()
    for stage, response, implementation, instrument, n in connection.execute(stmt):
        by_stage[stage] += n
        if stage == Stage.SHARED:
            by_response[response] += n
            by_implementation[implementation] += n
            shared[instrument] += n
            implemented[instrument] += n if implementation in IMPLEMENTED else 0
    counts = {
        "total": sum(by_stage.values()),
        "by_stage": _by_value(Stage, by_stage),
        "shared": by_stage[Stage.SHARED],
        "by_response": _by_value(Response, by_response),
        "by_implementation": _by_value(Implementation, by_implementation),
    }
    rates = {
        "overall": _rate(sum(shared.values()), sum(implemented.values())),
        "by_instrument": {i.value: _rate(shared[i], implemented[i]) for i in Instrument},
    }
    return counts, rates


def _condition_rates(connection: Connection, conditions: Conditions) -> dict[str, Any]:
    """The implementation rate by framework condition: the distinct (shared recommendation,
    condition of a bottleneck it addresses) pairs, grouped by condition."""
    pairs = (
        select(
            Recommendation.id,
            Bottleneck.framework_condition.label("condition"),
            case((Recommendation.implementation.in_(IMPLEMENTED), 1), else_=0).label("done"),
        )
        .join(
            RecommendationBottleneck,
            RecommendationBottleneck.recommendation_id == Recommendation.id,
        )
        .join(Bottleneck, Bottleneck.id == RecommendationBottleneck.bottleneck_id)
        .where(SHARED, *in_scope(Recommendation.engagement_id, conditions))
        .distinct()
        .subquery("pairs")
    )
    stmt = select(pairs.c.condition, func.count(), func.sum(pairs.c.done)).group_by(
        pairs.c.condition
    )
    rates = {condition: _rate(n, int(done)) for condition, n, done in connection.execute(stmt)}
    return _by_value(FrameworkCondition, rates, _rate(0, 0))


def risks_by_engagement(
    session: Session, engagement_ids: Sequence[int], *, today: date
) -> dict[int, list[RiskReason]]:
    """Why each of `engagement_ids` is at risk, by the portfolio's rules (absent: it is not)."""
    if not engagement_ids:
        return {}
    # In no order: SQLite would otherwise walk the whole reference index to avoid a sort.
    rows = session.connection().execute(
        _summary_rows([Engagement.id.in_(list(engagement_ids))], today).order_by(None)
    )
    _, at_risk = _per_engagement(rows, today)
    return {item["engagement_id"]: item["reasons"] for item in at_risk["items"]}


def _per_engagement(rows: Iterable[Any], today: date) -> tuple[list[Any], dict[str, Any]]:
    """Each engagement's last mission, and the engagements at risk with their reasons, from the
    rows of _summary_rows (tens of thousands on a large portfolio: one dict per item, nothing
    else per row)."""
    last_missions, at_risk = [], []
    for id_, reference, title, phase, last_on, overdue, clock_ran_out, late in rows:
        days = None if last_on is None else max(0, (today - last_on).days)
        last_missions.append(
            {
                "engagement_id": id_,
                "reference": reference,
                "phase": phase,
                "last_mission_on": last_on,
                "days_since_last_mission": days,
            }
        )
        if overdue or clock_ran_out or late:
            reasons = []
            if overdue:
                reasons.append(RiskReason.OVERDUE_MILESTONE)
            if clock_ran_out:
                reasons.append(RiskReason.NO_MISSION_IN_90_DAYS)
            if late:
                reasons.append(RiskReason.RESPONSE_PENDING_60_DAYS)
            at_risk.append(
                {
                    "engagement_id": id_,
                    "reference": reference,
                    "phase": phase,
                    "title": title,
                    "reasons": reasons,
                    "overdue_milestones": overdue,
                    "days_since_last_mission": days,
                    "pending_responses_over_60_days": late,
                }
            )
    return last_missions, {"count": len(at_risk), "items": at_risk}
