"""Merging two customer profiles into the survivor. Pure rules, no I/O.

Single-valued fields keep the survivor's value unless `fields` names the duplicate (or the
survivor's is empty); multi-valued ones (phones, e-mails, addresses, tags, workers) are united
(the survivor's primary stays primary); consents keep, per kind, the most recent decision; the
read model adds up what is additive (interactions, channel counts) and keeps the latest dates —
the services that own the figures (billing: LTV; sentiment) recompute them after the merge.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime

from moodline.enums import MergeField
from moodline_kit.errors import FieldViolation, InvalidArgument

from customer.domain.model import MAX_CONTACTS, Customer, Email, Phone

SURVIVOR = "survivor"
DUPLICATE = "duplicate"
CHOOSABLE = tuple(f.value for f in MergeField)  # the contract lists them


def validate_choices(fields: dict[str, str]) -> None:
    violations = [
        FieldViolation(f"fields.{name}", f"must be one of {', '.join(CHOOSABLE)}")
        for name in fields
        if name not in CHOOSABLE
    ]
    violations += [
        FieldViolation(f"fields.{name}", "must be 'survivor' or 'duplicate'")
        for name, side in fields.items()
        if name in CHOOSABLE and side not in (SURVIVOR, DUPLICATE)
    ]
    if violations:
        raise InvalidArgument.of_all(violations, "invalid merge: ")


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _unite(first: list, second: list) -> list:
    out = list(first)
    out += [item for item in second if item not in out]
    return out


def merge_profiles(
    survivor: Customer, duplicate: Customer, fields: dict[str, str], *, now: datetime | None = None
) -> tuple[Customer, dict[str, str]]:
    """The survivor as it is after the merge, and where each single-valued field came from."""
    validate_choices(fields)
    result = copy.deepcopy(survivor)
    sources: dict[str, str] = {}
    for name in CHOOSABLE:
        mine, theirs = getattr(survivor, name), getattr(duplicate, name)
        side = fields.get(name) or (SURVIVOR if mine or not theirs else DUPLICATE)
        if name == "custom_fields":
            winner, loser = (theirs, mine) if side == DUPLICATE else (mine, theirs)
            setattr(result, name, {**loser, **winner})
        else:
            setattr(result, name, theirs if side == DUPLICATE else mine)
        if name == "first_name" and not result.first_name:
            result.first_name = survivor.first_name or duplicate.first_name
        sources[name] = side

    numbers = [p.number for p in survivor.phones]
    phones = list(survivor.phones)
    phones += [Phone(p.number, False) for p in duplicate.phones if p.number not in numbers]
    addresses = [e.address for e in survivor.emails]
    emails = list(survivor.emails)
    emails += [Email(e.address, False) for e in duplicate.emails if e.address not in addresses]
    if phones and not any(p.primary for p in phones):
        phones[0] = replace(phones[0], primary=True)
    if emails and not any(e.primary for e in emails):
        emails[0] = replace(emails[0], primary=True)
    result.phones = phones[:MAX_CONTACTS]
    result.emails = emails[:MAX_CONTACTS]
    result.addresses = _unite(survivor.addresses, duplicate.addresses)
    result.tags = _unite(survivor.tags, duplicate.tags)
    result.workers = _unite(survivor.workers, duplicate.workers)
    result.is_vip = survivor.is_vip or duplicate.is_vip
    result.vip_manual = survivor.vip_manual or duplicate.vip_manual
    result.qualified = survivor.qualified or duplicate.qualified
    consents = dict(survivor.consents)
    for kind, decision in duplicate.consents.items():
        mine = consents.get(kind)
        if mine is None or str(decision.get("at", "")) > str(mine.get("at", "")):
            consents[kind] = decision
    result.consents = consents

    mine_read, theirs_read = survivor.read, duplicate.read
    read = result.read
    read.interactions_count = mine_read.interactions_count + theirs_read.interactions_count
    counts = dict(mine_read.channel_counts)
    for channel, n in theirs_read.channel_counts.items():
        counts[channel] = counts.get(channel, 0) + n
    read.channel_counts = counts
    read.most_common_channel = max(counts, key=lambda k: (counts[k], k)) if counts else ""
    read.last_contact_at = _later(mine_read.last_contact_at, theirs_read.last_contact_at)
    read.last_purchase_at = _later(mine_read.last_purchase_at, theirs_read.last_purchase_at)
    read.last_activity_at = _later(mine_read.last_activity_at, theirs_read.last_activity_at)
    # Until billing's recomputed figures arrive (they are newer: value_as_of orders them).
    read.ltv_minor = mine_read.ltv_minor + theirs_read.ltv_minor
    read.bookings_count = mine_read.bookings_count + theirs_read.bookings_count
    read.purchases_count = mine_read.purchases_count + theirs_read.purchases_count
    read.currency = mine_read.currency or theirs_read.currency
    read.value_as_of = _later(mine_read.value_as_of, theirs_read.value_as_of)
    read.aov_minor = read.ltv_minor // read.purchases_count if read.purchases_count else 0
    result.updated_at = now or datetime.now(UTC)
    return result, sources
