"""Infrastructure behind the domain's ports: settings, database, security, payment gateway."""
