"""HTTP-level tests: the FastAPI app over the real use cases and in-memory fakes."""
