"""What every repository shares: the unit of work's connection, dialect switches, keyset predicates."""

from __future__ import annotations

import enum
from dataclasses import fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Table, TextClause, and_, insert, or_, text
from sqlalchemy.dialects import postgresql, sqlite

from adapters.db.tables import outbox
from domain.messages import RecordsMessages
from domain.pagination import Position

if TYPE_CHECKING:
    from adapters.db.uow import Link


class Repository:
    def __init__(self, conn: Link) -> None:
        self._conn = conn

    @property
    def _on_postgres(self) -> bool:
        return self._conn.dialect.name == "postgresql"

    def _insert(self, table: Table) -> Any:
        """The dialect's INSERT, which has ON CONFLICT on both PostgreSQL and SQLite."""
        return (postgresql.insert if self._on_postgres else sqlite.insert)(table)

    async def _write_messages(self, entity: RecordsMessages) -> None:
        """The entity's new messages join the outbox in this same transaction."""
        rows = [
            {"id": m.id, "topic": m.topic, "payload": m.payload, "created_at": datetime.now(UTC)}
            for m in entity.take_messages()
        ]
        if rows:
            await self._conn.execute(insert(outbox), rows)

    async def _upsert(self, table: Table, values: dict[str, Any], key: str = "id") -> None:
        cache_key = (self._conn.dialect.name, table.name, key, tuple(values))
        stmt = _UPSERTS.get(cache_key)
        if stmt is None:
            # Built once per table and column set; the values travel as parameters, so each call skips
            # building the statement and SQLAlchemy reuses its compiled form.
            stmt = self._insert(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=[key], set_={name: stmt.excluded[name] for name in values if name != key}
            )
            _UPSERTS[cache_key] = stmt
        await self._conn.execute(stmt, values)


_UPSERTS: dict[tuple[str, str, str, tuple[str, ...]], Any] = {}


def after_desc(at: ColumnElement[Any], row_id: ColumnElement[Any], position: Position) -> ColumnElement[bool]:
    """Rows strictly after the position in (at DESC, id DESC) order."""
    return or_(at < position.at, and_(at == position.at, row_id < position.id))


def after_asc(at: ColumnElement[Any], row_id: ColumnElement[Any], position: Position) -> ColumnElement[bool]:
    """Rows strictly after the position in (at ASC, id ASC) order."""
    return or_(at > position.at, and_(at == position.at, row_id > position.id))


def row_values(entity: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A domain dataclass as column values: one column per field, enums by value."""
    skip = (*exclude, "messages")  # what happened goes to the outbox, not to the entity's row
    values = {f.name: getattr(entity, f.name) for f in fields(entity) if f.name not in skip}
    return {name: v.value if isinstance(v, enum.Enum) else v for name, v in values.items()}


def statement(template: str, **fragments: str) -> TextClause:
    """A hand-written statement: SQL text with fixed fragments of this code base (column lists, shared clauses)
    put in for `{name}`. Never a value: values are bound parameters."""
    for name, fragment in fragments.items():
        template = template.replace("{" + name + "}", fragment)
    return text(template)
