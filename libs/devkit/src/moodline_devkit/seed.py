"""Demo data for `make run`: fictional people and businesses, and their bookings, payments and
invoices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

DEMO_CUSTOMERS: list[dict] = [
    {
        "first_name": "Olivia",
        "last_name": "Martinez",
        "company": "",
        "phones": [{"number": "(415) 555-2671", "primary": True}],
        "emails": [{"address": "olivia.martinez@example.com", "primary": True}],
    },
    {
        "first_name": "Liam",
        "last_name": "Chen",
        "company": "Chen Dental",
        "phones": [{"number": "+1 212 555 0147", "primary": True}],
        "emails": [{"address": "liam@chendental.example", "primary": True}],
    },
    {
        "first_name": "Sophia",
        "last_name": "Okafor",
        "company": "",
        "phones": [{"number": "646-555-0199", "primary": True}],
        "emails": [],
    },
    {
        "first_name": "Noah",
        "last_name": "Schmidt",
        "company": "Schmidt Plumbing",
        "phones": [{"number": "+49 30 901820", "primary": True}],
        "emails": [{"address": "noah@schmidt-plumbing.example", "primary": True}],
    },
    {
        "first_name": "Emma",
        "last_name": "Rossi",
        "company": "Trattoria Rossi",
        "phones": [{"number": "+39 06 6982 1234", "primary": True}],
        "emails": [{"address": "emma@trattoriarossi.example", "primary": True}],
    },
    {
        "first_name": "James",
        "last_name": "O'Brien",
        "company": "",
        "phones": [{"number": "+44 20 7946 0958", "primary": True}],
        "emails": [{"address": "james.obrien@example.co.uk", "primary": True}],
    },
    {
        "first_name": "Ava",
        "last_name": "Johnson",
        "company": "Harbor View Hotel",
        "phones": [
            {"number": "(305) 555-0123", "primary": True},
            {"number": "(305) 555-0456", "primary": False},
        ],
        "emails": [{"address": "ava.johnson@harborview.example", "primary": True}],
    },
    {
        "first_name": "Mateo",
        "last_name": "Garcia",
        "company": "",
        "phones": [{"number": "+34 912 345 678", "primary": True}],
        "emails": [],
    },
    {
        "first_name": "Isabella",
        "last_name": "Nguyen",
        "company": "Glow Salon",
        "phones": [{"number": "(512) 555-0188", "primary": True}],
        "emails": [{"address": "isabella@glowsalon.example", "primary": True}],
    },
    {
        "first_name": "Ethan",
        "last_name": "Williams",
        "company": "",
        "phones": [],
        "emails": [{"address": "ethan.w@example.net", "primary": True}],
    },
]

# Billing demo data (through the gateway's billing routes), so the LTV cards, the High Value
# and VIP segments and the purchase-driven lifecycle stages show real values.
DEMO_SERVICES: list[dict] = [
    {"name": "Haircut & style", "duration_minutes": 45, "price_minor": 6_500, "currency": "USD"},
    {
        "name": "Colour & highlights",
        "duration_minutes": 120,
        "price_minor": 18_000,
        "currency": "USD",
    },
    {
        "name": "Deep-tissue massage",
        "duration_minutes": 60,
        "price_minor": 11_000,
        "currency": "USD",
    },
    {"name": "Bridal package", "duration_minutes": 240, "price_minor": 65_000, "currency": "USD"},
]
DEMO_STAFF: list[dict] = [{"name": "Mia Torres"}, {"name": "Leo Park"}, {"name": "Ava Singh"}]

# Per demo customer (by index in DEMO_CUSTOMERS): the services (by index) of their completed
# bookings, paid in full. Olivia spends > $1,000 (VIP), Liam books 3 times (Repeat), Sophia
# once (Customer); Noah's card fails (At Risk); Emma has an invoice (trades) partly paid.
DEMO_BOOKINGS: dict[int, list[int]] = {0: [3, 3, 1], 1: [0, 2, 0], 2: [1], 3: [0], 5: [2, 1]}


def seed_billing(post: Callable[[str, dict], tuple[int, dict]], customer_ids: list[str]) -> None:
    """`post(path, body)` -> (status, body) against the gateway with the demo key."""

    def created(path: str, body: dict) -> dict:
        status, out = post(path, body)
        if status != 201:
            raise RuntimeError(f"billing seeding failed: POST {path} {status} {out}")
        return out

    services = [created("/api/v1/services", s) for s in DEMO_SERVICES]
    staff = [created("/api/v1/staff", s) for s in DEMO_STAFF]
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    slot = 0
    for customer, picks in DEMO_BOOKINGS.items():
        for service_index in picks:
            slot += 1
            service = services[service_index]
            booking = created(
                "/api/v1/bookings",
                {
                    "customer_id": customer_ids[customer],
                    "service_id": service["id"],
                    "staff_id": staff[slot % len(staff)]["id"],
                    "starts_at": (start - timedelta(days=3 * slot)).isoformat(),
                    "currency": "USD",
                    "confirm": True,
                },
            )
            post(f"/api/v1/bookings/{booking['id']}/complete", {})
            created(
                "/api/v1/payments",
                {
                    "customer_id": customer_ids[customer],
                    "booking_id": booking["id"],
                    "amount_minor": booking["amount_minor"],
                    "currency": "USD",
                    "method": "card",
                },
            )
    # An upcoming requested booking, a failed card payment, an invoice partly paid.
    created(
        "/api/v1/bookings",
        {
            "customer_id": customer_ids[3],
            "service_id": services[2]["id"],
            "staff_id": staff[0]["id"],
            "starts_at": (start + timedelta(days=2)).isoformat(),
            "currency": "USD",
        },
    )
    created(
        "/api/v1/payments",
        {
            "customer_id": customer_ids[3],
            "amount_minor": 11_000,
            "currency": "USD",
            "method": "card",
            "status": "failed",
            "failure_code": "card_declined",
        },
    )
    invoice = created(
        "/api/v1/invoices",
        {
            "customer_id": customer_ids[4],
            "items": [
                {
                    "description": "Kitchen tap replacement",
                    "quantity": 1,
                    "unit_price_minor": 24_000,
                },
                {"description": "Call-out fee", "quantity": 1, "unit_price_minor": 6_000},
            ],
            "tax_minor": 2_400,
            "currency": "USD",
        },
    )
    created(
        "/api/v1/payments",
        {
            "customer_id": customer_ids[4],
            "invoice_id": invoice["id"],
            "amount_minor": 15_000,
            "currency": "USD",
            "method": "transfer",
        },
    )


# The demo tenant's loyalty program (a points program earning on payments and visits) and
# its history: (customer index in DEMO_CUSTOMERS, starting balance, adjustments as
# (points, reason, note)).
DEMO_LOYALTY_PROGRAM: dict = {
    "name": "Glow Rewards",
    "kind": "points",
    "currency": "USD",
    "description": "1 point per $1 spent, 10 points per visit; points expire after a year.",
    "earn_rules": [
        {"trigger": "payment_succeeded", "amount_per_unit": 1, "spend_unit_minor": 100},
        {"trigger": "booking_completed", "fixed_amount": 10},
    ],
    "expiry_policy": "after_days",
    "expire_after_days": 365,
    "min_redemption": 50,
}
DEMO_LOYALTY_HISTORY: list[tuple[int, int, list[tuple[int, str, str]]]] = [
    (0, 100, [(45, "earned", "Haircut & colour"), (-50, "redeemed", "Free blow-dry")]),
    (1, 0, [(120, "earned", "Whitening"), (10, "earned", "Visit")]),
    (4, 250, [(-100, "redeemed", "Dinner voucher"), (25, "manual_adjustment", "Apology")]),
    (6, 500, [(80, "earned", "Spa day"), (-200, "redeemed", "Suite upgrade")]),
    (8, 40, []),
]


def seed_loyalty(post: Callable[[str, dict], tuple[int, dict]], customer_ids: list[str]) -> None:
    """The demo points program, customers enrolled in it, and some history on each."""

    def created(path: str, body: dict) -> dict:
        status, out = post(path, body)
        if status != 201:
            raise RuntimeError(f"loyalty seeding failed: POST {path} {status} {out}")
        return out

    program = created("/api/v1/loyalty/programs", DEMO_LOYALTY_PROGRAM)
    for index, starting, history in DEMO_LOYALTY_HISTORY:
        enrolment = created(
            f"/api/v1/customers/{customer_ids[index]}/loyalty",
            {"program_id": program["id"], "starting_balance": starting, "notes": "demo"},
        )
        for n, (points, reason, note) in enumerate(history):
            created(
                f"/api/v1/loyalty/enrolments/{enrolment['id']}/adjustments",
                {"points": points, "reason": reason, "note": note, "idempotency_key": f"demo-{n}"},
            )
