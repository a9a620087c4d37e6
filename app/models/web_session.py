"""Browser sign-ins (app/web): one row per signed-in browser, so that signing out, or an
administrator deactivating the user, ends it on the server and not only in the cookie."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.models.base import Base, UTCDateTime


class WebSession(Base):
    """The cookie holds a random token; only its SHA-256 is stored, so a copy of the database
    signs nobody in. The idle timeout is kept in the signed cookie (app/web/cookies.py), so
    that reading a page writes nothing."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
