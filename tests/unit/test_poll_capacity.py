"""bench-queue's poll capacity phase reads wrk's report (loadtests/poll_capacity.py): the figures of a real one."""

from __future__ import annotations

import pytest

from loadtests.poll_capacity import parse

# wrk 4.1.0 polling a waiting room on this machine (2026-12-03), with --latency
REPORT = """Running 3s test @ http://localhost:8000
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    22.18ms   11.37ms  79.00ms   77.06%
    Req/Sec   184.87     57.77   353.00     73.33%
  Latency Distribution
     50%   19.46ms
     75%   27.15ms
     90%   37.26ms
     99%   65.56ms
  1122 requests in 3.05s, 501.83KB read
Requests/sec:    367.37
Transfer/sec:    164.31KB
"""


def test_a_report_gives_the_rate_the_percentiles_and_no_errors() -> None:
    assert parse(REPORT) == {
        "polls_per_s": 367.37,
        "polls": 1122,
        "p50_ms": 19.46,
        "p90_ms": 37.26,
        "p99_ms": 65.56,
        "not_200": 0,
        "socket_errors": "",
    }


def test_seconds_microseconds_refusals_and_timeouts_are_read_too() -> None:
    report = (
        REPORT.replace("19.46ms", "812.00us")
        .replace("65.56ms", "2.85s")
        .replace("Requests/sec:", "  Socket errors: connect 0, read 0, write 0, timeout 16\n"
                 "  Non-2xx or 3xx responses: 93\nRequests/sec:")
    )  # fmt: skip
    found = parse(report)
    assert (found["p50_ms"], found["p99_ms"], found["not_200"]) == (0.81, 2850.0, 93)
    assert found["socket_errors"].endswith("timeout 16")


def test_something_else_than_a_report_is_refused() -> None:
    with pytest.raises(ValueError, match="not a wrk report"):
        parse("unable to connect to localhost:8000 Connection refused")
