"""Import rules without I/O: mapping suggestions, row validation, merging, reading files in
chunks, and the e-mail fast path agreeing with email-validator."""

from __future__ import annotations

import codecs
import csv
import io
import random
import string
import uuid

import pytest
from customer.adapters import import_files
from customer.domain import contacts
from customer.domain import imports as rules
from customer.service_layer.imports import _validation
from email_validator import EmailNotValidError, validate_email
from moodline_kit.errors import InvalidArgument


def test_the_mapping_is_suggested_from_common_headers() -> None:
    headers = ["First Name", "lastName", "Mobile", "Work Phone", "E-mail", "ZIP", "Notes"]
    assert rules.suggest_mapping(headers) == {
        "First Name": "first_name",
        "lastName": "last_name",
        "Mobile": "phone",
        "Work Phone": "phone",
        "E-mail": "email",
        "ZIP": "postal_code",
    }
    assert rules.suggest_mapping(["Name", "Email"]) == {"Name": "full_name", "Email": "email"}
    assert rules.mapping_problems({"Name": "full_name", "Email": "email"}, ["Name", "Email"]) == []


def test_a_bad_mapping_names_every_problem() -> None:
    with pytest.raises(InvalidArgument) as bad:
        rules.check_mapping(
            {"A": "first_name", "B": "first_name", "C": "shoe_size", "Z": "email"}, ["A", "B", "C"]
        )
    text = str(bad.value)
    assert "shoe_size" in text and "'Z' is not a column" in text and "both 'A' and 'B'" in text
    problems = rules.mapping_problems({"A": "company"}, ["A"])
    assert any("first_name" in p for p in problems) and any("phone or email" in p for p in problems)


def _validator(**over) -> rules.RowValidator:  # type: ignore[no-untyped-def]
    headers = ["Name", "Phone", "Email", "Tags", "Folder", "Country"]
    return rules.RowValidator(
        headers=headers,
        mapping=rules.suggest_mapping(headers),
        default_region="US",
        folders={"new leads": "f-1"},
        **over,
    )


def test_a_row_is_all_or_nothing_with_every_reason() -> None:
    v = _validator()
    good = v.validate(
        2, ["Ann  Lee", "(415) 555-0134", "Ann@Example.com", "VIP; spa", "New Leads", "us"]
    )
    assert isinstance(good, rules.ImportedRow)
    assert (good.first_name, good.last_name) == ("Ann", "Lee")
    assert good.phones == ["+14155550134"] and good.emails == ["ann@example.com"]
    assert good.tags == ["vip", "spa"] and good.folder == "f-1"
    assert good.address and good.address["country"] == "US"
    assert "4155550134" in good.search_document
    bad = v.validate(3, ["", "12", "nope", "", "Old Leads", "Narnia"])
    assert isinstance(bad, rules.RowError) and bad.row_number == 3
    for part in ("phone:", "email:", "folder:", "country:", "first_name: is required"):
        assert part in bad.reason, bad.reason
    none = v.validate(4, ["Bo", "", "", "", "", ""])
    assert isinstance(none, rules.RowError) and "phone or an e-mail" in none.reason


def test_folder_limits_of_the_importer() -> None:
    v = _validator(allowed_folders=frozenset({"f-2"}), unfoldered_allowed=False)
    row = v.validate(2, ["Ann", "(415) 555-0134", "", "", "New Leads", ""])
    assert isinstance(row, rules.RowError) and "not a folder you may use" in row.reason
    row = v.validate(2, ["Ann", "(415) 555-0134", "", "", "", ""])
    assert isinstance(row, rules.RowError) and "only import into your folders" in row.reason


def test_merge_adds_contacts_and_tags_and_replaces_given_fields() -> None:
    current = {
        "first_name": "Old", "last_name": "Name", "company": "", "folder": "",
        "phones": [{"number": "+14155550100", "primary": True}], "emails": [],
        "addresses": [], "tags": ["a"], "custom_fields": {},
    }  # fmt: skip
    row = rules.ImportedRow(
        2, "Ann", phones=["+14155550100", "+14155550101"], emails=["a@b.co"], tags=["a", "b"],
        given=frozenset({"first_name"}),
    )  # fmt: skip
    merged, changed = rules.merge_row(current, row)
    assert merged["first_name"] == "Ann" and merged["last_name"] == "Name"
    assert [p["number"] for p in merged["phones"]] == ["+14155550100", "+14155550101"]
    assert merged["phones"][0]["primary"] and not merged["phones"][1]["primary"]
    assert merged["emails"] == [{"address": "a@b.co", "primary": True}]
    assert merged["tags"] == ["a", "b"]
    assert set(changed) == {"first_name", "phones", "emails", "tags"}
    assert rules.merge_row(merged, row)[1] == []  # the same row again changes nothing


