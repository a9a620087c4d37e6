"""Evidence, and its links to the challenges, bottlenecks and recommendations it bears on."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from app.models import (
    Bottleneck,
    Challenge,
    Evidence,
    EvidenceLink,
    EvidenceObservation,
    Observation,
    Recommendation,
)
from app.schemas.evidence import (
    EvidenceCreate,
    EvidenceLinkRead,
    EvidenceRead,
    EvidenceUpdate,
    LinkCreate,
    LinkRead,
    TargetType,
)
from app.services.common import apply_changes, get_in_engagement, paginate
from app.services.errors import Duplicate, InvalidInput, NotFound
from app.vocab import EvidenceKind

# target_type → (the model it names, the link column that points at it)
_TARGETS: dict[TargetType, tuple[type[Challenge | Bottleneck | Recommendation], str]] = {
    "challenge": (Challenge, "challenge_id"),
    "bottleneck": (Bottleneck, "bottleneck_id"),
    "recommendation": (Recommendation, "recommendation_id"),
}


def _target_of(link: EvidenceLink) -> tuple[TargetType, int]:
    for target_type, (_model, column) in _TARGETS.items():
        target_id = getattr(link, column)
        if target_id is not None:
            return target_type, target_id
    raise AssertionError("the one_target CHECK guarantees a target")  # pragma: no cover


def _link_read(link: EvidenceLink) -> LinkRead:
    target_type, target_id = _target_of(link)
    return LinkRead(
        link_id=link.id,
        target_type=target_type,
        target_id=target_id,
        relation=link.relation,
        note=link.note,
    )


def to_reads(session: Session, items: Sequence[Evidence]) -> list[EvidenceRead]:
    """Read models with their links (one query, whatever the number of items)."""
    links: dict[int, list[LinkRead]] = defaultdict(list)
    if items:
        rows = session.scalars(
            select(EvidenceLink)
            .where(EvidenceLink.evidence_id.in_([e.id for e in items]))
            .order_by(EvidenceLink.id)
        )
        for link in rows:
            links[link.evidence_id].append(_link_read(link))
    newer = newer_data(session, [e.id for e in items if e.kind == EvidenceKind.INDICATOR])
    return [
        EvidenceRead.model_validate(e).model_copy(
            update={"links": links[e.id], "newer_data_available": e.id in newer}
        )
        for e in items
    ]


def newer_data(session: Session, evidence_ids: list[int]) -> set[int]:
    """The evidence among `evidence_ids` quoting an observation (app/services/
    diagnosis_suggestions.py) of which a later year or a revised value exists: one statement."""
    if not evidence_ids:
        return set()
    later = exists().where(
        Observation.indicator_id == EvidenceObservation.indicator_id,
        Observation.geo == EvidenceObservation.geo,
        or_(
            Observation.year > EvidenceObservation.year,
            and_(
                Observation.year == EvidenceObservation.year,
                Observation.value != EvidenceObservation.value,
            ),
        ),
    )
    stmt = select(EvidenceObservation.evidence_id).where(
        EvidenceObservation.evidence_id.in_(evidence_ids), later
    )
    return set(session.scalars(stmt.distinct()))


def list_evidence(
    session: Session, engagement_id: int, *, kind: EvidenceKind | None, limit: int, offset: int
) -> tuple[list[EvidenceRead], int]:
    """The engagement's evidence, oldest first, optionally of one kind."""
    stmt = select(Evidence).where(Evidence.engagement_id == engagement_id).order_by(Evidence.id)
    if kind is not None:
        stmt = stmt.where(Evidence.kind == kind)
    items, total = paginate(session, stmt, limit=limit, offset=offset)
    return to_reads(session, items), total


def get(session: Session, engagement_id: int, evidence_id: int) -> Evidence:
    """The evidence of this engagement, or NotFound."""
    return get_in_engagement(session, Evidence, engagement_id, evidence_id, label="Evidence")


def read(session: Session, engagement_id: int, evidence_id: int) -> EvidenceRead:
    """One piece of evidence of this engagement with its links, or NotFound."""
    return to_reads(session, [get(session, engagement_id, evidence_id)])[0]


def _check_indicator(state: Mapping[str, Any]) -> None:
    """An indicator is a number with a name; without both it is not evidence of anything."""
    if state["kind"] != EvidenceKind.INDICATOR:
        return
    for field in ("indicator_name", "indicator_value"):
        if state.get(field) is None:
            raise InvalidInput(f"Evidence of kind indicator needs {field}", loc=["body", field])


def create(session: Session, engagement_id: int, data: EvidenceCreate) -> EvidenceRead:
    """Add evidence; an indicator needs its name and value."""
    # dict(), not model_dump(): the url is already text (see EvidenceUpdate.changes).
    values = dict(data)
    _check_indicator(values)
    evidence = Evidence(engagement_id=engagement_id, **values)
    session.add(evidence)
    session.flush()
    return to_reads(session, [evidence])[0]


def update(session: Session, evidence: Evidence, data: EvidenceUpdate) -> EvidenceRead:
    """Apply the fields sent; the result, not just the change, must obey the indicator rule."""
    changes = data.changes()
    merged = {
        field: changes.get(field, getattr(evidence, field))
        for field in ("kind", "indicator_name", "indicator_value")
    }
    _check_indicator(merged)
    apply_changes(evidence, changes)
    session.flush()
    return to_reads(session, [evidence])[0]


def delete(session: Session, evidence: Evidence) -> None:
    """Remove evidence; its links go with it (the database cascades them)."""
    session.delete(evidence)
    session.flush()


def _check_target(session: Session, engagement_id: int, data: LinkCreate) -> None:
    # The composite foreign keys would refuse a target of another engagement too, but only
    # as an opaque 409; this names the offending input.
    model, _column = _TARGETS[data.target_type]
    found = session.scalar(
        select(model.id).where(model.id == data.target_id, model.engagement_id == engagement_id)
    )
    if found is None:
        raise InvalidInput(
            f"{data.target_type.capitalize()} {data.target_id} does not exist in this engagement",
            loc=["body", "target_id"],
        )


def link(session: Session, evidence: Evidence, data: LinkCreate) -> EvidenceLinkRead:
    """Link evidence to a challenge, bottleneck or recommendation of the same engagement;
    one link per evidence and target."""
    _check_target(session, evidence.engagement_id, data)
    _model, column = _TARGETS[data.target_type]
    existing = session.scalar(
        select(EvidenceLink.id).where(
            EvidenceLink.evidence_id == evidence.id,
            getattr(EvidenceLink, column) == data.target_id,
        )
    )
    if existing is not None:
        raise Duplicate(
            f"Evidence {evidence.id} is already linked to {data.target_type} {data.target_id} "
            f"(link {existing})"
        )
    row = EvidenceLink(
        engagement_id=evidence.engagement_id,
        evidence_id=evidence.id,
        relation=data.relation,
        note=data.note,
        **{column: data.target_id},
    )
    session.add(row)
    session.flush()
    return EvidenceLinkRead(evidence_id=evidence.id, **_link_read(row).model_dump())


def unlink(session: Session, evidence: Evidence, link_id: int) -> None:
    """Remove one link of this evidence, or NotFound (a link of other evidence included)."""
    row = session.get(EvidenceLink, link_id)
    if row is None or row.evidence_id != evidence.id:
        raise NotFound(f"Link {link_id} of evidence {evidence.id} does not exist")
    session.delete(row)
    session.flush()
