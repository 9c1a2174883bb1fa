"""The HTTP ingress: the FastAPI app, its routes, and the one place errors become HTTP answers."""
