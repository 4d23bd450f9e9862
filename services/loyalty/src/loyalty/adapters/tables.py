"""The loyalty database schema (SQLAlchemy Core). Alembic migrations mirror it."""

from __future__ import annotations

import sqlalchemy as sa
from moodline_kit import columns as col
from moodline_kit.db import service_metadata
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata, kit = service_metadata()


programs = col.tenant_table(
    "programs",
    metadata,
    *col.required(sa.Text, "name"),
    *col.texts("description"),
    *col.required(sa.Text, "kind"),
    *col.texts("currency"),
    sa.Column("earn_rules", JSONB, nullable=False, server_default="[]"),
    sa.Column("rounding", sa.Text, nullable=False, server_default="down"),
    sa.Column("expiry_policy", sa.Text, nullable=False, server_default="never"),
    sa.Column("expire_after_days", sa.Integer, nullable=False, server_default="0"),
    sa.Column("min_redemption", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("allow_negative_balance", sa.Boolean, nullable=False, server_default="false"),
    col.timestamp("archived_at", nullable=True),
    *col.timestamps("created_at", "updated_at"),
)
sa.Index("ix_programs_tenant_created", programs.c.tenant_id, programs.c.created_at, programs.c.id)

enrolments = col.tenant_table(
    "enrolments",
    metadata,
    sa.Column("program_id", UUID(as_uuid=True), sa.ForeignKey("programs.id"), nullable=False),
    sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    # Denormalised from the ledger in the same transaction as each entry (the row lock on it
    # is what serialises adjustments): balance = sum(deltas) = sum(lots.remaining) - debt.
    sa.Column("balance", sa.BigInteger, nullable=False),
    *col.counters("debt", "lifetime_earned", "sequence"),
    sa.Column("expires_on", sa.Date),
    sa.Column("notes", sa.Text, nullable=False, server_default=""),
    *col.timestamps("enrolled_at", "last_activity_at"),
    col.timestamp("removed_at", nullable=True),
)
# One active enrolment per customer and program: what makes bulk enrolment idempotent.
col.tenant_index(
    "uq_enrolments_active",
    enrolments,
    "program_id",
    "customer_id",
    unique=True,
    postgresql_where=enrolments.c.status == "active",
)
col.tenant_index("ix_enrolments_customer", enrolments, "customer_id", "enrolled_at")
col.tenant_index("ix_enrolments_program", enrolments, "program_id", "enrolled_at")
sa.Index(
    "ix_enrolments_expiring",
    enrolments.c.expires_on,
    postgresql_where=enrolments.c.status == "active",
)

# Append-only (a trigger refuses DELETE and any UPDATE but the erasure of note/actor).
ledger_entries = col.tenant_table(
    "ledger_entries",
    metadata,
    sa.Column("enrolment_id", UUID(as_uuid=True), sa.ForeignKey("enrolments.id"), nullable=False),
    *col.required(sa.BigInteger, "sequence", "delta", "balance_after"),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("idempotency_key", sa.Text),
    *col.texts("fingerprint", "source_ref", "actor_id"),
    col.timestamp("expires_at", nullable=True),
    col.timestamp("created_at"),
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
    *col.required(sa.BigInteger, "sequence", "amount", "remaining"),
    col.timestamp("expires_at", nullable=True),
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
    *col.required(sa.BigInteger, "lot_sequence", "amount"),
)
sa.Index("ix_lot_draws_lot", lot_draws.c.lot_entry_id)
