"""What the fault suite drives and checks: the supervised processes of a `make run` platform,
a client workload that retries like a careful integration would (idempotency keys, a booking's
slot as its natural key), and the invariants read straight from every service's tables."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import xmlrpc.client
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import nats
from supervisor.xmlrpc import SupervisorTransport

RETRYABLE = {429, 500, 502, 503, 504}
TRANSIENT = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "ABORTED", "RESOURCE_EXHAUSTED"}
TEXTS = (
    "Thanks, that was quick and friendly!",
    "Why does a refund take five days? This is the third time.",
    "Can I move my appointment to Friday?",
    "Again the order is wrong. I am really upset.",
    "Lovely service as always, see you soon.",
)


# ------------------------------------------------------------------ processes
@dataclass
class Supervisor:
    """supervisord's view of its programs, over its XML-RPC socket (in-process: polling it
    does not start a supervisorctl interpreter on a loaded machine)."""

    var: Path

    def _rpc(self) -> xmlrpc.client.ServerProxy:
        transport = SupervisorTransport(None, None, f"unix://{self.var / 'supervisor.sock'}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def pid(self, program: str) -> int:
        """The supervised process (for a server under the reaper: the reaper); 0 when none."""
        try:
            return int(self._rpc().supervisor.getProcessInfo(program)["pid"])
        except (OSError, xmlrpc.client.Error):
            return 0

    def server_pid(self, program: str) -> int:
        """The real process: a reaper's one child, else the supervised process itself; 0 while
        a new reaper has not started its server yet."""
        pid = self.pid(program)
        if not is_reaper(pid):
            return pid
        children = children_of(pid)
        return children[0] if children else 0

    def replaced(self, program: str, killed: int) -> bool:
        """The killed process is gone (reaped, or a zombie) and a new one runs in its place."""
        if alive(killed):
            return False
        now = self.server_pid(program)
        return now not in (0, killed) and alive(now)


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def children_of(pid: int) -> list[int]:
    raw = _read(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in raw.split()]


def cmdline(pid: int) -> str:
    return _read(f"/proc/{pid}/cmdline").replace("\0", " ")


def is_reaper(pid: int) -> bool:
    return "moodline_devkit.reaper" in cmdline(pid)


def alive(pid: int) -> bool:
    stat = _read(f"/proc/{pid}/stat")
    return bool(stat) and stat[stat.rindex(")") + 2] != "Z"


def ppid(pid: int) -> int:
    stat = _read(f"/proc/{pid}/stat")
    return int(stat[stat.rindex(")") + 2 :].split()[1]) if stat else 0


def processes_matching(text: str) -> list[int]:
    return sorted(
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and text in cmdline(int(p.name)) and alive(int(p.name))
    )


def kill9(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def jetstream_answers(url: str) -> bool:
    """A fresh connection to NATS gets JetStream's account info (the server serves streams)."""

    async def check() -> bool:
        nc = await nats.connect(url, connect_timeout=1, allow_reconnect=False)
        try:
            await nc.jetstream().account_info()
            return True
        finally:
            await nc.close()

    try:
        return asyncio.run(asyncio.wait_for(check(), 3))
    except Exception:
        return False


# ------------------------------------------------------------------ HTTP client with retries
class Client:
    """A careful API client: retries transport errors, 5xx and 429 until the deadline."""

    def __init__(self, base: str, key: str) -> None:
        self.http = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=10
        )
        self.retries = 0

    def once(self, method: str, path: str, **kw: object) -> httpx.Response | None:
        try:
            return self.http.request(method, path, **kw)  # type: ignore[arg-type]
        except httpx.HTTPError:
            return None

    def call(
        self,
        method: str,
        path: str,
        *,
        deadline_s: float = 180,
        on_conflict: Callable[[], dict | None] | None = None,
        **kw: object,
    ) -> dict:
        end = time.monotonic() + deadline_s
        attempted = False
        while True:
            r = self.once(method, path, **kw)
            if r is not None and r.status_code < 300:
                return r.json()
            if r is not None and r.status_code == 409 and attempted and on_conflict:
                # A retry of a write whose first attempt committed but whose answer was lost.
                found = on_conflict()
                if found is not None:
                    return found
            if r is not None and r.status_code not in RETRYABLE:
                raise AssertionError(f"{method} {path}: {r.status_code} {r.text[:500]}")
            attempted = True
            self.retries += 1
            if time.monotonic() > end:
                raise AssertionError(f"{method} {path}: no success within {deadline_s}s")
            time.sleep(0.25)


