"""The sentiment database schema (SQLAlchemy Core). Alembic migrations mirror it."""

from __future__ import annotations

import sqlalchemy as sa
from moodline_kit.columns import tenant_key, timestamp
from moodline_kit.db import service_metadata
from sqlalchemy.dialects.postgresql import JSONB

metadata, kit = service_metadata()

# One row per scored customer message (the conversation service's message id).
message_scores = sa.Table(
    "message_scores",
    metadata,
    tenant_key(),
    sa.Column("message_id", sa.Text, primary_key=True),
    sa.Column("conversation_id", sa.Text, nullable=False),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("frustration", sa.Float, nullable=False),
    sa.Column("satisfaction", sa.Float, nullable=False),
    sa.Column("confusion", sa.Float, nullable=False),
    sa.Column("urgency", sa.Float, nullable=False),
    sa.Column("model_version", sa.Text, nullable=False),
    timestamp("sent_at", nullable=True),
    timestamp("scored_at", now=True),
    # The spans that drove the label and emotions (domain/reading.py; repository
    # explanation_to_json): offsets, scores and what each drove, no text.
    sa.Column("explanation", JSONB),
)

# Aggregate state (see domain/aggregate.py) in `state`; label/score/trend as columns to query.
conversation_sentiment = sa.Table(
    "conversation_sentiment",
    metadata,
    tenant_key(),
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
    timestamp("csat_at", nullable=True),
    timestamp("escalated_at", nullable=True),
    timestamp("updated_at", now=True),
    # Response timing (domain/response.py ReplyClock).
    timestamp("awaiting_reply_since", nullable=True),
    timestamp("last_reply_at", nullable=True),
)

customer_sentiment = sa.Table(
    "customer_sentiment",
    metadata,
    tenant_key(),
    sa.Column("customer_id", sa.Text, primary_key=True),
    sa.Column("state", JSONB, nullable=False, server_default="{}"),
    # Shown label/score/trend (the override's label while one is active).
    sa.Column("label", sa.Text, nullable=False, server_default="Neutral"),
    sa.Column("score", sa.Float, nullable=False, server_default="0"),
    sa.Column("trend", sa.Text, nullable=False, server_default=""),
    sa.Column("override", JSONB),
    sa.Column("published", JSONB),
    timestamp("updated_at", now=True),
)

# Per-tenant settings (domain/response.py ReplyTargets): the reply targets a tenant changed,
# channel -> minutes (0: no target); channels not in the map keep the default.
sentiment_settings = sa.Table(
    "sentiment_settings",
    metadata,
    tenant_key(),
    sa.Column("reply_target_minutes", JSONB, nullable=False, server_default="{}"),
    timestamp("updated_at", now=True),
)
