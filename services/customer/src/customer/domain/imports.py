"""Customer imports: the fields a file's columns map to, the mapping suggested from its headers,
and the validation of one row into what is stored. Plain Python, no I/O.

A row is all or nothing: any invalid mapped cell rejects the whole row (with every reason), so a
user fixes the error report and uploads it again. Required: a first name (or a full name) and at
least one valid phone or e-mail."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from moodline_kit.errors import FieldViolation, InvalidArgument

from customer.domain import contacts
from customer.domain.custom_fields import Definition, FieldType, validate_value
from customer.domain.model import MAX_COMPANY_LENGTH, MAX_CONTACTS, MAX_NAME_LENGTH
from customer.domain.profile import MAX_TAG_LENGTH, MAX_TAGS


class ImportStatus(StrEnum):
    UPLOADING = "uploading"
    PREVIEWED = "previewed"
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def ended(self) -> bool:
        return self in (ImportStatus.COMPLETED, ImportStatus.FAILED, ImportStatus.CANCELLED)


class OnMatch(StrEnum):
    UPDATE = "update"
    SKIP = "skip"


# Field -> the header spellings it is suggested for (compared without case, spaces or
# punctuation: "First Name", "firstName", "first_name" and "FIRST-NAME" are one).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "first", "givenname", "forename", "fname", "prenom", "nombre"),
    "last_name": ("lastname", "last", "surname", "familyname", "lname", "nom", "apellido"),
    "full_name": ("name", "fullname", "contact", "contactname", "customer", "customername",
                  "client", "clientname"),
    "company": ("company", "companyname", "organization", "organisation", "business", "account",
                "employer", "firm"),
    "phone": ("phone", "phonenumber", "mobile", "mobilephone", "mobilenumber", "cell",
              "cellphone", "telephone", "tel", "workphone", "homephone", "whatsapp", "number",
              "primaryphone", "phone1", "phone2"),
    "email": ("email", "emailaddress", "mail", "email1", "email2", "primaryemail",
              "workemail", "personalemail"),
    "address": ("address", "street", "streetaddress", "address1", "addressline1", "line1"),
    "city": ("city", "town", "locality"),
    "state": ("state", "province", "region", "county", "stateprovince"),
    "postal_code": ("zip", "zipcode", "postalcode", "postcode", "postal"),
    "country": ("country", "countrycode"),
    "tags": ("tags", "tag", "labels", "label"),
    "folder": ("folder", "list", "group", "segment"),
}  # fmt: skip
FIELDS = tuple(SYNONYMS)
# Fields several columns may map to (each cell adds one).
REPEATABLE = frozenset({"phone", "email", "tags"})
CUSTOM_PREFIX = "cf."
MAX_CELL = 1000
_SQUASH = re.compile(r"[^0-9a-z]+")
_TAG_SPLIT = re.compile(r"[;,|]")


def squash(header: str) -> str:
    return _SQUASH.sub("", header.lower())


def suggest_mapping(
    headers: Sequence[str], definitions: Mapping[str, Definition] | None = None
) -> dict[str, str]:
    """header -> field for the headers recognised; a non-repeatable field goes to its first
    header only; custom fields match by key or label."""
    lookup = {spelling: name for name, spellings in SYNONYMS.items() for spelling in spellings}
    for key, definition in (definitions or {}).items():
        lookup.setdefault(squash(key), CUSTOM_PREFIX + key)
        lookup.setdefault(squash(definition.label), CUSTOM_PREFIX + key)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        name = lookup.get(squash(header))
        if name is None or (name in taken and name not in REPEATABLE):
            continue
        mapping[header] = name
        taken.add(name)
    if "full_name" in taken and "first_name" in taken:
        mapping = {h: f for h, f in mapping.items() if f != "full_name"}
    return mapping


def mapping_problems(
    mapping: Mapping[str, str],
    headers: Sequence[str],
    definitions: Mapping[str, Definition] | None = None,
) -> list[str]:
    """Why the mapping cannot run (empty: it can)."""
    problems = []
    known = set(headers)
    used: dict[str, str] = {}
    for header, name in mapping.items():
        if header not in known:
            problems.append(f"{header!r} is not a column of the file")
        if name.startswith(CUSTOM_PREFIX):
            if definitions is not None and name[len(CUSTOM_PREFIX) :] not in definitions:
                problems.append(f"{header!r}: unknown custom field {name!r}")
        elif name not in SYNONYMS:
            problems.append(f"{header!r}: unknown field {name!r} (one of {', '.join(FIELDS)})")
        if name in used and name not in REPEATABLE:
            problems.append(f"{name!r} is mapped from both {used[name]!r} and {header!r}")
        used.setdefault(name, header)
    if not {"first_name", "full_name"} & set(used):
        problems.append("map a column to first_name (or full_name)")
    if not {"phone", "email"} & set(used):
        problems.append("map a column to phone or email")
    return problems


def check_mapping(
    mapping: Mapping[str, str],
    headers: Sequence[str],
    definitions: Mapping[str, Definition] | None = None,
) -> None:
    problems = mapping_problems(mapping, headers, definitions)
    if problems:
        raise InvalidArgument("invalid mapping: " + "; ".join(problems), [
            FieldViolation("mapping", p) for p in problems
        ])  # fmt: skip


@dataclass
class ImportedRow:
    """A valid row, normalised: what is stored for it."""

    row_number: int
    first_name: str
    last_name: str = ""
    company: str = ""
    phones: list[str] = field(default_factory=list)  # E.164
    phone_keys: list[str] = field(default_factory=list)  # search digits of every phone
    emails: list[str] = field(default_factory=list)
    address: dict[str, str] | None = None
    tags: list[str] = field(default_factory=list)
    folder: str = ""  # folder id
    custom_fields: dict[str, object] = field(default_factory=dict)
    # Which of the optional fields the file gave (an update changes only those).
    given: frozenset[str] = frozenset()

    @property
    def contact_keys(self) -> list[str]:
        return [f"p:{p}" for p in self.phones] + [f"e:{e}" for e in self.emails]

    @property
    def search_document(self) -> str:
        parts = [self.first_name, self.last_name, self.company, *self.emails, *self.phone_keys]
        return " ".join(p for p in parts if p).lower()


@dataclass(frozen=True)
class RowError:
    row_number: int
    reason: str


@dataclass(frozen=True)
class CellCheck:
    field: str
    normalised: str = ""
    error: str = ""


ADDRESS_PARTS = {
    "address": "line1",
    "city": "city",
    "state": "state",
    "postal_code": "postal_code",
    "country": "country",
}


@dataclass
class RowValidator:
    """Validates rows of one file against its mapping (built once per import)."""

    headers: Sequence[str]
    mapping: Mapping[str, str]
    default_region: str
    folders: Mapping[str, str]  # lower-case folder name -> folder id
    definitions: Mapping[str, Definition] = field(default_factory=dict)
    # Folder ids the importer may use (None: all); customers in no folder allowed or not.
    allowed_folders: frozenset[str] | None = None
    unfoldered_allowed: bool = True

    def __post_init__(self) -> None:
        # (cell index, field) in file order, only for mapped columns.
        self._columns = [
            (i, self.mapping[h]) for i, h in enumerate(self.headers) if h in self.mapping
        ]

    def check_cell(self, name: str, value: str) -> CellCheck:
        """One cell on its own (the preview's per-cell validation)."""
        text = value.strip()
        if not text:
            return CellCheck(name)
        errors: list[str] = []
        out = self._cell(name, text, errors)
        return CellCheck(name, "" if out is None else str(out), "; ".join(errors))

    def _cell(self, name: str, text: str, errors: list[str]) -> object:
        if len(text) > MAX_CELL:
            errors.append(f"at most {MAX_CELL} characters")
            return None
        if name == "phone":
            try:
                return contacts.normalise_phone(text, self.default_region)
            except contacts.ContactError as exc:
                errors.append(str(exc))
                return None
        if name == "email":
            try:
                return contacts.normalise_email(text)
            except contacts.ContactError as exc:
                errors.append(str(exc))
                return None
        if name in ("first_name", "last_name", "full_name"):
            if len(text) > MAX_NAME_LENGTH:
                errors.append(f"at most {MAX_NAME_LENGTH} characters")
            return " ".join(text.split())
        if name == "company":
            if len(text) > MAX_COMPANY_LENGTH:
                errors.append(f"at most {MAX_COMPANY_LENGTH} characters")
            return text
        if name == "country":
            region = text.upper()
            if not contacts.valid_region(region):
                errors.append(f"unknown country {text!r} (ISO 3166 alpha-2, e.g. US)")
            return region
        if name in ("address", "city", "state", "postal_code"):
            if len(text) > 200:
                errors.append("at most 200 characters")
            return text
        if name == "tags":
            tags = [" ".join(t.split()).lower() for t in _TAG_SPLIT.split(text)]
            tags = [t for t in tags if t]
            if any(len(t) > MAX_TAG_LENGTH for t in tags):
                errors.append(f"a tag has more than {MAX_TAG_LENGTH} characters")
            return ", ".join(tags)
        if name == "folder":
            folder = self.folders.get(text.lower())
            if folder is None:
                errors.append(f"unknown folder {text!r}")
            elif self.allowed_folders is not None and folder not in self.allowed_folders:
                errors.append(f"not a folder you may use: {text!r}")
            return folder
        if name.startswith(CUSTOM_PREFIX):
            return self._custom(name[len(CUSTOM_PREFIX) :], text, errors)
        return text

    def _custom(self, key: str, text: str, errors: list[str]) -> object:
        definition = self.definitions.get(key)
        value: object = text
        if definition is not None and definition.type is FieldType.NUMBER:
            try:
                number = float(text)
                value = int(number) if number.is_integer() else number
            except ValueError:
                value = text
        elif definition is not None and definition.type is FieldType.CHECKBOX:
            value = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
            value = value.get(text.lower(), text)
        violations: list[FieldViolation] = []
        stored = validate_value(definition, key, value, violations)
        errors.extend(v.description for v in violations)
        return stored

    def validate(self, row_number: int, cells: Sequence[str]) -> ImportedRow | RowError:
        problems: list[str] = []
        first = last = full = company = ""
        phones: list[str] = []
        keys: list[str] = []
        emails: list[str] = []
        address: dict[str, str] = {}
        tags: list[str] = []
        folder = ""
        custom: dict[str, object] = {}
        given: set[str] = set()
        size = len(cells)
        for index, name in self._columns:
            text = cells[index].strip() if index < size else ""
            if not text:
                continue
            if len(text) > MAX_CELL:
                problems.append(f"{name}: at most {MAX_CELL} characters")
                continue
            if name == "phone":
                try:
                    e164, search = contacts.phone_with_search_keys(text, self.default_region)
                except contacts.ContactError as exc:
                    problems.append(f"phone: {exc}")
                    continue
                if e164 not in phones:
                    phones.append(e164)
                    keys.extend(search)
                continue
            if name == "email":
                try:
                    address_ = contacts.normalise_email(text)
                except contacts.ContactError as exc:
                    problems.append(f"email: {exc}")
                    continue
                if address_ not in emails:
                    emails.append(address_)
                continue
            errors: list[str] = []
            value = self._cell(name, text, errors)
            if errors:
                problems.append(f"{name}: {'; '.join(errors)}")
                continue
            given.add(name)
            if name == "first_name":
                first = str(value)
            elif name == "last_name":
                last = str(value)
            elif name == "full_name":
                full = str(value)
            elif name == "company":
                company = str(value)
            elif name in ADDRESS_PARTS:
                address[ADDRESS_PARTS[name]] = str(value)
            elif name == "tags":
                tags.extend(t for t in str(value).split(", ") if t not in tags)
            elif name == "folder":
                folder = str(value)
            elif name.startswith(CUSTOM_PREFIX):
                custom[name[len(CUSTOM_PREFIX) :]] = value
        if not first and full:
            first, _, rest = full.partition(" ")
            last = last or rest.strip()
            given.add("last_name") if last else None
        if not first:
            problems.append("first_name: is required")
        if (
            not phones
            and not emails
            and not any(p.startswith(("phone", "email")) for p in problems)
        ):
            problems.append("a phone or an e-mail is required")
        if len(phones) > MAX_CONTACTS or len(emails) > MAX_CONTACTS:
            problems.append(f"at most {MAX_CONTACTS} phones and {MAX_CONTACTS} e-mails")
        if len(tags) > MAX_TAGS:
            problems.append(f"tags: at most {MAX_TAGS}")
        if not folder and not self.unfoldered_allowed:
            problems.append("folder: you may only import into your folders; name one")
        if problems:
            return RowError(row_number, "; ".join(problems))
        if address:
            address = {"label": "", "line1": "", "line2": "", "city": "", "state": "",
                       "postal_code": "", "country": "", **address}  # fmt: skip
        return ImportedRow(
            row_number=row_number,
            first_name=first,
            last_name=last,
            company=company,
            phones=phones,
            phone_keys=keys,
            emails=emails,
            address=address or None,
            tags=tags,
            folder=folder,
            custom_fields=custom,
            given=frozenset(given),
        )


def sort_name(row: ImportedRow) -> str:
    """The name a customer is sorted (and looked up for duplicates) by."""
    return f"{row.first_name} {row.last_name}".strip().lower()


def customer_id_for(import_id: uuid.UUID, row_number: int) -> uuid.UUID:
    """The id a row's new customer gets: the same on every attempt, so a chunk replayed after a
    crash can never create a second customer."""
    return uuid.uuid5(import_id, str(row_number))


def eta_seconds(processed: int, total: int, elapsed: float) -> float | None:
    if processed <= 0 or total <= 0 or elapsed <= 0:
        return None
    return max(0.0, (total - processed) * elapsed / processed)


MAX_ADDRESSES = 10


def merge_row(current: Mapping[str, object], row: ImportedRow) -> tuple[dict, list[str]]:
    """A matched customer's profile with the row's values merged in: the names, company and
    folder the row gives replace the stored ones; phones, e-mails, tags and an address it adds
    are appended (nothing is removed); custom fields it gives are set. Returns (the merged
    profile, the fields that changed)."""
    merged = {
        "first_name": current["first_name"],
        "last_name": current["last_name"],
        "company": current["company"],
        "phones": [dict(p) for p in current["phones"]],  # type: ignore[attr-defined]
        "emails": [dict(e) for e in current["emails"]],  # type: ignore[attr-defined]
        "addresses": [dict(a) for a in current["addresses"]],  # type: ignore[attr-defined]
        "tags": list(current["tags"]),  # type: ignore[call-overload]
        "folder": current["folder"],
        "custom_fields": dict(current["custom_fields"]),  # type: ignore[call-overload]
    }
    changed: list[str] = []
    for name in ("first_name", "last_name", "company", "folder"):
        value = getattr(row, name)
        if (name == "first_name" or name in row.given) and value and value != merged[name]:
            merged[name] = value
            changed.append(name)
    known_phones = {p["number"] for p in merged["phones"]}
    for number in row.phones:
        if number not in known_phones and len(merged["phones"]) < MAX_CONTACTS:
            merged["phones"].append({"number": number, "primary": not merged["phones"]})
            known_phones.add(number)
            changed.append("phones") if "phones" not in changed else None
    known_emails = {e["address"] for e in merged["emails"]}
    for address in row.emails:
        if address not in known_emails and len(merged["emails"]) < MAX_CONTACTS:
            merged["emails"].append({"address": address, "primary": not merged["emails"]})
            known_emails.add(address)
            changed.append("emails") if "emails" not in changed else None
    if row.address:
        same = [{k: v for k, v in a.items() if k != "label"} for a in merged["addresses"]]
        if {k: v for k, v in row.address.items() if k != "label"} not in same and len(
            merged["addresses"]
        ) < MAX_ADDRESSES:
            merged["addresses"].append(dict(row.address))
            changed.append("addresses")
    new_tags = [t for t in row.tags if t not in merged["tags"]]
    if new_tags and len(merged["tags"]) + len(new_tags) <= MAX_TAGS:
        merged["tags"] += new_tags
        changed.append("tags")
    for key, value in row.custom_fields.items():
        if merged["custom_fields"].get(key) != value:
            merged["custom_fields"][key] = value
            changed.append("custom_fields") if "custom_fields" not in changed else None
    return merged, changed


def search_document(profile: Mapping[str, object], phone_keys: Sequence[str]) -> str:
    parts = [profile["first_name"], profile["last_name"], profile["company"]]
    parts += [e["address"] for e in profile["emails"]]  # type: ignore[attr-defined]
    parts += list(phone_keys)
    return " ".join(str(p) for p in parts if p).lower()


def header_names(raw: Sequence[str]) -> list[str]:
    """Headers as shown and mapped: trimmed, a blank one named by its position, a repeated one
    numbered ("Phone", "Phone (2)")."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for n, header in enumerate(raw, start=1):
        name = " ".join(header.split()) or f"Column {n}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out