def test_new_customer_ids_are_stable_per_import_and_row() -> None:
    job = uuid.uuid4()
    assert rules.customer_id_for(job, 7) == rules.customer_id_for(job, 7)
    assert rules.customer_id_for(job, 7) != rules.customer_id_for(job, 8)
    assert rules.header_names(["Phone", "", "Phone", " x  y "]) == [
        "Phone", "Column 2", "Phone (2)", "x y"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Prénom;Nom\nZoë;Ærø\n".encode(), "utf-8"),
        ("Prénom;Nom\nZoë;Ærø\n".encode("utf-8-sig"), "utf-8-sig"),
        ("Name,Note\nCafé,\u201cquoted\u201d \u2013 5\u20ac\n".encode("cp1252"), "cp1252"),
    ],
)
def test_encoding_and_delimiter_are_detected(data: bytes, encoding: str) -> None:
    shape = import_files.sniff(data)
    assert (shape.format, shape.encoding) == ("csv", encoding)
    assert shape.delimiter == (";" if b";" in data else ",")


def test_records_split_across_chunks_are_read_whole() -> None:
    rows = [["id", "note"]] + [[str(i), f'line one\nline "two" {i}, é'] for i in range(300)]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    data = out.getvalue().encode()
    reader = import_files.CsvRecords("utf-8", ",")
    got = []
    for start in range(0, len(data), 97):  # cuts inside quotes and inside é
        got += reader.feed(data[start : start + 97])
    got += reader.feed(b"", final=True)
    assert got == rows
    counter = import_files.RecordCounter()
    for start in range(0, len(data), 97):
        counter.feed(data[start : start + 97])
    assert counter.total == len(rows)


def test_the_email_fast_path_agrees_with_email_validator() -> None:
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + "._%+-@!#'" + "é"
    samples = ["a.b@example.com", "A_B%c+d@x.io", "x@y.test", "a@b-.com", "a@ab--cd.com",
               "-a@x.com", "a..b@x.com", "a@x.c", "a@1.23", "é@x.com"]  # fmt: skip
    for _ in range(3000):
        local = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        domain = ".".join(
            "".join(
                rng.choice(string.ascii_lowercase + "-" + string.digits)
                for _ in range(rng.randint(1, 8))
            )
            for _ in range(rng.randint(1, 3))
        )
        samples.append(f"{local}@{domain}")
    for raw in samples:
        try:
            expected = validate_email(raw, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            expected = None
        try:
            got = contacts.normalise_email(raw)
        except contacts.ContactError:
            got = None
        assert got == expected, raw


def test_phones_parsed_once_give_the_same_search_keys() -> None:
    e164, keys = contacts.phone_with_search_keys("07911 123456", "GB")
    assert e164 == "+447911123456" and keys == contacts.phone_search_keys(e164)
    assert codecs.lookup("cp1252")  # the fallback encoding exists


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("12ab", "not a phone number: write it in digits, e.g. (415) 555-0134"),
        ("+999 123", "not a phone number: unknown country code"),
        ("123456789012345678901", "not a phone number: too many digits"),
        ("555", "not a valid phone number in US: check the digits"),
    ],
)
def test_a_bad_phone_is_explained_in_words_staff_read(raw: str, reason: str) -> None:
    """The preview and the field errors show this text: never the phonenumbers library's."""
    with pytest.raises(contacts.ContactError) as caught:
        contacts.normalise_phone(raw, "US")
    assert str(caught.value).startswith(reason)
    assert "supplied" not in str(caught.value)


async def test_a_large_import_validates_in_a_child_process_exactly_as_in_a_thread(caplog):
    validator = rules.RowValidator(
        headers=["First Name", "Phone", "Email"],
        mapping={"First Name": "first_name", "Phone": "phone", "Email": "email"},
        default_region="US",
        folders={},
    )
    batch = [(n, [f"P{n}", f"(415) 555-{n:04d}", f"p{n}@example.com"]) for n in range(2, 40)]
    batch += [(40, ["", "12", ""]), (41, ["Q", "", "not an address"])]
    results = []
    for in_process in (False, True):
        async with _validation(validator, in_process) as validate:
            results.append(await validate(batch))
    in_thread, in_child = results
    assert "stays in a thread" not in caplog.text  # the child process did start
    assert in_child == in_thread
    assert len(in_child.valid) == 38 and [e[0] for e in in_child.errors] == [40, 41]
    assert in_child.valid[0].phones == ["+14155550002"]
