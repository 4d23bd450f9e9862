"""The loyalty database schema (SQLAlchemy Core). Alembic migrations mirror it."""

from __future__ import annotations

import sqlalchemy as sa
from moodline_kit.columns import counters, tenant_index, tenant_table, texts, timestamp
from moodline_kit.db import service_metadata
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata, kit = service_metadata()


programs = tenant_table(
    "programs",
    metadata,
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("currency", sa.Text, nullable=False, server_default=""),
    sa.Column("earn_rules", JSONB, nullable=False, server_default="[]"),
    sa.Column("rounding", sa.Text, nullable=False, server_default="down"),
    sa.Column("expiry_policy", sa.Text, nullable=False, server_default="never"),
    sa.Column("expire_after_days", sa.Integer, nullable=False, server_default="0"),
    sa.Column("min_redemption", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("allow_negative_balance", sa.Boolean, nullable=False, server_default="false"),
    timestamp("archived_at", nullable=True),
    timestamp("created_at"),
    timestamp("updated_at"),
)
sa.Index("ix_programs_tenant_created", programs.c.tenant_id, programs.c.created_at, programs.c.id)

enrolments = tenant_table(
    "enrolments",
    metadata,
    sa.Column("program_id", UUID(as_uuid=True), sa.ForeignKey("programs.id"), nullable=False),
    sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    # Denormalised from the ledger in the same transaction as each entry (the row lock on it
    # is what serialises adjustments): balance = sum(deltas) = sum(lots.remaining) - debt.
    sa.Column("balance", sa.BigInteger, nullable=False),
    *counters("debt", "lifetime_earned", "sequence"),
    sa.Column("expires_on", sa.Date),
    sa.Column("notes", sa.Text, nullable=False, server_default=""),
    timestamp("enrolled_at"),
    timestamp("last_activity_at"),
    timestamp("removed_at", nullable=True),
)
# One active enrolment per customer and program: what makes bulk enrolment idempotent.
tenant_index(
    "uq_enrolments_active",
    enrolments,
    "program_id",
    "customer_id",
    unique=True,
    postgresql_where=enrolments.c.status == "active",
)
tenant_index("ix_enrolments_customer", enrolments, "customer_id", "enrolled_at")
tenant_index("ix_enrolments_program", enrolments, "program_id", "enrolled_at")
sa.Index(
    "ix_enrolments_expiring",
    enrolments.c.expires_on,
    postgresql_where=enrolments.c.status == "active",
)

# Append-only (a trigger refuses DELETE and any UPDATE but the erasure of note/actor).
ledger_entries = tenant_table(
    "ledger_entries",
    metadata,
    sa.Column("enrolment_id", UUID(as_uuid=True), sa.ForeignKey("enrolments.id"), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("delta", sa.BigInteger, nullable=False),
    sa.Column("balance_after", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("idempotency_key", sa.Text),
    *texts("fingerprint", "source_ref", "actor_id"),
    timestamp("expires_at", nullable=True),
    timestamp("created_at"),
    sa.UniqueConstraint("enrolment_id", "sequence", name="uq_ledger_entries_sequence"),
    sa.UniqueConstraint("enrolment_id", "idempotency_key", name="uq_ledger_entries_key"),
)
sa.Index("ix_ledger_entries_source", ledger_entries.c.enrolment_id, ledger_entries.c.source_ref)

# What is left of each credit entry.
lots = sa.Table(
    "lots",
    metadata,
    sa.Column("entry_id", UUID(as_uuid=True), sa.ForeignKey("ledger_entries.id"), primary_key=True),
    sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
    sa.Column("enrolment_id", UUID(as_uuid=True), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("remaining", sa.BigInteger, nullable=False),
    timestamp("expires_at", nullable=True),
    sa.CheckConstraint("remaining >= 0 AND remaining <= amount", name="remaining_in_range"),
)
sa.Index(
    "ix_lots_open",
    lots.c.enrolment_id,
    lots.c.expires_at,
    lots.c.sequence,
    postgresql_where=lots.c.remaining > 0,
)
sa.Index("ix_lots_due", lots.c.expires_at, postgresql_where=lots.c.remaining > 0)

# Which lots each debit drew from (append-only).
lot_draws = sa.Table(
    "lot_draws",
    metadata,
    sa.Column("debit_entry_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("lot_entry_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
    sa.Column("lot_sequence", sa.BigInteger, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
)
sa.Index("ix_lot_draws_lot", lot_draws.c.lot_entry_id)
