"""Per-tenant reply targets."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from moodline_kit.errors import FieldViolation, InvalidArgument

from sentiment.domain.response import (
    ReplyTargets,
    target_errors,
)
from sentiment.service_layer.unit_of_work import SentimentUnitOfWork

UowFactory = Callable[[], SentimentUnitOfWork]


async def get_settings(*, tenant_id: uuid.UUID, uow: UowFactory) -> ReplyTargets:
    async with uow() as u:
        targets = await u.sentiment.reply_targets([tenant_id])
    return targets[tenant_id]


async def update_settings(
    *, tenant_id: uuid.UUID, reply_target_minutes: dict[str, int], uow: UowFactory
) -> ReplyTargets:
    """Change the named channels' reply targets; a bad one changes nothing. Waits ended after
    the change are judged by the new targets; waits already judged stay as they were."""
    errors = target_errors(reply_target_minutes)
    if errors:
        violations = [
            FieldViolation(f"reply_target_minutes.{name}", why)
            for name, why in sorted(errors.items())
        ]
        raise InvalidArgument.of_all(violations)
    if not reply_target_minutes:
        return await get_settings(tenant_id=tenant_id, uow=uow)
    async with uow() as u:
        targets = await u.sentiment.change_reply_targets(tenant_id, reply_target_minutes)
        await u.commit()
    return targets
