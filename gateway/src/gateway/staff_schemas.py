"""JSON shapes of sign-in, staff users and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from gateway.auth import Role
from gateway.schemas import Strict


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode()
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode (no lone surrogates)") from exc
    return value


Text = Annotated[str, AfterValidator(_clean_text)]
Email = Annotated[
    str,
    Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    AfterValidator(_clean_text),
]
# Bounded: argon2 hashes whatever it is given.
Password = Annotated[str, Field(min_length=10, max_length=256), AfterValidator(_clean_text)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean_text)]


class LoginIn(Strict):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_clean_text)]


class RefreshIn(Strict):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean_text)]


class LogoutIn(Strict):
    refresh_token: (
        Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean_text)] | None
    ) = None


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    expires_in: int = Field(description="seconds the access token is valid")
    token_type: str = "Bearer"


class UserRef(BaseModel):
    id: str
    name: str
    email: str


class TenantRef(BaseModel):
    id: str
    name: str


class ApiKeyRef(BaseModel):
    id: str


class MeOut(BaseModel):
    user: UserRef | None = Field(description="null when the caller is an API key")
    api_key: ApiKeyRef | None = None
    role: Role
    tenant: TenantRef
    permissions: list[str]
    folders: list[str] | None = Field(description="visible folder ids; null: every folder")
    unfoldered: bool
    assigned_only: bool


class UserCreate(Strict):
    email: Email
    password: Password
    name: Name
    role: Role
    folders: list[uuid.UUID] | None = Field(default=None, max_length=500)
    unfoldered: bool = True
    assigned_only: bool = False


class UserPatch(Strict):
    name: Name | None = None
    role: Role | None = None
    folders: list[uuid.UUID] | None = Field(default=None, max_length=500)
    all_folders: bool | None = Field(
        default=None, description="true: every folder visible (clears `folders`)"
    )
    unfoldered: bool | None = None
    assigned_only: bool | None = None
    disabled: bool | None = None
    password: Password | None = Field(default=None, description="password reset by an admin")


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    folders: list[str] | None
    unfoldered: bool
    assigned_only: bool
    disabled: bool
    created_at: datetime


class UserPage(BaseModel):
    items: list[UserOut]


class ApiKeyCreate(Strict):
    name: Name
    role: Role
    rate_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
    burst: int | None = Field(default=None, ge=1, le=1_000_000)


class ApiKeyOut(BaseModel):
    id: str
    name: str
    prefix: str
    role: Role
    rate_per_minute: int | None
    burst: int | None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the secret, shown only in this response")


class ApiKeyPage(BaseModel):
    items: list[ApiKeyOut]


def user_out(row: dict) -> UserOut:
    return UserOut(
        id=str(row["id"]),
        email=row["email"],
        name=row["name"],
        role=Role(row["role"]),
        folders=None if row["folders"] is None else [str(f) for f in row["folders"]],
        unfoldered=row["unfoldered"],
        assigned_only=row["assigned_only"],
        disabled=row["disabled_at"] is not None,
        created_at=row["created_at"],
    )


def api_key_out(row: dict) -> ApiKeyOut:
    return ApiKeyOut(
        id=str(row["id"]),
        name=row["name"],
        prefix=row["prefix"],
        role=Role(row["role"]),
        rate_per_minute=row["rate_per_minute"],
        burst=row["burst"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )
