"""The permission matrix in code and in docs/permissions.md agree; `require` enforces it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi import HTTPException
from gateway.auth import Principal, Role
from gateway.permissions import MATRIX, Permission, allowed, require

DOC = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"


def _documented() -> dict[Role, set[str]]:
    lines = DOC.read_text().splitlines()
    start = lines.index("## The matrix")
    header = next(line for line in lines[start:] if line.startswith("| permission"))
    roles = [Role(c.strip()) for c in header.strip("|").split("|")[1:]]
    documented: dict[Role, set[str]] = {r: set() for r in roles}
    for line in lines[lines.index(header) + 2 :]:
        if not line.startswith("| `"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        for role, cell in zip(roles, cells[1:], strict=True):
            if cell:
                documented[role].add(cells[0].strip("`"))
    return documented


def test_the_documented_matrix_is_the_enforced_one() -> None:
    assert _documented() == {role: {p.value for p in perms} for role, perms in MATRIX.items()}


def test_roles_are_nested_and_only_admins_manage_people_and_keys() -> None:
    assert MATRIX[Role.VIEWER] < MATRIX[Role.AGENT] < MATRIX[Role.MANAGER] < MATRIX[Role.ADMIN]
    for role in (Role.MANAGER, Role.AGENT, Role.VIEWER):
        assert not allowed(role, Permission.USERS_MANAGE)
        assert not allowed(role, Permission.API_KEYS_MANAGE)
        assert not allowed(role, Permission.SETTINGS_WRITE)
    assert not allowed(Role.AGENT, Permission.CUSTOMERS_DELETE)
    assert not any(p.value.endswith((":write", ":delete")) for p in MATRIX[Role.VIEWER])


async def test_require_refuses_a_role_without_the_permission() -> None:
    dependency = require(Permission.CUSTOMERS_DELETE)
    agent = Principal(uuid.uuid4(), uuid.uuid4(), Role.AGENT)
    with pytest.raises(HTTPException) as refused:
        await dependency(who=agent)
    assert refused.value.status_code == 403
    manager = Principal(uuid.uuid4(), uuid.uuid4(), Role.MANAGER)
    assert await dependency(who=manager) is manager
