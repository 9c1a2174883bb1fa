"""Payment provider settings: outside demo mode the sandbox (free tickets) or no provider refuses to start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.settings import Settings

REAL_SECRET = "x" * 40
STRIPE = {
    "stripe_secret_key": "sk_test_eventbook",
    "stripe_publishable_key": "pk_test_eventbook",
    "stripe_webhook_secret": "whsec_eventbook",
}


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_demo_mode_pays_with_the_sandbox_by_default() -> None:
    assert settings().payment_provider == "sandbox"


def test_outside_demo_mode_the_sandbox_or_no_provider_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="sandbox gateway accepts any valid card"):
        settings(secret_key=REAL_SECRET, payment_provider="sandbox")
    with pytest.raises(ValidationError, match="EVENTBOOK_PAYMENT_PROVIDER must be set"):
        settings(secret_key=REAL_SECRET)


def test_outside_demo_mode_stripe_with_its_keys_starts() -> None:
    real = settings(secret_key=REAL_SECRET, payment_provider="stripe", **STRIPE)
    assert not real.demo_mode and real.payment_provider == "stripe"
    assert real.stripe_secret_key is not None and real.stripe_secret_key.get_secret_value() == "sk_test_eventbook"
    assert "sk_test_eventbook" not in repr(real)  # secrets stay out of logs


def test_stripe_without_its_keys_says_which_are_missing() -> None:
    with pytest.raises(ValidationError, match="EVENTBOOK_STRIPE_WEBHOOK_SECRET"):
        settings(
            secret_key=REAL_SECRET,
            payment_provider="stripe",
            stripe_secret_key="sk_test_x",
            stripe_publishable_key="pk_x",
        )


def test_the_provider_comes_from_eventbook_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTBOOK_SECRET_KEY", REAL_SECRET)
    monkeypatch.setenv("EVENTBOOK_PAYMENT_PROVIDER", "stripe")
    for name, value in STRIPE.items():
        monkeypatch.setenv(f"EVENTBOOK_{name.upper()}", value)
    monkeypatch.setenv("EVENTBOOK_STRIPE_API_BASE", "http://127.0.0.1:12111")
    configured = settings()
    assert configured.payment_provider == "stripe" and configured.stripe_api_base == "http://127.0.0.1:12111"
