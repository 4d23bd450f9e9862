"""The sentiment database schema (SQLAlchemy Core). Alembic migrations mirror it."""

from __future__ import annotations

import sqlalchemy as sa
from moodline_kit import columns as col
from moodline_kit.db import service_metadata
from sqlalchemy.dialects.postgresql import JSONB

metadata, kit = service_metadata()

# One row per scored customer message (the conversation service's message id).
message_scores = sa.Table(
    "message_scores",
    metadata,
    col.tenant_key(),
    sa.Column("message_id", sa.Text, primary_key=True),
    *col.required(sa.Text, "conversation_id", "customer_id", "label"),
    *col.required(
        sa.Float, "score", "confidence", "frustration", "satisfaction", "confusion", "urgency"
    ),
    sa.Column("model_version", sa.Text, nullable=False),
    col.timestamp("sent_at", nullable=True),
    col.timestamp("scored_at", now=True),
    # The spans that drove the label and emotions (domain/reading.py; repository
    # explanation_to_json): offsets, scores and what each drove, no text.
    sa.Column("explanation", JSONB),
)

# Aggregate state (see domain/aggregate.py) in `state`; label/score/trend as columns to query.
conversation_sentiment = sa.Table(
    "conversation_sentiment",
    metadata,
    col.tenant_key(),
    sa.Column("conversation_id", sa.Text, primary_key=True),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("state", JSONB, nullable=False, server_default="{}"),
    sa.Column("label", sa.Text, nullable=False, server_default="Neutral"),
    sa.Column("score", sa.Float, nullable=False, server_default="0"),
    sa.Column("trend", sa.Text, nullable=False, server_default=""),
    # Outcome signals already counted (a CSAT or an escalation counts once per conversation,
    # whether it arrives as .rated/.escalated or only on .closed).
    sa.Column("csat_counted", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("escalation_counted", sa.Boolean, nullable=False, server_default="false"),
    # The counted signals themselves (the rating, and when each came), replayed by a merge.
    sa.Column("csat", sa.Integer, nullable=True),
    *col.timestamps("csat_at", "escalated_at", nullable=True),
    col.timestamp("updated_at", now=True),
    # Response timing (domain/response.py ReplyClock).
    *col.timestamps("awaiting_reply_since", "last_reply_at", nullable=True),
)

# Each late reply (domain/response.py) folded into a conversation and its customer, kept so a
# merge can replay it into the survivor in its place by time: ids, the time of the reply that
# ended the wait and whether it was very late, no personal data (kept on erasure, a tally like
# the scores). The key is the reply: the conversation's clock lets one reply end one wait.
late_replies = sa.Table(
    "late_replies",
    metadata,
    col.tenant_key(),
    sa.Column("conversation_id", sa.Text, primary_key=True),
    sa.Column("replied_at", sa.DateTime(timezone=True), primary_key=True),
    *col.required(sa.Text, "customer_id"),
    *col.required(sa.Boolean, "very_late"),
)
col.tenant_index("ix_late_replies_customer", late_replies, "customer_id")

customer_sentiment = sa.Table(
    "customer_sentiment",
    metadata,
    col.tenant_key(),
    sa.Column("customer_id", sa.Text, primary_key=True),
    sa.Column("state", JSONB, nullable=False, server_default="{}"),
    # Shown label/score/trend (the override's label while one is active).
    sa.Column("label", sa.Text, nullable=False, server_default="Neutral"),
    sa.Column("score", sa.Float, nullable=False, server_default="0"),
    sa.Column("trend", sa.Text, nullable=False, server_default=""),
    sa.Column("override", JSONB),
    sa.Column("published", JSONB),
    col.timestamp("updated_at", now=True),
)

# Per-tenant settings (domain/response.py ReplyTargets): the reply targets a tenant changed,
# channel -> minutes (0: no target); channels not in the map keep the default.
sentiment_settings = sa.Table(
    "sentiment_settings",
    metadata,
    col.tenant_key(),
    sa.Column("reply_target_minutes", JSONB, nullable=False, server_default="{}"),
    col.timestamp("updated_at", now=True),
)
