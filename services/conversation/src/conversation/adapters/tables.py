"""The conversation database schema (SQLAlchemy Core). Alembic migrations mirror it."""

from __future__ import annotations

import sqlalchemy as sa
from moodline_kit import columns as col
from moodline_kit.db import service_metadata
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR

metadata, kit = service_metadata()

# The text search configuration of message content: English stemming; numbers (order ids,
# amounts) are kept whole, so "order #12345" finds exactly order 12345.
SEARCH_CONFIG = "english"

conversations = col.tenant_table(
    "conversations",
    metadata,
    col.uuid_column("customer_id"),
    *col.required(sa.Text, "channel", "status"),
    col.timestamp("started_at"),
    col.timestamp("ended_at", nullable=True),
    sa.Column("csat", sa.SmallInteger),
    *col.texts("topic", "summary"),
    sa.Column("escalated", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("message_count", sa.Integer, nullable=False, server_default="0"),
    col.timestamp("last_message_at", nullable=True),
    # Assignments in order (AgentAssignment.to_json); agent_ids is their set, GIN-indexed for
    # the "handled by agent" filter.
    sa.Column("agents", JSONB, nullable=False, server_default="[]"),
    sa.Column("agent_ids", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    *col.timestamps("created_at", "updated_at"),
)
# At most one open conversation per customer and channel: ingestion upserts against it.
col.tenant_index(
    "uq_conversations_open",
    conversations,
    "customer_id",
    "channel",
    unique=True,
    postgresql_where=conversations.c.status == "open",
)
col.tenant_index(
    "ix_conversations_customer_recent",
    conversations,
    "customer_id",
    conversations.c.started_at.desc(),
    conversations.c.id.desc(),
)
col.tenant_index(
    "ix_conversations_tenant_recent",
    conversations,
    conversations.c.started_at.desc(),
    conversations.c.id.desc(),
)
sa.Index("ix_conversations_agent_ids", conversations.c.agent_ids, postgresql_using="gin")

messages = col.tenant_table(
    "messages",
    metadata,
    col.uuid_column("conversation_id", sa.ForeignKey("conversations.id", ondelete="CASCADE")),
    col.uuid_column("customer_id"),
    *col.required(sa.Text, "channel", "direction", "author"),
    sa.Column("author_id", sa.Text, nullable=False, server_default=""),
    sa.Column("text", sa.Text, nullable=False),
    col.timestamp("sent_at"),
    sa.Column("provider_message_id", sa.Text, nullable=False),
    col.timestamp("created_at"),
    # Outbound messages sent through Moodline (SendMessage): mirrors outbound_messages.status.
    sa.Column("delivery_status", sa.Text),
    sa.Column("delivery_error", sa.Text, nullable=False, server_default=""),
    sa.Column(
        "tsv",
        TSVECTOR,
        sa.Computed(f"to_tsvector('{SEARCH_CONFIG}'::regconfig, text)", persisted=True),
        nullable=False,
    ),
)
# The idempotency key of ingestion.
col.tenant_index("uq_messages_provider_id", messages, "channel", "provider_message_id", unique=True)
sa.Index(
    "ix_messages_conversation",
    messages.c.conversation_id,
    messages.c.sent_at,
    messages.c.id,
)
# Newest-first walk for common-word search (rank only the newest matches).
sa.Index("ix_messages_recent", messages.c.tenant_id, messages.c.sent_at.desc())
# Full-text search, always within one tenant (btree_gin puts tenant_id in the GIN index).
sa.Index("ix_messages_search", messages.c.tenant_id, messages.c.tsv, postgresql_using="gin")

# Who is behind a contact, as the customer service answered ResolveCustomer: known senders never
# call it again. `value` is the normalised contact (E.164 phone, lower-cased email).
contacts = sa.Table(
    "contacts",
    metadata,
    col.tenant_key(),
    sa.Column("kind", sa.Text, primary_key=True),  # phone | email
    sa.Column("value", sa.Text, primary_key=True),
    col.uuid_column("customer_id"),
    # Customer.version of the answer the mapping came from.
    sa.Column("customer_version", sa.BigInteger, nullable=False, server_default="0"),
    col.timestamp("created_at"),
)
sa.Index("ix_contacts_customer", contacts.c.tenant_id, contacts.c.customer_id)

# The newest contact change / deletion seen on the CUSTOMER stream per customer: a
# ResolveCustomer answer older than it (in flight while the event was applied) is not cached.
customer_changes = sa.Table(
    "customer_changes",
    metadata,
    col.tenant_key(),
    col.uuid_key("customer_id"),
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    col.timestamp("updated_at"),
)

# Every message sent through Moodline (SendMessage): to a customer (then also a row of
# `messages`) or a staff e-mail. The dispatcher claims queued rows and hands them to the
# channel adapters; `status` follows domain.outbound.TRANSITIONS.
outbound_messages = col.tenant_table(
    "outbound_messages",
    metadata,
    col.uuid_column("customer_id"),
    *col.required(sa.Text, "channel", "recipient"),
    sa.Column("to_staff", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("subject", sa.Text, nullable=False, server_default=""),
    *col.required(sa.Text, "text", "status"),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    col.uuid_column("message_id", nullable=True),
    col.uuid_column("conversation_id", nullable=True),
    sa.Column("provider_message_id", sa.Text, nullable=False, server_default=""),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("author_id", sa.Text, nullable=False, server_default=""),
    # Empty = none; else unique per tenant (a repeated SendMessage returns the first).
    sa.Column("idempotency_key", sa.Text, nullable=False, server_default=""),
    col.timestamp("claimed_at", nullable=True),
    # Hand-overs tried; a transient failure (channel unreachable) retries after next_attempt_at.
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    col.timestamp("next_attempt_at", nullable=True),
    *col.timestamps("created_at", "updated_at"),
)
col.tenant_index(
    "uq_outbound_idempotency",
    outbound_messages,
    "idempotency_key",
    unique=True,
    postgresql_where=outbound_messages.c.idempotency_key != "",
)
# The dispatcher's queue: queued rows oldest first, and claimed rows whose lease may expire.
sa.Index(
    "ix_outbound_pending",
    outbound_messages.c.created_at,
    postgresql_where=outbound_messages.c.status.in_(["queued", "sending"]),
)
