"""Rendered reports. Rendering and publishing arrive with issue #4; the table is here now
because the workflow gate to `follow_up` asks for a published policy briefing."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.models.base import Base, UTCDateTime, Versioned, vocab
from app.vocab import ReportKind, ReportStatus


class Report(Versioned, Base):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("engagement_id", "kind", "version_number"),
        CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL)", name="published_has_date"
        ),
    )

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ReportKind] = mapped_column(vocab(ReportKind, "kind"))
    version_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[ReportStatus] = mapped_column(
        vocab(ReportStatus, "status"), default=ReportStatus.DRAFT
    )
    language: Mapped[str] = mapped_column(String(8), default="en")
    title: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    snapshot: Mapped[dict[str, Any]] = deferred(mapped_column(JSON))
