"""The customer database schema (SQLAlchemy Core). Alembic migrations mirror it."""

from __future__ import annotations

import sqlalchemy as sa
from moodline_kit.db import kit_tables, new_metadata
from sqlalchemy.dialects.postgresql import UUID

metadata = new_metadata()
kit = kit_tables(metadata)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
    sa.Column("first_name", sa.Text, nullable=False),
    sa.Column("last_name", sa.Text, nullable=False, server_default=""),
    sa.Column("company", sa.Text, nullable=False, server_default=""),
    sa.Column("lifecycle_stage", sa.Text, nullable=False, server_default="prospect"),
    # Lower-case names, company, emails and phone digits: what the list's `q` searches
    # (trigram index, so partial matches anywhere are index scans).
    sa.Column("search_doc", sa.Text, nullable=False, server_default=""),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index(
    "ix_customers_tenant_recent",
    customers.c.tenant_id,
    customers.c.created_at.desc(),
    customers.c.id.desc(),
)
sa.Index(
    "ix_customers_search_doc",
    customers.c.search_doc,
    postgresql_using="gin",
    postgresql_ops={"search_doc": "gin_trgm_ops"},
)

customer_phones = sa.Table(
    "customer_phones",
    metadata,
    sa.Column(
        "customer_id",
        UUID(as_uuid=True),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("position", sa.SmallInteger, primary_key=True),
    sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
    sa.Column("e164", sa.Text, nullable=False),
    sa.Column("is_primary", sa.Boolean, nullable=False),
)
sa.Index("ix_customer_phones_lookup", customer_phones.c.tenant_id, customer_phones.c.e164)

customer_emails = sa.Table(
    "customer_emails",
    metadata,
    sa.Column(
        "customer_id",
        UUID(as_uuid=True),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("position", sa.SmallInteger, primary_key=True),
    sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("is_primary", sa.Boolean, nullable=False),
)
sa.Index("ix_customer_emails_lookup", customer_emails.c.tenant_id, customer_emails.c.address)

tenant_settings = sa.Table(
    "tenant_settings",
    metadata,
    sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("default_country", sa.Text, nullable=False, server_default="US"),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)
