"""library search: full-text index over recommendations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 18:00:00.000000

PostgreSQL: a stored generated `tsvector` column (English stemming; title weighted A,
description B, benefits and costs, risks and responsible actor C) with a GIN index over the
shared rows only. Stored, so ranking reads the vector instead of parsing every matching row's
text again.

SQLite: an FTS5 table with external content on `recommendations` (Porter stemming), kept in
sync by triggers, and filled from the existing rows ('rebuild'). A later migration that
rebuilds `recommendations` in batch mode loses these triggers: it must create them again.

Both: indexes of the shared rows by `shared_at`, and by instrument and `shared_at`, for the
library's newest-first order and its instrument filter.

None of these is in the SQLAlchemy models (the queries that use a partial index must spell
`stage = 'shared'` out literally; app/services/library.py does); `app.migrate.include_name`
keeps `alembic check` from reporting them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("title", "description", "benefits_costs", "risks", "responsible_actor")
SHARED = "WHERE stage = 'shared'"
# The library's order (newest shared first) and its instrument filter.
INDEXES = {
    "ix_recommendations_library_newest": "shared_at, id",
    "ix_recommendations_library_instrument": "instrument, shared_at, id",
}

_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, title), 'A')"
    " || setweight(to_tsvector('english'::regconfig, description), 'B')"
    " || setweight(to_tsvector('english'::regconfig,"
    " benefits_costs || ' ' || risks || ' ' || responsible_actor), 'C')"
)


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON recommendations ({columns}) {SHARED}")
    if op.get_bind().dialect.name == "postgresql":
        # Adding a stored generated column computes it for every existing row.
        op.execute(
            f"ALTER TABLE recommendations ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({_VECTOR}) STORED"
        )
        op.execute(
            "CREATE INDEX ix_recommendations_library_search ON recommendations "
            f"USING gin (search_vector) {SHARED}"
        )
        return
    columns = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    op.execute(
        f"CREATE VIRTUAL TABLE recommendations_fts USING fts5({columns}, "
        "content='recommendations', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    # External content: the index must be told the old values to remove them.
    op.execute(
        "CREATE TRIGGER recommendations_fts_insert AFTER INSERT ON recommendations BEGIN "
        f"INSERT INTO recommendations_fts(rowid, {columns}) VALUES (new.id, {new}); END"
    )
    op.execute(
        "CREATE TRIGGER recommendations_fts_delete AFTER DELETE ON recommendations BEGIN "
        f"INSERT INTO recommendations_fts(recommendations_fts, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER recommendations_fts_update AFTER UPDATE OF {columns} "
        "ON recommendations BEGIN "
        f"INSERT INTO recommendations_fts(recommendations_fts, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old}); "
        f"INSERT INTO recommendations_fts(rowid, {columns}) VALUES (new.id, {new}); END"
    )
    op.execute("INSERT INTO recommendations_fts(recommendations_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_recommendations_library_search")
        op.execute("ALTER TABLE recommendations DROP COLUMN search_vector")
    else:
        for trigger in ("update", "delete", "insert"):
            op.execute(f"DROP TRIGGER recommendations_fts_{trigger}")
        op.execute("DROP TABLE recommendations_fts")
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
