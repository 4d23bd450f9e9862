"""The billing database schema (SQLAlchemy Core). Alembic migrations mirror it.
Money columns are BIGINT minor units next to a 3-letter ISO 4217 `currency`."""

from __future__ import annotations

import sqlalchemy as sa
from moodline_kit import columns as col
from moodline_kit.db import service_metadata
from sqlalchemy.dialects.postgresql import JSONB

metadata, kit = service_metadata()


tenant_settings = sa.Table(
    "tenant_settings",
    metadata,
    col.uuid_key("tenant_id"),
    sa.Column("currency", sa.String(3), nullable=False, server_default="USD"),
    # Last number given to an issued invoice / a quote (numbers without gaps: taken in the
    # transaction that issues, under this row's lock).
    sa.Column("invoice_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("quote_seq", sa.BigInteger, nullable=False, server_default="0"),
)

catalog_services = col.tenant_table(
    "catalog_services",
    metadata,
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("price_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    col.timestamp("created_at"),
    sa.CheckConstraint("price_minor >= 0", name="price_not_negative"),
)
sa.Index("ix_catalog_services_tenant", catalog_services.c.tenant_id, catalog_services.c.name)

staff_members = col.tenant_table(
    "staff_members",
    metadata,
    *col.required(sa.Text, "name", "colour"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("user_id", sa.Text, nullable=False, server_default=""),
    col.timestamp("created_at"),
)
sa.Index("ix_staff_members_tenant", staff_members.c.tenant_id, staff_members.c.name)

bookings = col.tenant_table(
    "bookings",
    metadata,
    col.uuid_column("customer_id"),
    col.uuid_column("service_id", nullable=True),
    sa.Column("service_name", sa.Text, nullable=False, server_default=""),
    col.uuid_column("staff_id", nullable=True),
    *col.timestamps("starts_at", "ends_at"),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("price_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    # [{"customer_id": uuid|null, "name": str, "share_minor": int}]; members who are customers
    # are also rows of booking_party (the "bookings of a customer" lookup).
    sa.Column("party", JSONB, nullable=False, server_default="[]"),
    *col.texts("location", "notes", "cancellation_reason"),
    *col.timestamps("cancelled_at", "confirmed_at", nullable=True),
    *col.timestamps("created_at", "updated_at"),
    sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    sa.CheckConstraint("price_minor >= 0", name="price_not_negative"),
)
sa.Index("ix_bookings_customer", bookings.c.tenant_id, bookings.c.customer_id)
sa.Index("ix_bookings_tenant_start", bookings.c.tenant_id, bookings.c.starts_at, bookings.c.id)
# No double booking: two pending/confirmed bookings of one staff member never overlap. The
# database decides (GiST exclusion on the half-open time range, btree_gist for the equality
# columns), so concurrent inserts cannot both pass a check-then-insert.
bookings.append_constraint(
    sa.dialects.postgresql.ExcludeConstraint(
        (bookings.c.tenant_id, "="),
        (bookings.c.staff_id, "="),
        (sa.func.tstzrange(bookings.c.starts_at, bookings.c.ends_at), "&&"),
        name="ex_bookings_staff_slot",
        using="gist",
        where=sa.text("status IN ('pending', 'confirmed') AND staff_id IS NOT NULL"),
    )
)

booking_party = sa.Table(
    "booking_party",
    metadata,
    col.uuid_column(
        "booking_id", sa.ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    ),
    col.uuid_key("customer_id"),
    col.tenant_column(),
)
sa.Index("ix_booking_party_customer", booking_party.c.tenant_id, booking_party.c.customer_id)

invoices = col.tenant_table(
    "invoices",
    metadata,
    sa.Column("number", sa.Text),
    col.uuid_column("customer_id"),
    col.uuid_column("booking_id", nullable=True),
    col.uuid_column("quote_id", nullable=True),
    col.uuid_column("subscription_id", nullable=True),
    col.timestamp("period_start", nullable=True),
    # [{"description": str, "quantity": int, "unit_price_minor": int}]
    sa.Column("items", JSONB, nullable=False),
    *col.required(sa.BigInteger, "subtotal_minor", "tax_minor", "total_minor"),
    sa.Column("amount_paid_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    col.timestamp("issued_at", nullable=True),
    col.timestamp("due_at"),
    *col.timestamps("paid_at", "voided_at", nullable=True),
    sa.Column("void_reason", sa.Text, nullable=False, server_default=""),
    *col.timestamps("created_at", "updated_at"),
    sa.UniqueConstraint("tenant_id", "number", name="uq_invoices_tenant_number"),
    # One invoice per subscription period: the renewal job runs exactly once per period.
    sa.UniqueConstraint("subscription_id", "period_start", name="uq_invoices_subscription_period"),
)
sa.Index("ix_invoices_customer", invoices.c.tenant_id, invoices.c.customer_id)
sa.Index("ix_invoices_tenant_created", invoices.c.tenant_id, invoices.c.created_at, invoices.c.id)
sa.Index(
    "ix_invoices_open_due",
    invoices.c.due_at,
    postgresql_where=invoices.c.status == "open",
)

quotes = col.tenant_table(
    "quotes",
    metadata,
    sa.Column("number", sa.Text, nullable=False),
    col.uuid_column("customer_id"),
    sa.Column("items", JSONB, nullable=False),
    sa.Column("tax_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    col.timestamp("valid_until", nullable=True),
    col.uuid_column("invoice_id", nullable=True),
    col.timestamp("created_at"),
    sa.UniqueConstraint("tenant_id", "number", name="uq_quotes_tenant_number"),
)
sa.Index("ix_quotes_tenant_created", quotes.c.tenant_id, quotes.c.created_at, quotes.c.id)

orders = col.tenant_table(
    "orders",
    metadata,
    col.uuid_column("customer_id"),
    col.uuid_column("booking_id", nullable=True),
    # The caller's idempotency key (a repeat of it returns this order).
    sa.Column("request_id", sa.Text, nullable=True),
    # [{"service_id": uuid, "description": str, "quantity": int, "unit_price_minor": int}]
    sa.Column("items", JSONB, nullable=False),
    sa.Column("total_minor", sa.BigInteger, nullable=False),
    sa.Column("amount_paid_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    *col.timestamps("paid_at", "cancelled_at", nullable=True),
    sa.Column("cancellation_reason", sa.Text, nullable=False, server_default=""),
    *col.timestamps("created_at", "updated_at"),
    sa.UniqueConstraint("tenant_id", "request_id", name="uq_orders_tenant_request"),
    sa.CheckConstraint("total_minor >= 0", name="total_not_negative"),
)
sa.Index("ix_orders_customer", orders.c.tenant_id, orders.c.customer_id)
sa.Index("ix_orders_tenant_created", orders.c.tenant_id, orders.c.created_at, orders.c.id)

payments = col.tenant_table(
    "payments",
    metadata,
    col.uuid_column("customer_id"),
    col.uuid_column("invoice_id", nullable=True),
    col.uuid_column("order_id", nullable=True),
    col.uuid_column("booking_id", nullable=True),
    col.uuid_column("subscription_id", nullable=True),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    *col.required(sa.Text, "status", "method", "provider", "provider_payment_id"),
    *col.texts("failure_code", "failure_message"),
    sa.Column("refunded_minor", sa.BigInteger, nullable=False, server_default="0"),
    *col.timestamps("created_at", "updated_at"),
    sa.UniqueConstraint(
        "tenant_id", "provider", "provider_payment_id", name="uq_payments_provider_id"
    ),
    sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
    sa.CheckConstraint(
        "refunded_minor >= 0 AND refunded_minor <= amount_minor", name="refund_within_amount"
    ),
)
sa.Index("ix_payments_customer", payments.c.tenant_id, payments.c.customer_id)
sa.Index("ix_payments_tenant_created", payments.c.tenant_id, payments.c.created_at, payments.c.id)

refunds = col.tenant_table(
    "refunds",
    metadata,
    col.uuid_column("payment_id", sa.ForeignKey("payments.id")),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("idempotency_key", sa.Text, nullable=False),
    col.timestamp("created_at"),
    sa.UniqueConstraint("payment_id", "idempotency_key", name="uq_refunds_payment_key"),
)

subscriptions = col.tenant_table(
    "subscriptions",
    metadata,
    col.uuid_column("customer_id"),
    sa.Column("plan_name", sa.Text, nullable=False),
    sa.Column("price_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    *col.required(sa.Text, "interval", "status"),
    *col.timestamps("started_at", "current_period_start", "current_period_end"),
    sa.Column("cancel_at_period_end", sa.Boolean, nullable=False, server_default=sa.false()),
    col.timestamp("cancelled_at", nullable=True),
    col.timestamp("created_at"),
    # Renewals are charged through this payment provider ("manual": staff collect them).
    sa.Column("provider", sa.Text, nullable=False, server_default="manual"),
    # Dunning: the renewal invoice being charged, failed charges in a row, next try.
    col.uuid_column("charge_invoice_id", nullable=True),
    sa.Column("failed_charges", sa.Integer, nullable=False, server_default="0"),
    col.timestamp("next_charge_at", nullable=True),
)
sa.Index("ix_subscriptions_customer", subscriptions.c.tenant_id, subscriptions.c.customer_id)
sa.Index(
    "ix_subscriptions_due",
    subscriptions.c.current_period_end,
    postgresql_where=subscriptions.c.status != "cancelled",
)
sa.Index(
    "ix_subscriptions_charge_due",
    subscriptions.c.next_charge_at,
    postgresql_where=subscriptions.c.next_charge_at.is_not(None),
)

webhook_endpoints = col.tenant_table(
    "webhook_endpoints",
    metadata,
    *col.required(sa.Text, "provider", "secret"),
    col.timestamp("created_at"),
    sa.UniqueConstraint("tenant_id", "provider", name="uq_webhook_endpoints_tenant_provider"),
)

# Provider event ids already applied (replay protection + idempotency), written in the
# transaction that applies the event.
webhook_events = sa.Table(
    "webhook_events",
    metadata,
    col.uuid_key("endpoint_id"),
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("body_sha256", sa.Text, nullable=False),
    col.timestamp("received_at"),
)
