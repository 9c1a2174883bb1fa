"""Free TCP ports for the processes we start next to Ray (HAProxy's listeners, Serve's HTTP port, a second node).

A port the kernel hands out for `bind(0)` comes from the ephemeral range (32768-60999 here), and is free only until
someone else takes it: Ray's own processes bind ephemeral ports while the app starts, so a port picked that way
and passed to a process that binds it seconds later can be gone by then (HAProxy failed with "Address already in
use" that way in CI). We pick from below that range and above Ray's worker ports (10002-19999), where nothing binds
by chance, and check that the port is free now; 20000-27999 stay for the worker-port blocks of the local cluster's
nodes (cluster/local_nodes.py): a port picked there once fell in a node's block and `ray start` refused to run.

    python -m cluster.ports   prints one such port (cluster/local/serve_run.sh uses it)
"""

from __future__ import annotations

import secrets
import socket

LOW, HIGH = 28000, 32767
WORKER_BLOCKS = (20000, 27999)  # cluster/local_nodes.py node_ports: a block of 100 each
_ATTEMPTS = 200


def free_port() -> int:
    """A port in [LOW, HIGH] that nothing listens on, on any address."""
    for _ in range(_ATTEMPTS):
        port = LOW + secrets.randbelow(HIGH - LOW + 1)
        with socket.socket() as s:
            try:
                s.bind(("", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {LOW}-{HIGH} after {_ATTEMPTS} tries")


if __name__ == "__main__":
    print(free_port())
