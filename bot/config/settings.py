"""Process settings, read from environment variables only; secrets stay `SecretStr`."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgres", "postgresql+psycopg")
DATABASES = "use sqlite:///FILE or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"
_GIVEN_ONLY: ContextVar[bool] = ContextVar("_GIVEN_ONLY", default=False)


class Settings(BaseSettings):
    """Every environment variable Seatkeeper reads (connector secrets are named in the config)."""

    model_config = SettingsConfigDict(
        env_prefix="", case_sensitive=False, extra="ignore", env_ignore_empty=True, frozen=True
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    seatkeeper_database_url: str = "sqlite:///seatkeeper.db"
    seatkeeper_config: Path | None = None  # None: ./seatkeeper.yml, or the starter config
    seatkeeper_log_level: str = "INFO"
    seatkeeper_log_format: Literal["text", "json"] = "text"
    seatkeeper_worker_interval: float = Field(default=1.0, gt=0)
    # How long a job or scheduled pass stays claimed by a server that stops renewing it
    # (a holder renews every third of it): a dead server's work resumes this soon elsewhere.
    seatkeeper_lease_seconds: float = Field(default=30.0, ge=3, le=3600)
    # /scim/v2 per token: requests a second, and how many may come at once before 429.
    seatkeeper_scim_rate: float = Field(default=20.0, gt=0)
    seatkeeper_scim_burst: int = Field(default=100, ge=1)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the process environment; no .env or secrets files."""
        return (init_settings,) if _GIVEN_ONLY.get() else (init_settings, env_settings)

    @property
    def config_path(self) -> Path:
        """The config file to read: the one named, else seatkeeper.yml in the working folder."""
        return self.seatkeeper_config or Path("seatkeeper.yml")

    @property
    def config_named(self) -> bool:
        """True when SEATKEEPER_CONFIG (or --config) names a file, which must then exist."""
        return self.seatkeeper_config is not None

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"SLACK_API_URL must start with http:// or https://, not {value!r}")
        return value if value.endswith("/") else value + "/"

    @field_validator("seatkeeper_database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        # The URL may hold a password: problems name its parts, never the URL itself.
        try:
            driver = make_url(value.strip()).drivername
        except ArgumentError:
            problem = f"SEATKEEPER_DATABASE_URL is not a database URL; {DATABASES}"
            raise ValueError(problem) from None
        if driver not in DRIVERS:
            backend = driver.split("+")[0]
            raise ValueError(
                f"SEATKEEPER_DATABASE_URL: {backend} is not a database Seatkeeper runs on; "
                f"{DATABASES}"
            )
        return value.strip()

    @field_validator("seatkeeper_log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"SEATKEEPER_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        return level


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from `environ` only, or from the process environment when it is None."""
    if environ is None:
        return Settings()
    # Any: the values are strings, but each keyword is read as its field's type.
    values: dict[str, Any] = {
        key.lower(): value
        for key, value in environ.items()
        if key.lower() in Settings.model_fields and value != ""
    }
    token = _GIVEN_ONLY.set(True)
    try:
        return Settings(**values)
    finally:
        _GIVEN_ONLY.reset(token)
