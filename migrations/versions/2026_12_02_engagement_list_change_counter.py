"""engagement list change counter

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 18:30:00.000000

A counter that the database raises on every write to what the engagement list shows
(app/models/change_counter.py): each app process keeps the pages it has built and serves one
again only while the counter has not moved (app/services/page_cache.py). Triggers, not the app,
raise it, so that no writer can forget to: another worker, a script, a console, a migration.

PostgreSQL: one statement-level BEFORE trigger per table and operation. BEFORE, so that a writing
transaction takes the counter's row lock before any row lock of the table: two writers then
queue on the counter instead of holding each other's rows. SQLite has row triggers only, and
one writer at a time anyway.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTER = "engagement_list"
# The tables the engagement list reads (ENGAGEMENT_LIST_TABLES when this revision was written).
TABLES = (
    "engagements",
    "engagement_themes",
    "engagement_objectives",
    "engagement_members",
    "regions",
    "partnerships",
)
OPERATIONS = ("INSERT", "UPDATE", "DELETE")
BUMP = f"UPDATE change_counters SET value = value + 1 WHERE name = '{COUNTER}'"


def upgrade() -> None:
    op.create_table(
        "change_counters",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counters")),
    )
    op.execute(f"INSERT INTO change_counters (name, value) VALUES ('{COUNTER}', 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION bump_engagement_list() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_bump_engagement_list "
                f"BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_engagement_list()"
            )
        return
    for table in TABLES:
        for operation in OPERATIONS:
            op.execute(
                f"CREATE TRIGGER {table}_{operation.lower()}_bumps_engagement_list "
                f"AFTER {operation} ON {table} BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_bump_engagement_list ON {table}")
        op.execute("DROP FUNCTION bump_engagement_list()")
    else:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER {table}_{operation.lower()}_bumps_engagement_list")
    op.drop_table("change_counters")
