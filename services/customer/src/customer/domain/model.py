"""The customer aggregate. Plain Python: no framework, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from moodline_kit.errors import FieldViolation, InvalidArgument

from customer.domain import contacts

MAX_NAME_LENGTH = 100
MAX_COMPANY_LENGTH = 200
MAX_CONTACTS = 20


class LifecycleStage(StrEnum):
    PROSPECT = "prospect"
    LEAD = "lead"
    CUSTOMER = "customer"
    REPEAT = "repeat"
    VIP = "vip"
    AT_RISK = "at_risk"
    CHURNED = "churned"


@dataclass(frozen=True)
class Phone:
    number: str  # E.164
    primary: bool = False


@dataclass(frozen=True)
class Email:
    address: str  # normalised, lower-case
    primary: bool = False


AVATAR_COLORS = (
    "#E57373", "#F06292", "#BA68C8", "#9575CD", "#7986CB", "#64B5F6",
    "#4DB6AC", "#81C784", "#FFB74D", "#A1887F",
)  # fmt: skip


def avatar_color_for(ident: uuid.UUID) -> str:
    return AVATAR_COLORS[ident.int % len(AVATAR_COLORS)]


@dataclass(frozen=True)
class Relation:
    customer_id: uuid.UUID
    role: str  # "parent" (the other is this one's parent) or "child"
    label: str = ""


@dataclass(frozen=True)
class StageChange:
    from_stage: str
    to_stage: str
    reason: str
    changed_at: datetime


@dataclass
class ReadModel:
    ltv_minor: int = 0
    currency: str = ""
    bookings_count: int = 0
    purchases_count: int = 0
    aov_minor: int = 0
    interactions_count: int = 0
    channel_counts: dict[str, int] = field(default_factory=dict)
    most_common_channel: str = ""
    last_contact_at: datetime | None = None
    last_purchase_at: datetime | None = None
    last_activity_at: datetime | None = None
    sentiment_label: str = ""
    sentiment_score: float = 0.0
    sentiment_emotions: dict[str, float] = field(default_factory=dict)
    sentiment_trend: str = ""
    # An unresolved payment failure (feeds At Risk) and the last successful payment.
    payment_failed_at: datetime | None = None
    payment_succeeded_at: datetime | None = None
    # When the value figures (LTV, counts, AOV) were true at billing: older events are ignored.
    value_as_of: datetime | None = None


@dataclass
class Customer:
    id: uuid.UUID
    tenant_id: uuid.UUID
    first_name: str
    last_name: str = ""
    company: str = ""
    phones: list[Phone] = field(default_factory=list)
    emails: list[Email] = field(default_factory=list)
    lifecycle_stage: LifecycleStage = LifecycleStage.PROSPECT
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    version: int = 1
    addresses: list[dict[str, str]] = field(default_factory=list)
    preferred_channel: str = ""
    preferred_contact_time: str = ""
    language: str = ""
    timezone: str = ""
    tags: list[str] = field(default_factory=list)
    folder: str = ""
    custom_fields: dict[str, object] = field(default_factory=dict)
    workers: list[str] = field(default_factory=list)
    call_status: str = ""
    is_vip: bool = False
    vip_manual: bool = False
    consents: dict[str, dict] = field(default_factory=dict)  # kind -> {granted, source, at}
    avatar_color: str = ""
    qualified: bool = False
    relations: list[Relation] = field(default_factory=list)
    stage_history: list[StageChange] = field(default_factory=list)
    stage_changed_at: datetime | None = None
    # Read model (other services' events).
    read: ReadModel = field(default_factory=lambda: ReadModel())

    def __post_init__(self) -> None:
        if not self.avatar_color:
            self.avatar_color = avatar_color_for(self.id)

    @property
    def sort_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip().lower()

    @property
    def search_document(self) -> str:
        """Lower-case text the list's `q` searches: names, company, emails, phone digits."""
        parts = [self.first_name, self.last_name, self.company]
        parts += [e.address for e in self.emails]
        for phone in self.phones:
            parts += contacts.phone_search_keys(phone.number)
        return " ".join(p for p in parts if p).lower()


def _text(
    value: str, name: str, limit: int, violations: list[FieldViolation], *, required: bool = False
) -> str:
    text = (value or "").strip()
    if required and not text:
        violations.append(FieldViolation(name, "is required"))
    elif len(text) > limit:
        violations.append(FieldViolation(name, f"must be at most {limit} characters"))
    return text


_Contact = TypeVar("_Contact", Phone, Email)


def _primary_once(
    items: list[_Contact], name: str, violations: list[FieldViolation]
) -> list[_Contact]:
    """Exactly one primary when there is any item: the marked one, else the first."""
    primaries = [i for i, item in enumerate(items) if item.primary]
    if len(primaries) > 1:
        violations.append(FieldViolation(name, "only one can be primary"))
        return items
    chosen = primaries[0] if primaries else 0
    return [replace(item, primary=(i == chosen)) for i, item in enumerate(items)]


def create_customer(
    *,
    tenant_id: uuid.UUID,
    first_name: str,
    last_name: str = "",
    company: str = "",
    phones: list[tuple[str, bool]] | None = None,
    emails: list[tuple[str, bool]] | None = None,
    default_region: str,
) -> Customer:
    """Validate and normalise a new customer; raises InvalidArgument naming every bad field."""
    violations: list[FieldViolation] = []
    first = _text(first_name, "first_name", MAX_NAME_LENGTH, violations, required=True)
    last = _text(last_name, "last_name", MAX_NAME_LENGTH, violations)
    comp = _text(company, "company", MAX_COMPANY_LENGTH, violations)
    phones = phones or []
    emails = emails or []
    parsed_phones = parse_phones(phones, default_region, violations)
    parsed_emails = parse_emails(emails, violations)
    if violations:
        raise InvalidArgument.of_all(violations, "invalid customer: ")
    return Customer(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        first_name=first,
        last_name=last,
        company=comp,
        phones=parsed_phones,
        emails=parsed_emails,
    )


def parse_phones(
    phones: list[tuple[str, bool]], default_region: str, violations: list[FieldViolation]
) -> list[Phone]:
    if len(phones) > MAX_CONTACTS:
        violations.append(FieldViolation("phones", f"at most {MAX_CONTACTS} phone numbers"))
    parsed_phones: list[Phone] = []
    for i, (raw, primary) in enumerate(phones[:MAX_CONTACTS]):
        try:
            number = contacts.normalise_phone(raw, default_region)
        except contacts.ContactError as exc:
            violations.append(FieldViolation(f"phones[{i}].number", str(exc)))
            continue
        if any(p.number == number for p in parsed_phones):
            violations.append(FieldViolation(f"phones[{i}].number", "duplicate phone number"))
            continue
        parsed_phones.append(Phone(number, primary))
    return _primary_once(parsed_phones, "phones", violations)


def parse_emails(emails: list[tuple[str, bool]], violations: list[FieldViolation]) -> list[Email]:
    if len(emails) > MAX_CONTACTS:
        violations.append(FieldViolation("emails", f"at most {MAX_CONTACTS} email addresses"))
    parsed_emails: list[Email] = []
    for i, (raw, primary) in enumerate(emails[:MAX_CONTACTS]):
        try:
            address = contacts.normalise_email(raw)
        except contacts.ContactError as exc:
            violations.append(FieldViolation(f"emails[{i}].address", str(exc)))
            continue
        if any(e.address == address for e in parsed_emails):
            violations.append(FieldViolation(f"emails[{i}].address", "duplicate email address"))
            continue
        parsed_emails.append(Email(address, primary))
    return _primary_once(parsed_emails, "emails", violations)
