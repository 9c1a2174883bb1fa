"""cluster/ports.py: the ports handed to HAProxy and to a second node come from outside the kernel's ephemeral
range, where Ray's processes bind by chance while the app starts, and are free when handed out."""

import socket
from pathlib import Path

from cluster.ports import HIGH, LOW, free_port


def _ephemeral_range() -> tuple[int, int]:
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return int(low), int(high)


def test_the_port_is_outside_the_ephemeral_range_and_above_rays_worker_ports() -> None:
    ephemeral_low, _ = _ephemeral_range()
    assert 19999 < LOW <= HIGH < ephemeral_low
    for _ in range(50):
        assert LOW <= free_port() <= HIGH


def test_the_port_handed_out_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as s:
        s.bind(("", port))
        s.listen()
