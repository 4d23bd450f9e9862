"""Folders: list, create, rename/reorder/recolour, delete; and which customers a caller sees."""

from __future__ import annotations

import uuid
from dataclasses import replace

from moodline.events.v1 import subjects
from moodline_kit.errors import AlreadyExists, NotFound

from customer.adapters.repository import FolderRow
from customer.adapters.visibility import current_visibility
from customer.domain.folders import validate_folder
from customer.service_layer.handlers import UowFactory, parse_customer_id
from customer.service_layer.profile import emit_changes


def _folder_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise NotFound(f"folder {value} not found") from exc


async def list_folders(*, tenant_id: uuid.UUID, uow: UowFactory) -> list[FolderRow]:
    async with uow() as work:
        return await work.folders.list(tenant_id)


async def create_folder(
    *, tenant_id: uuid.UUID, name: str, colour: str, position: int | None, uow: UowFactory
) -> FolderRow:
    validate_folder(name, colour, position)
    name = name.strip()
    async with uow() as work:
        if await work.folders.name_taken(tenant_id, name):
            raise AlreadyExists(f"a folder named {name!r} exists")
        if position is None:
            position = await work.folders.next_position(tenant_id)
        row = FolderRow(uuid.uuid4(), name, position, colour)
        await work.folders.add(tenant_id, row, colour=colour)
        await work.commit()
    return row


async def _get_visible(work, tenant_id: uuid.UUID, ident: uuid.UUID, folder_id: str) -> FolderRow:  # type: ignore[no-untyped-def]
    """The folder, if it exists and the caller may see it (else NOT_FOUND)."""
    row = await work.folders.get(tenant_id, ident)
    visibility = current_visibility()
    if row is None or (
        visibility is not None
        and visibility.folders is not None
        and str(ident) not in visibility.folders
    ):
        raise NotFound(f"folder {folder_id} not found")
    return row


async def update_folder(
    *, tenant_id: uuid.UUID, folder_id: str, values: dict, uow: UowFactory
) -> FolderRow:
    validate_folder(values.get("name"), values.get("colour"), values.get("position"))
    if "name" in values:
        values["name"] = values["name"].strip()
    ident = _folder_id(folder_id)
    async with uow() as work:
        await _get_visible(work, tenant_id, ident, folder_id)
        if "name" in values and await work.folders.name_taken(
            tenant_id, values["name"], other_than=ident
        ):
            raise AlreadyExists(f"a folder named {values['name']!r} exists")
        if values:
            await work.folders.update(tenant_id, ident, values)
        row = await work.folders.get(tenant_id, ident)
        await work.commit()
    assert row is not None
    return row


async def delete_folder(*, tenant_id: uuid.UUID, folder_id: str, uow: UowFactory) -> None:
    ident = _folder_id(folder_id)
    async with uow() as work:
        await _get_visible(work, tenant_id, ident, folder_id)
        for customer in await work.folders.delete(tenant_id, ident):
            # the customers it held are now in no folder: the same events as a move by PATCH,
            # so that permission caches (SSE), automations and read models learn of it
            emit_changes(work, replace(customer, folder=str(ident)), customer, ["folder"])
            await work.customers.add_timeline(
                tenant_id,
                customer.id,
                kind="profile",
                type=subjects.CUSTOMER_CUSTOMER_UPDATED,
                summary="Profile updated: folder (its folder was deleted)",
                data={"fields": ["folder"]},
            )
        await work.commit()


async def visible_customers(*, tenant_id: uuid.UUID, ids: list[str], uow: UowFactory) -> list[str]:
    parsed = []
    for value in ids[:1000]:
        try:
            parsed.append(parse_customer_id(value))
        except Exception:  # an id that is not one: not visible
            continue
    async with uow() as work:
        visible = {str(i) for i in await work.customers.visible_ids(tenant_id, parsed)}
    return [i for i in ids if i in visible]
