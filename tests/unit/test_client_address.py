"""Which address the throttles count: the peer, or behind a trusted proxy the nearest hop it vouches for."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from ingress.client_address import client_address, trusted_networks

PROXIES = trusted_networks(["127.0.0.1", "10.0.0.0/8"])


def request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 50_000), "headers": headers})


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address(request("203.0.113.5", "198.51.100.1"), ()) == "203.0.113.5"


def test_a_peer_that_is_not_a_trusted_proxy_is_the_client_whatever_it_writes() -> None:
    assert client_address(request("203.0.113.5", "198.51.100.1"), PROXIES) == "203.0.113.5"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        (("198.51.100.7",), "198.51.100.7"),
        (("1.2.3.4, 198.51.100.7",), "198.51.100.7"),  # the client's own claim (1.2.3.4) proves nothing
        (("1.2.3.4, 198.51.100.7, 10.1.2.3",), "198.51.100.7"),  # through two trusted proxies
        (("1.2.3.4", "198.51.100.7"), "198.51.100.7"),  # the header repeated
        (("10.1.2.3",), "127.0.0.1"),  # only proxies: the nearest one asked
        (("not-an-address",), "127.0.0.1"),
        ((), "127.0.0.1"),
    ],
)
def test_behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client(
    forwarded: tuple[str, ...], client: str
) -> None:
    assert client_address(request("127.0.0.1", *forwarded), PROXIES) == client


def test_a_bad_setting_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError):
        trusted_networks(["10.0.0.0/33"])
