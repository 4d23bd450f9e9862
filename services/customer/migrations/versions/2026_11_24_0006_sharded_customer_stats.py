"""Shard the per-tenant stats counters: 16 rows per tenant instead of one.

With one row per tenant every transaction that creates a customer (or changes VIP, sentiment or
LTV) updated the same row, so concurrent writers of a tenant queued on its row lock until commit
(measured: 50 concurrent ResolveCustomer calls for new contacts took 2.1 s, one after another).
Each customer now always counts in shard hash(id) & 15; stats read sums at most 16 rows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SHARDS = 16

TEMPLATE = """
CREATE OR REPLACE FUNCTION customer_stats_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d_total bigint := 0; d_vip bigint := 0; d_happy bigint := 0; d_problem bigint := 0;
  d_ltv bigint := 0; t uuid; k smallint;
BEGIN
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
    INSERT INTO customer_stats AS s ({key}, total, vip, happy, problem, total_ltv_minor)
    VALUES ({values}, d_total, d_vip, d_happy, d_problem, d_ltv)
    ON CONFLICT ({key}) DO UPDATE SET
      total = s.total + d_total, vip = s.vip + d_vip, happy = s.happy + d_happy,
      problem = s.problem + d_problem, total_ltv_minor = s.total_ltv_minor + d_ltv;
  END IF;
  RETURN NULL;
END $$
"""
SHARDED = TEMPLATE.format(mask=SHARDS - 1, key="tenant_id, shard", values="t, k")
SINGLE = TEMPLATE.format(mask=0, key="tenant_id", values="t")


def upgrade() -> None:
    op.add_column(
        "customer_stats", sa.Column("shard", sa.SmallInteger, nullable=False, server_default="0")
    )
    op.execute("ALTER TABLE customer_stats DROP CONSTRAINT pk_customer_stats")
    op.execute(
        "ALTER TABLE customer_stats ADD CONSTRAINT pk_customer_stats PRIMARY KEY (tenant_id, shard)"
    )
    op.execute(SHARDED)


def downgrade() -> None:
    op.execute(
        "CREATE TEMP TABLE merged ON COMMIT DROP AS SELECT tenant_id, sum(total) total, "
        "sum(vip) vip, sum(happy) happy, sum(problem) problem, "
        "sum(total_ltv_minor) total_ltv_minor FROM customer_stats GROUP BY tenant_id"
    )
    op.execute("DELETE FROM customer_stats")
    op.execute("ALTER TABLE customer_stats DROP CONSTRAINT pk_customer_stats")
    op.drop_column("customer_stats", "shard")
    op.execute(
        "ALTER TABLE customer_stats ADD CONSTRAINT pk_customer_stats PRIMARY KEY (tenant_id)"
    )
    op.execute("INSERT INTO customer_stats SELECT * FROM merged")
    op.execute(SINGLE)
