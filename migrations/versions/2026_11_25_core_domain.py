"""core domain

Revision ID: 0001
Revises:
Create Date: 2026-11-25 10:42:04.099553
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partnerships",
        sa.Column("acronym", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "escp_4i",
                "escp_s3",
                "escp_4x",
                name=op.f("ck_partnerships_kind"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("coordinator", sa.String(length=300), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("website", sa.String(length=2000), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnerships")),
        sa.UniqueConstraint("acronym", name=op.f("uq_partnerships_acronym")),
    )
    op.create_table(
        "regions",
        sa.Column("nuts_code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("nuts_level", sa.SmallInteger(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("length(country_code) = 2", name=op.f("ck_regions_country_code_length")),
        sa.CheckConstraint("nuts_level BETWEEN 0 AND 3", name=op.f("ck_regions_nuts_level_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        sa.UniqueConstraint("nuts_code", name=op.f("uq_regions_nuts_code")),
    )
    op.create_table(
        "users",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "consultant",
                "stakeholder",
                "monitor",
                "admin",
                name=op.f("ck_users_role"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("partnership_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "(role = 'stakeholder' AND ((region_id IS NULL) <> (partnership_id IS NULL))) OR (role <> 'stakeholder' AND region_id IS NULL AND partnership_id IS NULL)",
            name=op.f("ck_users_stakeholder_client"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_users_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_users_region_id_regions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_users_region_id"), ["region_id"], unique=False)

    op.create_table(
        "engagements",
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "regional_advice",
                "partnership_support",
                name=op.f("ck_engagements_kind"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("partnership_id", sa.Integer(), nullable=True),
        sa.Column(
            "phase",
            sa.Enum(
                "scoping",
                "diagnosis",
                "recommendations",
                "reporting",
                "follow_up",
                "closed",
                "on_hold",
                "cancelled",
                name=op.f("ck_engagements_phase"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "phase_before_hold",
            sa.Enum(
                "scoping",
                "diagnosis",
                "recommendations",
                "reporting",
                "follow_up",
                "closed",
                "on_hold",
                "cancelled",
                name=op.f("ck_engagements_phase_before_hold"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("lead_consultant_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "(kind = 'regional_advice' AND region_id IS NOT NULL AND partnership_id IS NULL) OR (kind = 'partnership_support' AND partnership_id IS NOT NULL AND region_id IS NULL)",
            name=op.f("ck_engagements_one_client"),
        ),
        sa.CheckConstraint(
            "(phase = 'on_hold') = (phase_before_hold IS NOT NULL)",
            name=op.f("ck_engagements_hold_remembers_phase"),
        ),
        sa.CheckConstraint(
            "planned_end IS NULL OR planned_start IS NULL OR planned_end >= planned_start",
            name=op.f("ck_engagements_planned_dates_order"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_consultant_id"],
            ["users.id"],
            name=op.f("fk_engagements_lead_consultant_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_engagements_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_engagements_region_id_regions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagements")),
        sa.UniqueConstraint("reference", name=op.f("uq_engagements_reference")),
    )
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_engagements_lead_consultant_id"), ["lead_consultant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_engagements_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_index(
            "ix_engagements_phase_reference", ["phase", "reference"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_engagements_region_id"), ["region_id"], unique=False)

    op.create_table(
        "challenges",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name=op.f("ck_challenges_priority_range")),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_challenges_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenges")),
        sa.UniqueConstraint("engagement_id", "id", name="uq_challenges_engagement_id_id"),
    )
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenges_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "engagement_members",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_engagement_members_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_engagement_members_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("engagement_id", "user_id", name=op.f("pk_engagement_members")),
    )
    with op.batch_alter_table("engagement_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_engagement_members_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "engagement_objectives",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column(
            "objective",
            sa.Enum(
                "industrial_modernisation",
                "emerging_industries",
                "sme_internationalisation",
                "interregional_collaboration",
                name=op.f("ck_engagement_objectives_objective"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_engagement_objectives_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "engagement_id", "objective", name=op.f("pk_engagement_objectives")
        ),
    )
    op.create_table(
        "engagement_themes",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column(
            "theme",
            sa.Enum(
                "kets",
                "digitalisation",
                "creativity",
                "service_innovation",
                "entrepreneurship",
                "resource_efficiency",
                name=op.f("ck_engagement_themes_theme"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_engagement_themes_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("engagement_id", "theme", name=op.f("pk_engagement_themes")),
    )
    with op.batch_alter_table("engagement_themes", schema=None) as batch_op:
        batch_op.create_index("ix_engagement_themes_theme", ["theme"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "indicator",
                "publication",
                "dataset",
                "interview",
                "workshop",
                "survey",
                "site_visit",
                "other",
                name=op.f("ck_evidence_kind"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("indicator_name", sa.String(length=300), nullable=True),
        sa.Column("indicator_value", sa.Float(), nullable=True),
        sa.Column("indicator_unit", sa.String(length=50), nullable=True),
        sa.Column("indicator_year", sa.SmallInteger(), nullable=True),
        sa.Column("benchmark_value", sa.Float(), nullable=True),
        sa.Column("benchmark_label", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "url IS NULL OR url LIKE 'http://%' OR url LIKE 'https://%'",
            name=op.f("ck_evidence_url_scheme"),
        ),
        sa.CheckConstraint(
            "indicator_year IS NULL OR indicator_year BETWEEN 1900 AND 2100",
            name=op.f("ck_evidence_indicator_year_range"),
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_evidence_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("engagement_id", "id", name="uq_evidence_engagement_id_id"),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "milestones",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_milestones_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_milestones_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "missions",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "site_visit",
                "workshop",
                "peer_review",
                "interviews",
                "remote_meeting",
                "desk_research",
                name=op.f("ck_missions_kind"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("participants_count", sa.Integer(), nullable=False),
        sa.Column("participant_organisations", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcomes", sa.Text(), nullable=False),
        sa.Column("follow_up", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name=op.f("ck_missions_dates_order")
        ),
        sa.CheckConstraint(
            "participants_count >= 0", name=op.f("ck_missions_participants_count_positive")
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_missions_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_missions")),
    )
    with op.batch_alter_table("missions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_missions_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "phase_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_phase",
            sa.Enum(
                "scoping",
                "diagnosis",
                "recommendations",
                "reporting",
                "follow_up",
                "closed",
                "on_hold",
                "cancelled",
                name=op.f("ck_phase_changes_from_phase"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_phase",
            sa.Enum(
                "scoping",
                "diagnosis",
                "recommendations",
                "reporting",
                "follow_up",
                "closed",
                "on_hold",
                "cancelled",
                name=op.f("ck_phase_changes_to_phase"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_phase_changes_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_phase_changes_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_changes")),
    )
    with op.batch_alter_table("phase_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phase_changes_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "recommendations",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("benefits_costs", sa.Text(), nullable=False),
        sa.Column("risks", sa.Text(), nullable=False),
        sa.Column("responsible_actor", sa.String(length=300), nullable=False),
        sa.Column(
            "instrument",
            sa.Enum(
                "funding",
                "regulation",
                "governance",
                "network",
                "skills",
                "infrastructure",
                "internationalisation",
                "other",
                name=op.f("ck_recommendations_instrument"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum(
                "high",
                "medium",
                "low",
                name=op.f("ck_recommendations_priority"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "horizon",
            sa.Enum(
                "short",
                "medium",
                "long",
                name=op.f("ck_recommendations_horizon"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "stage",
            sa.Enum(
                "draft",
                "shared",
                "withdrawn",
                name=op.f("ck_recommendations_stage"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "response",
            sa.Enum(
                "pending",
                "accepted",
                "partially_accepted",
                "noted",
                "rejected",
                name=op.f("ck_recommendations_response"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "implementation",
            sa.Enum(
                "not_implemented",
                "some_respects",
                "most_respects",
                "fully_implemented",
                name=op.f("ck_recommendations_implementation"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_recommendations_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
        sa.UniqueConstraint("engagement_id", "code", name="uq_recommendations_engagement_id_code"),
        sa.UniqueConstraint("engagement_id", "id", name="uq_recommendations_engagement_id_id"),
    )
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendations_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index("ix_recommendations_stage", ["stage"], unique=False)

    op.create_table(
        "reports",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "assessment_report",
                "policy_briefing",
                "progress_report",
                name=op.f("ck_reports_kind"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                name=op.f("ck_reports_status"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL)",
            name=op.f("ck_reports_published_has_date"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_reports_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_reports_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint(
            "engagement_id",
            "kind",
            "version_number",
            name=op.f("uq_reports_engagement_id_kind_version_number"),
        ),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reports_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "bottlenecks",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
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
                name=op.f("ck_bottlenecks_framework_condition"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("severity", sa.SmallInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "hypothesis",
                "confirmed",
                "dismissed",
                name=op.f("ck_bottlenecks_status"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("severity BETWEEN 1 AND 5", name=op.f("ck_bottlenecks_severity_range")),
        sa.ForeignKeyConstraint(
            ["engagement_id", "challenge_id"],
            ["challenges.engagement_id", "challenges.id"],
            name="fk_bottlenecks_challenge_same_engagement",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_bottlenecks_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bottlenecks")),
        sa.UniqueConstraint("engagement_id", "id", name="uq_bottlenecks_engagement_id_id"),
    )
    with op.batch_alter_table("bottlenecks", schema=None) as batch_op:
        batch_op.create_index("ix_bottlenecks_challenge_id", ["challenge_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bottlenecks_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "mission_consultants",
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["missions.id"],
            name=op.f("fk_mission_consultants_mission_id_missions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_mission_consultants_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("mission_id", "user_id", name=op.f("pk_mission_consultants")),
    )
    with op.batch_alter_table("mission_consultants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mission_consultants_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "evidence_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("bottleneck_id", sa.Integer(), nullable=True),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column(
            "relation",
            sa.Enum(
                "supports",
                "contradicts",
                "context",
                name=op.f("ck_evidence_links_relation"),
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN challenge_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN bottleneck_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN recommendation_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_evidence_links_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id", "bottleneck_id"],
            ["bottlenecks.engagement_id", "bottlenecks.id"],
            name="fk_evidence_links_bottleneck_same_engagement",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id", "challenge_id"],
            ["challenges.engagement_id", "challenges.id"],
            name="fk_evidence_links_challenge_same_engagement",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id", "evidence_id"],
            ["evidence.engagement_id", "evidence.id"],
            name="fk_evidence_links_evidence_same_engagement",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id", "recommendation_id"],
            ["recommendations.engagement_id", "recommendations.id"],
            name="fk_evidence_links_recommendation_same_engagement",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_evidence_links_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_links")),
        sa.UniqueConstraint(
            "evidence_id", "bottleneck_id", name=op.f("uq_evidence_links_evidence_id_bottleneck_id")
        ),
        sa.UniqueConstraint(
            "evidence_id", "challenge_id", name=op.f("uq_evidence_links_evidence_id_challenge_id")
        ),
        sa.UniqueConstraint(
            "evidence_id",
            "recommendation_id",
            name=op.f("uq_evidence_links_evidence_id_recommendation_id"),
        ),
    )
    with op.batch_alter_table("evidence_links", schema=None) as batch_op:
        batch_op.create_index("ix_evidence_links_bottleneck_id", ["bottleneck_id"], unique=False)
        batch_op.create_index("ix_evidence_links_challenge_id", ["challenge_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_evidence_links_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index(
            "ix_evidence_links_recommendation_id", ["recommendation_id"], unique=False
        )

    op.create_table(
        "recommendation_bottlenecks",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("bottleneck_id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id", "bottleneck_id"],
            ["bottlenecks.engagement_id", "bottlenecks.id"],
            name="fk_recommendation_bottlenecks_bottleneck_same_engagement",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id", "recommendation_id"],
            ["recommendations.engagement_id", "recommendations.id"],
            name="fk_recommendation_bottlenecks_recommendation_same_engagement",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_recommendation_bottlenecks_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "recommendation_id", "bottleneck_id", name=op.f("pk_recommendation_bottlenecks")
        ),
    )
    with op.batch_alter_table("recommendation_bottlenecks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recommendation_bottlenecks_bottleneck_id", ["bottleneck_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recommendation_bottlenecks_engagement_id"),
            ["engagement_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("recommendation_bottlenecks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_bottlenecks_engagement_id"))
        batch_op.drop_index("ix_recommendation_bottlenecks_bottleneck_id")

    op.drop_table("recommendation_bottlenecks")
    with op.batch_alter_table("evidence_links", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_links_recommendation_id")
        batch_op.drop_index(batch_op.f("ix_evidence_links_engagement_id"))
        batch_op.drop_index("ix_evidence_links_challenge_id")
        batch_op.drop_index("ix_evidence_links_bottleneck_id")

    op.drop_table("evidence_links")
    with op.batch_alter_table("mission_consultants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mission_consultants_user_id"))

    op.drop_table("mission_consultants")
    with op.batch_alter_table("bottlenecks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bottlenecks_engagement_id"))
        batch_op.drop_index("ix_bottlenecks_challenge_id")

    op.drop_table("bottlenecks")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_engagement_id"))

    op.drop_table("reports")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendations_stage")
        batch_op.drop_index(batch_op.f("ix_recommendations_engagement_id"))

    op.drop_table("recommendations")
    with op.batch_alter_table("phase_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phase_changes_engagement_id"))

    op.drop_table("phase_changes")
    with op.batch_alter_table("missions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_missions_engagement_id"))

    op.drop_table("missions")
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestones_engagement_id"))

    op.drop_table("milestones")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_engagement_id"))

    op.drop_table("evidence")
    with op.batch_alter_table("engagement_themes", schema=None) as batch_op:
        batch_op.drop_index("ix_engagement_themes_theme")

    op.drop_table("engagement_themes")
    op.drop_table("engagement_objectives")
    with op.batch_alter_table("engagement_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_members_user_id"))

    op.drop_table("engagement_members")
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenges_engagement_id"))

    op.drop_table("challenges")
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagements_region_id"))
        batch_op.drop_index("ix_engagements_phase_reference")
        batch_op.drop_index(batch_op.f("ix_engagements_partnership_id"))
        batch_op.drop_index(batch_op.f("ix_engagements_lead_consultant_id"))

    op.drop_table("engagements")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_region_id"))
        batch_op.drop_index(batch_op.f("ix_users_partnership_id"))

    op.drop_table("users")
    op.drop_table("regions")
    op.drop_table("partnerships")
