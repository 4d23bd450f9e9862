import json
import uuid
from datetime import UTC, datetime

import pytest
from billing.domain.webhooks import sign, verify
from billing.service_layer.providers import EventKind, ManualProvider, provider
from moodline_kit.errors import InvalidArgument, Unauthenticated

NOW = datetime(2027, 1, 5, 9, tzinfo=UTC)
T = int(NOW.timestamp())
BODY = b'{"id":"evt_1"}'


def test_a_signed_delivery_within_the_tolerance_verifies():
    verify(
        "s3cret", timestamp=T, signature=sign("s3cret", T, BODY), body=BODY, now=NOW, tolerance=300
    )


@pytest.mark.parametrize(
    ("secret", "ts", "body"),
    [
        ("other", T, BODY),
        ("s3cret", T, BODY + b" "),
        ("s3cret", T - 301, BODY),
        ("s3cret", T + 301, BODY),
    ],
)
def test_wrong_secret_changed_body_or_stale_timestamp_is_refused(secret, ts, body):
    signature = sign(secret, ts, body)
    with pytest.raises(Unauthenticated):
        verify(
            "s3cret",
            timestamp=ts,
            signature=signature,
            body=BODY if body == BODY + b" " else body,
            now=NOW,
            tolerance=300,
        )


def test_the_signature_covers_the_timestamp():
    signature = sign("s3cret", T, BODY)
    with pytest.raises(Unauthenticated):
        verify("s3cret", timestamp=T + 1, signature=signature, body=BODY, now=NOW, tolerance=300)


def test_manual_provider_parses_its_events_and_names_bad_fields():
    customer = uuid.uuid4()
    event = ManualProvider().parse_event(
        json.dumps(
            {
                "id": "evt_9",
                "type": "payment.failed",
                "data": {
                    "payment_id": "p1",
                    "customer_id": str(customer),
                    "amount_minor": 500,
                    "currency": "USD",
                    "failure_code": "card_declined",
                },
            }
        ).encode()
    )
    assert (event.kind, event.customer_id, event.failure_code) == (
        EventKind.FAILED,
        customer,
        "card_declined",
    )
    with pytest.raises(InvalidArgument) as bad:
        ManualProvider().parse_event(b'{"id": "", "type": "x", "data": {"amount_minor": 1.5}}')
    assert {"id", "type", "data.payment_id", "data.amount_minor", "data.customer_id"} <= {
        v.field for v in bad.value.violations
    }
    with pytest.raises(InvalidArgument):
        provider("stripe")
