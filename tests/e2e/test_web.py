"""The web UI in Debian's Chromium against the whole platform as `make run` starts it: sign in,
search by a partial phone number, open a profile, a bad phone's field error, a concurrent edit,
a frustrated message flipping the sentiment badge live, an override, booking at another price
and paying (the LTV cards change), refunding part of it (they go down), enrolling and adjusting
loyalty (balance and ledger), a folder from the picker, a workflow created in the editor and
run from the profile (its run history, the demo workflow's run, the task it made), the tasks
and bookings screens, importing a CSV with one bad row (preview, progress, error report),
exporting the customers shown, merging two duplicates (the survivor holds both's conversations
and LTV) and "Merge with…" from a profile. axe-core checks every main screen for serious and
critical violations; the screens are saved under docs/screenshots/."""

from __future__ import annotations

import json
import shutil
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from moodline_devkit.testing.phones import unique_phone
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1366, "height": 768}
LIVE_TIMEOUT_MS = 60_000  # scoring goes through NATS, the sentiment service and Triton
WELCOME = f"Welcome call {uuid.uuid4().hex[:4]}"  # the workflow the automation test creates


@pytest.fixture(scope="module")
def built_web() -> None:
    sys.path.insert(0, str(REPO / "web"))
    try:
        import toolchain

        toolchain.build()
    finally:
        sys.path.remove(str(REPO / "web"))


@pytest.fixture(scope="module")
def page(platform, built_web):
    assert shutil.which("chromium") or Path(CHROMIUM).exists(), "run `make browser` first"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        # Reduced motion: no popover fade for axe to measure half-way (the app honours it).
        context = browser.new_context(
            viewport=VIEWPORT, base_url=platform["gateway_url"], reduced_motion="reduce"
        )
        page = context.new_page()
        page.console_errors = []  # type: ignore[attr-defined]

        def on_console(message) -> None:  # type: ignore[no-untyped-def]
            # A message not scored yet answers 404 by design (shown as "not scored yet");
            # Chromium logs every 4xx resource as an error.
            url = message.location.get("url", "")
            if message.type == "error" and not (
                "/api/v1/sentiment/messages/" in url and "404" in message.text
            ):
                page.console_errors.append(f"{message.text} ({url})")  # type: ignore[attr-defined]

        page.on("console", on_console)
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))  # type: ignore[attr-defined]
        yield page
        browser.close()


@pytest.fixture(scope="module")
def api(platform):
    with httpx.Client(
        base_url=platform["gateway_url"],
        headers={"Authorization": f"Bearer {platform['api_key']}"},
        timeout=30,
    ) as client:
        yield client


