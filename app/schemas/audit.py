"""Audit entries as the API shows them."""

from datetime import datetime
from typing import Any

from app.schemas.common import ReadModel


class AuditEntryRead(ReadModel):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    entity_type: str
    entity_id: int | None
    engagement_id: int | None
    changes: dict[str, list[Any]]
    request_id: str | None
