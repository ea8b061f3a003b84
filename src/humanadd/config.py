"""One settings object, read from `HUMANADD_*` environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as `HUMANADD_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="HUMANADD_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/humanadd.sqlite3"
    """SQLAlchemy async URL: `sqlite+aiosqlite:///FILE` or `postgresql+asyncpg://…`. A relative
    FILE, the default's included, is relative to the current directory."""

    redis_url: str | None = None
    """When set, rate-limit counters live in Redis so every `serve` process shares one budget."""

    rate_limit_per_minute: int = 60
    """Requests per rolling minute per API key."""

    auth_failures_per_minute: int = 30
    """Failed authentications per rolling minute per client address before 429."""

    data_dir: Path = Path("var")
    """Where the service keeps files it owns (recordings it holds itself)."""

    analysis_models_dir: Path | None = None
    """Where the analysis keeps what it derives from packaged models (the question embedding
    table, built on first use); by default `models/` in the data directory."""

    log_level: str = "INFO"

    retell_api_key: SecretStr | None = None
    """The platform's Retell API key: it calls Retell's API and checks its webhooks' signatures.
    Without it, `POST /ingest/retell` answers 503 and `retell` accounts cannot sync."""

    retell_base_url: str = "https://api.retellai.com"
    """Retell's API; tests point it at a local fake."""

    recording_hosts: str = "dxc03zgurdly9.cloudfront.net,retellai.s3.us-west-2.amazonaws.com"
    """The only hosts the recording proxy fetches from: comma-separated `host[:port]`, a bare
    host matching any port. The default: Retell's recording storage."""

    public_url: str = "http://127.0.0.1:8000"
    """Where customers reach this service: absolute URLs we send (a webhook's `recording_url`)
    start with it. When it is not set, `humanadd demo` and `serve` use the address they serve
    on instead of this default."""

    webhooks_allow_insecure: bool = False
    """Allow plain `http://` webhook URLs (development only)."""

    webhooks_allow_private: bool = False
    """Allow webhook URLs that lead to loopback, private or other non-public addresses
    (development and tests only)."""

    webhook_analysis_timeout_seconds: float = 600
    """A call's `call_ended` webhook waits this long after the call ended for the provider's
    analysis; then our own analysis fills what is missing, and it goes out."""

    sync_interval_seconds: float = 300
    """How often `humanadd worker` syncs every Retell-backed account with Retell's call list."""

    dashboard_idle_minutes: float = 120
    """A dashboard session ends after this long without a request."""

    dashboard_session_hours: float = 12
    """A dashboard session ends this long after its login, however busy."""

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def models_dir(self) -> Path:
        return self.analysis_models_dir or self.data_dir / "models"

    @property
    def analysis_timeout_ms(self) -> int:
        return int(self.webhook_analysis_timeout_seconds * 1000)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
