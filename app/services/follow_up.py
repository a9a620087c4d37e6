"""Follow-up of recommendations: the append-only history of status updates and the current
status derived from it, and the indicators (baseline → target) with their measurements.

The recommendation's `response`, `implementation`, `self_assessment` and
`validated_implementation` columns are derived here, in the same transaction as each update,
so that reads and lists cost nothing extra.
"""

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, joinedload

from app import clock
from app.models import Indicator, Measurement, Recommendation, StatusUpdate, User
from app.schemas.follow_up import (
    IndicatorCreate,
    IndicatorRead,
    IndicatorStatus,
    IndicatorUpdate,
    MeasurementCreate,
    StatusUpdateCreate,
)
from app.services.common import apply_changes, get_in_engagement, paginate
from app.services.errors import Conflict, InvalidInput, NotFound
from app.vocab import Implementation, Response, Role, Stage

# Whose implementation rating counts as the consultants' validated one.
VALIDATING_ROLES = (Role.CONSULTANT, Role.ADMIN)


def find_recommendation(
    session: Session, engagement_id: int, recommendation_id: int, *, shared_only: bool
) -> Recommendation:
    """The recommendation of this engagement, or NotFound — also when `shared_only`
    (stakeholders) and it is not shared."""
    recommendation = get_in_engagement(
        session, Recommendation, engagement_id, recommendation_id, label="Recommendation"
    )
    if shared_only and recommendation.stage != Stage.SHARED:
        raise NotFound(f"Recommendation {recommendation_id} does not exist in this engagement")
    return recommendation


# --- status updates ---------------------------------------------------------------------


def list_updates(
    session: Session, recommendation: Recommendation, *, limit: int, offset: int
) -> tuple[Sequence[StatusUpdate], int]:
    """The recommendation's updates, latest first (by as_of, then by recording order)."""
    stmt = (
        select(StatusUpdate)
        .where(
            StatusUpdate.engagement_id == recommendation.engagement_id,
            StatusUpdate.recommendation_id == recommendation.id,
        )
        .options(joinedload(StatusUpdate.author))
        .order_by(StatusUpdate.as_of.desc(), StatusUpdate.id.desc())
    )
    return paginate(session, stmt, limit=limit, offset=offset)


def latest_updates(
    session: Session, engagement_id: int, recommendation_ids: Sequence[int], *, limit: int
) -> dict[int, tuple[list[StatusUpdate], int]]:
    """For each recommendation, its latest `limit` updates (as `list_updates` orders them) and
    how many it has: one statement for them all, not one per recommendation."""
    found: dict[int, tuple[list[StatusUpdate], int]] = {rid: ([], 0) for rid in recommendation_ids}
    if not recommendation_ids:
        return found
    stmt = (
        select(StatusUpdate)
        .where(
            StatusUpdate.engagement_id == engagement_id,
            StatusUpdate.recommendation_id.in_(recommendation_ids),
        )
        .options(joinedload(StatusUpdate.author))
        .order_by(StatusUpdate.as_of.desc(), StatusUpdate.id.desc())
    )
    for update in session.scalars(stmt):
        shown, total = found[update.recommendation_id]
        if len(shown) < limit:
            shown.append(update)
        found[update.recommendation_id] = (shown, total + 1)
    return found


def _check_open_for_follow_up(recommendation: Recommendation) -> None:
    if recommendation.stage == Stage.DRAFT:
        raise Conflict(
            f"Recommendation {recommendation.code} is still a draft: its follow-up starts once "
            "it is shared with the client"
        )
    if recommendation.stage == Stage.WITHDRAWN:
        raise Conflict(
            f"Recommendation {recommendation.code} was withdrawn: its follow-up is closed"
        )


