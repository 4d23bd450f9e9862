"""Imports and exports: the jobs, their files in chunks, the rejected rows of imports; and a
switch for bulk writers in the stats trigger.

An import writes thousands of customers per statement; the row trigger would upsert a stats
shard once per row. Inside a transaction that sets `moodline.stats = 'deferred'` (SET LOCAL)
the trigger does nothing and the writer adds its own per-shard totals in the same transaction.

Revision ID: 0009_imports
Revises: 0008_folders
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision = "0009_imports"
down_revision = "0008_folders"
branch_labels = None
depends_on = None

SHARDS = 16

TRIGGER = """
CREATE OR REPLACE FUNCTION customer_stats_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d_total bigint := 0; d_vip bigint := 0; d_happy bigint := 0; d_problem bigint := 0;
  d_ltv bigint := 0; t uuid; k smallint;
BEGIN
  {skip}
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    t := NEW.tenant_id;
    k := hashtext(NEW.id::text) & {mask};
    d_total := 1; d_vip := NEW.is_vip::int; d_ltv := NEW.ltv_minor;
    d_happy := (NEW.sentiment_label = 'happy')::int;
    d_problem := (NEW.sentiment_label = 'frustrated')::int;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    t := OLD.tenant_id;
    k := hashtext(OLD.id::text) & {mask};
    d_total := d_total - 1; d_vip := d_vip - OLD.is_vip::int; d_ltv := d_ltv - OLD.ltv_minor;
    d_happy := d_happy - (OLD.sentiment_label = 'happy')::int;
    d_problem := d_problem - (OLD.sentiment_label = 'frustrated')::int;
  END IF;
  IF d_total <> 0 OR d_vip <> 0 OR d_happy <> 0 OR d_problem <> 0 OR d_ltv <> 0 THEN
    INSERT INTO customer_stats AS s (tenant_id, shard, total, vip, happy, problem, total_ltv_minor)
    VALUES (t, k, d_total, d_vip, d_happy, d_problem, d_ltv)
    ON CONFLICT (tenant_id, shard) DO UPDATE SET
      total = s.total + d_total, vip = s.vip + d_vip, happy = s.happy + d_happy,
      problem = s.problem + d_problem, total_ltv_minor = s.total_ltv_minor + d_ltv;
  END IF;
  RETURN NULL;
END $$
"""
# Only inserts may be deferred: an import's updates never change the counted columns.
SKIP = (
    "IF TG_OP = 'INSERT' AND current_setting('moodline.stats', true) = 'deferred' THEN "
    "RETURN NULL; END IF;"
)


def upgrade() -> None:
    text = {"nullable": False, "server_default": ""}
    count = {"nullable": False, "server_default": "0"}
    op.create_table(
        "imports",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("filename", sa.Text, **text),
        sa.Column("format", sa.Text, **text),
        sa.Column("encoding", sa.Text, **text),
        sa.Column("delimiter", sa.Text, **text),
        sa.Column("headers", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("mapping", JSONB, nullable=False, server_default="{}"),
        sa.Column("suggested_mapping", JSONB, nullable=False, server_default="{}"),
        sa.Column("preview", JSONB, nullable=False, server_default="[]"),
        sa.Column("default_country", sa.Text, **text),
        sa.Column("on_match", sa.Text, nullable=False, server_default="update"),
        sa.Column("loyalty_program_id", sa.Text, **text),
        sa.Column("actor", sa.Text, **text),
        sa.Column("visibility", JSONB, nullable=False, server_default="{}"),
        sa.Column("size_bytes", sa.BigInteger, **count),
        sa.Column("total", sa.BigInteger, **count),
        sa.Column("processed", sa.BigInteger, **count),
        sa.Column("created", sa.BigInteger, **count),
        sa.Column("updated", sa.BigInteger, **count),
        sa.Column("skipped", sa.BigInteger, **count),
        sa.Column("failed", sa.BigInteger, **count),
        sa.Column("done_through_row", sa.BigInteger, **count),
        sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("error", sa.Text, **text),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_imports_tenant", "imports", ["tenant_id", sa.text("created_at DESC")])
    op.create_index(
        "ix_imports_unfinished",
        "imports",
        ["status"],
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.create_table(
        "import_chunks",
        sa.Column(
            "import_id",
            UUID(as_uuid=True),
            sa.ForeignKey("imports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "import_errors",
        sa.Column(
            "import_id",
            UUID(as_uuid=True),
            sa.ForeignKey("imports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("row_number", sa.BigInteger, primary_key=True),
        sa.Column("cells", ARRAY(sa.Text), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_table(
        "exports",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("format", sa.Text, nullable=False),
        sa.Column("filter", JSONB, nullable=False, server_default="{}"),
        sa.Column("ids", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("actor", sa.Text, **text),
        sa.Column("visibility", JSONB, nullable=False, server_default="{}"),
        sa.Column("total", sa.BigInteger, **count),
        sa.Column("processed", sa.BigInteger, **count),
        sa.Column("size_bytes", sa.BigInteger, **count),
        sa.Column("chunks", sa.Integer, **count),
        sa.Column("error", sa.Text, **text),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_exports_tenant", "exports", ["tenant_id", sa.text("created_at DESC")])
    op.create_table(
        "export_chunks",
        sa.Column(
            "export_id",
            UUID(as_uuid=True),
            sa.ForeignKey("exports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.execute(TRIGGER.replace("{skip}", SKIP).replace("{mask}", str(SHARDS - 1)))


def downgrade() -> None:
    op.execute(TRIGGER.replace("{skip}", "").replace("{mask}", str(SHARDS - 1)))
    for table in ("export_chunks", "exports", "import_errors", "import_chunks", "imports"):
        op.drop_table(table)
