"""Customer stats kept by statement-level triggers on insert and delete; the possible duplicates
an import found.

The row trigger fired once per inserted customer even when a bulk writer had switched it off
(`moodline.stats = 'deferred'`): an AFTER ROW trigger's call and queued event cost ~35% of an
import's insert into customers. Inserts and deletes are now counted once per statement from its
transition table, grouped by (tenant, shard); updates keep the row trigger (it fires only when
a counted column changes). Every writer gets this, so the bulk writers' own totals and the
switch are gone.

`import_duplicates`: rows an import created that look like a customer already there (same name,
similar company), for the import's "possible duplicates" report.

Revision ID: 0011_statement_stats
Revises: 0010_merges_erasures
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0011_statement_stats"
down_revision = "0010_merges_erasures"
branch_labels = None
depends_on = None

MASK = 15  # 16 shards (0006)

STATEMENT = """
CREATE FUNCTION customer_stats_{what}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_stats AS s (tenant_id, shard, total, vip, happy, problem, total_ltv_minor)
  SELECT tenant_id, hashtext(id::text) & {mask}, {sign} count(*),
         {sign} count(*) FILTER (WHERE is_vip),
         {sign} count(*) FILTER (WHERE sentiment_label = 'happy'),
         {sign} count(*) FILTER (WHERE sentiment_label = 'frustrated'),
         {sign} coalesce(sum(ltv_minor), 0)
  FROM {rows} GROUP BY 1, 2
  ON CONFLICT (tenant_id, shard) DO UPDATE SET
    total = s.total + excluded.total, vip = s.vip + excluded.vip,
    happy = s.happy + excluded.happy, problem = s.problem + excluded.problem,
    total_ltv_minor = s.total_ltv_minor + excluded.total_ltv_minor;
  RETURN NULL;
END $$
"""

# The row function as 0006 made it (0009 added the bulk writers' switch; no writer sets it now).
ROW = """
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
SKIP = (
    "IF TG_OP = 'INSERT' AND current_setting('moodline.stats', true) = 'deferred' THEN "
    "RETURN NULL; END IF;"
)


def upgrade() -> None:
    op.execute("DROP TRIGGER customer_stats_insert_delete ON customers")
    op.execute(STATEMENT.format(what="inserted", mask=MASK, sign="", rows="new_rows"))
    op.execute(STATEMENT.format(what="deleted", mask=MASK, sign="-", rows="old_rows"))
    op.execute(
        "CREATE TRIGGER customer_stats_insert AFTER INSERT ON customers "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION customer_stats_inserted()"
    )
    op.execute(
        "CREATE TRIGGER customer_stats_delete AFTER DELETE ON customers "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION customer_stats_deleted()"
    )
    op.execute(ROW.replace("{skip}", "").replace("{mask}", str(MASK)))
    op.add_column(
        "imports",
        sa.Column("possible_duplicates", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "import_duplicates",
        sa.Column(
            "import_id",
            UUID(as_uuid=True),
            sa.ForeignKey("imports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("row_number", sa.BigInteger, primary_key=True),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("duplicate_of", UUID(as_uuid=True), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("import_duplicates")
    op.drop_column("imports", "possible_duplicates")
    op.execute(ROW.replace("{skip}", SKIP).replace("{mask}", str(MASK)))
    op.execute("DROP TRIGGER customer_stats_delete ON customers")
    op.execute("DROP TRIGGER customer_stats_insert ON customers")
    op.execute("DROP FUNCTION customer_stats_deleted()")
    op.execute("DROP FUNCTION customer_stats_inserted()")
    op.execute(
        "CREATE TRIGGER customer_stats_insert_delete AFTER INSERT OR DELETE ON customers "
        "FOR EACH ROW EXECUTE FUNCTION customer_stats_maintain()"
    )
