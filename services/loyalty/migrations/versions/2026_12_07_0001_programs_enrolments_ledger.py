"""Programs, enrolments, the append-only ledger with its lots and draws, outbox and processed
events.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from alembic import op
from moodline_kit.migrations import create_kit_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


SCHEMA = [
    """
    CREATE TABLE programs (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        kind text NOT NULL,
        currency text NOT NULL DEFAULT '',
        earn_rules jsonb NOT NULL DEFAULT '[]',
        rounding text NOT NULL DEFAULT 'down',
        expiry_policy text NOT NULL DEFAULT 'never',
        expire_after_days integer NOT NULL DEFAULT 0,
        min_redemption bigint NOT NULL DEFAULT 0,
        allow_negative_balance boolean NOT NULL DEFAULT false,
        archived_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
    )
    """,
    """
    CREATE INDEX ix_programs_tenant_created ON programs (tenant_id, created_at, id)
    """,
    """
    CREATE TABLE enrolments (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        program_id uuid NOT NULL REFERENCES programs (id),
        customer_id uuid NOT NULL,
        status text NOT NULL,
        balance bigint NOT NULL,
        debt bigint NOT NULL DEFAULT 0,
        lifetime_earned bigint NOT NULL DEFAULT 0,
        sequence bigint NOT NULL DEFAULT 0,
        expires_on date,
        notes text NOT NULL DEFAULT '',
        enrolled_at timestamptz NOT NULL,
        last_activity_at timestamptz NOT NULL,
        removed_at timestamptz
    )
    """,
    """
    CREATE UNIQUE INDEX uq_enrolments_active ON enrolments (tenant_id, program_id, customer_id)
        WHERE status = 'active'
    """,
    """
    CREATE INDEX ix_enrolments_customer ON enrolments (tenant_id, customer_id, enrolled_at)
    """,
    """
    CREATE INDEX ix_enrolments_program ON enrolments (tenant_id, program_id, enrolled_at)
    """,
    """
    CREATE INDEX ix_enrolments_expiring ON enrolments (expires_on) WHERE status = 'active'
    """,
    """
    CREATE TABLE ledger_entries (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        enrolment_id uuid NOT NULL REFERENCES enrolments (id),
        sequence bigint NOT NULL,
        delta bigint NOT NULL,
        balance_after bigint NOT NULL,
        reason text NOT NULL,
        note text NOT NULL DEFAULT '',
        idempotency_key text,
        fingerprint text NOT NULL DEFAULT '',
        source_ref text NOT NULL DEFAULT '',
        actor_id text NOT NULL DEFAULT '',
        expires_at timestamptz,
        created_at timestamptz NOT NULL,
        CONSTRAINT uq_ledger_entries_sequence UNIQUE (enrolment_id, sequence),
        CONSTRAINT uq_ledger_entries_key UNIQUE (enrolment_id, idempotency_key)
    )
    """,
    """
    CREATE INDEX ix_ledger_entries_source ON ledger_entries (enrolment_id, source_ref)
    """,
    """
    CREATE TABLE lots (
        entry_id uuid PRIMARY KEY REFERENCES ledger_entries (id),
        tenant_id uuid NOT NULL,
        enrolment_id uuid NOT NULL,
        sequence bigint NOT NULL,
        amount bigint NOT NULL,
        remaining bigint NOT NULL,
        expires_at timestamptz,
        CONSTRAINT ck_lots_remaining_in_range CHECK (remaining >= 0 AND remaining <= amount)
    )
    """,
    """
    CREATE INDEX ix_lots_open ON lots (enrolment_id, expires_at, sequence)
        WHERE remaining > 0
    """,
    """
    CREATE INDEX ix_lots_due ON lots (expires_at) WHERE remaining > 0
    """,
    """
    CREATE TABLE lot_draws (
        debit_entry_id uuid NOT NULL,
        lot_entry_id uuid NOT NULL,
        tenant_id uuid NOT NULL,
        lot_sequence bigint NOT NULL,
        amount bigint NOT NULL,
        CONSTRAINT pk_lot_draws PRIMARY KEY (debit_entry_id, lot_entry_id)
    )
    """,
    """
    CREATE INDEX ix_lot_draws_lot ON lot_draws (lot_entry_id)
    """,
    """
    -- The ledger is append-only: amounts, order and links never change and nothing is
    -- deleted. Only a GDPR erasure may blank the free text (note) and the actor.
    CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'ledger_entries is append-only (DELETE refused)';
        END IF;
        IF (NEW.id, NEW.tenant_id, NEW.enrolment_id, NEW.sequence, NEW.delta,
            NEW.balance_after, NEW.reason, NEW.idempotency_key, NEW.fingerprint,
            NEW.source_ref, NEW.expires_at, NEW.created_at)
           IS DISTINCT FROM
           (OLD.id, OLD.tenant_id, OLD.enrolment_id, OLD.sequence, OLD.delta,
            OLD.balance_after, OLD.reason, OLD.idempotency_key, OLD.fingerprint,
            OLD.source_ref, OLD.expires_at, OLD.created_at) THEN
            RAISE EXCEPTION 'ledger_entries is append-only (only note and actor_id may be erased)';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
        FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()
    """,
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
    create_kit_tables()


def downgrade() -> None:
    op.execute(
        "DROP TABLE lot_draws, lots, ledger_entries, enrolments, programs, outbox, "
        "processed_events; DROP FUNCTION ledger_entries_append_only()"
    )
