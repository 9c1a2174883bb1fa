"""The application graph: the HTTP ingress over Auth, Catalog, Booking and Messaging; Booking over Payment."""

from __future__ import annotations

from typing import Any

from deployments.auth import Auth
from deployments.booking import Booking
from deployments.catalog import Catalog
from deployments.messaging import Messaging
from deployments.payment import Payment
from ingress.serve_ingress import Api

# @serve.deployment turns each class into a Deployment; mypy still sees the class, hence the Any.
_deployments: list[Any] = [Api, Auth, Catalog, Booking, Payment, Messaging]
api, auth, catalog, booking, payment, messaging = _deployments

app = api.bind(
    auth=auth.bind(), catalog=catalog.bind(), booking=booking.bind(payment.bind()), messaging=messaging.bind()
)
