"""Celery worker/beat for billing's periodic jobs (overdue invoices, subscription renewals,
outbox purge), built from the settings by `create_app` (nothing at import time). Each job is
safe to run twice or in parallel (see the service layer); events go out through the outbox,
published by the running service's relay.

Run: `moodline-billing worker` and `moodline-billing beat` (the kit's CLI), or
`celery -A billing.entrypoints.celery_app:app worker` (the module builds `app` on first use).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import timedelta
from functools import partial
from typing import TypeVar

from celery import Celery
from moodline_kit.celery import (
    add_outbox_purge,
    app_on_first_use,
    create_celery_app,
    run_in_unit_of_work,
)

from billing import bootstrap
from billing.adapters.tables import kit
from billing.config import BillingSettings
from billing.service_layer.invoices import mark_overdue
from billing.service_layer.subscriptions import charge_renewals, renew_subscriptions
from billing.service_layer.unit_of_work import BillingUnitOfWork

T = TypeVar("T")

BEAT_SCHEDULE = {
    "mark-invoices-overdue": {
        "task": "billing.mark_invoices_overdue",
        "schedule": timedelta(minutes=5),
    },
    "renew-subscriptions": {
        "task": "billing.renew_subscriptions",
        "schedule": timedelta(minutes=5),
    },
}


def create_app(settings: BillingSettings) -> Celery:
    app = create_celery_app("billing", settings)
    app.conf.beat_schedule = BEAT_SCHEDULE
    # Its own queue: the services' workers share one Redis, and another service's worker does
    # not know billing's tasks (a worker consumes the default queue unless told otherwise).
    app.conf.task_default_queue = "billing"

    add_outbox_purge(app, "billing", settings, kit)

    def run(job: Callable[[partial[BillingUnitOfWork]], Awaitable[T]]) -> T:
        return run_in_unit_of_work(settings, bootstrap.units_of_work, job)

    @app.task(name="billing.mark_invoices_overdue")
    def mark_invoices_overdue() -> int:
        """Open invoices past due -> overdue (billing.invoice.overdue, once each)."""
        return run(lambda uow: mark_overdue(uow=uow))

    @app.task(name="billing.renew_subscriptions")
    def renew_due_subscriptions() -> dict[str, int]:
        """Subscriptions whose period ended start the next one with an issued invoice (once
        per period), then every renewal invoice due a charge is charged through the
        subscription's payment provider (failures: PAST_DUE and retried; see dunning)."""

        async def job(uow: partial[BillingUnitOfWork]) -> dict[str, int]:
            renewed = await renew_subscriptions(uow=uow)
            charged = await charge_renewals(uow=uow)
            return {"renewed": renewed, **asdict(charged)}

        return run(job)

    return app


__getattr__ = app_on_first_use(__name__, create_app, BillingSettings)
