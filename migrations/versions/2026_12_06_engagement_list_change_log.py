"""engagement list change log without a lock

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:30:00.000000

Replaces 0007's change counter. Its triggers UPDATEd one row, so on PostgreSQL every transaction
that wrote to the six tables the engagement list reads held that row's lock until it ended:
all such writers queued behind each other, and a transaction left open on one engagement
stalled writes to every other.

Now the list's pages are validated by the sum of `engagement_list_changes.n`
(app/models/change_log.py), which rises with every committed write and never falls:

- PostgreSQL: a statement-level trigger INSERTs a row (n = 1) per writing statement. Inserts of
  distinct rows never wait on each other, and a reader sees the rows of committed transactions
  only. Every 64th row, the writer also folds the committed rows nobody else is folding
  (`FOR UPDATE SKIP LOCKED`: it waits for nobody) into one row of the same sum, so the table
  stays a few dozen rows long.
- SQLite allows one writer at a time anyway, so a row trigger raises a single row in place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
FOLD_EVERY = 64
FOLD_AT_MOST = 1024

NOTE_CHANGE = f"""
CREATE FUNCTION note_engagement_list_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO engagement_list_changes (n) VALUES (1) RETURNING id INTO new_id;
    IF new_id % {FOLD_EVERY} = 0 THEN
        WITH folded AS (
            DELETE FROM engagement_list_changes WHERE id IN (
                SELECT id FROM engagement_list_changes
                ORDER BY id LIMIT {FOLD_AT_MOST} FOR UPDATE SKIP LOCKED
            )
            RETURNING n
        )
        INSERT INTO engagement_list_changes (n)
        SELECT sum(n) FROM folded HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$
"""

# 0007's objects, for the downgrade.
OLD_BUMP = "UPDATE change_counters SET value = value + 1 WHERE name = 'engagement_list'"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _drop_counter(postgres)
    op.create_table(
        "engagement_list_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_list_changes")),
    )
    op.execute("INSERT INTO engagement_list_changes (n) VALUES (1)")
    if postgres:
        op.execute(NOTE_CHANGE)
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_note_engagement_list_change "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION note_engagement_list_change()"
            )
        return
    for table in TABLES:
        for operation in OPERATIONS:
            op.execute(
                f"CREATE TRIGGER {table}_{operation.lower()}_notes_engagement_list_change "
                f"AFTER {operation} ON {table} "
                "BEGIN UPDATE engagement_list_changes SET n = n + 1; END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_note_engagement_list_change ON {table}")
        op.execute("DROP FUNCTION note_engagement_list_change()")
    else:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER {table}_{operation.lower()}_notes_engagement_list_change")
    op.drop_table("engagement_list_changes")
    _create_counter(postgres)


def _drop_counter(postgres: bool) -> None:
    if postgres:
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_bump_engagement_list ON {table}")
        op.execute("DROP FUNCTION bump_engagement_list()")
    else:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER {table}_{operation.lower()}_bumps_engagement_list")
    op.drop_table("change_counters")


def _create_counter(postgres: bool) -> None:
    op.create_table(
        "change_counters",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counters")),
    )
    op.execute("INSERT INTO change_counters (name, value) VALUES ('engagement_list', 0)")
    if postgres:
        op.execute(
            "CREATE FUNCTION bump_engagement_list() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {OLD_BUMP}; RETURN NULL; END $$"
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
                f"AFTER {operation} ON {table} BEGIN {OLD_BUMP}; END"
            )
