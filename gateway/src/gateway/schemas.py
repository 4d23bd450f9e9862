"""Public JSON shapes (snake_case). Unknown fields are refused."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.validation import INT64_MAX

# One sentiment vocabulary for the customer resource and the sentiment API.
SentimentLabel = Literal["Happy", "Neutral", "Frustrated"]
# The customer service's stored labels -> the public vocabulary.
CUSTOMER_LABELS = {"happy": "Happy", "neutral": "Neutral", "frustrated": "Frustrated"}


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


class SentimentOut(BaseModel):
    label: SentimentLabel
    score: float
    frustration: float
    satisfaction: float
    confusion: float
    urgency: float
    trend: str


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
    version: int = 0
    addresses: list[dict] = []
    preferred_channel: str = ""
    preferred_contact_time: str = ""
    language: str = ""
    timezone: str = ""
    tags: list[str] = []
    folder: str = ""
    custom_fields: dict = {}
    relations: list[dict] = []
    workers: list[str] = []
    call_status: str = ""
    vip: bool = False
    vip_manual: bool = False
    consents: list[dict] = []
    avatar_color: str = ""
    lifetime_value_minor: int = 0
    currency: str = ""
    bookings_count: int = 0
    purchases_count: int = 0
    average_order_value_minor: int = 0
    interactions_count: int = 0
    last_contact_at: datetime | None = None
    most_common_channel: str = ""
    sentiment: SentimentOut | None = None
    last_activity_at: datetime | None = None
    stage_history: list[dict] = []


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    next_cursor: str | None


class CustomerStatsOut(BaseModel):
    total: int
    vip: int
    happy: int
    problem: int
    total_ltv_minor: int
    average_ltv_minor: int


# --- 360° profile (issue #3) ----------------------------------------------------------------
class AddressIn(Strict):
    label: str = Field(default="", max_length=50)
    line1: str = Field(default="", max_length=200)
    line2: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=200)
    state: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=50)
    country: str = Field(default="", max_length=2)


class CustomerPatch(Strict):
    """Only the fields present change (JSON merge semantics); send If-Match: the ETag."""

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    company: str | None = Field(default=None, max_length=200)
    phones: list[PhoneIn] | None = Field(default=None, max_length=20)
    emails: list[EmailIn] | None = Field(default=None, max_length=20)
    addresses: list[AddressIn] | None = Field(default=None, max_length=10)
    preferred_channel: str | None = Field(default=None, max_length=20)
    preferred_contact_time: str | None = Field(default=None, max_length=100)
    language: str | None = Field(default=None, max_length=35)
    timezone: str | None = Field(default=None, max_length=64)
    tags: list[str] | None = Field(default=None, max_length=50)
    folder: str | None = Field(default=None, max_length=100)
    # Merged into the stored values; null removes a field.
    custom_fields: dict[str, str | float | bool | None] | None = None
    workers: list[str] | None = Field(default=None, max_length=50)
    call_status: str | None = Field(default=None, max_length=20)
    vip: bool | None = None
    # Only "lead" (qualified); other stages follow the lifecycle rules.
    lifecycle_stage: str | None = Field(default=None, max_length=20)
    avatar_color: str | None = Field(default=None, max_length=7)


class TagsChange(Strict):
    add: list[str] = Field(default_factory=list, max_length=50)
    remove: list[str] = Field(default_factory=list, max_length=50)


class ConsentIn(Strict):
    kind: str = Field(description="communication, data_processing or marketing", max_length=30)
    granted: bool
    source: str = Field(default="", max_length=200)


class NoteIn(Strict):
    text: str = Field(min_length=1, max_length=10_000)
    author: str = Field(default="", max_length=100)


class RelationIn(Strict):
    label: str = Field(default="", max_length=50)


class CustomFieldIn(Strict):
    label: str = Field(default="", max_length=100)
    type: str = Field(description="text, number, date, checkbox or dropdown", max_length=20)
    options: list[str] = Field(default_factory=list, max_length=100)


class SettingsIn(Strict):
    default_country: str = Field(default="", max_length=2)
    high_value_ltv_minor: int = Field(default=0, ge=0, le=INT64_MAX)
    recent_days: int = Field(default=0, ge=0, le=3650)
    inactive_days: int = Field(default=0, ge=0, le=3650)


class NoteOut(BaseModel):
    id: str
    customer_id: str
    text: str
    author: str
    created_at: str | None


class NoteList(BaseModel):
    items: list[NoteOut]


class TimelineEntryOut(BaseModel):
    id: str
    kind: str
    type: str
    summary: str
    data: dict
    occurred_at: str | None


class TimelinePage(BaseModel):
    items: list[TimelineEntryOut]
    next_cursor: str | None


class CustomFieldDefinitionOut(BaseModel):
    key: str
    label: str
    type: str
    options: list[str]


class CustomFieldDefinitionList(BaseModel):
    items: list[CustomFieldDefinitionOut]
