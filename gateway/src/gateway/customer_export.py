"""GDPR access (`GET /api/v1/customers/{id}/export`): what every service holds about one
customer, gathered over gRPC (each service's own read RPCs, every page), as JSON or as a PDF
report (fpdf2)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from moodline.automation.v1 import automation_pb2
from moodline.billing.v1 import billing_pb2
from moodline.conversation.v1 import conversation_pb2
from moodline.customer.v1 import customer_pb2
from moodline.loyalty.v1 import loyalty_pb2
from moodline.sentiment.v1 import sentiment_pb2

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata

PAGE = 200


def _dict(message: Message) -> dict:
    return MessageToDict(message, preserving_proto_field_name=True)


async def _all(
    call: Callable[[str], Awaitable[Any]], field: str, token_field: str = "next_page_token"
) -> list:
    out: list = []
    token = ""
    while True:
        page = await call(token)
        out += list(getattr(page, field))
        token = getattr(page, token_field)
        if not token:
            return out


async def _optional(call: Awaitable[Message]) -> dict | None:
    try:
        return _dict(await call)
    except grpc.aio.AioRpcError as exc:
        if exc.code() == grpc.StatusCode.NOT_FOUND:
            return None
        raise


async def gather(up: Upstreams, who: Principal, customer_id: str) -> dict:
    md = metadata(who)
    profile = await up.customers.ExportCustomerData(
        customer_pb2.ExportCustomerDataRequest(id=customer_id), metadata=md
    )  # first: NOT_FOUND (or a customer the caller may not see) ends here

    async def conversations() -> list[dict]:
        stub = up["conversation"]
        found = await _all(
            lambda t: stub.ListConversations(
                conversation_pb2.ListConversationsRequest(
                    customer_id=customer_id, page_size=PAGE, page_token=t
                ),
                metadata=md,
            ),
            "conversations",
        )
        out = []
        for conversation in found:
            messages = await _all(
                lambda t, c=conversation: stub.GetConversation(
                    conversation_pb2.GetConversationRequest(
                        id=c.id, message_page_size=PAGE, message_page_token=t
                    ),
                    metadata=md,
                ),
                "messages",
                "next_message_page_token",
            )
            out.append({**_dict(conversation), "messages": [_dict(m) for m in messages]})
        return out

    def billing_list(rpc: str, request: type, field: str) -> Awaitable[list]:
        stub = up["billing"]
        return _all(
            lambda t: getattr(stub, rpc)(
                request(customer_id=customer_id, page_size=PAGE, page_token=t), metadata=md
            ),
            field,
        )

    async def loyalty() -> list[dict]:
        stub = up["loyalty"]
        enrolments = await _all(
            lambda t: stub.ListEnrolments(
                loyalty_pb2.ListEnrolmentsRequest(
                    customer_id=customer_id, page_size=PAGE, page_token=t
                ),
                metadata=md,
            ),
            "enrolments",
        )
        out = []
        for enrolment in enrolments:
            entries = await _all(
                lambda t, e=enrolment: stub.GetLedger(
                    loyalty_pb2.GetLedgerRequest(enrolment_id=e.id, page_size=PAGE, page_token=t),
                    metadata=md,
                ),
                "entries",
            )
            out.append({**_dict(enrolment), "ledger": [_dict(x) for x in entries]})
        return out

    def automation_list(rpc: str, request: type, field: str) -> Awaitable[list]:
        stub = up["automation"]
        return _all(
            lambda t: getattr(stub, rpc)(
                request(customer_id=customer_id, page_size=PAGE, page_token=t), metadata=md
            ),
            field,
        )

    (
        convs,
        sentiment,
        bookings,
        invoices,
        payments,
        subscriptions,
        value,
        enrolments,
        runs,
        tasks,
    ) = await asyncio.gather(
        conversations(),
        _optional(
            up["sentiment"].GetCustomerSentiment(
                sentiment_pb2.GetCustomerSentimentRequest(customer_id=customer_id), metadata=md
            )
        ),
        billing_list("ListBookings", billing_pb2.ListBookingsRequest, "bookings"),
        billing_list("ListInvoices", billing_pb2.ListInvoicesRequest, "invoices"),
        billing_list("ListPayments", billing_pb2.ListPaymentsRequest, "payments"),
        billing_list("ListSubscriptions", billing_pb2.ListSubscriptionsRequest, "subscriptions"),
        _optional(
            up["billing"].GetCustomerValue(
                billing_pb2.GetCustomerValueRequest(customer_id=customer_id), metadata=md
            )
        ),
        loyalty(),
        automation_list("ListRuns", automation_pb2.ListRunsRequest, "runs"),
        automation_list("ListTasks", automation_pb2.ListTasksRequest, "tasks"),
    )
    return {
        "customer_id": customer_id,
        "exported_at": datetime.now(UTC).isoformat(),
        "customer": {
            "profile": _dict(profile.customer),
            "notes": [_dict(n) for n in profile.notes],
            "consent_history": [_dict(c) for c in profile.consent_history],
            "timeline": [_dict(e) for e in profile.timeline],
        },
        "conversation": {"conversations": convs},
        "sentiment": {"customer": sentiment},
        "billing": {
            "value": value,
            "bookings": [_dict(x) for x in bookings],
            "invoices": [_dict(x) for x in invoices],
            "payments": [_dict(x) for x in payments],
            "subscriptions": [_dict(x) for x in subscriptions],
        },
        "loyalty": {"enrolments": enrolments},
        "automation": {"runs": [_dict(x) for x in runs], "tasks": [_dict(x) for x in tasks]},
    }


# --- PDF ---------------------------------------------------------------------------------------
def _latin(text: str) -> str:
    """The core fonts are Latin-1: other characters become '?' rather than failing."""
    return text.encode("latin-1", "replace").decode("latin-1")


def _lines(value: Any, indent: int = 0) -> list[tuple[int, str]]:
    pad = indent
    if isinstance(value, dict):
        out: list[tuple[int, str]] = []
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                out.append((pad, f"{key}:"))
                out += _lines(item, indent + 1)
            elif not isinstance(item, dict | list):
                out.append((pad, f"{key}: {item}"))
        return out
    if isinstance(value, list):
        out = []
        for i, item in enumerate(value, 1):
            out.append((pad, f"#{i}"))
            out += _lines(item, indent + 1)
        return out
    return [(pad, str(value))]


def to_pdf(data: dict) -> bytes:
    # fpdf2 (and fontTools, Pillow, numpy under it) is imported on the first PDF export, not by
    # every gateway start.
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin(f"Personal data held about customer {data['customer_id']}"))
    pdf.ln(12)
    pdf.set_font("Helvetica", size=9)
    pdf.cell(0, 6, _latin(f"Exported {data['exported_at']} (GDPR access request)"))
    pdf.ln(10)
    for section in ("customer", "conversation", "sentiment", "billing", "loyalty", "automation"):
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, section.capitalize())
        pdf.ln(9)
        pdf.set_font("Helvetica", size=8)
        for indent, text in _lines(data[section]) or [(0, "(nothing)")]:
            pdf.set_x(pdf.l_margin + 4 * min(indent, 8))
            pdf.multi_cell(0, 4, _latin(text[:2000]), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())
