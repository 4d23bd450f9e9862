"""The gateway's own database: tenants (businesses), their API keys, staff users and sessions."""

from __future__ import annotations

import sqlalchemy as sa
from moodline_kit import columns as col
from moodline_kit.db import new_metadata
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = new_metadata()

tenants = sa.Table(
    "tenants",
    metadata,
    col.uuid_key(),
    *col.required(sa.Text, "name", "default_country"),
    col.timestamp("created_at", now=True),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    col.uuid_key(),
    col.tenant_column(sa.ForeignKey("tenants.id", ondelete="CASCADE")),
    # SHA-256 of the whole key: keys are 256-bit random tokens, so a fast hash is safe and the
    # plaintext is never stored.
    sa.Column("key_hash", sa.Text, nullable=False, unique=True),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    # admin | manager | agent | viewer
    sa.Column("role", sa.Text, nullable=False, server_default="admin"),
    col.timestamp("created_at", now=True),
    col.timestamp("revoked_at", nullable=True),
    # Requests per minute and burst of this key's token bucket (null: the gateway's default).
    sa.Column("rate_per_minute", sa.Integer),
    sa.Column("burst", sa.Integer),
    sa.Column("created_by", sa.Text, nullable=False, server_default=""),
)

# Staff who sign in with e-mail + password. E-mail is unique across tenants (sign-in names no
# tenant); stored lower-cased.
users = sa.Table(
    "users",
    metadata,
    col.uuid_key(),
    col.tenant_column(sa.ForeignKey("tenants.id", ondelete="CASCADE")),
    sa.Column("email", sa.Text, nullable=False, unique=True),
    *col.required(sa.Text, "name", "role", "password_hash"),
    # Customer folders this user may see; null: every folder.
    sa.Column("folders", ARRAY(UUID(as_uuid=True))),
    # Whether customers in no folder are visible.
    sa.Column("unfoldered", sa.Boolean, nullable=False, server_default=sa.true()),
    # An agent limited to the customers assigned to them.
    sa.Column("assigned_only", sa.Boolean, nullable=False, server_default=sa.false()),
    col.timestamp("created_at", now=True),
    col.timestamp("updated_at", now=True),
    col.timestamp("disabled_at", nullable=True),
)

# One sign-in: the family of its rotating refresh tokens. Revoked on sign-out, on re-use of a
# spent refresh token, on disabling the user or resetting the password.
sessions = col.tenant_table(
    "sessions",
    metadata,
    col.uuid_column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE")),
    col.timestamp("created_at", now=True),
    col.timestamp("expires_at"),
    col.timestamp("revoked_at", nullable=True),
    sa.Column("revoked_reason", sa.Text),
    sa.Column("client_ip", sa.Text, nullable=False, server_default=""),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    # SHA-256 of the token (256-bit random): the plaintext is never stored.
    sa.Column("token_hash", sa.Text, primary_key=True),
    col.uuid_column("session_id", sa.ForeignKey("sessions.id", ondelete="CASCADE")),
    col.timestamp("created_at", now=True),
    # Set when exchanged for the next token of the family; presenting it again revokes the family.
    col.timestamp("used_at", nullable=True),
)

# Who did what, when, from where: every write, sign-in and key/user change.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    # Null for a sign-in attempt with an unknown e-mail.
    col.uuid_column("tenant_id", nullable=True),
    col.timestamp("at", now=True),
    # "user:<id>", "key:<id>", or the e-mail of a sign-in attempt
    sa.Column("actor", sa.Text, nullable=False),
    # e.g. "auth.login", "POST /api/v1/customers"
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False, server_default=""),
    # "ok", "failed", an HTTP status...
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("client_ip", sa.Text, nullable=False, server_default=""),
    sa.Column("details", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Index("ix_audit_log_tenant_at", "tenant_id", "at"),
)
