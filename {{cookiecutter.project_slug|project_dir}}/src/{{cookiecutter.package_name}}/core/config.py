"""Settings read from the environment and `.env`, validated once at start-up."""

from functools import lru_cache
from typing import Annotated, Literal

from fastapi import Depends, Request
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_ASYNC_SCHEMES = {"postgres": "postgresql+asyncpg", "postgresql": "postgresql+asyncpg"}
DATABASE_NAME = "{{ cookiecutter.package_name }}"
DATABASE_URL_EXAMPLE = f"postgresql+asyncpg://user:password@127.0.0.1:5432/{DATABASE_NAME}"
DEFAULT_DATABASE_URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE_NAME}"


class Settings(BaseSettings):
    """Service configuration; each field is also an upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_name: str = {{ cookiecutter.project_name|tojson }}
    debug: bool = False
    docs_enabled: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    cors_origins: Annotated[list[str], NoDecode] = []

    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=5, ge=0, le=200)
    db_pool_timeout: float = Field(default=5.0, gt=0, description="Seconds to wait for a pool slot")
    db_connect_timeout: float = Field(default=5.0, gt=0)
    db_statement_timeout_ms: int = Field(default=15_000, ge=0, description="0 disables it")
    db_statement_cache_size: int = Field(
        default=100, ge=0, description="0 for PgBouncer in transaction mode"
    )
    db_echo: bool = False

    bulk_max_items: int = Field(default=100, ge=1, le=10_000)

    @field_validator("database_url", mode="before")
    @classmethod
    def _async_driver(cls, value: object) -> object:
        """Accept postgres:// and postgresql:// URLs and use the asyncpg driver."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(raw, str):
            return value
        scheme, sep, rest = raw.partition("://")
        scheme = _ASYNC_SCHEMES.get(scheme, scheme)
        if not sep or scheme != "postgresql+asyncpg":
            msg = f"must be a PostgreSQL URL, e.g. {DATABASE_URL_EXAMPLE}"
            raise ValueError(msg)
        return SecretStr(f"{scheme}://{rest}")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """Read CORS_ORIGINS as a comma-separated list; a wildcard is refused."""
        if isinstance(value, str):
            value = [origin.strip() for origin in value.split(",") if origin.strip()]
        if isinstance(value, list) and "*" in value:
            msg = "list the allowed origins explicitly, e.g. https://app.example.com"
            raise ValueError(msg)
        return value


def describe(error: ValidationError) -> str:
    """One line per invalid setting, naming its environment variable."""
    lines = ["Invalid settings:"]
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]).upper()
        lines.append(f"  {name}: {item['msg']}")
    return "\n".join(lines)


@lru_cache
def get_settings() -> Settings:
    """Load the settings once; exit with a readable message when they are invalid."""
    try:
        return Settings()
    except ValidationError as error:
        raise SystemExit(describe(error)) from None


def app_settings(request: Request) -> Settings:
    """The settings the running application was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
