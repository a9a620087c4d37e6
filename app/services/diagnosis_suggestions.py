"""Diagnosis suggestions from the client region's statistics (issue 15).

A suggestion is a framework condition where the region is in the bottom quartile of its NUTS
level on some indicator, or where its gap to the benchmark is widening; its key is the
condition's value. Accepting one makes, in the request's transaction, a `hypothesis`
bottleneck, an `indicator` evidence record per indicator linked to it as `supports`, the
observations each record quotes (EvidenceObservation: so that the evidence can say "newer data
available" after a later import), and the decision. Dismissing records the decision. Decided
suggestions are not offered again. The audit trail records every row (app/services/audit.py).
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Bottleneck,
    Engagement,
    Evidence,
    EvidenceLink,
    EvidenceObservation,
    SuggestionDecision,
    User,
)
from app.reports import numbers
from app.schemas.region_profile import (
    AcceptedSuggestion,
    DatasetRef,
    DecidedSuggestion,
    IndicatorProfile,
    RegionProfile,
    RegionRef,
    SuggestedIndicator,
    Suggestion,
)
from app.services import region_profile
from app.services.common import lock_engagement
from app.services.errors import Conflict, Duplicate
from app.vocab import (
    BottleneckStatus,
    EvidenceKind,
    FrameworkCondition,
    Relation,
    SuggestionDecisionKind,
    label,
)

PARTNERSHIP_REASON = (
    "Suggestions come from a region's statistics; this engagement's client is a partnership."
)
SOURCE_CUT = 500  # Evidence.source's length


@dataclass(frozen=True)
class Suggestions:
    items: list[Suggestion]
    decided: list[DecidedSuggestion]
    reason: str | None


def _decisions(session: Session, engagement_id: int) -> list[DecidedSuggestion]:
    rows = session.scalars(
        select(SuggestionDecision)
        .where(SuggestionDecision.engagement_id == engagement_id)
        .order_by(SuggestionDecision.id)
    )
    return [
        DecidedSuggestion(key=d.key, decision=d.decision.value, bottleneck_id=d.bottleneck_id)
        for d in rows
    ]


def _reasons(item: IndicatorProfile) -> list[str]:
    reasons = []
    if item.percentile is not None and item.percentile < region_profile.BOTTOM_QUARTILE:
        reasons.append("bottom_quartile")
    if item.gap_trend == "widening":
        reasons.append("widening_gap")
    return reasons


def _quantity(value: float, unit: str) -> str:
    return numbers.quantity(value, unit)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _sentence(region: RegionRef, item: IndicatorProfile) -> str:
    """One plain sentence on an indicator behind a suggestion."""
    text = f"{item.name}: {_quantity(item.value, item.unit)} in {item.year}"
    if item.benchmark is not None:
        text += f", against {_quantity(item.benchmark.value, item.unit)} ({item.benchmark.label})"
    parts = []
    if item.percentile is not None:
        parts.append(
            f"{region.name} is at the {ordinal(round(item.percentile))} percentile of the "
            f"{item.regions_compared} NUTS {region.nuts_level} regions compared (higher is better)"
        )
    if item.gap_trend == "widening":
        parts.append(f"the gap to the benchmark has widened since {item.base_year}")
    return text + (": " + "; ".join(parts) if parts else "") + "."


def _suggestion(
    profile: RegionProfile, condition: FrameworkCondition, behind: list[IndicatorProfile]
) -> Suggestion:
    region = profile.region.name
    names = ", ".join(i.name for i in behind)
    ref = profile.region
    description = (
        f"{region} lags behind on {label(condition).lower()} in the indicator data "
        f"({names}). " + " ".join(_sentence(ref, i) for i in behind)
    )
    return Suggestion(
        key=condition.value,
        framework_condition=condition,
        title=f"{region} lags on {label(condition).lower()}"[:300],
        description=description,
        indicators=[
            SuggestedIndicator(
                indicator_id=i.indicator_id,
                name=i.name,
                unit=i.unit,
                year=i.year,
                value=i.value,
                benchmark=i.benchmark,
                percentile=i.percentile,
                gap_trend=i.gap_trend,
                reasons=_reasons(i),  # type: ignore[arg-type]
                summary=_sentence(ref, i),
            )
            for i in behind
        ],
    )


def _offered(
    profile: RegionProfile, decided: list[DecidedSuggestion]
) -> list[tuple[Suggestion, list[IndicatorProfile]]]:
    taken = {d.key for d in decided}
    found = []
    for condition in FrameworkCondition:
        behind = [
            i for i in profile.indicators if i.framework_condition == condition and _reasons(i)
        ]
        if behind and condition.value not in taken:
            found.append((_suggestion(profile, condition, behind), behind))
    return found


def suggestions(session: Session, engagement: Engagement) -> Suggestions:
    """The suggestions still open for the engagement, the decided ones apart, and why there
    are none when there are none."""
    if engagement.region_id is None:
        return Suggestions([], [], PARTNERSHIP_REASON)
    profile = region_profile.profile(session, engagement.region_id)
    decided = _decisions(session, engagement.id)
    items = [s for s, _ in _offered(profile, decided)]
    reason = None
    if not profile.indicators:
        reason = f"There is no indicator data for {profile.region.name} yet."
    elif not items:
        reason = (
            f"No other framework condition of {profile.region.name} is in the bottom quartile "
            "of its NUTS level or losing ground against its benchmark."
            if decided
            else f"No framework condition of {profile.region.name} is in the bottom quartile "
            "of its NUTS level or losing ground against its benchmark."
        )
    return Suggestions(items, decided, reason)


def _open(
    session: Session, engagement: Engagement, key: str
) -> tuple[RegionProfile, Suggestion, list[IndicatorProfile]]:
    """The suggestion `key` if it is on offer; 409 when decided already or not offered."""
    if engagement.region_id is None:
        raise Conflict(PARTNERSHIP_REASON)
    decided = _decisions(session, engagement.id)
    for d in decided:
        if d.key == key:
            raise Duplicate(f"The suggestion {key} was {d.decision} already")
    profile = region_profile.profile(session, engagement.region_id)
    for suggestion, behind in _offered(profile, decided):
        if suggestion.key == key:
            return profile, suggestion, behind
    raise Conflict(f"No suggestion {key} is offered for this engagement")


def _source(dataset: DatasetRef) -> str:
    parts = [dataset.source, dataset.title, dataset.attribution]
    if dataset.illustrative:
        parts.append("Illustrative data")
    return ". ".join(p.strip().rstrip(".") for p in parts if p.strip())[:SOURCE_CUT]


def _evidence(
    engagement: Engagement, profile: RegionProfile, item: IndicatorProfile
) -> tuple[Evidence, list[EvidenceObservation]]:
    dataset = next(d for d in profile.datasets if d.id == item.dataset_id)
    evidence = Evidence(
        engagement_id=engagement.id,
        kind=EvidenceKind.INDICATOR,
        title=f"{item.name}, {profile.region.name}, {item.year}"[:300],
        url=dataset.url,
        source=_source(dataset),
        excerpt=_sentence(profile.region, item),
        indicator_name=item.name[:300],
        indicator_value=item.value,
        indicator_unit=item.unit[:50] or None,
        indicator_year=item.year,
        benchmark_value=None if item.benchmark is None else item.benchmark.value,
        benchmark_label=None if item.benchmark is None else item.benchmark.label[:200],
    )
    quoted = [(profile.region.nuts_code, item.value)]
    if item.benchmark is not None and item.benchmark.geo is not None:
        quoted.append((item.benchmark.geo, item.benchmark.value))
    observations = [
        EvidenceObservation(indicator_id=item.indicator_id, geo=geo, year=item.year, value=value)
        for geo, value in quoted
    ]
    return evidence, observations


def accept(session: Session, engagement: Engagement, key: str, user: User) -> AcceptedSuggestion:
    """Turn the suggestion into a hypothesis bottleneck with its indicator evidence linked as
    `supports`, and remember the decision. Under the engagement's lock: two concurrent
    decisions on one suggestion are told apart by the check (409), not by the unique key."""
    lock_engagement(session, engagement.id)
    profile, suggestion, behind = _open(session, engagement, key)
    bottleneck = Bottleneck(
        engagement_id=engagement.id,
        title=suggestion.title,
        description=suggestion.description,
        framework_condition=suggestion.framework_condition,
        severity=3,
        status=BottleneckStatus.HYPOTHESIS,
    )
    session.add(bottleneck)
    session.flush()
    records = []
    for item in behind:
        evidence, observations = _evidence(engagement, profile, item)
        session.add(evidence)
        session.flush()
        for observation in observations:
            observation.evidence_id = evidence.id
        session.add_all(observations)
        session.add(
            EvidenceLink(
                engagement_id=engagement.id,
                evidence_id=evidence.id,
                bottleneck_id=bottleneck.id,
                relation=Relation.SUPPORTS,
                note="From the diagnosis suggestion on the region's indicator data",
            )
        )
        records.append(evidence.id)
    _decide(session, engagement, key, SuggestionDecisionKind.ACCEPTED, user, bottleneck.id)
    return AcceptedSuggestion(key=key, bottleneck_id=bottleneck.id, evidence_ids=records)


def dismiss(session: Session, engagement: Engagement, key: str, user: User) -> DecidedSuggestion:
    """Remember that the suggestion was dismissed: it is not offered again (under the
    engagement's lock, as `accept`)."""
    lock_engagement(session, engagement.id)
    _open(session, engagement, key)
    _decide(session, engagement, key, SuggestionDecisionKind.DISMISSED, user, None)
    return DecidedSuggestion(key=key, decision="dismissed", bottleneck_id=None)


def _decide(
    session: Session,
    engagement: Engagement,
    key: str,
    decision: SuggestionDecisionKind,
    user: User,
    bottleneck_id: int | None,
) -> None:
    session.add(
        SuggestionDecision(
            engagement_id=engagement.id,
            key=key,
            decision=decision,
            bottleneck_id=bottleneck_id,
            decided_by_id=user.id,
        )
    )
    session.flush()
