"""People who use the system. Authentication arrives with issue #3; the table is here now
because engagements name their lead consultant, members and mission consultants."""

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Versioned, vocab
from app.vocab import Role


class User(Versioned, Base):
    __tablename__ = "users"
    __table_args__ = (
        # A stakeholder is bound to exactly one client; nobody else is bound to any.
        CheckConstraint(
            "(role = 'stakeholder' AND ((region_id IS NULL) <> (partnership_id IS NULL)))"
            " OR (role <> 'stakeholder' AND region_id IS NULL AND partnership_id IS NULL)",
            name="stakeholder_client",
        ),
    )

    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(vocab(Role, "role"))
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="RESTRICT"), index=True
    )
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnerships.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
