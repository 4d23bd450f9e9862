"""Public JSON shapes (snake_case). Unknown fields are refused."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PhoneIn(Strict):
    number: str = Field(min_length=1, max_length=32)
    primary: bool = False


class EmailIn(Strict):
    address: str = Field(min_length=1, max_length=254)
    primary: bool = False


class CustomerCreate(Strict):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(default="", max_length=100)
    company: str = Field(default="", max_length=200)
    phones: list[PhoneIn] = Field(default_factory=list, max_length=20)
    emails: list[EmailIn] = Field(default_factory=list, max_length=20)


class PhoneOut(BaseModel):
    number: str
    primary: bool


class EmailOut(BaseModel):
    address: str
    primary: bool


class CustomerOut(BaseModel):
    id: str
    first_name: str
    last_name: str
    company: str
    phones: list[PhoneOut]
    emails: list[EmailOut]
    lifecycle_stage: str
    created_at: datetime
    updated_at: datetime


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    next_cursor: str | None
