"""The automation database schema (SQLAlchemy Core). Alembic migrations mirror it."""

from __future__ import annotations

import sqlalchemy as sa
from moodline_kit.columns import tenant_index, tenant_table
from moodline_kit.db import service_metadata
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata, kit = service_metadata()

workflows = tenant_table(
    "workflows",
    metadata,
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("trigger_type", sa.Text, nullable=False),
    sa.Column("trigger", JSONB, nullable=False),
    sa.Column("conditions", JSONB, nullable=False),
    sa.Column("actions", JSONB, nullable=False),
    sa.Column("cooldown_seconds", sa.Integer, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_run_at", sa.DateTime(timezone=True)),
)
sa.Index("ix_workflows_name", workflows.c.tenant_id, workflows.c.name, workflows.c.id)
# The trigger lookup of every consumed event.
tenant_index(
    "ix_workflows_trigger", workflows, "trigger_type", postgresql_where=workflows.c.enabled
)

runs = tenant_table(
    "runs",
    metadata,
    sa.Column("workflow_id", UUID(as_uuid=True), nullable=False),
    sa.Column("workflow_name", sa.Text, nullable=False),
    sa.Column("workflow_version", sa.BigInteger, nullable=False),
    sa.Column("conditions", JSONB, nullable=False),
    sa.Column("actions", JSONB, nullable=False),
    sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
    sa.Column("trigger_type", sa.Text, nullable=False),
    sa.Column("trigger_event_id", sa.Text, nullable=False, server_default=""),
    sa.Column("event", JSONB, nullable=False, server_default="{}"),
    sa.Column("started_by", sa.Text, nullable=False, server_default=""),
    sa.Column("idempotency_key", sa.Text, nullable=False, server_default=""),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("resume_at", sa.DateTime(timezone=True)),
)
# One run per workflow and triggering event (a redelivered event starts nothing new).
tenant_index(
    "uq_runs_trigger_event",
    runs,
    "workflow_id",
    "trigger_event_id",
    unique=True,
    postgresql_where=runs.c.trigger_event_id != "",
)
tenant_index(
    "uq_runs_idempotency",
    runs,
    "idempotency_key",
    unique=True,
    postgresql_where=runs.c.idempotency_key != "",
)
sa.Index("ix_runs_workflow", runs.c.tenant_id, runs.c.workflow_id, runs.c.created_at.desc())
sa.Index("ix_runs_customer", runs.c.tenant_id, runs.c.customer_id, runs.c.created_at.desc())
sa.Index("ix_runs_recent", runs.c.tenant_id, runs.c.created_at.desc())
# The sweeper: runs not finished (queued, in flight, waiting).
sa.Index(
    "ix_runs_unfinished",
    runs.c.updated_at,
    postgresql_where=runs.c.status.in_(["pending", "running", "waiting"]),
)

# The step log: one row per (run, step), written before the step's action runs.
run_steps = sa.Table(
    "run_steps",
    metadata,
    sa.Column("run_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("step_index", sa.Integer, primary_key=True),
    sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
    sa.Column("action_id", sa.Text, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
)

# Per-customer cool-down of each workflow: when it last fired for the customer.
cooldowns = sa.Table(
    "cooldowns",
    metadata,
    sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("workflow_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("customer_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
)

tasks = tenant_table(
    "tasks",
    metadata,
    sa.Column("customer_id", UUID(as_uuid=True)),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("owner_id", sa.Text, nullable=False, server_default=""),
    sa.Column("due_at", sa.DateTime(timezone=True)),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("priority", sa.Text, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False, server_default=""),
    sa.Column("run_id", UUID(as_uuid=True)),
    sa.Column("run_step", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
)
# A run's step creates its task once, even when the step is repeated after a crash.
sa.Index("uq_tasks_run_step", tasks.c.run_id, tasks.c.run_step, unique=True)
sa.Index("ix_tasks_customer", tasks.c.tenant_id, tasks.c.customer_id, tasks.c.due_at)
sa.Index("ix_tasks_owner", tasks.c.tenant_id, tasks.c.owner_id, tasks.c.due_at)
sa.Index("ix_tasks_due", tasks.c.tenant_id, tasks.c.due_at, tasks.c.id)
