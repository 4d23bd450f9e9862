"""Celery worker/beat for the customer service's periodic jobs, built from the settings by
`create_app` (nothing at import time).

Run: `moodline-customer worker` and `moodline-customer beat` (the kit's CLI), or
`celery -A customer.entrypoints.celery_app:app worker` (the module builds `app` on first use).
"""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab
from moodline_kit.celery import (
    add_outbox_purge,
    app_on_first_use,
    create_celery_app,
    run_in_unit_of_work,
)

from customer.adapters.tables import kit
from customer.config import CustomerSettings
from customer.service_layer.lifecycle import run_inactivity_rules
from customer.service_layer.unit_of_work import CustomerUnitOfWork

BEAT_SCHEDULE = {
    "lifecycle-inactivity": {
        "task": "customer.lifecycle_inactivity",
        "schedule": crontab(hour=3, minute=15),
    },
}


def create_app(settings: CustomerSettings) -> Celery:
    app = create_celery_app("customer", settings)
    app.conf.beat_schedule = BEAT_SCHEDULE
    add_outbox_purge(app, "customer", settings, kit)

    @app.task(name="customer.lifecycle_inactivity")
    def lifecycle_inactivity(batch_size: int = 500) -> int:
        """Daily: idle 90+ days -> At Risk, 180+ days -> Churned (batched; events via the
        outbox, published by the running service's relay). Returns how many changed stage."""
        return run_in_unit_of_work(
            settings,
            kit,
            CustomerUnitOfWork,
            "customer",
            lambda uow: run_inactivity_rules(uow=uow, batch_size=batch_size),
        )

    return app


__getattr__ = app_on_first_use(__name__, create_app, CustomerSettings)
