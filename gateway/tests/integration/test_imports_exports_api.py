"""Imports and exports end to end through the gateway: a real customer service (PostgreSQL,
NATS), its Celery worker as a real process on a queue of its own (Redis), files uploaded as
multipart and downloaded through signed URLs."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import uuid
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from customer.testing import celery_worker, migrate, running_customer_service
from gateway.app import create_app
from gateway.auth import create_tenant
from gateway.cli import MIGRATIONS
from gateway.config import GatewaySettings
from moodline_devkit.testing.plugin import own_nats
from moodline_kit import migrations
from openpyxl import Workbook, load_workbook

from .conftest import Tenant, checking_response_models

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@dataclass
class Stack:
    client: httpx.AsyncClient
    app: object
    settings: object  # the customer service's settings (the worker's too)
    logs: Path
    nats_url: str

    async def tenant(self) -> Tenant:
        tenant_id, key = await create_tenant(self.app.state.engine, name="T", default_country="US")
        return Tenant(tenant_id, key)

    async def upload(self, tenant: Tenant, name: str, data: bytes, country: str = "") -> dict:
        r = await self.client.post(
            "/api/v1/imports",
            headers=tenant.headers,
            files={"file": (name, data, "application/octet-stream")},
            data={"default_country": country} if country else {},
        )
        assert r.status_code == 201, r.text
        return r.json()

    async def wait(self, tenant: Tenant, url: str, done=("completed", "failed", "cancelled"),
                   within: float = 120) -> dict:  # fmt: skip
        for _ in range(int(within * 10)):
            r = await self.client.get(url, headers=tenant.headers)
            assert r.status_code == 200, r.text
            if r.json()["status"] in done:
                return r.json()
            await asyncio.sleep(0.1)
        raise AssertionError(f"{url} never reached {done}: {r.json()}")

    async def customers(self, tenant: Tenant) -> list[dict]:
        items, cursor = [], ""
        while True:
            r = await self.client.get(
                f"/api/v1/customers?limit=200{'&cursor=' + cursor if cursor else ''}",
                headers=tenant.headers,
            )
            page = r.json()
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def stack(database_factory, infra_urls, tmp_path_factory) -> AsyncIterator[Stack]:
    logs = tmp_path_factory.mktemp("dataops")
    customer_db = await database_factory("io_customer")
    gateway_db = await database_factory("io_gateway")
    await migrate(customer_db)
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, gateway_db)
    with own_nats() as nats:
        nats_url = f"nats://127.0.0.1:{nats.port}"
        async with running_customer_service(
            customer_db,
            nats_url,
            redis_url=infra_urls.redis_url,
            jobs_queue=f"customer-test-{uuid.uuid4().hex[:10]}",
            import_batch_size=50,
            db_pool_size=3,
        ) as customer:
            settings = GatewaySettings(
                database_url=gateway_db,
                customer_addr=customer.address,
                redis_url=infra_urls.redis_url,
                nats_url=nats_url,
                max_body_bytes=16 * 1024,
                max_import_bytes=2 * 1024 * 1024,
                rate_limit_per_minute=1_000_000,
                rate_limit_burst=100_000,
                upstream_timeout=60.0,
            )
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport,
                    base_url="http://gw",
                    event_hooks=checking_response_models(app),
                ) as client:
                    yield Stack(client, app, customer.container.settings, logs, nats_url)


@pytest.fixture
def worker(stack):  # type: ignore[no-untyped-def]
    with celery_worker(stack.settings, stack.logs / "worker.log") as proc:
        yield proc


def rows_csv(rows: list[list[str]], *, delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def people(n: int, *, bad_every: int = 0, start: int = 0) -> list[list[str]]:
    """`n` rows; every `bad_every`-th has a phone that is not a number and no e-mail."""
    rows = [["First Name", "Last Name", "Mobile", "E-mail", "Company", "Tags"]]
    for i in range(start, start + n):
        if bad_every and i % bad_every == 0:
            rows.append([f"Bad{i}", "Row", "12", "", "Nope", ""])
        else:
            rows.append(
                [f"Name{i}", "Person", f"(415) 555-{i:04d}", f"p{i}@example.com", "Acme", "a; b"]
            )
    return rows


async def test_five_percent_bad_rows_every_good_row_lands_every_bad_one_is_reported_and_a_re_import_duplicates_nothing(  # noqa: E501
    stack, worker
) -> None:
    tenant = await stack.tenant()
    data = rows_csv(people(200, bad_every=20)).encode()
    uploaded = await stack.upload(tenant, "people.csv", data)
    assert uploaded["status"] == "previewed"
    assert uploaded["suggested_mapping"] == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Mobile": "phone",
        "E-mail": "email",
        "Company": "company",
        "Tags": "tags",
    }
    assert uploaded["mapping_complete"] is True
    first = uploaded["preview"][0]
    assert first["row_number"] == 2 and first["error"] != ""  # row 0 of people() is bad
    phone_cell = next(c for c in first["cells"] if c["header"] == "Mobile")
    assert phone_cell["field"] == "phone" and phone_cell["error"]
    good = uploaded["preview"][1]
    assert good["error"] == ""
    assert next(c for c in good["cells"] if c["header"] == "Mobile")["normalised"] == (
        "+14155550001"
    )
    url = f"/api/v1/imports/{uploaded['id']}"
    r = await stack.client.post(f"{url}/run", headers=tenant.headers, json={})
    assert r.status_code == 202, r.text
    done = await stack.wait(tenant, url)
    assert done["status"] == "completed", done
    assert (done["total"], done["processed"], done["created"], done["failed"]) == (
        200,
        200,
        190,
        10,
    )
    assert done["progress"] == 1.0
    everyone = await stack.customers(tenant)
    assert len(everyone) == 190
    ann = next(c for c in everyone if c["first_name"] == "Name1")
    assert ann["phones"][0]["number"] == "+14155550001" and ann["tags"] == ["a", "b"]
    report = await stack.client.get(f"{url}/errors", headers=tenant.headers)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(report.text)))
    assert lines[0] == ["First Name", "Last Name", "Mobile", "E-mail", "Company", "Tags",
                        "row_number", "reason"]  # fmt: skip
    assert len(lines) == 11
    assert [int(line[6]) for line in lines[1:]] == [2 + i for i in range(0, 200, 20)]
    assert all(line[0].startswith("Bad") and "phone" in line[7] for line in lines[1:])

    # the same file again: every good row matches its customer, nothing is created
    again = await stack.upload(tenant, "people.csv", data)
    await stack.client.post(f"/api/v1/imports/{again['id']}/run", headers=tenant.headers)
    second = await stack.wait(tenant, f"/api/v1/imports/{again['id']}")
    assert (second["created"], second["updated"], second["skipped"], second["failed"]) == (
        0,
        0,
        190,
        10,
    )
    assert len(await stack.customers(tenant)) == 190
    # the fixed error report imports the bad rows' people once they are fixed
    fixed = [lines[0][:6]] + [[*line[:2], f"(415) 555-9{i:03d}", "", "", ""]
                              for i, line in enumerate(lines[1:])]  # fmt: skip
    third = await stack.upload(tenant, "fixed.csv", rows_csv(fixed).encode())
    await stack.client.post(f"/api/v1/imports/{third['id']}/run", headers=tenant.headers)
    done = await stack.wait(tenant, f"/api/v1/imports/{third['id']}")
    assert (done["created"], done["failed"]) == (10, 0)
    assert len(await stack.customers(tenant)) == 200


async def test_a_matching_row_updates_the_customer_or_is_skipped(stack, worker) -> None:
    tenant = await stack.tenant()
    r = await stack.client.post(
        "/api/v1/customers",
        headers=tenant.headers,
        json={"first_name": "Old", "emails": [{"address": "ann@example.com"}]},
    )
    ann = r.json()["id"]
    body = rows_csv([["Name", "Email", "Phone", "Company"],
                     ["Ann Lee", "ANN@example.com", "+44 7911 123456", "Lee Ltd"]])  # fmt: skip

    async def run(on_match: str) -> dict:
        uploaded = await stack.upload(tenant, "a.csv", body.encode())
        url = f"/api/v1/imports/{uploaded['id']}"
        await stack.client.post(f"{url}/run", headers=tenant.headers, json={"on_match": on_match})
        return await stack.wait(tenant, url)

    done = await run("skip")
    errors = await stack.client.get(f"/api/v1/imports/{done['id']}/errors", headers=tenant.headers)
    assert (done["created"], done["updated"], done["skipped"]) == (0, 0, 1), (done, errors.text)
    profile = (await stack.client.get(f"/api/v1/customers/{ann}", headers=tenant.headers)).json()
    assert profile["first_name"] == "Old" and profile["phones"] == []
    done = await run("update")
    assert (done["created"], done["updated"], done["skipped"]) == (0, 1, 0), done
    profile = (await stack.client.get(f"/api/v1/customers/{ann}", headers=tenant.headers)).json()
    assert (profile["first_name"], profile["last_name"], profile["company"]) == (
        "Ann",
        "Lee",
        "Lee Ltd",
    )
    assert [p["number"] for p in profile["phones"]] == ["+447911123456"]
    assert [e["address"] for e in profile["emails"]] == ["ann@example.com"]
    # two rows of one person in one file: the first creates, the second updates it
    twice = rows_csv([["First Name", "Last Name", "Phone"], ["Cy", "", "+1 415 555 0177"],
                      ["Cy", "Two", "(415) 555-0177"]])  # fmt: skip
    uploaded = await stack.upload(tenant, "b.csv", twice.encode())
    await stack.client.post(f"/api/v1/imports/{uploaded['id']}/run", headers=tenant.headers)
    done = await stack.wait(tenant, f"/api/v1/imports/{uploaded['id']}")
    assert (done["created"], done["updated"]) == (1, 1), done
    names = sorted((c["first_name"], c["last_name"]) for c in await stack.customers(tenant))
    assert names == [("Ann", "Lee"), ("Cy", "Two")]


async def test_rows_like_an_existing_customer_are_created_and_reported_as_possible_duplicates(
    stack, worker
) -> None:
    """Same name and a similar company, but other contacts (not a phone/e-mail match): created,
    counted and listed, whether the look-alike was there before, came in an earlier chunk of
    the file (chunks of 50 here) or earlier in the same chunk. A shared name alone, or at
    another company, is no warning; re-importing the file creates nothing, so warns of nothing."""
    tenant = await stack.tenant()
    r = await stack.client.post(
        "/api/v1/customers",
        headers=tenant.headers,
        json={"first_name": "Ada", "last_name": "Lovelace", "company": "Analytical Engines Ltd",
              "emails": [{"address": "ada@example.com"}]},
    )  # fmt: skip
    ada = r.json()["id"]
    rows = [["First Name", "Last Name", "Mobile", "E-mail", "Company"]]
    rows.append(["Ada", "Lovelace", "(415) 555-0101", "ada2@example.com", "Analytical Engines"])
    rows.append(["Ada", "Lovelace", "(415) 555-0102", "", "Bakery"])  # another company
    rows.append(["Alan", "Turing", "(415) 555-0103", "", "Bletchley Park"])
    rows.append(["alan", "turing", "(415) 555-0104", "", "BLETCHLEY PARK"])  # same chunk
    rows.append(["Grace", "Hopper", "(415) 555-0105", "", "Navy Labs"])
    rows.append(["Solo", "Name", "(415) 555-0106", "", ""])
    rows += people(60, start=200)[1:]
    rows.append(["Grace", "Hopper", "(415) 555-0107", "", "Navy Labs"])  # a later chunk
    rows.append(["Solo", "Name", "(415) 555-0108", "", ""])  # no company: no warning
    body = rows_csv(rows).encode()
    uploaded = await stack.upload(tenant, "dupes.csv", body)
    url = f"/api/v1/imports/{uploaded['id']}"
    await stack.client.post(f"{url}/run", headers=tenant.headers, json={})
    done = await stack.wait(tenant, url)
    assert (done["status"], done["created"], done["failed"]) == ("completed", 68, 0), done
    assert done["possible_duplicates"] == 3
    listed = await stack.client.get(done["duplicates_url"], headers=tenant.headers)
    assert listed.status_code == 200, listed.text
    found = listed.json()["duplicates"]
    assert [d["row_number"] for d in found] == [2, 5, 68]
    everyone = await stack.customers(tenant)
    by_phone = {c["phones"][0]["number"]: c["id"] for c in everyone if c["phones"]}
    assert [(d["customer_id"], d["duplicate_id"]) for d in found] == [
        (by_phone["+14155550101"], ada),
        (by_phone["+14155550104"], by_phone["+14155550103"]),
        (by_phone["+14155550107"], by_phone["+14155550105"]),
    ]
    assert all(60 <= d["score"] <= 100 and d["reason"] for d in found), found
    assert "analytical engines" in found[0]["reason"].lower()
    page = await stack.client.get(f"{done['duplicates_url']}?page_size=2", headers=tenant.headers)
    assert [d["row_number"] for d in page.json()["duplicates"]] == [2, 5]
    assert page.json()["next_after_row"] == 5
    again = await stack.upload(tenant, "dupes.csv", body)
    url = f"/api/v1/imports/{again['id']}"
    await stack.client.post(f"{url}/run", headers=tenant.headers, json={})
    done = await stack.wait(tenant, url)
    assert (done["created"], done["possible_duplicates"]) == (0, 0), done


async def test_encodings_delimiters_and_excel(stack, worker) -> None:
    tenant = await stack.tenant()
    text = rows_csv(
        [["Prénom", "Nom", "Téléphone", "Courriel"], ["Zoë", "Ærø", "0612345678", "zoe@ex.fr"],
         ["Łukasz", "Café—“Bar”", "0698765432", ""]],
        delimiter=";",
    )  # fmt: skip
    cases = {
        "utf8.csv": (text.encode("utf-8"), "utf-8"),
        "bom.csv": (text.encode("utf-8-sig"), "utf-8-sig"),
    }
    latin = text.replace("Łukasz", "Lukas")
    cases["cp1252.csv"] = (latin.encode("cp1252"), "cp1252")
    cases["latin1.csv"] = (latin.replace("—“", "-").replace("”", "").encode("latin-1"), None)
    seen = {}
    for name, (data, encoding) in cases.items():
        uploaded = await stack.upload(tenant, name, data, country="FR")
        assert uploaded["delimiter"] == ";", name
        if encoding:
            assert uploaded["encoding"] == encoding, (name, uploaded["encoding"])
        else:
            assert uploaded["encoding"] in ("latin-1", "cp1252"), uploaded["encoding"]
        mapping = {"Prénom": "first_name", "Nom": "last_name", "Téléphone": "phone",
                   "Courriel": "email"}  # fmt: skip
        values = [c["value"] for c in uploaded["preview"][0]["cells"]]
        assert values[:2] == ["Zoë", "Ærø"], (name, values)
        seen[name] = uploaded["preview"][1]["cells"][1]["value"]
        r = await stack.client.post(
            f"/api/v1/imports/{uploaded['id']}/run", headers=tenant.headers,
            json={"mapping": mapping},
        )  # fmt: skip
        assert r.status_code == 202, r.text
        done = await stack.wait(tenant, f"/api/v1/imports/{uploaded['id']}")
        assert done["failed"] == 0, done
    assert seen["cp1252.csv"] == "Café—“Bar”" and seen["utf8.csv"] == "Café—“Bar”"
    everyone = await stack.customers(tenant)
    # the Windows-1252 file's "Lukas" matched Łukasz by phone and renamed him (on_match update)
    assert sorted(c["first_name"] for c in everyone) == ["Lukas", "Zoë"]
    zoe = next(c for c in everyone if c["first_name"] == "Zoë")
    assert zoe["phones"][0]["number"] == "+33612345678"

    book = Workbook()
    sheet = book.active
    sheet.append(["First Name", "Phone", "Email", "Joined"])
    sheet.append(["Xavier", 4155550199, "x@example.com", "2026-01-02"])
    sheet.append(["Yolanda", "bad", "", None])
    buffer = io.BytesIO()
    book.save(buffer)
    uploaded = await stack.upload(tenant, "people.xlsx", buffer.getvalue())
    assert uploaded["format"] == "xlsx"
    assert uploaded["preview"][0]["cells"][1]["normalised"] == "+14155550199"
    await stack.client.post(f"/api/v1/imports/{uploaded['id']}/run", headers=tenant.headers)
    done = await stack.wait(tenant, f"/api/v1/imports/{uploaded['id']}")
    assert (done["created"], done["failed"]) == (1, 1), done


async def test_bad_uploads_and_mappings_are_problems(stack) -> None:
    tenant = await stack.tenant()
    r = await stack.client.post(
        "/api/v1/imports", headers=tenant.headers, files={"file": ("x.pdf", b"%PDF", "a/b")}
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "file"
    r = await stack.client.post(
        "/api/v1/imports", headers=tenant.headers, files={"file": ("x.csv", b"\x00\x01" * 10)}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    big = b"First Name,Phone\n" + b"Ann,(415) 555-0100\n" * 120_000
    r = await stack.client.post(
        "/api/v1/imports", headers=tenant.headers, files={"file": ("big.csv", big)}
    )
    assert r.status_code == 413
    uploaded = await stack.upload(tenant, "x.csv", b"Nickname,Notes\nAnn,hi\n")
    assert uploaded["mapping_complete"] is False
    r = await stack.client.post(f"/api/v1/imports/{uploaded['id']}/run", headers=tenant.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "mapping"
    r = await stack.client.post(
        f"/api/v1/imports/{uploaded['id']}/run",
        headers=tenant.headers,
        json={"mapping": {"Nickname": "first_name", "Notes": "shoe_size"}},
    )
    assert r.status_code == 422 and "shoe_size" in r.text
    template = await stack.client.get("/api/v1/imports/template", headers=tenant.headers)
    assert template.status_code == 200 and template.text.startswith("First Name,Last Name")
    # another tenant sees none of it
    other = await stack.tenant()
    r = await stack.client.get(f"/api/v1/imports/{uploaded['id']}", headers=other.headers)
    assert r.status_code == 404


async def test_cancel_and_resume_after_the_worker_is_killed(stack) -> None:
    tenant = await stack.tenant()
    data = rows_csv(people(600)).encode()
    uploaded = await stack.upload(tenant, "many.csv", data)
    url = f"/api/v1/imports/{uploaded['id']}"
    # a worker that pauses 0.4 s after each chunk of 50 rows is killed (SIGKILL) mid-way
    with celery_worker(stack.settings, stack.logs / "doomed.log", IMPORT_PAUSE_SECONDS="0.4") as p:
        await stack.client.post(f"{url}/run", headers=tenant.headers)
        for _ in range(300):
            state = (await stack.client.get(url, headers=tenant.headers)).json()
            if state["processed"] >= 150:
                break
            await asyncio.sleep(0.1)
        os.kill(p.pid, signal.SIGKILL)
        p.wait(10)
    mid = (await stack.client.get(url, headers=tenant.headers)).json()
    assert mid["status"] == "running" and 150 <= mid["processed"] < 600, mid
    assert mid["eta_seconds"] is not None
    with celery_worker(stack.settings, stack.logs / "second.log"):
        done = await stack.wait(tenant, url)
    assert (done["status"], done["created"], done["processed"]) == ("completed", 600, 600), done
    assert len(await stack.customers(tenant)) == 600

    # cancel: a running import stops after its chunk; what was committed stays
    other = await stack.upload(tenant, "more.csv", rows_csv(people(600, start=1000)).encode())
    url = f"/api/v1/imports/{other['id']}"
    with celery_worker(stack.settings, stack.logs / "cancel.log", IMPORT_PAUSE_SECONDS="0.3"):
        await stack.client.post(f"{url}/run", headers=tenant.headers)
        for _ in range(300):
            if (await stack.client.get(url, headers=tenant.headers)).json()["processed"] >= 50:
                break
            await asyncio.sleep(0.1)
        r = await stack.client.post(f"{url}/cancel", headers=tenant.headers)
        assert r.status_code == 200, r.text
        done = await stack.wait(tenant, url)
    assert done["status"] == "cancelled" and 50 <= done["created"] < 600, done
    assert len(await stack.customers(tenant)) == 600 + done["created"]
    r = await stack.client.post(f"{url}/cancel", headers=tenant.headers)
    assert r.status_code == 412


async def test_exports_in_every_format_with_readable_values(stack, worker) -> None:
    tenant = await stack.tenant()
    folder = await stack.client.post(
        "/api/v1/folders", headers=tenant.headers, json={"name": "New Leads"}
    )
    folder_id = folder.json()["id"]
    body = rows_csv([["First Name", "Phone", "Tags", "Folder"],
                     ["Ann", "(415) 555-0101", "vip; spa", "New Leads"],
                     ["Bob", "(415) 555-0102", "", ""]])  # fmt: skip
    uploaded = await stack.upload(tenant, "f.csv", body.encode())
    await stack.client.post(f"/api/v1/imports/{uploaded['id']}/run", headers=tenant.headers)
    await stack.wait(tenant, f"/api/v1/imports/{uploaded['id']}")
    other = await stack.tenant()
    await stack.client.post("/api/v1/customers", headers=other.headers, json={"first_name": "Eve"})

    async def export(body: dict) -> tuple[dict, bytes]:
        r = await stack.client.post("/api/v1/exports", headers=tenant.headers, json=body)
        assert r.status_code == 202, r.text
        done = await stack.wait(tenant, f"/api/v1/exports/{r.json()['id']}")
        assert done["status"] == "completed", done
        url = done["download_url"]
        got = await stack.client.get(url)  # no credential: the signed URL is one
        assert got.status_code == 200, got.text
        assert len(got.content) == done["size_bytes"]
        return done, got.content

    done, data = await export({"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert done["total"] == 2 and {r["First Name"] for r in rows} == {"Ann", "Bob"}
    ann = next(r for r in rows if r["First Name"] == "Ann")
    assert ann["Folder"] == "New Leads" and ann["Tags"] == "vip; spa" and ann["Stage"] == "Prospect"
    assert ann["Phone"] == "+14155550101"
    _, data = await export({"format": "json", "filter": {"folder": folder_id}})
    assert [r["first_name"] for r in json.loads(data)] == ["Ann"]
    assert json.loads(data)[0]["folder"] == "New Leads"
    _, data = await export({"format": "xlsx", "ids": [ann["ID"]]})
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][0] == "First Name" and table[1][0] == "Ann" and len(table) == 2
    _, data = await export({"format": "pdf"})
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = b"".join(
        zlib.decompress(part.split(b"stream\n", 1)[1])
        for part in data.split(b"endstream")
        if b"/FlateDecode" in part and b"stream\n" in part
    )
    assert b"New Leads" in pages and b"Ann" in pages

    # the link is bound to its export and its signature
    r = await stack.client.post("/api/v1/exports", headers=tenant.headers, json={"format": "csv"})
    done = await stack.wait(tenant, f"/api/v1/exports/{r.json()['id']}")
    forged = done["download_url"][:-4] + "AAAA"
    assert (await stack.client.get(forged)).status_code == 401
    elsewhere = done["download_url"].replace(done["id"], str(uuid.uuid4()))
    assert (await stack.client.get(elsewhere)).status_code == 401
    # another tenant cannot read it; a bad format is a problem
    r = await stack.client.get(f"/api/v1/exports/{done['id']}", headers=other.headers)
    assert r.status_code == 404
    r = await stack.client.post("/api/v1/exports", headers=tenant.headers, json={"format": "doc"})
    assert r.status_code == 422
    audit = await stack.client.get("/api/v1/audit?action=POST /api/v1/exports",
                                   headers=tenant.headers)  # fmt: skip
    assert audit.status_code == 200 and audit.json()["items"], audit.text
    downloads = await stack.client.get("/api/v1/audit?action=exports.download",
                                       headers=tenant.headers)  # fmt: skip
    assert len(downloads.json()["items"]) >= 4, downloads.text


async def test_progress_and_the_imported_customers_are_published(stack, worker) -> None:
    """What /api/v1/events forwards: customer.import.progressed after each chunk (to the end)
    and one customer.customers.imported per chunk with the ids it created."""
    import nats
    from moodline.events.v1 import customer_pb2 as events
    from moodline.events.v1 import envelope_pb2

    tenant = await stack.tenant()
    nc = await nats.connect(stack.nats_url)
    seen: list[envelope_pb2.EventEnvelope] = []

    async def keep(msg) -> None:  # type: ignore[no-untyped-def]
        envelope = envelope_pb2.EventEnvelope.FromString(msg.data)
        if envelope.tenant_id == str(tenant.id):
            seen.append(envelope)

    await nc.subscribe("customer.import.progressed", cb=keep)
    await nc.subscribe("customer.customers.imported", cb=keep)
    try:
        uploaded = await stack.upload(tenant, "p.csv", rows_csv(people(120)).encode())
        url = f"/api/v1/imports/{uploaded['id']}"
        await stack.client.post(f"{url}/run", headers=tenant.headers)
        await stack.wait(tenant, url)
        for _ in range(100):
            if seen and seen[-1].type == "customer.import.progressed":
                last = events.ImportProgressed()
                seen[-1].payload.Unpack(last)
                if last.status == "completed":
                    break
            await asyncio.sleep(0.1)
    finally:
        await nc.close()
    progress = []
    created: list[str] = []
    for envelope in seen:
        if envelope.type == "customer.import.progressed":
            message = events.ImportProgressed()
            envelope.payload.Unpack(message)
            progress.append((message.status, message.processed))
        else:
            chunk = events.CustomersImported()
            envelope.payload.Unpack(chunk)
            created += chunk.created_ids
    assert progress[0] == ("queued", 0) and progress[-1] == ("completed", 120), progress
    assert [p for _, p in progress if _ == "running"] == [50, 100, 120]
    assert len(created) == len(set(created)) == 120


async def test_a_manager_limited_to_a_folder_imports_and_exports_only_within_it(
    stack, worker
) -> None:
    tenant = await stack.tenant()
    a = await stack.client.post("/api/v1/folders", headers=tenant.headers, json={"name": "A"})
    b = await stack.client.post("/api/v1/folders", headers=tenant.headers, json={"name": "B"})
    folder_a, folder_b = a.json()["id"], b.json()["id"]
    hidden = await stack.client.post(
        "/api/v1/customers",
        headers=tenant.headers,
        json={"first_name": "Hidden", "phones": [{"number": "(415) 555-0161"}]},
    )
    etag = hidden.headers["etag"]
    await stack.client.patch(
        f"/api/v1/customers/{hidden.json()['id']}",
        headers={**tenant.headers, "If-Match": etag},
        json={"folder": folder_b},
    )
    email = f"mgr-{uuid.uuid4().hex[:8]}@example.com"
    r = await stack.client.post(
        "/api/v1/users",
        headers=tenant.headers,
        json={"email": email, "password": "correct horse battery", "name": "M",
              "role": "manager", "folders": [folder_a], "unfoldered": False},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    login = await stack.client.post(
        "/api/v1/auth/login", json={"email": email, "password": "correct horse battery"}
    )
    manager = Tenant(tenant.id, login.json()["access_token"])
    body = rows_csv([["First Name", "Phone", "Folder"],
                     ["Ann", "(415) 555-0162", "A"],
                     ["Bob", "(415) 555-0163", "B"],
                     ["Cy", "(415) 555-0164", ""],
                     ["Dee", "(415) 555-0161", "A"]])  # fmt: skip
    uploaded = await stack.upload(manager, "m.csv", body.encode())
    url = f"/api/v1/imports/{uploaded['id']}"
    await stack.client.post(f"{url}/run", headers=manager.headers)
    done = await stack.wait(manager, url)
    assert (done["created"], done["failed"]) == (1, 3), done
    report = await stack.client.get(f"{url}/errors", headers=manager.headers)
    reasons = {line[0]: line[-1] for line in list(csv.reader(io.StringIO(report.text)))[1:]}
    assert "not a folder you may use" in reasons["Bob"]
    assert "only import into your folders" in reasons["Cy"]
    assert "outside the folders you may see" in reasons["Dee"]
    hidden_now = await stack.client.get(
        f"/api/v1/customers/{hidden.json()['id']}", headers=tenant.headers
    )
    assert hidden_now.json()["first_name"] == "Hidden"
    r = await stack.client.post("/api/v1/exports", headers=manager.headers, json={"format": "json"})
    done = await stack.wait(manager, f"/api/v1/exports/{r.json()['id']}")
    got = await stack.client.get(done["download_url"])
    assert [c["first_name"] for c in json.loads(got.content)] == ["Ann"]