def _axe_serious(page: Page) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now (the pointer moved
    off the last control clicked, so its hover colours do not count)."""
    page.mouse.move(0, VIEWPORT["height"] - 1)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        f"{[(n['target'], n.get('failureSummary', '')) for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _forget_expected(page: Page, status: int) -> None:
    """Chromium logs every 4xx as a console error; drop those a step provoked on purpose."""
    page.console_errors[:] = [  # type: ignore[attr-defined]
        e
        for e in page.console_errors
        if f"status of {status} " not in e  # type: ignore[attr-defined]
    ]


def _sign_in(page: Page, platform: dict) -> None:
    page.get_by_label("Email").fill(platform["admin_email"])
    page.get_by_role("textbox", name="Password").fill(platform["admin_password"])
    page.get_by_role("button", name="Sign in").click()


def test_sign_in(page: Page, platform):
    page.goto("/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert _axe_serious(page) == []
    _shot(page, "sign-in")
    page.get_by_label("Email").fill(platform["admin_email"])
    page.get_by_role("textbox", name="Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    _forget_expected(page, 401)
    _sign_in(page, platform)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_test_id("signed-in-user")).to_have_text("Demo Admin")
    expect(page.get_by_role("banner")).to_contain_text("Demo Salon & Spa")
    expect(page.get_by_role("group", name="Total customers")).to_contain_text("10")


def test_search_by_partial_phone(page: Page):
    customers = page.get_by_role("navigation", name="Customers").get_by_role("listitem")
    expect(customers.first).to_be_visible()
    assert customers.count() >= 10
    page.get_by_role("searchbox", name="Search customers").fill("555-26")
    expect(customers).to_have_count(1)
    expect(customers.first).to_contain_text("Olivia Martinez")
    assert _axe_serious(page) == []
    _shot(page, "workspace-search")


def test_open_profile(page: Page):
    page.get_by_role("navigation", name="Customers").get_by_role(
        "button", name="Olivia Martinez"
    ).click()
    profile = page.get_by_role("main", name="Customer profile")
    expect(profile.get_by_role("heading", name="Olivia Martinez")).to_be_visible()
    expect(profile.get_by_text("olivia.martinez@example.com")).to_be_visible()
    expect(page.get_by_test_id("sentiment-badge")).to_have_text("Neutral")
    expect(profile.get_by_text("No conversations yet.")).to_be_visible()
    assert _axe_serious(page) == []
    _shot(page, "profile")


def test_bad_phone_shows_the_servers_field_error(page: Page):
    page.get_by_role("button", name="Edit contact info").click()
    phone = page.get_by_role("textbox", name="Phone")
    phone.fill("12ab")
    page.get_by_role("button", name="Save contact info").click()
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("not a phone number")).to_be_visible()
    assert _axe_serious(page) == []
    _shot(page, "field-error")
    page.get_by_role("button", name="Cancel").click()
    _forget_expected(page, 422)


def test_a_concurrent_edit_reloads_and_shows_what_changed(page: Page, api: httpx.Client):
    page.get_by_role("button", name="Edit contact info").click()
    company = f"Martinez Hair {uuid.uuid4().hex[:4]}"
    page.get_by_role("textbox", name="Company").fill(company)
    olivia = api.get("/api/v1/customers", params={"q": "555-26"}).json()["items"][0]
    before = olivia["preferred_contact_time"] or "(empty)"
    elsewhere = f"weekday mornings {uuid.uuid4().hex[:4]}"
    changed = api.patch(
        f"/api/v1/customers/{olivia['id']}",
        headers={"If-Match": f'W/"{olivia["version"]}"'},
        json={"preferred_contact_time": elsewhere},
    )
    assert changed.status_code == 200, changed.text
    page.get_by_role("button", name="Save contact info").click()
    notice = page.get_by_role("alert").filter(has_text="Someone else changed this customer")
    expect(notice).to_contain_text(f"Preferred contact time: {before} → {elsewhere}")
    page.get_by_role("button", name="Save contact info").click()  # the draft is kept
    contact = page.get_by_role("region", name="Contact info")
    expect(contact.get_by_text(company)).to_be_visible()
    expect(contact.get_by_text(elsewhere)).to_be_visible()
    _forget_expected(page, 412)


def test_a_frustrated_message_flips_the_badge_without_reload(page: Page, api: httpx.Client):
    marker = page.evaluate("() => (window.__noReload = crypto.randomUUID())")
    ingested = api.post(
        "/api/v1/conversations/messages",
        json={
            "provider_message_id": f"SM{uuid.uuid4().hex}",
            "channel": "sms",
            "customer": {"phone": "(415) 555-2671"},
            "direction": "inbound",
            "author": "customer",
            "text": "This is unacceptable. My appointment was cancelled again and nobody "
            "called me back. I am furious and fed up.",
            "sent_at": "2026-12-01T10:00:00Z",
        },
    )
    assert ingested.status_code == 202, ingested.text
    assert not ingested.json()["customer_created"]
    badge = page.get_by_test_id("sentiment-badge")
    expect(badge).to_have_text("Frustrated", timeout=LIVE_TIMEOUT_MS)
    expect(page.get_by_role("region", name="Conversations")).to_contain_text(
        "I am furious", timeout=LIVE_TIMEOUT_MS
    )
    assert page.evaluate("() => window.__noReload") == marker, "the page was reloaded"
    page.get_by_role("button", name="Why?").click()
    expect(page.get_by_role("dialog", name="Why?")).to_contain_text("message")
    assert _axe_serious(page) == []
    _shot(page, "sentiment-explained")
    page.keyboard.press("Escape")


def test_apply_an_override(page: Page):
    form = page.get_by_role("form", name="Sentiment override")
    expect(form).to_contain_text("lapses")
    form.get_by_role("combobox", name="Sentiment").click()
    page.get_by_role("option", name="Happy").click()
    form.get_by_role("textbox", name="Reason").fill("Called back and rebooked; she is pleased.")
    form.get_by_role("button", name="Apply override").click()
    expect(page.get_by_test_id("sentiment-badge")).to_have_text("Happy (override)")
    expect(form).to_contain_text("Called back and rebooked")
    assert _axe_serious(page) == []
    _shot(page, "override")


def _usd(minor: int) -> str:
    return f"${minor / 100:,.2f}"


def _olivia(api: httpx.Client) -> dict:
    return api.get("/api/v1/customers", params={"q": "555-26"}).json()["items"][0]


def test_book_pay_and_refund_change_the_ltv_card(page: Page, api: httpx.Client):
    olivia = _olivia(api)
    value = f"/api/v1/customers/{olivia['id']}/value"
    before = api.get(value).json()
    ltv = page.get_by_test_id("customer-ltv")
    expect(ltv).to_have_text(_usd(before["lifetime_value_minor"]))
    total_ltv = page.get_by_test_id("stat-Total LTV")
    total_before = api.get("/api/v1/customers/stats").json()["total_ltv_minor"]
    expect(total_ltv).to_have_text(_usd(total_before))
    service = next(
        s for s in api.get("/api/v1/services").json()["items"] if s["name"] == "Haircut & style"
    )
    # Booked at another price than the service's (a 10.00 discount).
    price = service["price_minor"] - 1000

    bookings = page.get_by_role("region", name="Bookings")
    bookings.get_by_role("button", name="Book a service").click()
    dialog = page.get_by_role("dialog", name="Book a service")
    dialog.get_by_role("combobox", name="Service").click()
    page.get_by_role("option", name=f"Haircut & style · {service['duration_minutes']} min").click()
    amount = dialog.get_by_role("textbox", name="Price (USD)")
    expect(amount).to_have_value(f"{service['price_minor'] / 100:.2f}")
    amount.fill(f"{price / 100:.2f}")
    expect(dialog).to_contain_text(f"The service's price is {_usd(service['price_minor'])}")
    dialog.get_by_role("combobox", name="Staff member").click()
    page.get_by_role("option", name="Mia Torres").click()
    assert _axe_serious(page) == []
    _shot(page, "book-a-service")
    dialog.get_by_role("button", name="Book").click()
    expect(dialog).to_be_hidden()
    booked = (
        bookings.get_by_role("listitem")
        .filter(has_text="with Mia Torres")
        .filter(has_text="Confirmed")
    )
    expect(booked.first).to_be_visible()
    expect(booked.first).to_contain_text(_usd(price))
    # A confirmed booking counts toward LTV: the card shows billing's figure at once, the
    # summary card the customer service's once billing's event reached it (live).
    after_booking = before["lifetime_value_minor"] + price
    expect(ltv).to_have_text(_usd(after_booking))
    expect(total_ltv).to_have_text(_usd(total_before + price), timeout=LIVE_TIMEOUT_MS)

    booked.first.get_by_role("button", name="Take payment").click()
    pay = page.get_by_role("dialog", name="Take payment")
    expect(pay.get_by_role("textbox", name="Amount (USD)")).to_have_value(f"{price / 100:.2f}")
    pay.get_by_role("combobox", name="Method").click()
    page.get_by_role("option", name="Cash").click()
    pay.get_by_role("button", name="Record payment").click()
    expect(pay).to_be_hidden()
    payments = page.get_by_role("region", name="Invoices and payments").get_by_role(
        "list", name="Payments"
    )
    expect(payments).to_contain_text(f"{_usd(price)} · Cash")
    expect(page.get_by_test_id("value-Paid")).to_have_text(_usd(before["total_paid_minor"] + price))
    expect(booked.first.get_by_role("button", name="Take payment")).to_be_hidden()
    assert api.get(value).json()["lifetime_value_minor"] == after_booking

    # A partial refund of that payment: LTV, the summary's total and what was paid go down.
    refund = 1500
    payments.get_by_role("button", name=f"Refund {_usd(price)} Cash payment").click()
    dialog = page.get_by_role("dialog", name="Refund payment")
    amount = dialog.get_by_role("textbox", name="Refund amount (USD)")
    expect(amount).to_have_value(f"{price / 100:.2f}")
    amount.fill(f"{(price + 1) / 100:.2f}")
    expect(dialog).to_contain_text("More than is left to refund")
    expect(dialog.get_by_role("button", name="Refund")).to_be_disabled()
    amount.fill(f"{refund / 100:.2f}")
    dialog.get_by_role("textbox", name="Reason").fill("Colour touch-up not done")
    assert _axe_serious(page) == []
    _shot(page, "refund")
    dialog.get_by_role("button", name="Refund").click()
    expect(dialog).to_be_hidden()
    expect(payments).to_contain_text(f"refunded {_usd(refund)}")
    expect(payments).to_contain_text("Partially Refunded")
    # Money given back: the booking does not ask for it again.
    expect(booked.first).to_contain_text(f"paid {_usd(price - refund)} · refunded {_usd(refund)}")
    expect(booked.first.get_by_role("button", name="Take payment")).to_be_hidden()
    expect(ltv).to_have_text(_usd(after_booking - refund))
    expect(page.get_by_test_id("value-Paid")).to_have_text(
        _usd(before["total_paid_minor"] + price - refund)
    )
    expect(total_ltv).to_have_text(_usd(total_before + price - refund), timeout=LIVE_TIMEOUT_MS)
    assert api.get(value).json()["lifetime_value_minor"] == after_booking - refund
    page.get_by_role("group", name="Lifetime value").evaluate(
        "e => e.scrollIntoView({block: 'start'})"
    )
    assert _axe_serious(page) == []
    _shot(page, "bookings-and-payments")


def test_enrol_and_adjust_loyalty(page: Page, api: httpx.Client):
    program = api.post(
        "/api/v1/loyalty/programs",
        json={
            "name": f"Referral Club {uuid.uuid4().hex[:4]}",
            "kind": "points",
            "currency": "USD",
            "description": "Points for bringing a friend",
            "earn_rules": [],
            "expiry_policy": "never",
        },
    )
    assert program.status_code == 201, program.text
    name = program.json()["name"]
    loyalty = page.get_by_role("region", name="Loyalty")
    loyalty.scroll_into_view_if_needed()
    expect(loyalty.get_by_role("article", name="Glow Rewards enrolment")).to_be_visible()
    loyalty.get_by_role("button", name="Add to program").click()
    dialog = page.get_by_role("dialog", name="Add to program")
    dialog.get_by_role("combobox", name="Program").click()
    page.get_by_role("option", name=f"{name} (points)").click()
    dialog.get_by_role("textbox", name="Starting balance").fill("20")
    dialog.get_by_role("button", name="Enrol").click()
    expect(dialog).to_be_hidden()
    card = loyalty.get_by_role("article", name=f"{name} enrolment")
    expect(card.get_by_test_id("loyalty-balance")).to_have_text("20 points")

    card.get_by_role("button", name="Adjust balance").click()
    adjust = page.get_by_role("dialog", name=f"Adjust {name}")
    adjust.get_by_role("textbox", name="Change (points)").fill("15")
    adjust.get_by_role("combobox", name="Reason").click()
    page.get_by_role("option", name="Earned").click()
    adjust.get_by_role("textbox", name="Note").fill("Referred Liam")
    adjust.get_by_role("button", name="Save adjustment").click()
    expect(adjust).to_be_hidden()
    expect(card.get_by_test_id("loyalty-balance")).to_have_text("35 points")

    card.get_by_role("button", name="Ledger").click()
    ledger = card.get_by_role("table", name=f"{name} ledger")
    expect(ledger.get_by_role("row").filter(has_text="Starting balance")).to_contain_text(
        "+20 points"
    )
    earned = ledger.get_by_role("row").filter(has_text="Referred Liam")
    expect(earned).to_contain_text("Earned")
    expect(earned).to_contain_text("+15 points")
    expect(earned).to_contain_text("35 points")
    loyalty.evaluate("e => e.scrollIntoView({block: 'start'})")
    assert _axe_serious(page) == []
    _shot(page, "loyalty")


def test_move_to_a_folder_from_the_picker(page: Page, api: httpx.Client):
    folder = api.post("/api/v1/folders", json={"name": f"Regulars {uuid.uuid4().hex[:4]}"})
    assert folder.status_code == 201, folder.text
    actions = page.get_by_role("complementary", name="Actions")
    actions.get_by_role("combobox", name="Folder").click()
    page.get_by_role("option", name=folder.json()["name"]).click()
    expect(actions.get_by_role("combobox", name="Folder")).to_have_value(folder.json()["name"])
    olivia = _olivia(api)
    assert api.get(f"/api/v1/customers/{olivia['id']}").json()["folder"] == folder.json()["id"]


def test_an_automation_and_its_run_history(page: Page, api: httpx.Client):
    name = WELCOME
    page.get_by_role("tab", name="Automations").click()
    screen = page.get_by_role("main", name="Automations")
    screen.get_by_role("button", name="New automation").click()
    editor = screen.get_by_role("form", name="New automation")
    editor.get_by_role("textbox", name="Name").fill(name)
    editor.get_by_role("combobox", name="Action 1 type").click()
    page.get_by_role("option", name="Create a task").click()
    action = editor.get_by_role("group", name="Action 1")
    action.get_by_role("textbox", name="Task title").fill(f"{name} for {{{{customer.first_name}}}}")
    action.get_by_role("textbox", name="Due in hours").fill("24")
    editor.get_by_role("switch", name="Enabled").check()
    assert _axe_serious(page) == []
    _shot(page, "automation-editor")
    editor.get_by_role("button", name="Save automation").click()
    expect(screen.get_by_role("heading", name=name)).to_be_visible()
    expect(screen).to_contain_text("It has not run yet.")

    # Run it from the profile's right panel; its history then names the customer.
    page.get_by_role("tab", name="Customers").click()
    actions = page.get_by_role("complementary", name="Actions")
    actions.get_by_role("combobox", name="Automation to run").click()
    page.get_by_role("option", name=name).click()
    actions.get_by_role("button", name="Run", exact=True).click()
    expect(actions.get_by_role("status")).to_contain_text("Succeeded", timeout=LIVE_TIMEOUT_MS)
    tasks = page.get_by_role("region", name="Tasks")
    expect(tasks).to_contain_text(f"{name} for Olivia", timeout=LIVE_TIMEOUT_MS)

    page.get_by_role("tab", name="Automations").click()
    screen.get_by_role("button", name=name).click()
    history = screen.get_by_role("table", name="Run history")
    run = history.get_by_role("row").filter(has_text="Olivia Martinez")
    expect(run.first).to_contain_text("Succeeded")
    expect(run.first).to_contain_text("Run by hand")
    run.first.get_by_role("button", name="1 step").click()
    expect(history).to_contain_text("Create Task — Succeeded")
    # The demo workflow ran when Olivia turned Frustrated (earlier in this module).
    screen.get_by_role("button", name="Customer turns Frustrated").click()
    expect(
        screen.get_by_role("table", name="Run history")
        .get_by_role("row")
        .filter(has_text="Olivia Martinez")
        .first
    ).to_contain_text("Succeeded", timeout=LIVE_TIMEOUT_MS)
    assert _axe_serious(page) == []
    _shot(page, "automations")


def test_the_tasks_and_bookings_screens(page: Page):
    page.get_by_role("tab", name="Tasks").click()
    tasks = page.get_by_role("main", name="Tasks").get_by_role("list", name="Tasks")
    welcome = tasks.get_by_role("listitem").filter(has_text=f"{WELCOME} for Olivia")
    expect(welcome).to_contain_text("Olivia Martinez")
    assert _axe_serious(page) == []
    _shot(page, "tasks")
    welcome.get_by_role("checkbox").click()
    expect(welcome).to_be_hidden()  # done: no longer open

    page.get_by_role("tab", name="Bookings").click()
    calendar = page.get_by_role("main", name="Bookings")
    calendar.get_by_role("button", name="Next week").click()
    calendar.get_by_role("button", name="This week").click()
    expect(calendar.get_by_role("heading", name="Bookings")).to_be_visible()
    # Olivia's booking of tomorrow (booked above) is in this week or the next.
    haircut = (
        calendar.get_by_role("button").filter(has_text="Olivia Martinez").filter(has_text="Haircut")
    )
    if haircut.count() == 0:
        calendar.get_by_role("button", name="Next week").click()
    expect(haircut.first).to_be_visible()
    assert _axe_serious(page) == []
    _shot(page, "calendar")
    haircut.first.click()
    expect(
        page.get_by_role("main", name="Customer profile").get_by_role(
            "heading", name="Olivia Martinez"
        )
    ).to_be_visible()


def test_import_a_csv_with_one_bad_row(page: Page, tmp_path):
    csv_file = tmp_path / "clients.csv"
    csv_file.write_text(
        "First Name,Last Name,Phone,Email\n"
        "Grace,Hopper,(415) 555-0199,grace.hopper@example.com\n"
        "Alan,Turing,12ab,alan.turing@example.com\n"
    )
    page.get_by_role("tab", name="Customers").click()
    page.get_by_role("button", name="Import", exact=True).click()
    wizard = page.get_by_role("dialog", name="Import customers")
    with page.expect_file_chooser() as chooser:
        wizard.get_by_role("button", name="File").click()
    chooser.value.set_files(str(csv_file))
    wizard.get_by_role("button", name="Upload and preview").click()
    preview = wizard.get_by_role("table", name="Mapping and preview")
    expect(wizard.get_by_role("combobox", name="Field for Phone")).to_have_value("Phone")
    bad = preview.get_by_role("row").filter(has_text="12ab")
    expect(bad).to_contain_text("phone")
    assert _axe_serious(page) == []
    _shot(page, "import-preview")
    wizard.get_by_role("button", name="Run import").click()
    expect(wizard.get_by_role("status")).to_contain_text("Import finished", timeout=LIVE_TIMEOUT_MS)
    results = wizard.get_by_role("group", name="Import results")
    expect(results).to_contain_text("Created: 1")
    expect(results).to_contain_text("Failed: 1")
    _shot(page, "import-done")
    with page.expect_download() as download:
        wizard.get_by_role("button", name="Download error report").click()
    report = Path(download.value.path()).read_text()
    assert "Turing" in report and "Hopper" not in report, report
    assert "row_number" in report.splitlines()[0], report
    _forget_expected(page, 422)
    wizard.get_by_role("button", name="Done").click()
    page.get_by_role("searchbox", name="Search customers").fill("Hopper")
    customers = page.get_by_role("navigation", name="Customers").get_by_role("listitem")
    expect(customers).to_have_count(1)
    expect(customers.first).to_contain_text("Grace Hopper")


def test_export_the_customers_shown(page: Page):
    page.get_by_role("button", name="Export", exact=True).click()
    dialog = page.get_by_role("dialog", name="Export customers")
    expect(dialog).to_contain_text("search “Hopper”")
    dialog.get_by_role("button", name="Export", exact=True).click()
    link = dialog.get_by_role("link", name="Download")
    expect(link).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    assert _axe_serious(page) == []
    with page.expect_download() as download:
        link.click()
    exported = Path(download.value.path()).read_text()
    assert "Grace" in exported and "Olivia" not in exported, exported
    dialog.get_by_role("button", name="Close", exact=True).last.click()
    page.get_by_role("searchbox", name="Search customers").fill("")


def test_merge_two_duplicates(page: Page, api: httpx.Client, customer_with_history):
    """The duplicates screen suggests the pair; the wizard compares them, takes the first name
    from the duplicate, previews and merges; the survivor holds both conversations and both
    bookings' value."""
    mark = uuid.uuid4().hex[:4]
    email = f"mira.stone.{mark}@example.com"
    mira, myra = (
        customer_with_history(
            first=first,
            last=f"Stone{mark}",
            phone=unique_phone(),
            email=email,
            text=text,
            amount=amount,
        )
        for first, text, amount in (
            ("Mira", "Thank you, the colour was perfect!", 12_000),
            ("Myra", "Can I move my Friday slot to Saturday?", 8_000),
        )
    )
    page.get_by_role("tab", name="Duplicates").click()
    screen = page.get_by_role("main", name="Duplicates")
    pair = screen.get_by_role("listitem", name=f"Mira Stone{mark} and Myra Stone{mark}")
    expect(pair).to_contain_text(f"Same email {email}")
    expect(pair).to_contain_text("alike")
    assert _axe_serious(page) == []
    _shot(page, "duplicates")

    pair.get_by_role("button", name="Compare and merge").click()
    wizard = page.get_by_role("dialog", name="Merge customers")
    stays = wizard.get_by_role("radiogroup", name="Which profile stays")
    expect(stays.get_by_role("radio", name=f"Keep Mira Stone{mark}")).to_be_checked()
    first_name = wizard.get_by_role("radiogroup", name="First name")
    expect(first_name.get_by_role("radio", name="Mira")).to_be_checked()
    first_name.get_by_role("radio", name="Myra").check()
    assert _axe_serious(page) == []
    _shot(page, "merge-compare")
    wizard.get_by_role("button", name="Preview the merge").click()
    merged = wizard.get_by_role("table", name="The merged profile")
    expect(merged.get_by_role("row", name="First name")).to_contain_text("Myra")
    expect(merged.get_by_role("row", name="Phones")).to_contain_text(myra["phones"][0]["number"])
    expect(merged.get_by_role("row", name="Phones")).to_contain_text(mira["phones"][0]["number"])
    assert _axe_serious(page) == []
    _shot(page, "merge-preview")
    wizard.get_by_role("button", name=f"Merge Myra Stone{mark} into Mira Stone{mark}").click()

    # Every service moves Myra's data; the wizard then opens the survivor.
    expect(wizard).to_be_hidden(timeout=LIVE_TIMEOUT_MS)
    profile = page.get_by_role("main", name="Customer profile")
    expect(profile.get_by_role("heading", name=f"Myra Stone{mark}")).to_be_visible()
    assert page.evaluate("() => new URL(location.href).searchParams.get('customer')") == mira["id"]
    conversations = page.get_by_role("region", name="Conversations")
    expect(conversations).to_contain_text("the colour was perfect", timeout=LIVE_TIMEOUT_MS)
    expect(conversations).to_contain_text("move my Friday slot", timeout=LIVE_TIMEOUT_MS)
    expect(page.get_by_test_id("customer-ltv")).to_have_text(_usd(20_000), timeout=LIVE_TIMEOUT_MS)
    expect(page.get_by_test_id("value-Bookings")).to_have_text("2")
    gone = api.get(f"/api/v1/customers/{myra['id']}", follow_redirects=False)
    assert gone.status_code == 308, gone.text
    page.get_by_role("group", name="Lifetime value").evaluate(
        "e => e.scrollIntoView({block: 'start'})"
    )
    assert _axe_serious(page) == []
    _shot(page, "merged")

    # "Merge with…" on a profile finds the other customer and opens the same wizard.
    page.get_by_role("main", name="Customer profile").evaluate("e => e.scrollTo(0, 0)")
    page.get_by_role("button", name="Merge with…").click()
    chooser = page.get_by_role("dialog", name=f"Merge Myra Stone{mark} with…")
    chooser.get_by_role("searchbox", name="Find the other customer").fill("Olivia")
    chooser.get_by_role("button", name="Merge with Olivia Martinez").click()
    wizard = page.get_by_role("dialog", name="Merge customers")
    stays = wizard.get_by_role("radiogroup", name="Which profile stays")
    expect(stays.get_by_role("radio", name=f"Keep Myra Stone{mark}")).to_be_checked()
    expect(stays.get_by_role("radio", name="Keep Olivia Martinez")).not_to_be_checked()
    wizard.get_by_role("button", name="Close").click()
    expect(wizard).to_be_hidden()


def test_no_console_errors(page: Page):
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_sign_out(page: Page, platform):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert json.loads(page.evaluate("() => JSON.stringify(sessionStorage)")) == {}
