"""All configuration, from EVENTBOOK_* environment variables (or a .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "demo-only-placeholder-secret-change-me"  # noqa: S105  # nosec B105  # the documented placeholder that forces demo mode


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTBOOK_", env_file=".env", extra="ignore")

    database_url: str | None = Field(None, description="PostgreSQL URL; unset means an embedded SQLite file")
    replica_url: str | None = Field(None, description="PostgreSQL streaming replica for browsing reads")
    replica_max_lag_s: float = 5.0  # a replica further behind is skipped: reads go to the primary
    redis_url: str | None = None
    amqp_url: str | None = None
    smtp_url: str | None = None
    amqp_prefix: str = "eventbook"  # names of the exchange and queues; a test run uses its own
    var_dir: Path = Path("var")

    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    demo: bool | None = Field(None, description="Seed demo data; defaults to on with the placeholder secret")
    access_token_ttl_s: int = 900
    refresh_token_ttl_days: int = 14

    login_max_failures: int = 5  # per account, per window: then 429 until the window ends
    login_max_failures_per_ip: int = 50
    login_window_s: float = 300  # a key's failures are counted this long from its first one
    login_backoff_base_s: float = 1.0  # past the limit, each failure waits this long, doubling...
    login_backoff_max_s: float = 60.0  # ... up to this
    register_max_per_ip: int = 20  # sign-ups from one address per window (the benchmarks raise it)
    register_window_s: float = 3600
    # Proxies whose X-Forwarded-For names the client, as addresses or networks: '["127.0.0.1", "10.0.0.0/8"]'.
    # None by default: the direct peer is the client, and the header is ignored.
    trusted_proxies: list[str] = Field(default_factory=list)

    hold_minutes: float = 10
    max_per_order: int = 10
    max_open_holds_per_user: int = 5
    max_held_seats_per_event: int = 10  # unpaid seats one buyer may hold for one event, over all their holds
    max_held_seats_per_user: int = 20  # ... and over every event

    # register and login hash a password (argon2): in a sign-up surge they queue behind each other on the CPU, and
    # at 2 s every try timed out while its hash still ran (Locust, 200 users: 1,368 register 504s, no one got in)
    auth_timeout_s: float = 10.0
    catalog_timeout_s: float = 3.0
    booking_timeout_s: float = 12.0
    payment_timeout_s: float = 5.0
    queue_timeout_s: float = 3.0
    sandbox_slow_card_delay_s: float = 30.0
    reaper_interval_s: float = 2.0
    # longer than a pay request may still be on its way to the gateway (booking_timeout_s, the proxy's 30 s): the
    # reconciler must not void a charge its own request is about to make (at 10 s, an overloaded run declined some)
    settle_after_s: float = 45.0
    db_pool_size: int = 10
    # The nice value of the replicas whose work no request waits on (the outbox and e-mails: adapters/priority.py)
    background_niceness: int = Field(10, ge=0, le=19)

    # The waiting room (domain/waiting_room.py): how long an admission's pass lasts, how often the Queue admits,
    # and the p99 latencies its admission policy steers the booking path by. These set-points sit at 60 % of the
    # targets the admitted buyers must see (hold 250 ms, pay 400 ms): the policy cuts only once a p99 above its
    # set-point has been measured, and at the targets themselves the whole sale's p99 ended above them (bench-queue,
    # 2026-12-04, loadtests/RESULTS.md: hold 308-599 ms in eight runs; at 60 %, 175-246 ms in nine of ten).
    queue_pass_ttl_s: float = 300.0
    queue_tick_s: float = 0.5
    queue_hold_target_s: float = 0.15
    queue_pay_target_s: float = 0.25

    # Payments: the sandbox (demo mode only) or Stripe. Outside demo mode a real provider must be configured.
    payment_provider: Literal["sandbox", "stripe"] | None = Field(
        None, description="sandbox | stripe; unset means the sandbox in demo mode and refuses to start outside it"
    )
    stripe_secret_key: SecretStr | None = None  # sk_live_… / sk_test_…: the Payment deployment's calls
    stripe_publishable_key: str | None = None  # pk_…: the web app's card element
    stripe_webhook_secret: SecretStr | None = None  # whsec_…: verifies POST /api/payments/stripe/webhook
    stripe_api_base: str | None = None  # another Stripe-compatible server (tests); unset means api.stripe.com
    stripe_timeout_s: float = 4.0  # a charge Stripe has not answered by then is `processing`: settle decides it

    @model_validator(mode="after")
    def _refuse_placeholder_outside_demo(self) -> Settings:
        placeholder = self.secret_key.get_secret_value() == PLACEHOLDER_SECRET
        if placeholder and self.demo is False:
            raise ValueError(
                "EVENTBOOK_SECRET_KEY is the demo placeholder; set a real secret (e.g. `openssl rand -hex 32`) "
                "or run in demo mode."
            )
        if not placeholder and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("EVENTBOOK_SECRET_KEY must be at least 32 characters.")
        self.var_dir = self.var_dir.resolve()
        return self

    @model_validator(mode="after")
    def _require_real_payments_outside_demo(self) -> Settings:
        provider = self.payment_provider or ("sandbox" if self.demo_mode else None)
        if provider is None:
            raise ValueError("EVENTBOOK_PAYMENT_PROVIDER must be set outside demo mode (stripe).")
        if provider == "sandbox" and not self.demo_mode:
            raise ValueError(
                "The sandbox gateway accepts any valid card number for free: outside demo mode set "
                "EVENTBOOK_PAYMENT_PROVIDER=stripe with its keys."
            )
        if provider == "stripe":
            missing = [
                f"EVENTBOOK_{name.upper()}"
                for name in ("stripe_secret_key", "stripe_publishable_key", "stripe_webhook_secret")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"EVENTBOOK_PAYMENT_PROVIDER=stripe needs {', '.join(missing)}.")
        self.payment_provider = provider
        return self

    @property
    def demo_mode(self) -> bool:
        """Demo mode is off whenever a real secret key is configured."""
        return self.secret_key.get_secret_value() == PLACEHOLDER_SECRET

    @property
    def primary_url(self) -> str:
        """The async SQLAlchemy URL of the primary database."""
        if self.database_url:
            return async_url(self.database_url)
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{self.var_dir / 'eventbook.db'}"


def async_url(url: str) -> str:
    """Normalise postgres:// and postgresql:// URLs to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sync_url(url: str) -> str:
    """The same database through a synchronous driver (for Alembic)."""
    return url.replace("sqlite+aiosqlite://", "sqlite://")


@lru_cache
def get_settings() -> Settings:
    return Settings()
