"""The business of selling seats: entities, rules, errors, ports and use cases. Standard library only."""
