"""The automation database schema (SQLAlchemy Core). Alembic migrations mirror it."""

from __future__ import annotations

import sqlalchemy as sa
from moodline_kit import columns as col
from moodline_kit.db import service_metadata
from sqlalchemy.dialects.postgresql import JSONB

metadata, kit = service_metadata()

workflows = col.tenant_table(
    "workflows",
    metadata,
    *col.required(sa.Text, "name"),
    *col.texts("description"),
    *col.required(sa.Boolean, "enabled"),
    *col.required(sa.Text, "trigger_type"),
    *col.required(JSONB, "trigger", "conditions", "actions"),
    *col.required(sa.Integer, "cooldown_seconds"),
    *col.required(sa.BigInteger, "version"),
    *col.timestamps("created_at", "updated_at"),
    col.timestamp("last_run_at", nullable=True),
)
sa.Index("ix_workflows_name", workflows.c.tenant_id, workflows.c.name, workflows.c.id)
# The trigger lookup of every consumed event.
col.tenant_index(
    "ix_workflows_trigger", workflows, "trigger_type", postgresql_where=workflows.c.enabled
)

runs = col.tenant_table(
    "runs",
    metadata,
    col.uuid_column("workflow_id"),
    *col.required(sa.Text, "workflow_name"),
    *col.required(sa.BigInteger, "workflow_version"),
    *col.required(JSONB, "conditions", "actions"),
    col.uuid_column("customer_id"),
    *col.required(sa.Text, "trigger_type"),
    *col.texts("trigger_event_id"),
    sa.Column("event", JSONB, nullable=False, server_default="{}"),
    *col.texts("started_by", "idempotency_key"),
    *col.required(sa.Text, "status"),
    *col.texts("error"),
    *col.timestamps("created_at", "updated_at"),
    *col.timestamps("started_at", "finished_at", "resume_at", nullable=True),
)
# One run per workflow and triggering event (a redelivered event starts nothing new).
col.tenant_index(
    "uq_runs_trigger_event",
    runs,
    "workflow_id",
    "trigger_event_id",
    unique=True,
    postgresql_where=runs.c.trigger_event_id != "",
)
col.tenant_index(
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
    col.uuid_key("run_id"),
    sa.Column("step_index", sa.Integer, primary_key=True),
    col.tenant_column(),
    *col.required(sa.Text, "action_id", "type", "status"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    *col.texts("detail"),
    *col.timestamps("started_at", "finished_at", nullable=True),
)

# Per-customer cool-down of each workflow: when it last fired for the customer.
cooldowns = sa.Table(
    "cooldowns",
    metadata,
    col.tenant_key(),
    col.uuid_key("workflow_id"),
    col.uuid_key("customer_id"),
    col.timestamp("fired_at"),
)

tasks = col.tenant_table(
    "tasks",
    metadata,
    col.uuid_column("customer_id", nullable=True),
    *col.required(sa.Text, "title"),
    *col.texts("description", "owner_id"),
    col.timestamp("due_at", nullable=True),
    *col.required(sa.Text, "status", "priority"),
    *col.texts("created_by"),
    col.uuid_column("run_id", nullable=True),
    sa.Column("run_step", sa.Integer),
    *col.timestamps("created_at", "updated_at"),
    col.timestamp("completed_at", nullable=True),
)
# A run's step creates its task once, even when the step is repeated after a crash.
sa.Index("uq_tasks_run_step", tasks.c.run_id, tasks.c.run_step, unique=True)
sa.Index("ix_tasks_customer", tasks.c.tenant_id, tasks.c.customer_id, tasks.c.due_at)
sa.Index("ix_tasks_owner", tasks.c.tenant_id, tasks.c.owner_id, tasks.c.due_at)
sa.Index("ix_tasks_due", tasks.c.tenant_id, tasks.c.due_at, tasks.c.id)
