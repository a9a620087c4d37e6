"""Evidence references for many targets at once (one query, whatever the number of targets)."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import EvidenceLink
from app.schemas.links import EvidenceRef

TargetType = Literal["challenge", "bottleneck", "recommendation"]

_TARGET_COLUMN = {
    "challenge": EvidenceLink.challenge_id,
    "bottleneck": EvidenceLink.bottleneck_id,
    "recommendation": EvidenceLink.recommendation_id,
}


def evidence_refs(
    session: Session, target_type: TargetType, target_ids: Iterable[int]
) -> dict[int, list[EvidenceRef]]:
    """{target id: its evidence references, ordered by link id}; targets without links are
    absent from the dict."""
    ids = list(target_ids)
    refs: dict[int, list[EvidenceRef]] = defaultdict(list)
    if not ids:
        return refs
    column = _TARGET_COLUMN[target_type]
    rows = session.execute(
        select(column, EvidenceLink.id, EvidenceLink.evidence_id, EvidenceLink.relation)
        .where(column.in_(ids))
        .order_by(EvidenceLink.id)
    )
    for target_id, link_id, evidence_id, relation in rows:
        assert target_id is not None  # the WHERE clause selected on it
        refs[target_id].append(
            EvidenceRef(link_id=link_id, evidence_id=evidence_id, relation=relation)
        )
    return refs
