"""published reports are immutable

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:00:00.000000

No route changes or deletes a published report; these triggers make the database refuse it too,
whatever the client (a script, a console, a bug). Drafts stay writable: publishing is the update
of a draft row. The errors are integrity errors on both databases (the API answers 409).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "published reports are immutable"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION reports_published_immutable() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN IF OLD.status = 'published' THEN RAISE EXCEPTION '{MESSAGE}' "
            "USING ERRCODE = 'restrict_violation'; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER reports_published_immutable BEFORE UPDATE OR DELETE ON reports "
            "FOR EACH ROW EXECUTE FUNCTION reports_published_immutable()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER reports_published_no_{event.lower()} BEFORE {event} ON reports "
                f"WHEN OLD.status = 'published' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER reports_published_immutable ON reports")
        op.execute("DROP FUNCTION reports_published_immutable()")
    else:
        op.execute("DROP TRIGGER reports_published_no_update")
        op.execute("DROP TRIGGER reports_published_no_delete")
