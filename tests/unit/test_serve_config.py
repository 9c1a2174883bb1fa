"""serve_config.yaml keeps backpressure honest: a deployment that works on the database takes no more requests at
once than its pool has connections, so overload waits in Serve's queue (and is refused with 503 beyond it), not
unseen inside the pool; and the batches of the Api fit in what it takes."""

from pathlib import Path
from typing import Any

import yaml

from adapters.settings import Settings
from deployments.clients import BATCH_SIZE, BATCHES_AT_ONCE

CONFIG = Path(__file__).resolve().parents[2] / "serve_config.yaml"
ON_THE_DATABASE = ("Auth", "Catalog", "Booking", "Payment", "Messaging", "Queue")


def deployments() -> dict[str, dict[str, Any]]:
    (app,) = yaml.safe_load(CONFIG.read_text())["applications"]
    return {d["name"]: d for d in app["deployments"]}


def test_deployments_on_the_database_take_no_more_requests_than_their_pool_has_connections() -> None:
    pool = Settings().db_pool_size
    for name in ON_THE_DATABASE:
        config = deployments()[name]
        assert config["max_ongoing_requests"] <= pool, name
        assert config["autoscaling_config"]["target_ongoing_requests"] < config["max_ongoing_requests"], name
        assert config["max_queued_requests"] > 0, name  # beyond the queue: 503 at once


def test_the_api_takes_as_many_requests_as_one_kind_of_batch_holds() -> None:
    """What @serve.batch asks of a replica (it warns otherwise): batches of holds or of payments can fill up."""
    assert deployments()["Api"]["max_ongoing_requests"] >= BATCH_SIZE * BATCHES_AT_ONCE