def record_update(
    session: Session, recommendation: Recommendation, data: StatusUpdateCreate, *, author: User
) -> StatusUpdate:
    """Append an update to a shared recommendation and derive its current status again."""
    # Lock the row (PostgreSQL) so that concurrent updates derive the status one at a time,
    # each seeing the others' rows; it also reloads the stage a concurrent request may change.
    session.refresh(recommendation, with_for_update=True)
    _check_open_for_follow_up(recommendation)
    update = StatusUpdate(
        engagement_id=recommendation.engagement_id,
        recommendation_id=recommendation.id,
        response=data.response,
        implementation=data.implementation,
        comment=data.comment,
        as_of=data.as_of or clock.today(),
        author_id=author.id,
        author=author,
        author_role=author.role,
    )
    session.add(update)
    session.flush()
    derive_status(session, recommendation)
    session.flush()
    return update


def derive_status(session: Session, recommendation: Recommendation) -> None:
    """Set the recommendation's current status from its updates: the latest response given;
    the latest implementation rating by a stakeholder (self-assessment) and by a consultant or
    admin (validated); `implementation` is the validated rating if any, else the client's."""

    def latest(column: InstrumentedAttribute[Any], *conditions: Any) -> Any:
        return session.scalar(
            select(column)
            .where(StatusUpdate.recommendation_id == recommendation.id, column.is_not(None))
            .where(*conditions)
            .order_by(StatusUpdate.as_of.desc(), StatusUpdate.id.desc())
            .limit(1)
        )

    response = latest(StatusUpdate.response)
    self_assessment = latest(
        StatusUpdate.implementation, StatusUpdate.author_role == Role.STAKEHOLDER
    )
    validated = latest(StatusUpdate.implementation, StatusUpdate.author_role.in_(VALIDATING_ROLES))
    apply_changes(
        recommendation,
        {
            "response": response or Response.PENDING,
            "self_assessment": self_assessment,
            "validated_implementation": validated,
            "implementation": validated or self_assessment or Implementation.NOT_IMPLEMENTED,
        },
    )


# --- indicators -------------------------------------------------------------------------


def indicator_progress(
    indicator: Indicator, latest: tuple[float, date] | None
) -> tuple[float | None, bool | None, IndicatorStatus]:
    """(progress, on_track, status) of the indicator given its latest measurement."""
    if latest is None:
        return None, None, "no_measurement"
    value, measured_on = latest
    span = indicator.target_value - indicator.baseline_value
    if span == 0:
        return None, None, "target_equals_baseline"
    progress = (value - indicator.baseline_value) / span
    status: IndicatorStatus = (
        "regressed" if progress < 0 else "achieved" if progress >= 1 else "in_progress"
    )
    if not math.isfinite(progress):  # extreme values: the direction is all that is known
        return None, None, status
    years = indicator.target_year - indicator.baseline_year
    elapsed = (measured_on.year - indicator.baseline_year) / years if years else 1.0
    return progress, progress >= min(max(elapsed, 0.0), 1.0), status


def latest_measurements(
    session: Session, indicator_ids: Sequence[int]
) -> dict[int, tuple[float, date]]:
    """{indicator id: (value, measured_on)} of each one's latest measurement (one query)."""
    if not indicator_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=Measurement.indicator_id,
            order_by=(Measurement.measured_on.desc(), Measurement.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(Measurement.indicator_id, Measurement.value, Measurement.measured_on, rank)
        .where(Measurement.indicator_id.in_(indicator_ids))
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.indicator_id, ranked.c.value, ranked.c.measured_on).where(
            ranked.c.rank == 1
        )
    )
    return {row.indicator_id: (row.value, row.measured_on) for row in rows}


def _read(indicator: Indicator, latest: tuple[float, date] | None) -> IndicatorRead:
    progress, on_track, status = indicator_progress(indicator, latest)
    return IndicatorRead.model_validate(indicator).model_copy(
        update={
            "latest_value": latest[0] if latest else None,
            "latest_measured_on": latest[1] if latest else None,
            "progress": progress,
            "on_track": on_track,
            "status": status,
        }
    )


def read_indicator(session: Session, indicator: Indicator) -> IndicatorRead:
    """The indicator as the API shows it, with its latest value and progress."""
    return _read(indicator, latest_measurements(session, [indicator.id]).get(indicator.id))


