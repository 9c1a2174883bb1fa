"""The waiting room's metrics (next to deployments/metrics.py's business metrics, exported the same way by Ray):
queue length, joins, admissions, the wait from join to admission, passes that ran out; and how the waiting lists'
offers fared (adapters/db/waitlist_stats.py)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from ray.serve import metrics

from adapters.db.waitlist_stats import OfferCounts
from domain.waiting_room import Admission

log = logging.getLogger("eventbook.metrics")

# Seconds from joining to admission: none before the opening's draw, then seconds to many minutes.
WAIT_BUCKETS_S = [1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0]

EXPORTED = {
    "queue_waiting": "ray_eventbook_queue_waiting",
    "queue_joins": "ray_eventbook_queue_joins_total",
    "queue_admissions": "ray_eventbook_queue_admissions_total",
    "queue_wait_seconds": "ray_eventbook_queue_wait_seconds",
    "queue_passes_expired": "ray_eventbook_queue_passes_expired_total",
    "queue_admission_bound": "ray_eventbook_queue_admission_bound",
    "waitlist_offers": "ray_eventbook_waitlist_offers",
}


@dataclass(frozen=True)
class QueueMetrics:
    waiting: metrics.Gauge
    joins: metrics.Counter
    admissions: metrics.Counter
    wait_seconds: metrics.Histogram
    passes_expired: metrics.Counter
    bound: metrics.Gauge
    waitlist_offers: metrics.Gauge


@functools.cache
def queue() -> QueueMetrics:
    by_event = ("event_id",)
    return QueueMetrics(
        waiting=metrics.Gauge("eventbook_queue_waiting", description="Buyers waiting in a room.", tag_keys=by_event),
        joins=metrics.Counter("eventbook_queue_joins", description="Buyers who joined a waiting room."),
        admissions=metrics.Counter(
            "eventbook_queue_admissions", description="Buyers admitted from a waiting room.", tag_keys=by_event
        ),
        wait_seconds=metrics.Histogram(
            "eventbook_queue_wait_seconds", description="Seconds from joining to admission.", boundaries=WAIT_BUCKETS_S
        ),
        passes_expired=metrics.Counter(
            "eventbook_queue_passes_expired", description="Admissions whose pass ran out.", tag_keys=by_event
        ),
        bound=metrics.Gauge(
            "eventbook_queue_admission_bound",
            description="Admitted buyers a room lets shop at once (the admission policy's bound).",
            tag_keys=by_event,
        ),
        waitlist_offers=metrics.Gauge(
            "eventbook_waitlist_offers",
            description="Waiting-list entries by how their offer fared: waiting, made, taken, expired.",
            tag_keys=("state",),
        ),
    )


def joined() -> None:
    _safely(lambda: queue().joins.inc())


def admitted(event_id: str, admission: Admission) -> None:
    def record() -> None:
        m, tags = queue(), {"event_id": event_id}
        m.waiting.set(admission.waiting, tags=tags)
        m.bound.set(admission.bound, tags=tags)
        if admission.admitted:
            m.admissions.inc(admission.admitted, tags=tags)
        if admission.expired:
            m.passes_expired.inc(admission.expired, tags=tags)
        for wait in admission.waits_s:
            m.wait_seconds.observe(wait)

    _safely(record)


def waitlist_offers(counts: OfferCounts) -> None:
    def record() -> None:
        gauge = queue().waitlist_offers
        for state, value in asdict(counts).items():
            gauge.set(value, tags={"state": state})

    _safely(record)


def _safely(record: Callable[[], None]) -> None:
    try:
        record()
    except Exception:  # a metric must never fail what it describes
        log.exception("could not record a queue metric")
