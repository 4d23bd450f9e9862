"""Create, read, change and archive programs."""

from __future__ import annotations

import uuid

from moodline_kit import paging
from moodline_kit.errors import NotFound

from loyalty.domain.program import Kind, Program, ProgramFields, apply_fields
from loyalty.service_layer.ledger import Clock, UowFactory, parse_id, utc_now


async def create_program(
    *, tenant_id: uuid.UUID, fields: ProgramFields, uow: UowFactory, clock: Clock = utc_now
) -> Program:
    now = clock()
    blank = Program(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        name="",
        kind=Kind.POINTS,
        created_at=now,
        updated_at=now,
    )
    program = apply_fields(blank, fields, creating=True)
    async with uow() as work:
        await work.programs.add(program)
        await work.commit()
    return program


async def get_program(*, tenant_id: uuid.UUID, program_id: str, uow: UowFactory) -> Program:
    async with uow() as work:
        program = await work.programs.get(tenant_id, parse_id(program_id, "id"))
    return NotFound.unless(program, f"program {program_id} not found")


async def list_programs(
    *,
    tenant_id: uuid.UUID,
    include_archived: bool,
    page_size: int,
    page_token: str,
    uow: UowFactory,
) -> tuple[list[Program], str]:
    limit = paging.page_size(page_size, maximum=200, default=50)
    async with uow() as work:
        return await work.programs.page(
            tenant_id, include_archived=include_archived, limit=limit, cursor=page_token
        )


async def update_program(
    *,
    tenant_id: uuid.UUID,
    program_id: str,
    fields: ProgramFields,
    uow: UowFactory,
    clock: Clock = utc_now,
) -> Program:
    async with uow() as work:
        program = await work.programs.get(tenant_id, parse_id(program_id, "id"))
        if program is None:
            raise NotFound(f"program {program_id} not found")
        updated = apply_fields(program, fields, creating=False)
        updated.updated_at = clock()
        await work.programs.save(updated)
        await work.commit()
    return updated


async def archive_program(
    *, tenant_id: uuid.UUID, program_id: str, uow: UowFactory, clock: Clock = utc_now
) -> Program:
    async with uow() as work:
        program = await work.programs.get(tenant_id, parse_id(program_id, "id"))
        if program is None:
            raise NotFound(f"program {program_id} not found")
        if program.archived_at is None:
            program.archived_at = program.updated_at = clock()
            await work.programs.save(program)
            await work.commit()
    return program
