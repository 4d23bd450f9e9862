"""The customer database schema (SQLAlchemy Core). Alembic migrations mirror it."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql
from moodline_kit import columns as col
from moodline_kit.db import service_metadata
from sqlalchemy.dialects.postgresql import UUID

metadata, kit = service_metadata()

customers = col.tenant_table(
    "customers",
    metadata,
    sa.Column("first_name", sa.Text, nullable=False),
    *col.texts("last_name", "company"),
    sa.Column("lifecycle_stage", sa.Text, nullable=False, server_default="prospect"),
    # Lower-case names, company, emails and phone digits: what the list's `q` searches
    # (trigram index, so partial matches anywhere are index scans).
    sa.Column("search_doc", sa.Text, nullable=False, server_default=""),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    *col.timestamps("created_at", "updated_at"),
)
col.tenant_index(
    "ix_customers_tenant_recent", customers, customers.c.created_at.desc(), customers.c.id.desc()
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
    col.tenant_column(),
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
    col.tenant_column(),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("is_primary", sa.Boolean, nullable=False),
)
sa.Index("ix_customer_emails_lookup", customer_emails.c.tenant_id, customer_emails.c.address)

tenant_settings = sa.Table(
    "tenant_settings",
    metadata,
    col.tenant_key(),
    sa.Column("default_country", sa.Text, nullable=False, server_default="US"),
    col.timestamp("updated_at", now=True),
)

# --- 360° profile, read model, lifecycle, timeline (migration 0002) -------------------------
JSONB = sa.dialects.postgresql.JSONB
ARRAY = sa.dialects.postgresql.ARRAY
_profile_columns = [
    sa.Column("sort_name", sa.Text, nullable=False, server_default=""),
    sa.Column("phones", JSONB, nullable=False, server_default="[]"),
    sa.Column("emails", JSONB, nullable=False, server_default="[]"),
    sa.Column("addresses", JSONB, nullable=False, server_default="[]"),
    *col.texts("preferred_channel", "preferred_contact_time", "language", "timezone"),
    sa.Column("tags", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("folder", sa.Text, nullable=False, server_default=""),
    sa.Column("custom_fields", JSONB, nullable=False, server_default="{}"),
    sa.Column("workers", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("call_status", sa.Text, nullable=False, server_default=""),
    sa.Column("is_vip", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("vip_manual", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("consents", JSONB, nullable=False, server_default="{}"),
    sa.Column("avatar_color", sa.Text, nullable=False, server_default=""),
    sa.Column("qualified", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("ltv_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("currency", sa.Text, nullable=False, server_default=""),
    sa.Column("bookings_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("purchases_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("aov_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("interactions_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("channel_counts", JSONB, nullable=False, server_default="{}"),
    sa.Column("most_common_channel", sa.Text, nullable=False, server_default=""),
    *col.timestamps("last_contact_at", "last_purchase_at", nullable=True),
    col.timestamp("last_activity_at"),
    sa.Column("sentiment_label", sa.Text, nullable=False, server_default=""),
    sa.Column("sentiment_score", sa.Float, nullable=False, server_default="0"),
    sa.Column("sentiment_emotions", JSONB, nullable=False, server_default="{}"),
    sa.Column("sentiment_trend", sa.Text, nullable=False, server_default=""),
    col.timestamp("stage_changed_at", nullable=True),
    # migration 0003: an unresolved payment failure (At Risk), the last successful payment, and
    # the occurred_at of the value figures on the row (out-of-order guard).
    *col.timestamps("payment_failed_at", "payment_succeeded_at", "value_as_of", nullable=True),
]
for _column in _profile_columns:
    customers.append_column(_column)

tenant_settings.append_column(
    sa.Column("high_value_ltv_minor", sa.BigInteger, nullable=False, server_default="100000")
)
tenant_settings.append_column(
    sa.Column("recent_days", sa.Integer, nullable=False, server_default="30")
)
tenant_settings.append_column(
    sa.Column("inactive_days", sa.Integer, nullable=False, server_default="90")
)

customer_stats = sa.Table(
    "customer_stats",
    metadata,
    col.tenant_key(),
    # Counters are spread over 16 shards per tenant (hash of the customer id) so concurrent
    # writers of one tenant don't queue on a single row; readers sum the shards.
    sa.Column("shard", sa.SmallInteger, primary_key=True, server_default="0"),
    *col.counters("total", "vip", "happy", "problem", "total_ltv_minor"),
)

custom_field_definitions = sa.Table(
    "custom_field_definitions",
    metadata,
    col.tenant_key(),
    sa.Column("key", sa.Text, primary_key=True),
    *col.required(sa.Text, "label", "type"),
    sa.Column("options", ARRAY(sa.Text), nullable=False, server_default="{}"),
)

customer_relations = sa.Table(
    "customer_relations",
    metadata,
    col.tenant_column(),
    sa.Column(
        "parent_id",
        UUID(as_uuid=True),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "child_id",
        UUID(as_uuid=True),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("label", sa.Text, nullable=False, server_default=""),
)
sa.Index("ix_customer_relations_child", customer_relations.c.child_id)

customer_notes = col.tenant_table(
    "customer_notes",
    metadata,
    col.uuid_column("customer_id", sa.ForeignKey("customers.id", ondelete="CASCADE")),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author", sa.Text, nullable=False, server_default=""),
    col.timestamp("created_at"),
)
sa.Index("ix_customer_notes_customer", customer_notes.c.customer_id, customer_notes.c.created_at)

customer_consents = sa.Table(
    "customer_consents",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    col.tenant_column(),
    col.uuid_column("customer_id", sa.ForeignKey("customers.id", ondelete="CASCADE")),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("granted", sa.Boolean, nullable=False),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    col.timestamp("changed_at"),
)
sa.Index("ix_customer_consents_customer", customer_consents.c.customer_id, customer_consents.c.id)

customer_stage_history = sa.Table(
    "customer_stage_history",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    col.tenant_column(),
    col.uuid_column("customer_id", sa.ForeignKey("customers.id", ondelete="CASCADE")),
    *col.required(sa.Text, "from_stage", "to_stage", "reason"),
    col.timestamp("changed_at"),
)
sa.Index("ix_customer_stage_history_customer", customer_stage_history.c.customer_id)

customer_timeline = sa.Table(
    "customer_timeline",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    col.tenant_column(),
    col.uuid_column("customer_id", sa.ForeignKey("customers.id", ondelete="CASCADE")),
    *col.required(sa.Text, "kind", "type"),
    sa.Column("summary", sa.Text, nullable=False, server_default=""),
    sa.Column("data", JSONB, nullable=False, server_default="{}"),
    col.timestamp("occurred_at"),
)
sa.Index(
    "ix_customer_timeline_feed",
    customer_timeline.c.customer_id,
    customer_timeline.c.occurred_at.desc(),
    customer_timeline.c.id.desc(),
)

# Folders customers are sorted into (e.g. New Leads); `customers.folder` holds a folder id.
folders = col.tenant_table(
    "folders",
    metadata,
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("colour", sa.Text, nullable=False, server_default=""),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.UniqueConstraint("tenant_id", "name", name="uq_folders_tenant_name"),
)

# --- merges and erasures (migration 0010, issue #23) -------------------------------------------
customers.append_column(col.timestamp("erased_at", nullable=True))

# A customer merged into another: its id keeps resolving to the survivor (GET answers 308).
customer_tombstones = col.tenant_table(
    "customer_tombstones",
    metadata,
    col.uuid_column("merged_into_id"),
    col.uuid_column("operation_id"),
    col.timestamp("merged_at"),
)
col.tenant_index("ix_customer_tombstones_into", customer_tombstones, "merged_into_id")

# A merge or an erasure (a saga): one step per service, completed when the service answers.
customer_operations = col.tenant_table(
    "customer_operations",
    metadata,
    sa.Column("kind", sa.Text, nullable=False),
    col.uuid_column("customer_id"),
    col.uuid_column("duplicate_id", nullable=True),
    sa.Column("status", sa.Text, nullable=False),
    col.timestamp("created_at"),
    col.timestamp("completed_at", nullable=True),
)
col.tenant_index(
    "uq_customer_operations_pair",
    customer_operations,
    "kind",
    "customer_id",
    sa.func.coalesce(
        customer_operations.c.duplicate_id, sa.text("'00000000-0000-0000-0000-000000000000'::uuid")
    ),
    unique=True,
)

customer_operation_steps = sa.Table(
    "customer_operation_steps",
    metadata,
    col.uuid_column(
        "operation_id",
        sa.ForeignKey("customer_operations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("service", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    col.timestamp("completed_at", nullable=True),
)

# --- imports and exports (migration 0009) ------------------------------------------------------
imports = col.tenant_table(
    "imports",
    metadata,
    sa.Column("status", sa.Text, nullable=False),
    *col.texts("filename", "format", "encoding", "delimiter"),
    sa.Column("headers", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("mapping", JSONB, nullable=False, server_default="{}"),
    sa.Column("suggested_mapping", JSONB, nullable=False, server_default="{}"),
    sa.Column("preview", JSONB, nullable=False, server_default="[]"),
    sa.Column("default_country", sa.Text, nullable=False, server_default=""),
    sa.Column("on_match", sa.Text, nullable=False, server_default="update"),
    sa.Column("loyalty_program_id", sa.Text, nullable=False, server_default=""),
    # Who started it and what they may see (their folders), for the background job.
    sa.Column("actor", sa.Text, nullable=False, server_default=""),
    sa.Column("visibility", JSONB, nullable=False, server_default="{}"),
    *col.counters("size_bytes", "total", "processed", "created", "updated", "skipped", "failed"),
    # Data rows up to this number are done (committed with their effects): where a restarted
    # job resumes.
    sa.Column("done_through_row", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    col.timestamp("created_at", now=True),
    *col.timestamps("started_at", "finished_at", nullable=True),
    # Created rows that look like a customer already there (import_duplicates; 0011).
    *col.counters("possible_duplicates"),
)
sa.Index("ix_imports_tenant", imports.c.tenant_id, imports.c.created_at.desc())
sa.Index(
    "ix_imports_unfinished",
    imports.c.status,
    postgresql_where=imports.c.status.in_(("queued", "running")),
)


def _part_of(owner: str) -> sa.Column:
    """`<owner>_id`, the first part of the key of a row that belongs to one import or export
    (a chunk of its file, a row's error...): deleted with it."""
    return sa.Column(
        f"{owner}_id",
        UUID(as_uuid=True),
        sa.ForeignKey(f"{owner}s.id", ondelete="CASCADE"),
        primary_key=True,
    )


import_chunks = sa.Table(
    "import_chunks",
    metadata,
    _part_of("import"),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)


import_errors = sa.Table(
    "import_errors",
    metadata,
    _part_of("import"),
    sa.Column("row_number", sa.BigInteger, primary_key=True),
    sa.Column("cells", ARRAY(sa.Text), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

# A row an import created (customer_id) that looks like another customer (duplicate_of: the
# most alike): same name and a similar company; `score` and `reason` as the duplicates list
# gives them.
import_duplicates = sa.Table(
    "import_duplicates",
    metadata,
    _part_of("import"),
    sa.Column("row_number", sa.BigInteger, primary_key=True),
    sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
    sa.Column("duplicate_of", UUID(as_uuid=True), nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

exports = col.tenant_table(
    "exports",
    metadata,
    *col.required(sa.Text, "status", "format"),
    # The list's filters (ListCustomersRequest as JSON) and/or the selected ids.
    sa.Column("filter", JSONB, nullable=False, server_default="{}"),
    sa.Column("ids", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("actor", sa.Text, nullable=False, server_default=""),
    sa.Column("visibility", JSONB, nullable=False, server_default="{}"),
    *col.counters("total", "processed", "size_bytes"),
    sa.Column("chunks", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    col.timestamp("created_at", now=True),
    *col.timestamps("finished_at", "expires_at", nullable=True),
)
sa.Index("ix_exports_tenant", exports.c.tenant_id, exports.c.created_at.desc())

export_chunks = sa.Table(
    "export_chunks",
    metadata,
    _part_of("export"),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)
