"""Duplicate scoring: how likely two customers are the same person, and why. Pure rules.

- the same phone (E.164) or the same e-mail (normalised) is strong evidence: 90, plus up to 10
  more when the names also look alike;
- otherwise similar names (rapidfuzz `token_sort_ratio`, so "Ann Lee" = "Lee Ann") weigh 70 %
  and similar companies 30 % when both have one; a name alone counts in full.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

CONTACT_SCORE = 90
DEFAULT_MIN_SCORE = 60
# Names at least this alike count as a reason of their own.
NAME_REASON = 80


@dataclass(frozen=True)
class Reason:
    kind: str  # phone, email, name
    detail: str


@dataclass(frozen=True)
class Person:
    """What scoring looks at (a stored customer or the details of one being created)."""

    first_name: str
    last_name: str
    company: str
    phones: frozenset[str]
    emails: frozenset[str]

    @property
    def full_name(self) -> str:
        return " ".join(f"{self.first_name} {self.last_name}".lower().split())


@dataclass(frozen=True)
class Score:
    value: int  # 0..100
    reasons: tuple[Reason, ...]


def name_similarity(a: Person, b: Person) -> float:
    if not a.full_name or not b.full_name:
        return 0.0
    names = fuzz.token_sort_ratio(a.full_name, b.full_name)
    if a.company.strip() and b.company.strip():
        companies = fuzz.token_sort_ratio(a.company.lower(), b.company.lower())
        return 0.7 * names + 0.3 * companies
    return names


def score(a: Person, b: Person) -> Score:
    reasons: list[Reason] = []
    reasons += [Reason("phone", p) for p in sorted(a.phones & b.phones)]
    reasons += [Reason("email", e) for e in sorted(a.emails & b.emails)]
    names = name_similarity(a, b)
    if names >= NAME_REASON:
        detail = f"{a.full_name} ~ {b.full_name}"
        if a.company.strip() and b.company.strip():
            detail += f" ({a.company.strip()} ~ {b.company.strip()})"
        reasons.append(Reason("name", detail))
    if any(r.kind in ("phone", "email") for r in reasons):
        value = CONTACT_SCORE + round(10 * max(0.0, names - 50) / 50)
    else:
        value = round(names)
    return Score(min(100, value), tuple(reasons))


# An imported row is reported as a possible duplicate when its company is at least this alike.
COMPANY_ALIKE = 80


def same_person_at_company(a: Person, b: Person) -> Score | None:
    """An import's warning: `b` has `a`'s name (compared by the caller) and both name a company
    at least COMPANY_ALIKE alike (a shared name alone is too common to warn about)."""
    if not a.company.strip() or not b.company.strip():
        return None
    if fuzz.token_sort_ratio(a.company.lower(), b.company.lower()) < COMPANY_ALIKE:
        return None
    found = score(a, b)
    return found if found.value >= DEFAULT_MIN_SCORE else None
