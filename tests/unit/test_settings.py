"""Settings: demo mode follows the secret, and a placeholder secret never runs outside demo mode."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.settings import PLACEHOLDER_SECRET, Settings, async_url


def test_with_no_configuration_the_platform_runs_in_demo_mode_on_sqlite(tmp_path: object) -> None:
    settings = Settings(_env_file=None, var_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.demo_mode
    assert settings.primary_url.startswith("sqlite+aiosqlite:///") and settings.primary_url.endswith("eventbook.db")


def test_the_placeholder_secret_refuses_to_start_when_demo_mode_is_turned_off() -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(_env_file=None, demo=False)  # type: ignore[call-arg]


def test_a_real_secret_turns_demo_mode_off_and_must_be_long() -> None:
    stripe = {"stripe_secret_key": "sk_x", "stripe_publishable_key": "pk_x", "stripe_webhook_secret": "whsec_x"}
    real = Settings(_env_file=None, secret_key="x" * 40, payment_provider="stripe", **stripe)  # type: ignore[call-arg, arg-type]
    assert not real.demo_mode and real.secret_key.get_secret_value() != PLACEHOLDER_SECRET
    with pytest.raises(ValidationError, match="32 characters"):
        Settings(_env_file=None, secret_key="too-short")  # type: ignore[call-arg]


def test_postgres_urls_are_normalised_to_the_psycopg_driver() -> None:
    assert async_url("postgres://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert async_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert async_url("sqlite+aiosqlite:///x.db") == "sqlite+aiosqlite:///x.db"


def test_settings_come_from_eventbook_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTBOOK_HOLD_MINUTES", "3")
    monkeypatch.setenv("EVENTBOOK_DATABASE_URL", "postgresql://postgres@127.0.0.1/eventbook")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.hold_minutes == 3
    assert settings.primary_url == "postgresql+psycopg://postgres@127.0.0.1/eventbook"
