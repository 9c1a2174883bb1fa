"""The application graph: the HTTP ingress over Auth, Catalog, Booking, Messaging and Queue; Booking over Payment.

The deployment classes are plain classes (mypy checks the typed clients against their methods); they become
Serve deployments here. `serve_config.yaml` sets each one's replicas, autoscaling, queues and resources.
"""

from __future__ import annotations

from ray import serve

from deployments.auth import AuthDeployment
from deployments.booking import BookingDeployment
from deployments.catalog import CatalogDeployment
from deployments.messaging import MessagingDeployment
from deployments.payment import PaymentDeployment
from deployments.queue import QueueDeployment
from ingress.serve_ingress import ApiDeployment

api = serve.deployment(name="Api")(ApiDeployment)
auth = serve.deployment(name="Auth")(AuthDeployment)
catalog = serve.deployment(name="Catalog")(CatalogDeployment)
booking = serve.deployment(name="Booking")(BookingDeployment)
payment = serve.deployment(name="Payment")(PaymentDeployment)
messaging = serve.deployment(name="Messaging")(MessagingDeployment)
queue = serve.deployment(name="Queue")(QueueDeployment)

app = api.bind(
    auth=auth.bind(),
    catalog=catalog.bind(),
    booking=booking.bind(payment.bind()),
    messaging=messaging.bind(),
    queue=queue.bind(),
)