def list_indicators(
    session: Session, recommendation: Recommendation, *, limit: int, offset: int
) -> tuple[list[IndicatorRead], int]:
    """The recommendation's indicators in creation order, each with its progress; three
    statements whatever the page size."""
    stmt = (
        select(Indicator)
        .where(
            Indicator.engagement_id == recommendation.engagement_id,
            Indicator.recommendation_id == recommendation.id,
        )
        .order_by(Indicator.id)
    )
    items, total = paginate(session, stmt, limit=limit, offset=offset)
    latest = latest_measurements(session, [i.id for i in items])
    return [_read(i, latest.get(i.id)) for i in items], total


def get_indicator(session: Session, recommendation: Recommendation, indicator_id: int) -> Indicator:
    """The indicator of this recommendation, or NotFound."""
    indicator = get_in_engagement(
        session, Indicator, recommendation.engagement_id, indicator_id, label="Indicator"
    )
    if indicator.recommendation_id != recommendation.id:
        raise NotFound(f"Indicator {indicator_id} does not exist for this recommendation")
    return indicator


def create_indicator(
    session: Session, recommendation: Recommendation, data: IndicatorCreate
) -> Indicator:
    """Add an indicator (baseline and target) to the recommendation."""
    indicator = Indicator(
        engagement_id=recommendation.engagement_id,
        recommendation_id=recommendation.id,
        **data.model_dump(),
    )
    session.add(indicator)
    session.flush()
    return indicator


def update_indicator(session: Session, indicator: Indicator, data: IndicatorUpdate) -> Indicator:
    """Apply the fields sent; the target year may not come before the baseline year."""
    changes = data.changes()
    baseline_year = changes.get("baseline_year", indicator.baseline_year)
    target_year = changes.get("target_year", indicator.target_year)
    if target_year < baseline_year:
        field = "target_year" if "target_year" in changes else "baseline_year"
        raise InvalidInput(
            f"target_year {target_year} is before baseline_year {baseline_year}",
            loc=["body", field],
        )
    apply_changes(indicator, changes)
    session.flush()
    return indicator


def delete_indicator(session: Session, indicator: Indicator) -> None:
    """Remove the indicator; its measurements go with it (ON DELETE CASCADE)."""
    session.delete(indicator)
    session.flush()


# --- measurements -----------------------------------------------------------------------


def list_measurements(
    session: Session, indicator: Indicator, *, limit: int, offset: int
) -> tuple[Sequence[Measurement], int]:
    """The indicator's measurements, latest first."""
    stmt = (
        select(Measurement)
        .where(
            Measurement.engagement_id == indicator.engagement_id,
            Measurement.indicator_id == indicator.id,
        )
        .options(joinedload(Measurement.author))
        .order_by(Measurement.measured_on.desc(), Measurement.id.desc())
    )
    return paginate(session, stmt, limit=limit, offset=offset)


def record_measurement(
    session: Session, indicator: Indicator, data: MeasurementCreate, *, author: User
) -> Measurement:
    """Record a measured value of the indicator."""
    measurement = Measurement(
        engagement_id=indicator.engagement_id,
        indicator_id=indicator.id,
        author_id=author.id,
        author=author,
        author_role=author.role,
        **data.model_dump(),
    )
    session.add(measurement)
    session.flush()
    return measurement


def get_measurement(session: Session, indicator: Indicator, measurement_id: int) -> Measurement:
    """The measurement of this indicator, or NotFound."""
    measurement = get_in_engagement(
        session, Measurement, indicator.engagement_id, measurement_id, label="Measurement"
    )
    if measurement.indicator_id != indicator.id:
        raise NotFound(f"Measurement {measurement_id} does not exist for this indicator")
    return measurement


def delete_measurement(session: Session, measurement: Measurement) -> None:
    """Remove a measurement (recorded in error)."""
    session.delete(measurement)
    session.flush()
