"""The app over the real SQL adapters on a migrated SQLite file: what the in-memory fakes cannot show (the driver's
overflow on a time it cannot convert, SQLite's own lower())."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Ports, auth_service, booking_service, catalog_service, local_services
from adapters.clock import SystemClock
from adapters.db.engine import create_engine
from adapters.db.migrate import upgrade
from adapters.db.uow import uow_factory
from domain.accounts import Role
from ingress.services import HealthCheck
from tests.fakes import FakeClock, FakeGateway, FakeHasher, InMemoryStore
from tests.http.conftest import Headers, Health, fake_ports, make_app


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated file per module; each test works on a copy of it."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@dataclass
class SqlApp:
    client: TestClient
    path: Path

    def organizer(self) -> Headers:
        """An organizer's bearer headers (promoted in the database itself)."""
        body = {"email": "org@example.com", "password": "correct-horse", "name": "Org"}
        assert self.client.post("/api/auth/register", json=body).status_code == 201
        with closing(sqlite3.connect(self.path)) as db, db:
            db.execute("UPDATE users SET role = ? WHERE email = ?", (Role.ORGANIZER.value, body["email"]))
        login = self.client.post("/api/auth/login", json={"email": body["email"], "password": body["password"]})
        return {"Authorization": f"Bearer {login.json()['access_token']}"}


@pytest.fixture
def sql_app(migrated_sqlite: Path, tmp_path: Path) -> Iterator[SqlApp]:
    path = tmp_path / "eventbook.db"
    shutil.copy(migrated_sqlite, path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}", pool_size=2)
    # The HTTP tests' own settings and tokens (tests/http/conftest.py), over the SQL unit of work.
    fakes = fake_ports(InMemoryStore(), FakeClock(datetime.now(UTC)))
    ports = Ports(
        settings=fakes.settings, uow=uow_factory(engine), clock=SystemClock(), hasher=FakeHasher(), tokens=fakes.tokens
    )
    health: dict[str, HealthCheck] = {name: Health({"database": "ok"}) for name in ("auth", "catalog", "booking")}
    services = local_services(
        ports,
        auth=auth_service(ports),
        catalog=catalog_service(ports),
        booking=booking_service(ports, FakeGateway()),
        health=health,
    )
    with TestClient(make_app(services), raise_server_exceptions=False) as client:
        yield SqlApp(client, path)
        assert client.portal is not None
        client.portal.call(engine.dispose)  # aiosqlite's connections belong to this event loop