# ------------------------------------------------------------------ the workload
@dataclass
class Expected:
    messages: list[str] = field(default_factory=list)  # provider message ids
    bookings: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> customer, amount
    payments: dict[str, tuple[str, int]] = field(default_factory=dict)
    points: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # enrolment -> sum
    adjustments: list[str] = field(default_factory=list)


class Workload(threading.Thread):
    """Ingests `messages` in batches through the gateway, and every other batch books, pays and
    adjusts loyalty points, each retried until it definitely happened."""

    BATCH = 20

    def __init__(self, client: Client, setup: dict, messages: int, pace_s: float) -> None:
        super().__init__(daemon=True)
        self.c, self.setup, self.total, self.pace_s = client, setup, messages, pace_s
        self.expected = Expected()
        self.steps_done = 0
        self.error: BaseException | None = None
        self.finished_at: float | None = None
        # Messages were sent in the recent past (a future sent_at is refused); bookings are
        # made for next year.
        self._sent = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        self._base = datetime(datetime.now(UTC).year + 1, 3, 1, 9, tzinfo=UTC)

    def run(self) -> None:
        try:
            started = time.monotonic()
            for step, first in enumerate(range(0, self.total, self.BATCH)):
                wait = started + step * self.pace_s - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                self._messages(first, min(first + self.BATCH, self.total))
                if step % 2 == 0:
                    self._money(step // 2)
                self.steps_done += 1
            self.finished_at = time.monotonic()
        except BaseException as exc:  # reported by the test
            self.error = exc

    def _customer(self, n: int) -> dict:
        customers = self.setup["customers"]
        return customers[n % len(customers)]

    def _messages(self, first: int, end: int) -> None:
        pending = {}
        for k in range(first, end):
            customer = self._customer(k)
            pending[f"fault-m-{k}"] = {
                "provider_message_id": f"fault-m-{k}",
                "channel": "sms",
                "customer": {"phone": customer["phone"]},
                "direction": "inbound",
                "author": "customer",
                "text": TEXTS[k % len(TEXTS)],
                "sent_at": (self._sent + timedelta(seconds=k)).isoformat(),
            }
        end_at = time.monotonic() + 180
        while pending:
            body = {"messages": list(pending.values())}
            reply = self.c.call("POST", "/api/v1/conversations/messages/batch", json=body)
            ids = list(pending)
            for result in reply["results"]:
                if result["status"] in ("accepted", "duplicate"):
                    pending.pop(ids[result["index"]], None)
                elif result["error"]["code"] not in TRANSIENT:
                    raise AssertionError(f"message refused: {result}")
            if pending:
                assert time.monotonic() < end_at, f"messages never accepted: {reply}"
                self.c.retries += 1
                time.sleep(0.25)
        self.expected.messages.extend(f"fault-m-{k}" for k in range(first, end))

    def _money(self, j: int) -> None:
        customer = self._customer(j)
        starts = self._base + timedelta(hours=j)
        amount = 1_000 + 10 * j
        staff = self.setup["staff_id"]

        def existing() -> dict | None:
            found = self.c.call(
                "GET",
                "/api/v1/bookings",
                params={
                    "staff_id": staff,
                    "from": starts.isoformat(),
                    "to": (starts + timedelta(minutes=1)).isoformat(),
                },
            )
            mine = [b for b in found["items"] if b["customer_id"] == customer["id"]]
            return mine[0] if mine else None

        booking = self.c.call(
            "POST",
            "/api/v1/bookings",
            json={
                "customer_id": customer["id"],
                "staff_id": staff,
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(minutes=30)).isoformat(),
                "amount_minor": amount,
                "currency": "USD",
                "confirm": True,
            },
            on_conflict=existing,
        )
        self.expected.bookings[booking["id"]] = (customer["id"], amount)
        payment = self.c.call(
            "POST",
            "/api/v1/payments",
            json={
                "customer_id": customer["id"],
                "amount_minor": amount + 5,
                "currency": "USD",
                "method": "card",
            },
            headers={"Idempotency-Key": f"fault-pay-{j}"},
        )
        self.expected.payments[payment["id"]] = (customer["id"], amount + 5)
        points = 1 + j % 7
        self.c.call(
            "POST",
            f"/api/v1/loyalty/enrolments/{customer['enrolment_id']}/adjustments",
            json={
                "points": points,
                "reason": "manual_adjustment",
                "idempotency_key": f"fault-adj-{j}",
            },
        )
        self.expected.points[customer["enrolment_id"]] += points
        self.expected.adjustments.append(f"fault-adj-{j}")


