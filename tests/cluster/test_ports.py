"""cluster/ports.py: the ports handed to HAProxy and to a second node come from outside the kernel's ephemeral
range, where Ray's processes bind by chance while the app starts, and are free when handed out."""

import socket
from pathlib import Path

from cluster.local_nodes import node_ports
from cluster.ports import HIGH, LOW, WORKER_BLOCKS, free_port


def _ephemeral_range() -> tuple[int, int]:
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return int(low), int(high)


def test_the_port_is_outside_the_ephemeral_range_and_above_rays_worker_ports() -> None:
    ephemeral_low, _ = _ephemeral_range()
    assert 19999 < LOW <= HIGH < ephemeral_low
    for _ in range(50):
        assert LOW <= free_port() <= HIGH


def test_no_port_handed_out_falls_in_a_nodes_worker_block() -> None:
    # CI once failed: a free_port() inside the node's worker-port block, which `ray start` refuses.
    for _ in range(20):
        flags = dict(flag.lstrip("-").split("=") for flag in node_ports())
        low, high = int(flags["min-worker-port"]), int(flags["max-worker-port"])
        assert WORKER_BLOCKS[0] <= low < high <= WORKER_BLOCKS[1] and WORKER_BLOCKS[1] < LOW
        others = [int(v) for k, v in flags.items() if k not in ("min-worker-port", "max-worker-port")]
        assert not [p for p in others if low <= p <= high]


def test_the_port_handed_out_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as s:
        s.bind(("", port))
        s.listen()
