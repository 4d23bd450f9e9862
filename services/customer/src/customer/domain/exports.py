"""Customer exports: the formats, the columns and each customer's readable values (folder
names, not ids; stage and sentiment as people say them; money in major units). No I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"
    PDF = "pdf"


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.JSON: "application/json",
    ExportFormat.PDF: "application/pdf",
}
MAX_IDS = 10_000
# A PDF is a report to read, not a dump: past this many customers it says how many it left out.
MAX_PDF_ROWS = 5_000

STAGES = {
    "prospect": "Prospect",
    "lead": "Lead",
    "customer": "Customer",
    "repeat": "Repeat",
    "vip": "VIP",
    "at_risk": "At Risk",
    "churned": "Churned",
}
SENTIMENTS = {"happy": "Happy", "neutral": "Neutral", "frustrated": "Frustrated"}

# (heading, key in the readable record)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("First Name", "first_name"),
    ("Last Name", "last_name"),
    ("Company", "company"),
    ("Phone", "phone"),
    ("Other Phones", "other_phones"),
    ("Email", "email"),
    ("Other Emails", "other_emails"),
    ("Address", "address"),
    ("City", "city"),
    ("State", "state"),
    ("Zip Code", "postal_code"),
    ("Country", "country"),
    ("Tags", "tags"),
    ("Folder", "folder"),
    ("Stage", "stage"),
    ("VIP", "vip"),
    ("Sentiment", "sentiment"),
    ("Lifetime Value", "lifetime_value"),
    ("Currency", "currency"),
    ("Bookings", "bookings"),
    ("Conversations", "conversations"),
    ("Last Contact", "last_contact"),
    ("Created", "created"),
    ("ID", "id"),
)
# What a PDF report shows (a page is only so wide).
PDF_COLUMNS = (
    ("Name", "name"),
    ("Phone", "phone"),
    ("Email", "email"),
    ("Folder", "folder"),
    ("Stage", "stage"),
    ("Tags", "tags"),
    ("Lifetime Value", "lifetime_value"),
)


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def money(minor: int, currency: str) -> str:
    digits = 0 if currency.upper() in ("JPY", "KRW", "VND", "CLP", "ISK") else 2
    return f"{minor / 10**digits:.{digits}f}" if digits else str(minor)


def readable(row: Any, folders: Mapping[str, str], custom_labels: Sequence[str] = ()) -> dict:
    """A customer row (attributes as in the customers table) as the values people read."""
    phones = [p["number"] for p in row.phones]
    emails = [e["address"] for e in row.emails]
    address = row.addresses[0] if row.addresses else {}
    line = ", ".join(p for p in (address.get("line1", ""), address.get("line2", "")) if p)
    record = {
        "id": str(row.id),
        "first_name": row.first_name,
        "last_name": row.last_name,
        "name": f"{row.first_name} {row.last_name}".strip(),
        "company": row.company,
        "phone": phones[0] if phones else "",
        "other_phones": "; ".join(phones[1:]),
        "email": emails[0] if emails else "",
        "other_emails": "; ".join(emails[1:]),
        "address": line,
        "city": address.get("city", ""),
        "state": address.get("state", ""),
        "postal_code": address.get("postal_code", ""),
        "country": address.get("country", ""),
        "tags": "; ".join(row.tags),
        "folder": folders.get(row.folder, "") if row.folder else "",
        "stage": STAGES.get(row.lifecycle_stage, row.lifecycle_stage),
        "vip": "Yes" if row.is_vip else "No",
        "sentiment": SENTIMENTS.get(row.sentiment_label, ""),
        "lifetime_value": money(row.ltv_minor, row.currency) if row.currency else "",
        "currency": row.currency,
        "bookings": row.bookings_count,
        "conversations": row.interactions_count,
        "last_contact": _when(row.last_contact_at),
        "created": _when(row.created_at),
    }
    custom = dict(row.custom_fields or {})
    for key in custom_labels:
        value = custom.get(key)
        record[f"cf.{key}"] = "" if value is None else str(value)
    return record
