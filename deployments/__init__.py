"""Ray Serve deployments: Auth, Catalog, Booking and Payment, composed with the ingress in `app.py`."""
