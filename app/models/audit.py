"""The audit trail (append-only) and failed-login records for throttling."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.models.base import Base, UTCDateTime


class AuditEntry(Base):
    """One change, written in the same transaction as the change. `engagement_id` is a plain
    column, not a foreign key: the trail outlives a deleted engagement. Database triggers refuse
    UPDATE and DELETE on this table."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_engagement_id_id", "engagement_id", "id"),
        Index("ix_audit_entries_entity", "entity_type", "entity_id"),
        Index("ix_audit_entries_actor_id_id", "actor_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    engagement_id: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))


class LoginFailure(Base):
    """A failed login attempt, one row per throttling key it counts against (app/services/
    auth.py): `pair:…`, `address:…` and `account:…`. Rows older than the settings'
    memory are deleted (by `at`) whenever a failure is recorded."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_key_at", "key", "at"),
        Index("ix_login_failures_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
