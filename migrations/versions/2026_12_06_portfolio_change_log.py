"""portfolio change log: validates the dashboard kept by each process

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 16:30:00.000000

The portfolio dashboard (/portfolio) aggregates every engagement, milestone, mission and shared
recommendation: 200 ms and more at 10,000 engagements. Each process keeps what it rendered and
serves it again while the sum of `portfolio_changes.n` (app/models/change_log.py) has not moved.
The mechanism is 0008's for the engagement list, on the tables the summary reads
(app/services/portfolio.py): a statement-level trigger inserts a row per writing statement on
PostgreSQL (folded now and then without waiting for anyone), a row trigger raises one row on
SQLite.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables the portfolio summary reads (PORTFOLIO_TABLES when this revision was written).
TABLES = (
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
LOG = "portfolio_changes"
FUNCTION = "note_portfolio_change"
OPERATIONS = ("INSERT", "UPDATE", "DELETE")
FOLD_EVERY = 64
FOLD_AT_MOST = 1024

NOTE_CHANGE = f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO {LOG} (n) VALUES (1) RETURNING id INTO new_id;
    IF new_id % {FOLD_EVERY} = 0 THEN
        WITH folded AS (
            DELETE FROM {LOG} WHERE id IN (
                SELECT id FROM {LOG} ORDER BY id LIMIT {FOLD_AT_MOST} FOR UPDATE SKIP LOCKED
            )
            RETURNING n
        )
        INSERT INTO {LOG} (n) SELECT sum(n) FROM folded HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        LOG,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{LOG}")),
    )
    op.execute(f"INSERT INTO {LOG} (n) VALUES (1)")
    if postgres:
        op.execute(NOTE_CHANGE)
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_{FUNCTION} "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
        return
    for table in TABLES:
        for operation in OPERATIONS:
            op.execute(
                f"CREATE TRIGGER {table}_{operation.lower()}_{FUNCTION} "
                f"AFTER {operation} ON {table} BEGIN UPDATE {LOG} SET n = n + 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_{FUNCTION} ON {table}")
        op.execute(f"DROP FUNCTION {FUNCTION}()")
    else:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER {table}_{operation.lower()}_{FUNCTION}")
    op.drop_table(LOG)
