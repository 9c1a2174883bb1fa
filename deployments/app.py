"""The application graph: the HTTP ingress over Auth, Catalog and Booking; Booking over Payment."""

from __future__ import annotations

from deployments.auth import Auth
from deployments.booking import Booking
from deployments.catalog import Catalog
from deployments.payment import Payment
from ingress.serve_ingress import Api

app = Api.bind(auth=Auth.bind(), catalog=Catalog.bind(), booking=Booking.bind(Payment.bind()))
