"""What a list request may ask for (bookings, invoices, quotes, orders, payments,
subscriptions): the page size, validated, no I/O."""

from __future__ import annotations

from moodline_kit.paging import page_size

# A list page: at most this many rows (this many when the request names none).
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


def page_limit(requested: int) -> int:
    """The rows of one page: 0 (unset) is the default; outside 1..MAX_PAGE_SIZE is the client's
    error on `page_size`."""
    return page_size(requested, maximum=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE)
