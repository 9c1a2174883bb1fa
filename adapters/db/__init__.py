"""The relational adapter: SQLAlchemy Core tables, engines, repositories and the unit of work."""

from adapters.db.engine import create_engine
from adapters.db.uow import SqlUnitOfWork, uow_factory

__all__ = ["SqlUnitOfWork", "create_engine", "uow_factory"]
