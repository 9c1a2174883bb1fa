"""Values at the edges of what the contract's inputs allow, for the fuzzing runs (issue 14: schemathesis' own
strategies never sent 9999-12-31T23:59:59-23:59, and so never found its 500)."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import strategies as st

TIME_FIELDS = {"starts_at", "ends_at", "starts_after", "starts_before"}
DAYS = ["0001-01-01", "0001-01-02", "9999-12-31", "9999-12-30", "2030-05-01", "2000-02-29"]
CLOCKS = ["00:00:00", "23:59:59", "23:59:59.999999", "12:00", "00:00:00.000001"]
OFFSETS = ["-23:59", "+23:59", "-2359", "Z", "z", "+00:00", "-00:01", ""]

edge_times = st.builds(
    lambda day, clock, offset, sep: f"{day}{sep}{clock}{offset}",
    st.sampled_from(DAYS),
    st.sampled_from(CLOCKS),
    st.sampled_from(OFFSETS),
    st.sampled_from(["T", "t", " "]),
)
huge_integers = st.sampled_from([2**31, 2**31 - 1, 2**53 + 1, 2**63, 2**64, 10**30, -(2**63), -1, 0]) | st.integers(
    min_value=-(10**40), max_value=10**40
)
_TEXTS = ["\x00", "a\x00b", "é" * 300, "😀" * 100, "", " ", "%00", "'; --", "\u202e", "\ufeff"]


def nasty_text(max_length: int) -> st.SearchStrategy[str]:
    """NUL, long, non-ASCII, invisible; up to `max_length` characters (a query string must stay under the
    request-head limits of ingress/http_limits.py, which the OpenAPI document does not list)."""
    return st.sampled_from(_TEXTS) | st.just("x" * max_length) | st.text(max_size=64)


def cursor_at(at: str, row_id: str = "x") -> str:
    """A cursor shaped like the platform's own (domain/pagination.py), naming the time `at`."""
    return base64.urlsafe_b64encode(json.dumps([at, row_id]).encode()).decode().rstrip("=")


edge_cursors = st.builds(cursor_at, edge_times) | st.sampled_from(["", "A", "W10", "WyJ4Il0", "_" * 512])


def edge_for(name: str, value: Any, *, max_text: int) -> st.SearchStrategy[Any]:
    if name in TIME_FIELDS:
        return edge_times
    if name == "cursor":
        return edge_cursors
    if isinstance(value, bool) or value is None:
        return st.sampled_from([True, False, None, "1", 1.5])
    if isinstance(value, int | float):
        return huge_integers | st.sampled_from([str(value), True, float(value)])
    if isinstance(value, str):
        return nasty_text(max_text)
    return st.just(value)


def with_edges(values: Any, *, max_text: int, max_items: int | None = None) -> st.SearchStrategy[Any]:
    """`values` (a generated query or JSON body) with any of its fields, or none, swapped for an edge value.

    `max_items` cuts a repeated query parameter short: past the app's limit on query parameters (64, documented with
    the HTTP layer's limits, not per route) the answer is a 400 the OpenAPI document does not list."""
    if not isinstance(values, dict):
        return st.just(values)
    if max_items is not None:
        values = {name: v[:max_items] if isinstance(v, list) else v for name, v in values.items()}
    return st.fixed_dictionaries(
        {name: st.just(value) | edge_for(name, value, max_text=max_text) for name, value in values.items()}
    )
