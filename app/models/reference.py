"""Reference data: regions and European Strategic Cluster Partnerships."""

from sqlalchemy import JSON, CheckConstraint, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Versioned, vocab
from app.vocab import PartnershipKind


class Region(Versioned, Base):
    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("nuts_level BETWEEN 0 AND 3", name="nuts_level_range"),
        CheckConstraint("length(country_code) = 2", name="country_code_length"),
    )

    nuts_code: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(String(2))
    nuts_level: Mapped[int] = mapped_column(SmallInteger)
    notes: Mapped[str] = mapped_column(Text, default="")


class Partnership(Versioned, Base):
    __tablename__ = "partnerships"

    acronym: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[PartnershipKind] = mapped_column(vocab(PartnershipKind, "kind"))
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    coordinator: Mapped[str] = mapped_column(String(300), default="")
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    website: Mapped[str | None] = mapped_column(String(2000))
    notes: Mapped[str] = mapped_column(Text, default="")
