"""Report versions: what a client asks to render, and what a version looks like."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.schemas.common import InputModel, ReadModel
from app.vocab import ReportKind, ReportStatus

# The templates are written in English; other languages would need translated templates.
ReportLanguage = Literal["en"]


class ReportCreate(InputModel):
    kind: ReportKind
    language: ReportLanguage = Field("en", description="Report language (templates exist in: en)")


class ReportRead(ReadModel):
    id: int
    engagement_id: int
    kind: ReportKind
    version_number: int
    status: ReportStatus
    language: str
    title: str
    sha256: str = Field(description="SHA-256 of the stored PDF; the download's ETag")
    size_bytes: int
    page_count: int
    created_by_id: int | None
    created_at: datetime
    published_at: datetime | None
