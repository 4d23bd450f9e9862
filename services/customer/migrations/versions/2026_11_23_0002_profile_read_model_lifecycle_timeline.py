"""360° profile, read model columns, lifecycle history, timeline, maintained stats, list indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PROFILE_COLUMNS = [
    sa.Column("sort_name", sa.Text, nullable=False, server_default=""),
    sa.Column("phones", JSONB, nullable=False, server_default="[]"),
    sa.Column("emails", JSONB, nullable=False, server_default="[]"),
    sa.Column("addresses", JSONB, nullable=False, server_default="[]"),
    sa.Column("preferred_channel", sa.Text, nullable=False, server_default=""),
    sa.Column("preferred_contact_time", sa.Text, nullable=False, server_default=""),
    sa.Column("language", sa.Text, nullable=False, server_default=""),
    sa.Column("timezone", sa.Text, nullable=False, server_default=""),
    sa.Column("tags", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("folder", sa.Text, nullable=False, server_default=""),
    sa.Column("custom_fields", JSONB, nullable=False, server_default="{}"),
    sa.Column("workers", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("call_status", sa.Text, nullable=False, server_default=""),
    sa.Column("is_vip", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("vip_manual", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("consents", JSONB, nullable=False, server_default="{}"),
    sa.Column("avatar_color", sa.Text, nullable=False, server_default=""),
    sa.Column("qualified", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("ltv_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("currency", sa.Text, nullable=False, server_default=""),
    sa.Column("bookings_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("purchases_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("aov_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("interactions_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("channel_counts", JSONB, nullable=False, server_default="{}"),
    sa.Column("most_common_channel", sa.Text, nullable=False, server_default=""),
    sa.Column("last_contact_at", sa.DateTime(timezone=True)),
    sa.Column("last_purchase_at", sa.DateTime(timezone=True)),
    sa.Column("last_activity_at", sa.DateTime(timezone=True)),
    sa.Column("sentiment_label", sa.Text, nullable=False, server_default=""),
    sa.Column("sentiment_score", sa.Float, nullable=False, server_default="0"),
    sa.Column("sentiment_emotions", JSONB, nullable=False, server_default="{}"),
    sa.Column("sentiment_trend", sa.Text, nullable=False, server_default=""),
    sa.Column("stage_changed_at", sa.DateTime(timezone=True)),
]

# Keyset indexes, one per sort (tenant first, so one tenant's list never walks another's rows),
# plus partial indexes for the segments whose rows are a minority.
INDEXES = [
    "CREATE INDEX ix_customers_tenant_name ON customers (tenant_id, sort_name, id)",
    "CREATE INDEX ix_customers_tenant_conversations"
    " ON customers (tenant_id, interactions_count DESC, id DESC)",
    "CREATE INDEX ix_customers_tenant_ltv ON customers (tenant_id, ltv_minor DESC, id DESC)",
    "CREATE INDEX ix_customers_tenant_last_activity"
    " ON customers (tenant_id, last_activity_at DESC, id DESC)",
    "CREATE INDEX ix_customers_tenant_stage"
    " ON customers (tenant_id, lifecycle_stage, created_at DESC, id DESC)",
    "CREATE INDEX ix_customers_tenant_folder"
    " ON customers (tenant_id, folder, created_at DESC, id DESC) WHERE folder <> ''",
    "CREATE INDEX ix_customers_vip ON customers (tenant_id, created_at DESC, id DESC) WHERE is_vip",
    "CREATE INDEX ix_customers_happy ON customers (tenant_id, created_at DESC, id DESC)"
    " WHERE sentiment_label = 'happy'",
    "CREATE INDEX ix_customers_problem ON customers (tenant_id, created_at DESC, id DESC)"
    " WHERE sentiment_label = 'frustrated'",
    "CREATE INDEX ix_customers_tags ON customers USING gin (tags)",
    "CREATE INDEX ix_customers_inactivity ON customers (last_activity_at)"
    " WHERE lifecycle_stage <> 'churned'",
]

STATS_TRIGGER = [
    """
CREATE FUNCTION customer_stats_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d_total bigint := 0; d_vip bigint := 0; d_happy bigint := 0; d_problem bigint := 0;
  d_ltv bigint := 0; t uuid;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    t := NEW.tenant_id;
    d_total := 1; d_vip := NEW.is_vip::int; d_ltv := NEW.ltv_minor;
    d_happy := (NEW.sentiment_label = 'happy')::int;
    d_problem := (NEW.sentiment_label = 'frustrated')::int;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    t := OLD.tenant_id;
    d_total := d_total - 1; d_vip := d_vip - OLD.is_vip::int; d_ltv := d_ltv - OLD.ltv_minor;
    d_happy := d_happy - (OLD.sentiment_label = 'happy')::int;
    d_problem := d_problem - (OLD.sentiment_label = 'frustrated')::int;
  END IF;
  IF d_total <> 0 OR d_vip <> 0 OR d_happy <> 0 OR d_problem <> 0 OR d_ltv <> 0 THEN
    INSERT INTO customer_stats AS s (tenant_id, total, vip, happy, problem, total_ltv_minor)
    VALUES (t, d_total, d_vip, d_happy, d_problem, d_ltv)
    ON CONFLICT (tenant_id) DO UPDATE SET
      total = s.total + d_total, vip = s.vip + d_vip, happy = s.happy + d_happy,
      problem = s.problem + d_problem, total_ltv_minor = s.total_ltv_minor + d_ltv;
  END IF;
  RETURN NULL;
