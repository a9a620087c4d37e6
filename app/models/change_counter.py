"""Change counters: numbers the database itself raises on every write to the data they cover."""

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

# The counter of the data the engagement list shows: engagements, their themes, objectives and
# team, and their clients' names. Triggers of migration 0007 raise it on every INSERT, UPDATE
# and DELETE of those tables, whoever writes (this app's workers, a script, a console).
ENGAGEMENT_LIST = "engagement_list"
ENGAGEMENT_LIST_TABLES = (
    "engagements",
    "engagement_themes",
    "engagement_objectives",
    "engagement_members",
    "regions",
    "partnerships",
)


class ChangeCounter(Base):
    __tablename__ = "change_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