def set_up(client: Client, customers: int) -> dict:
    """Customers with phones, a staff member to book, a points program everyone is enrolled in."""
    staff = client.call("POST", "/api/v1/staff", json={"name": "Fault Staff"})
    program = client.call(
        "POST", "/api/v1/loyalty/programs", json={"name": "Fault points", "kind": "points"}
    )
    made = []
    for i in range(customers):
        phone = f"(415) 555-{7000 + i:04d}"
        customer = client.call(
            "POST",
            "/api/v1/customers",
            json={"first_name": f"Fault{i}", "phones": [{"number": phone, "primary": True}]},
        )
        enrolment = client.call(
            "POST",
            f"/api/v1/customers/{customer['id']}/loyalty",
            json={"program_id": program["id"]},
        )
        made.append({"id": customer["id"], "phone": phone, "enrolment_id": enrolment["id"]})
    return {"staff_id": staff["id"], "program_id": program["id"], "customers": made}


# ------------------------------------------------------------------ invariants from the tables
def db_url(platform: dict, service: str) -> str:
    port = platform["ports"]["MOODLINE_PG_PORT"]
    return f"postgresql://postgres@127.0.0.1:{port}/{platform['db_prefix']}_{service}"


async def _rows(platform: dict, service: str, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(db_url(platform, service), timeout=10)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def rows(platform: dict, service: str, sql: str, *args: object) -> list[asyncpg.Record]:
    return asyncio.run(_rows(platform, service, sql, *args))


def violations(platform: dict, setup: dict, expected: Expected) -> list[str]:
    """Every invariant the platform promises, read from the source tables; [] when all hold."""
    problems: list[str] = []
    customer_ids = [c["id"] for c in setup["customers"]]

    # Messages: stored once each, and scored once each.
    stored = rows(
        platform,
        "conversation",
        "SELECT provider_message_id, count(*) AS n, min(id::text) AS id FROM messages "
        "WHERE provider_message_id LIKE 'fault-m-%' GROUP BY 1",
    )
    by_key = {r["provider_message_id"]: r for r in stored}
    missing = set(expected.messages) - set(by_key)
    twice = [k for k, r in by_key.items() if r["n"] != 1]
    if missing:
        problems.append(f"{len(missing)} messages lost, e.g. {sorted(missing)[:3]}")
    if twice:
        problems.append(f"{len(twice)} messages stored more than once, e.g. {twice[:3]}")
    message_ids = [r["id"] for r in stored]
    scored = rows(
        platform,
        "sentiment",
        "SELECT conversation_id, count(*) AS n FROM message_scores "
        "WHERE message_id = ANY($1::text[]) GROUP BY 1",
        message_ids,
    )
    if sum(r["n"] for r in scored) != len(message_ids):
        problems.append(f"{sum(r['n'] for r in scored)} of {len(message_ids)} messages scored")
    observed = {
        r["conversation_id"]: r["n"]
        for r in rows(
            platform,
            "sentiment",
            "SELECT conversation_id, (state->>'n')::int AS n FROM conversation_sentiment "
            "WHERE conversation_id = ANY($1::text[])",
            [r["conversation_id"] for r in scored],
        )
    }
    counted = {r["conversation_id"]: r["n"] for r in scored}
    if observed != counted:
        problems.append(f"conversation aggregates counted {observed}, scores say {counted}")

    # Bookings and payments: each once.
    bookings = rows(
        platform,
        "billing",
        "SELECT id::text, customer_id::text, price_minor, starts_at FROM bookings "
        "WHERE staff_id = $1::uuid",
        setup["staff_id"],
    )
    if sorted(r["id"] for r in bookings) != sorted(expected.bookings):
        problems.append(f"{len(bookings)} bookings stored, {len(expected.bookings)} made")
    payments = rows(
        platform,
        "billing",
        "SELECT id::text, provider_payment_id FROM payments "
        "WHERE provider_payment_id LIKE 'fault-pay-%'",
    )
    if sorted(r["id"] for r in payments) != sorted(expected.payments):
        problems.append(f"{len(payments)} payments stored, {len(expected.payments)} made")

    # Loyalty: balances exact, each adjustment once.
    ledger = rows(
        platform,
        "loyalty",
        "SELECT e.id::text AS id, e.balance, coalesce(sum(l.delta), 0) AS total, "
        "count(l.idempotency_key) FILTER (WHERE l.idempotency_key LIKE 'fault-adj-%') AS adj "
        "FROM enrolments e LEFT JOIN ledger_entries l ON l.enrolment_id = e.id "
        "WHERE e.customer_id = ANY($1::uuid[]) GROUP BY e.id, e.balance",
        customer_ids,
    )
    for r in ledger:
        want = expected.points.get(r["id"], 0)
        if not r["balance"] == r["total"] == want:
            problems.append(
                f"enrolment {r['id']}: balance {r['balance']}, ledger {r['total']}, made {want}"
            )
    if sum(r["adj"] for r in ledger) != len(expected.adjustments):
        problems.append(
            f"{sum(r['adj'] for r in ledger)} adjustments booked, {len(expected.adjustments)} made"
        )

    # Customer aggregates == a recomputation from the source tables.
    value = {
        r["customer_id"]: r
        for r in rows(
            platform,
            "billing",
            "SELECT c AS customer_id, "
            "(SELECT coalesce(sum(price_minor), 0) FROM bookings b WHERE b.customer_id = c::uuid "
            " AND b.status IN ('confirmed', 'completed')) AS booked, "
            "(SELECT count(*) FROM bookings b WHERE b.customer_id = c::uuid "
            " AND b.status IN ('confirmed', 'completed')) AS bookings, "
            "(SELECT coalesce(sum(amount_minor - refunded_minor), 0) FROM payments p "
            " WHERE p.customer_id = c::uuid AND p.booking_id IS NULL AND p.invoice_id IS NULL "
            " AND p.status = 'succeeded') AS paid, "
            "(SELECT count(*) FROM payments p WHERE p.customer_id = c::uuid "
            " AND p.booking_id IS NULL AND p.invoice_id IS NULL AND p.status = 'succeeded') "
            " AS payments FROM unnest($1::text[]) AS c",
            customer_ids,
        )
    }
    conversations = {
        r["customer_id"]: r["n"]
        for r in rows(
            platform,
            "conversation",
            "SELECT customer_id::text, count(*) AS n FROM conversations "
            "WHERE customer_id = ANY($1::uuid[]) GROUP BY 1",
            customer_ids,
        )
    }
    profiles = rows(
        platform,
        "customer",
        "SELECT id::text, ltv_minor, bookings_count, purchases_count, interactions_count "
        "FROM customers WHERE id = ANY($1::uuid[])",
        customer_ids,
    )
    made_value: dict[str, int] = defaultdict(int)
    for customer_id, amount in (*expected.bookings.values(), *expected.payments.values()):
        made_value[customer_id] += amount
    for p in profiles:
        v = value[p["id"]]
        want = (
            v["booked"] + v["paid"],
            v["bookings"],
            v["bookings"] + v["payments"],
            conversations.get(p["id"], 0),
        )
        got = (p["ltv_minor"], p["bookings_count"], p["purchases_count"], p["interactions_count"])
        if got != want or want[0] != made_value[p["id"]]:
            problems.append(
                f"customer {p['id']}: (ltv, bookings, purchases, interactions) {got}, "
                f"recomputed {want}, made ltv {made_value[p['id']]}"
            )
    return problems