END $$
""",
    """
CREATE TRIGGER customer_stats_insert_delete AFTER INSERT OR DELETE ON customers
  FOR EACH ROW EXECUTE FUNCTION customer_stats_maintain()
""",
    """
CREATE TRIGGER customer_stats_update AFTER UPDATE OF is_vip, sentiment_label, ltv_minor
  ON customers FOR EACH ROW
  WHEN (OLD.is_vip IS DISTINCT FROM NEW.is_vip
        OR OLD.sentiment_label IS DISTINCT FROM NEW.sentiment_label
        OR OLD.ltv_minor IS DISTINCT FROM NEW.ltv_minor)
  EXECUTE FUNCTION customer_stats_maintain()
""",
]


def upgrade() -> None:
    for column in PROFILE_COLUMNS:
        op.add_column("customers", column)
    op.execute(
        """
        UPDATE customers c SET
          sort_name = lower(trim(c.first_name || ' ' || c.last_name)),
          last_activity_at = c.created_at,
          phones = coalesce((SELECT jsonb_agg(jsonb_build_object('number', p.e164,
                      'primary', p.is_primary) ORDER BY p.position)
                    FROM customer_phones p WHERE p.customer_id = c.id), '[]'),
          emails = coalesce((SELECT jsonb_agg(jsonb_build_object('address', e.address,
                      'primary', e.is_primary) ORDER BY e.position)
                    FROM customer_emails e WHERE e.customer_id = c.id), '[]')
        """
    )
    op.alter_column("customers", "last_activity_at", nullable=False)
    op.add_column(
        "tenant_settings",
        sa.Column("high_value_ltv_minor", sa.BigInteger, nullable=False, server_default="100000"),
    )
    op.add_column(
        "tenant_settings", sa.Column("recent_days", sa.Integer, nullable=False, server_default="30")
    )
    op.add_column(
        "tenant_settings",
        sa.Column("inactive_days", sa.Integer, nullable=False, server_default="90"),
    )
    op.create_table(
        "customer_stats",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("total", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("vip", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("happy", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("problem", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("total_ltv_minor", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.execute(
        "INSERT INTO customer_stats (tenant_id, total) "
        "SELECT tenant_id, count(*) FROM customers GROUP BY tenant_id"
    )
    for statement in STATS_TRIGGER:
        op.execute(statement)
    op.create_table(
        "custom_field_definitions",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("options", ARRAY(sa.Text), nullable=False, server_default="{}"),
    )
    fk = {"ondelete": "CASCADE"}
    op.create_table(
        "customer_relations",
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "parent_id", UUID(as_uuid=True), sa.ForeignKey("customers.id", **fk), primary_key=True
        ),
        sa.Column(
            "child_id", UUID(as_uuid=True), sa.ForeignKey("customers.id", **fk), primary_key=True
        ),
        sa.Column("label", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_customer_relations_child", "customer_relations", ["child_id"])
    op.create_table(
        "customer_notes",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "customer_id", UUID(as_uuid=True), sa.ForeignKey("customers.id", **fk), nullable=False
        ),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_customer_notes_customer", "customer_notes", ["customer_id", "created_at"])
    op.create_table(
        "customer_consents",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "customer_id", UUID(as_uuid=True), sa.ForeignKey("customers.id", **fk), nullable=False
        ),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_customer_consents_customer", "customer_consents", ["customer_id", "id"])
    op.create_table(
        "customer_stage_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "customer_id", UUID(as_uuid=True), sa.ForeignKey("customers.id", **fk), nullable=False
        ),
        sa.Column("from_stage", sa.Text, nullable=False),
        sa.Column("to_stage", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_customer_stage_history_customer", "customer_stage_history", ["customer_id"])
    op.create_table(
        "customer_timeline",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "customer_id", UUID(as_uuid=True), sa.ForeignKey("customers.id", **fk), nullable=False
        ),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("data", JSONB, nullable=False, server_default="{}"),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "CREATE INDEX ix_customer_timeline_feed"
        " ON customer_timeline (customer_id, occurred_at DESC, id DESC)"
    )
    for statement in INDEXES:
        op.execute(statement)


def downgrade() -> None:
    for statement in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {statement.split()[2]}")
    op.execute("DROP TRIGGER IF EXISTS customer_stats_update ON customers")
    op.execute("DROP TRIGGER IF EXISTS customer_stats_insert_delete ON customers")
    op.execute("DROP FUNCTION IF EXISTS customer_stats_maintain()")
    for table in (
        "customer_timeline",
        "customer_stage_history",
        "customer_consents",
        "customer_notes",
        "customer_relations",
        "custom_field_definitions",
        "customer_stats",
    ):
        op.drop_table(table)
    for column in ("inactive_days", "recent_days", "high_value_ltv_minor"):
        op.drop_column("tenant_settings", column)
    for column in reversed(PROFILE_COLUMNS):
        op.drop_column("customers", column.name)
