"""recommendation follow-up: status updates, indicators and measurements

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESPONSES = ("pending", "accepted", "partially_accepted", "noted", "rejected")
IMPLEMENTATIONS = ("not_implemented", "some_respects", "most_respects", "fully_implemented")
ROLES = ("consultant", "stakeholder", "monitor", "admin")
DERIVED_COLUMNS = ("self_assessment", "validated_implementation")


def _vocab(values: tuple[str, ...], constraint: str) -> sa.Enum:
    return sa.Enum(
        *values, name=op.f(constraint), native_enum=False, create_constraint=True, length=40
    )


def _timestamp(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    _add_derived_columns()
    op.create_table(
        "recommendation_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column(
            "response", _vocab(RESPONSES, "ck_recommendation_updates_response"), nullable=True
        ),
        sa.Column(
            "implementation",
            _vocab(IMPLEMENTATIONS, "ck_recommendation_updates_implementation"),
            nullable=True,
        ),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "author_role", _vocab(ROLES, "ck_recommendation_updates_author_role"), nullable=False
        ),
        _timestamp("created_at"),
        sa.CheckConstraint(
            "response IS NOT NULL OR implementation IS NOT NULL",
            name=op.f("ck_recommendation_updates_response_or_implementation"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_recommendation_updates_author_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id", "recommendation_id"],
            ["recommendations.engagement_id", "recommendations.id"],
            name="fk_recommendation_updates_recommendation_same_engagement",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_recommendation_updates_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_updates")),
    )
    with op.batch_alter_table("recommendation_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_updates_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recommendation_updates_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index(
            "ix_recommendation_updates_recommendation_id_as_of",
            ["recommendation_id", "as_of"],
            unique=False,
        )
    _create_append_only_triggers()

    op.create_table(
        "indicators",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.Column("baseline_value", sa.Float(), nullable=False),
        sa.Column("baseline_year", sa.SmallInteger(), nullable=False),
        sa.Column("target_value", sa.Float(), nullable=False),
        sa.Column("target_year", sa.SmallInteger(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(
            "baseline_year BETWEEN 1990 AND 2100", name=op.f("ck_indicators_baseline_year_range")
        ),
        sa.CheckConstraint(
            "target_year BETWEEN 1990 AND 2100", name=op.f("ck_indicators_target_year_range")
        ),
        sa.CheckConstraint("target_year >= baseline_year", name=op.f("ck_indicators_years_order")),
        sa.ForeignKeyConstraint(
            ["engagement_id", "recommendation_id"],
            ["recommendations.engagement_id", "recommendations.id"],
            name="fk_indicators_recommendation_same_engagement",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_indicators_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
        sa.UniqueConstraint("engagement_id", "id", name="uq_indicators_engagement_id_id"),
    )
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicators_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index(
            "ix_indicators_recommendation_id", ["recommendation_id"], unique=False
        )

    op.create_table(
        "indicator_measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "author_role", _vocab(ROLES, "ck_indicator_measurements_author_role"), nullable=False
        ),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_indicator_measurements_author_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id", "indicator_id"],
            ["indicators.engagement_id", "indicators.id"],
            name="fk_indicator_measurements_indicator_same_engagement",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_indicator_measurements_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_measurements")),
    )
    with op.batch_alter_table("indicator_measurements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_measurements_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_indicator_measurements_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index(
            "ix_indicator_measurements_indicator_id_measured_on",
            ["indicator_id", "measured_on"],
            unique=False,
        )


def _add_derived_columns() -> None:
    # Plain ALTER TABLE on both databases, with the vocabulary CHECK as a column constraint:
    # batch mode would rebuild `recommendations` on SQLite, and dropping the old table with
    # foreign keys on would cascade-delete its evidence and bottleneck links.
    allowed = ", ".join(f"'{value}'" for value in IMPLEMENTATIONS)
    for column in DERIVED_COLUMNS:
        op.execute(
            f"ALTER TABLE recommendations ADD COLUMN {column} VARCHAR(40) "
            f"CONSTRAINT ck_recommendations_{column} CHECK ({column} IN ({allowed}))"
        )


# Direct UPDATE and DELETE are refused whatever connects to the database; a DELETE is let
# through only when the recommendation or its engagement is already gone (ON DELETE CASCADE).
_PARENT_STILL_THERE = (
    "EXISTS (SELECT 1 FROM recommendations WHERE id = OLD.recommendation_id)"
    " AND EXISTS (SELECT 1 FROM engagements WHERE id = OLD.engagement_id)"
)
_MESSAGE = "recommendation updates are append-only"


def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION recommendation_updates_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' AND NOT ({_PARENT_STILL_THERE}) THEN RETURN OLD; END IF; "
            f"RAISE EXCEPTION '{_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER recommendation_updates_append_only "
            "BEFORE UPDATE OR DELETE ON recommendation_updates "
            "FOR EACH ROW EXECUTE FUNCTION recommendation_updates_append_only()"
        )
        return
    op.execute(
        "CREATE TRIGGER recommendation_updates_no_update BEFORE UPDATE ON recommendation_updates "
        f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
    )
    op.execute(
        "CREATE TRIGGER recommendation_updates_no_delete BEFORE DELETE ON recommendation_updates "
        f"WHEN {_PARENT_STILL_THERE} BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
    )


def downgrade() -> None:
    with op.batch_alter_table("indicator_measurements", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_measurements_indicator_id_measured_on")
        batch_op.drop_index(batch_op.f("ix_indicator_measurements_engagement_id"))
        batch_op.drop_index(batch_op.f("ix_indicator_measurements_author_id"))
    op.drop_table("indicator_measurements")

    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_index("ix_indicators_recommendation_id")
        batch_op.drop_index(batch_op.f("ix_indicators_engagement_id"))
    op.drop_table("indicators")

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER recommendation_updates_append_only ON recommendation_updates")
        op.execute("DROP FUNCTION recommendation_updates_append_only()")
    else:
        op.execute("DROP TRIGGER recommendation_updates_no_update")
        op.execute("DROP TRIGGER recommendation_updates_no_delete")
    with op.batch_alter_table("recommendation_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendation_updates_recommendation_id_as_of")
        batch_op.drop_index(batch_op.f("ix_recommendation_updates_engagement_id"))
        batch_op.drop_index(batch_op.f("ix_recommendation_updates_author_id"))
    op.drop_table("recommendation_updates")

    # The column CHECK goes with its column (SQLite allows DROP COLUMN for that case).
    for column in reversed(DERIVED_COLUMNS):
        op.execute(f"ALTER TABLE recommendations DROP COLUMN {column}")
