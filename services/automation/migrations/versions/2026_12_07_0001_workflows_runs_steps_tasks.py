"""Workflows, runs with their step log, per-customer cool-downs, tasks; outbox and processed
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


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE cooldowns (
            tenant_id UUID NOT NULL,
            workflow_id UUID NOT NULL,
            customer_id UUID NOT NULL,
            fired_at TIMESTAMP WITH TIME ZONE NOT NULL,
            CONSTRAINT pk_cooldowns PRIMARY KEY (tenant_id, workflow_id, customer_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE run_steps (
            run_id UUID NOT NULL,
            step_index INTEGER NOT NULL,
            tenant_id UUID NOT NULL,
            action_id TEXT NOT NULL,
            type TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER DEFAULT '0' NOT NULL,
            detail TEXT DEFAULT '' NOT NULL,
            started_at TIMESTAMP WITH TIME ZONE,
            finished_at TIMESTAMP WITH TIME ZONE,
            CONSTRAINT pk_run_steps PRIMARY KEY (run_id, step_index)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE runs (
            id UUID NOT NULL,
            tenant_id UUID NOT NULL,
            workflow_id UUID NOT NULL,
            workflow_name TEXT NOT NULL,
            workflow_version BIGINT NOT NULL,
            conditions JSONB NOT NULL,
            actions JSONB NOT NULL,
            customer_id UUID NOT NULL,
            trigger_type TEXT NOT NULL,
            trigger_event_id TEXT DEFAULT '' NOT NULL,
            event JSONB DEFAULT '{}' NOT NULL,
            started_by TEXT DEFAULT '' NOT NULL,
            idempotency_key TEXT DEFAULT '' NOT NULL,
            status TEXT NOT NULL,
            error TEXT DEFAULT '' NOT NULL,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL,
            updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
            started_at TIMESTAMP WITH TIME ZONE,
            finished_at TIMESTAMP WITH TIME ZONE,
            resume_at TIMESTAMP WITH TIME ZONE,
            CONSTRAINT pk_runs PRIMARY KEY (id)
        )
        """
    )
    op.execute(
        """
        CREATE INDEX ix_runs_customer ON runs (tenant_id, customer_id, created_at DESC)
        """
    )
    op.execute(
        """
        CREATE INDEX ix_runs_recent ON runs (tenant_id, created_at DESC)
        """
    )
    op.execute(
        """
        CREATE INDEX ix_runs_unfinished ON runs (updated_at)
        WHERE status IN ('pending', 'running', 'waiting')
        """
    )
    op.execute(
        """
        CREATE INDEX ix_runs_workflow ON runs (tenant_id, workflow_id, created_at DESC)
        """
    )
    op.execute(
        """
        CREATE UNIQUE INDEX uq_runs_idempotency ON runs (tenant_id, idempotency_key)
        WHERE idempotency_key != ''
        """
    )
    op.execute(
        """
        CREATE UNIQUE INDEX uq_runs_trigger_event ON runs (tenant_id, workflow_id, trigger_event_id)
        WHERE trigger_event_id != ''
        """
    )
    op.execute(
        """
        CREATE TABLE tasks (
            id UUID NOT NULL,
            tenant_id UUID NOT NULL,
            customer_id UUID,
            title TEXT NOT NULL,
            description TEXT DEFAULT '' NOT NULL,
            owner_id TEXT DEFAULT '' NOT NULL,
            due_at TIMESTAMP WITH TIME ZONE,
            status TEXT NOT NULL,
            priority TEXT NOT NULL,
            created_by TEXT DEFAULT '' NOT NULL,
            run_id UUID,
            run_step INTEGER,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL,
            updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
            completed_at TIMESTAMP WITH TIME ZONE,
            CONSTRAINT pk_tasks PRIMARY KEY (id)
        )
        """
    )
    op.execute(
        """
        CREATE INDEX ix_tasks_customer ON tasks (tenant_id, customer_id, due_at)
        """
    )
    op.execute(
        """
        CREATE INDEX ix_tasks_due ON tasks (tenant_id, due_at, id)
        """
    )
    op.execute(
        """
        CREATE INDEX ix_tasks_owner ON tasks (tenant_id, owner_id, due_at)
        """
    )
    op.execute(
        """
        CREATE UNIQUE INDEX uq_tasks_run_step ON tasks (run_id, run_step)
        """
    )
    op.execute(
        """
        CREATE TABLE workflows (
            id UUID NOT NULL,
            tenant_id UUID NOT NULL,
            name TEXT NOT NULL,
            description TEXT DEFAULT '' NOT NULL,
            enabled BOOLEAN NOT NULL,
            trigger_type TEXT NOT NULL,
            trigger JSONB NOT NULL,
            conditions JSONB NOT NULL,
            actions JSONB NOT NULL,
            cooldown_seconds INTEGER NOT NULL,
            version BIGINT NOT NULL,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL,
            updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
            last_run_at TIMESTAMP WITH TIME ZONE,
            CONSTRAINT pk_workflows PRIMARY KEY (id)
        )
        """
    )
    op.execute(
        """
        CREATE INDEX ix_workflows_name ON workflows (tenant_id, name, id)
        """
    )
    op.execute(
        """
        CREATE INDEX ix_workflows_trigger ON workflows (tenant_id, trigger_type) WHERE enabled
        """
    )
    create_kit_tables()


def downgrade() -> None:
    for table in (
        "tasks",
        "cooldowns",
        "run_steps",
        "runs",
        "workflows",
        "outbox",
        "processed_events",
    ):
        op.drop_table(table)
