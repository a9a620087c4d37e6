"""portfolio summary indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 20:00:00.000000

Covering indexes for the portfolio summary (app/services/portfolio.py, issue #5), so that its
statements over recommendations read an index (index-only scans on PostgreSQL) instead of the
whole table, whose rows carry the texts and the stored tsvector:

- `recommendations (stage, response, implementation, instrument, shared_at, engagement_id, id)`:
  the tallies by stage/response/implementation/instrument (read in that order, so grouped
  without hashing), the late responses (a range: shared, pending, shared before a date) and the
  shared recommendations of the (recommendation, framework condition) pairs;
- `bottlenecks (id, framework_condition)`: the condition of each addressed bottleneck.

Plain composite indexes, the same on both databases (the models declare them).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECOMMENDATIONS = (
    "stage",
    "response",
    "implementation",
    "instrument",
    "shared_at",
    "engagement_id",
    "id",
)


def upgrade() -> None:
    op.create_index("ix_recommendations_portfolio", "recommendations", list(RECOMMENDATIONS))
    op.create_index(
        "ix_bottlenecks_id_framework_condition", "bottlenecks", ["id", "framework_condition"]
    )


def downgrade() -> None:
    op.drop_index("ix_bottlenecks_id_framework_condition", table_name="bottlenecks")
    op.drop_index("ix_recommendations_portfolio", table_name="recommendations")
