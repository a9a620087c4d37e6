"""Engagements: the aggregate root of an advisory case."""

from sqlalchemy.orm import Session

from app.models import Engagement
from app.services.common import get_or_404


def get(session: Session, engagement_id: int) -> Engagement:
    """The engagement, or NotFound."""
    return get_or_404(session, Engagement, engagement_id, label="Engagement")
