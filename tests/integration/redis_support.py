"""What the integration tests on Redis share: the live database they use, and an address where none answers."""

from __future__ import annotations

import socket

LIVE_REDIS = "redis://127.0.0.1:6379/15"


def dead_redis() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{s.getsockname()[1]}/0"
