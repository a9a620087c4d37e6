"""indicator data: datasets, indicators, observations, evidence links, suggestion decisions

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 18:34:56.821717
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "stat_datasets",
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("licence", sa.String(length=200), nullable=False),
        sa.Column("attribution", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("retrieved_on", sa.Date(), nullable=True),
        sa.Column("dataset_version", sa.String(length=100), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stat_datasets")),
        sa.UniqueConstraint("code", name=op.f("uq_stat_datasets_code")),
    )
    op.create_table(
        "stat_indicators",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.Column(
            "framework_condition",
            sa.Enum(
                "knowledge_skills",
                "access_to_finance",
                "collaboration_internationalisation",
                "demand_conditions",
                "entrepreneurial_conditions",
                "quality_of_governance",
                "other",
                name="framework_condition",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "direction",
            sa.Enum(
                "higher",
                "lower",
                name="direction",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["stat_datasets.id"],
            name=op.f("fk_stat_indicators_dataset_id_stat_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stat_indicators")),
        sa.UniqueConstraint("code", name=op.f("uq_stat_indicators_code")),
    )
    with op.batch_alter_table("stat_indicators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stat_indicators_dataset_id"), ["dataset_id"], unique=False
        )

    op.create_table(
        "stat_observations",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("geo", sa.String(length=20), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("flag", sa.String(length=10), nullable=False),
        sa.Column("nuts_level", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "nuts_level IS NULL OR nuts_level BETWEEN 0 AND 3",
            name=op.f("ck_stat_observations_nuts_level"),
        ),
        sa.CheckConstraint(
            "year BETWEEN 1900 AND 2100", name=op.f("ck_stat_observations_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["stat_indicators.id"],
            name=op.f("fk_stat_observations_indicator_id_stat_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", "geo", "year", name=op.f("pk_stat_observations")),
    )
    with op.batch_alter_table("stat_observations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stat_observations_geo_indicator_id_year",
            ["geo", "indicator_id", "year"],
            unique=False,
        )
        batch_op.create_index(
            "ix_stat_observations_indicator_id_nuts_level_year",
            ["indicator_id", "nuts_level", "year", "value"],
            unique=False,
        )

    op.create_table(
        "evidence_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("geo", sa.String(length=20), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_evidence_observations_evidence_id_evidence"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["stat_indicators.id"],
            name=op.f("fk_evidence_observations_indicator_id_stat_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_observations")),
    )
    with op.batch_alter_table("evidence_observations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_observations_evidence_id"), ["evidence_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evidence_observations_indicator_id"), ["indicator_id"], unique=False
        )

    op.create_table(
        "diagnosis_suggestion_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "accepted",
                "dismissed",
                name="decision",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("bottleneck_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "decided_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["bottleneck_id"],
            ["bottlenecks.id"],
            name=op.f("fk_diagnosis_suggestion_decisions_bottleneck_id_bottlenecks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_diagnosis_suggestion_decisions_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_diagnosis_suggestion_decisions_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnosis_suggestion_decisions")),
        sa.UniqueConstraint(
            "engagement_id", "key", name=op.f("uq_diagnosis_suggestion_decisions_engagement_id_key")
        ),
    )
    with op.batch_alter_table("diagnosis_suggestion_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_diagnosis_suggestion_decisions_engagement_id"),
            ["engagement_id"],
            unique=False,
        )
    # Which way an evidence record's indicator is better: the reports' index chart states it.
    op.execute(
        "ALTER TABLE evidence ADD COLUMN indicator_direction VARCHAR(40) "
        "CONSTRAINT ck_evidence_indicator_direction "
        "CHECK (indicator_direction IN ('higher', 'lower'))"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE evidence DROP COLUMN indicator_direction")

    with op.batch_alter_table("diagnosis_suggestion_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnosis_suggestion_decisions_engagement_id"))

    op.drop_table("diagnosis_suggestion_decisions")
    with op.batch_alter_table("evidence_observations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_observations_indicator_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_observations_evidence_id"))

    op.drop_table("evidence_observations")
    with op.batch_alter_table("stat_observations", schema=None) as batch_op:
        batch_op.drop_index("ix_stat_observations_indicator_id_nuts_level_year")
        batch_op.drop_index("ix_stat_observations_geo_indicator_id_year")

    op.drop_table("stat_observations")
    with op.batch_alter_table("stat_indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stat_indicators_dataset_id"))

    op.drop_table("stat_indicators")
    op.drop_table("stat_datasets")
