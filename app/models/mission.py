"""Advisory missions and the consultants who went."""

from datetime import date

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Versioned, vocab
from app.vocab import MissionKind


class Mission(Versioned, Base):
    __tablename__ = "missions"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_order"),
        CheckConstraint("participants_count >= 0", name="participants_count_positive"),
    )

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MissionKind] = mapped_column(vocab(MissionKind, "kind"))
    title: Mapped[str] = mapped_column(String(300))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(300), default="")
    participants_count: Mapped[int] = mapped_column(Integer, default=0)
    participant_organisations: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")

    consultant_rows: Mapped[list["MissionConsultant"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def consultant_ids(self) -> list[int]:
        return sorted(row.user_id for row in self.consultant_rows)


class MissionConsultant(Base):
    __tablename__ = "mission_consultants"

    mission_id: Mapped[int] = mapped_column(
        ForeignKey("missions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
