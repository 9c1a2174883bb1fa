"""Getting the outbox's messages to their consumers: through RabbitMQ, or in process when there is no broker."""
