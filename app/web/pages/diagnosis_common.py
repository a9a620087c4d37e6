"""What the diagnosis and evidence pages share: the workspace around each page, and the evidence
bearing on each target (their forms are saved through app/web/editing.py)."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.models import Engagement, User
from app.schemas.evidence import EvidenceRead, LinkRead
from app.services import access, recommendations
from app.services import engagements as engagement_service
from app.services import evidence as evidence_service

# An engagement's diagnosis is tens of items: the pages show all of it, up to this many.
ALL = 1000


@dataclass(frozen=True)
class Kind:
    """A diagnosis item (a challenge or a bottleneck): its name in addresses and templates, its
    words, its service (create, get, update, delete as the API routes call them), its schemas
    and form fields, and what its form shows beside them."""

    name: str
    noun: str
    service: Any
    create: type[BaseModel]
    update: type[BaseModel]
    fields: tuple[str, ...]
    extra: Callable[[Session, Engagement], dict[str, Any]]


def workspace(session: Session, user: User, engagement: Engagement) -> dict[str, Any]:
    """What every page of the engagement's workspace shows around its content."""
    return {
        "nav": "engagements",
        "engagement": engagement_service.read(session, engagement.id),
        "can_write": access.can_write(session, user, engagement),
    }


def linked_evidence(
    items: Sequence[EvidenceRead],
) -> dict[str, list[tuple[LinkRead, EvidenceRead]]]:
    """{"bottleneck:12": [(link, evidence), ...]}: the evidence bearing on each target."""
    found: dict[str, list[tuple[LinkRead, EvidenceRead]]] = defaultdict(list)
    for item in items:
        for link in item.links:
            found[f"{link.target_type}:{link.target_id}"].append((link, item))
    return found


def all_evidence(session: Session, engagement_id: int) -> list[EvidenceRead]:
    return evidence_service.list_evidence(session, engagement_id, kind=None, limit=ALL, offset=0)[0]


def all_recommendation_codes(session: Session, user: User, engagement_id: int) -> dict[int, str]:
    items, _ = recommendations.list_recommendations(
        session,
        engagement_id,
        stage=None,
        priority=None,
        horizon=None,
        instrument=None,
        limit=ALL,
        offset=0,
        shared_only=access.shared_only(user),
    )
    return {r.id: f"{r.code} {r.title}" for r in items}
