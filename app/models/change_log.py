"""The engagement list's change log: rows the database itself adds on every write to the data
the list shows (migration 0008's triggers), whoever writes. The sum of their `n` rises with
every committed change and never falls, so it validates the list's kept pages
(app/services/page_cache.py) without any lock that writers would queue on."""

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

# The tables the engagement list reads: engagements, their themes, objectives and team, and
# their clients' names.
ENGAGEMENT_LIST_TABLES = (
    "engagements",
    "engagement_themes",
    "engagement_objectives",
    "engagement_members",
    "regions",
    "partnerships",
)


class ListChange(Base):
    """PostgreSQL: one row per writing statement (inserts never wait on each other), folded
    now and then into one row of the same sum. SQLite, which has one writer at a time anyway:
    one row, raised in place."""

    __tablename__ = "engagement_list_changes"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    n: Mapped[int] = mapped_column(BigInteger, default=1)


# The tables the portfolio summary reads (app/services/portfolio.py): its dashboard kept by
# each process is valid while their change log's sum has not moved (migration 0010).
PORTFOLIO_TABLES = (
    "engagements",
    "engagement_themes",
    "engagement_objectives",
    "regions",
    "partnerships",
    "milestones",
    "missions",
    "recommendations",
    "recommendation_bottlenecks",
    "bottlenecks",
)


class PortfolioChange(Base):
    """The portfolio's change log, kept as ListChange is."""

    __tablename__ = "portfolio_changes"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    n: Mapped[int] = mapped_column(BigInteger, default=1)
