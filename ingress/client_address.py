"""The client's address, for the throttles: the direct peer, unless that peer is a proxy we were told to trust.

Behind a trusted proxy (`EVENTBOOK_TRUSTED_PROXIES`) the client is the nearest address in `X-Forwarded-For` that
is not itself a trusted proxy, read from the right: every hop to its left was written by whoever sent the request
and proves nothing. Without trusted proxies the header is ignored, so nobody dodges a throttle by writing one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from fastapi import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(entries: Sequence[str]) -> tuple[Network, ...]:
    """`127.0.0.1`, `10.0.0.0/8`, `::1`…; a bad entry is a configuration error, raised at start-up."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _trusted(address: str, trusted: Sequence[Network]) -> bool | None:
    """Whether the address is one of the trusted proxies; None when it is not an address at all."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return any(ip in network for network in trusted)


def client_address(request: Request, trusted: Sequence[Network]) -> str | None:
    peer = request.client.host if request.client else None
    if peer is None or not trusted or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    for hop in reversed([h for h in hops if h]):
        verdict = _trusted(hop, trusted)
        if verdict is None:  # garbage where a proxy should have written an address: the proxy is the client
            return peer
        if not verdict:
            return hop
    return peer  # only proxies: the request came from the nearest of them
