import uuid
from datetime import UTC, datetime

import pytest
from customer.adapters.listing import decode_cursor, encode_cursor
from moodline_kit.errors import InvalidArgument


def test_cursor_round_trips():
    when, ident = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC), uuid.uuid4()
    assert decode_cursor(encode_cursor(when, ident)) == (when, ident)


@pytest.mark.parametrize("garbage", ["x", "!!!", "bm90IGEgY3Vyc29y"])
def test_garbage_cursor_is_an_invalid_argument(garbage):
    with pytest.raises(InvalidArgument) as exc:
        decode_cursor(garbage)
    assert exc.value.violations[0].field == "page_token"
