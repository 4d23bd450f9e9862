"""Search-result presentation rules (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

MAX_QUERY_CHARS = 200
# A search page: at most this many hits (the default when a request names none), never past
# this offset, among at most this many customers of a customer filter.
MAX_SEARCH_PAGE_SIZE = 100
DEFAULT_SEARCH_PAGE_SIZE = 20
MAX_SEARCH_OFFSET = 10_000
MAX_SEARCH_CUSTOMERS = 1_000
MAX_SNIPPET_CHARS = 240


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: list[tuple[int, int]]  # [start, end) in code points of `text`


def split_highlights(marked: str, start_mark: str, end_mark: str) -> Snippet:
    """ts_headline output with marks around matches -> plain text + highlight spans, cut to
    MAX_SNIPPET_CHARS (a span crossing the cut is shortened)."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    for ch in marked:
        if ch == start_mark:
            opened = len(out)
        elif ch == end_mark:
            if opened is not None and len(out) > opened:
                spans.append((opened, len(out)))
            opened = None
        else:
            out.append(ch)
    text = "".join(out)
    if len(text) > MAX_SNIPPET_CHARS:
        text = text[: MAX_SNIPPET_CHARS - 1] + "…"
        limit = MAX_SNIPPET_CHARS - 1
        spans = [(s, min(e, limit)) for s, e in spans if s < limit]
    return Snippet(text, spans)
