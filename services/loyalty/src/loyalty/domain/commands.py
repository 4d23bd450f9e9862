"""What the events this service reads ask of it, as plain values (the consumers in
entrypoints/consumers.py translate each event into one of these)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EarnForPayment:
    customer_id: str
    payment_id: str
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class EarnForVisit:
    customer_id: str
    booking_id: str


@dataclass(frozen=True)
class ReverseForRefund:
    """`refunded_minor`: how much of `payment` is refunded so far, all refunds together."""

    payment: EarnForPayment
    refunded_minor: int


@dataclass(frozen=True)
class EnrolImported:
    """An import's created and matched customers, for the program it named ("" for none)."""

    import_id: str
    program_id: str
    customer_ids: tuple[str, ...]
