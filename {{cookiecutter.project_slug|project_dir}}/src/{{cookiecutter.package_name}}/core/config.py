"""Settings read from the environment and `.env`, validated once at start-up."""

from functools import lru_cache
from typing import Annotated, Literal

from fastapi import Depends, Request
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from {{ cookiecutter.package_name }}.core.{{ cookiecutter.database }} import DEFAULT_URL, normalise_url
{%- if cookiecutter.auth == "oidc" %}

# Algorithms whose signatures a public key verifies (RFC 7518, RFC 8037).
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
{%- endif %}


class Settings(BaseSettings):
    """Service configuration; each field is also an upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_name: str = {{ cookiecutter.project_name|pystr }}
    environment: Literal["development", "production"] = "production"
    debug: bool = False
    docs_enabled: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    cors_origins: Annotated[list[str], NoDecode] = []

    database_url: SecretStr = SecretStr(DEFAULT_URL)
    db_pool_size: int = Field(
        default=10, ge=1, le=200, description="Connections per process, plus DB_MAX_OVERFLOW"
    )
    db_max_overflow: int = Field(
        default=5, ge=0, le=200, description="Added to DB_POOL_SIZE; opened ones stay pooled"
    )
    db_pool_timeout: float = Field(default=5.0, gt=0, description="Seconds to wait for a pool slot")
    db_connect_timeout: float = Field(default=5.0, gt=0)
{%- if cookiecutter.database == "postgresql" %}
    db_statement_timeout_ms: int = Field(default=15_000, ge=0, description="0 disables it")
    db_statement_cache_size: int = Field(
        default=100, ge=0, description="0 for PgBouncer in transaction mode"
    )
    db_ping_idle_seconds: float = Field(
        default=1.0, ge=0, description="Ping pooled connections idle this long; 0: every use"
    )
{%- endif %}
    db_echo: bool = False

    bulk_max_items: int = Field(default=100, ge=1, le=10_000)
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Larger bodies: 413")
    metrics_enabled: bool = Field(default=True, description="Serve /metrics (Prometheus)")
{%- if cookiecutter.auth == "oidc" %}

    auth_issuer: str | None = Field(default=None, description="The tokens' iss, exactly")
    auth_audience: str | None = Field(default=None, description="The tokens' aud: this API")
    auth_jwks_url: str | None = Field(
        default=None, description="Unset: the jwks_uri of the issuer's OpenID configuration"
    )
    auth_algorithms: Annotated[list[str], NoDecode] = ["RS256", "ES256", "EdDSA"]
    auth_leeway_seconds: float = Field(default=30, ge=0, le=300, description="Clock skew")
    auth_scope_claims: Annotated[list[str], NoDecode] = ["scope", "scp"]
    auth_jwks_cooldown_seconds: float = Field(
        default=60, ge=0, description="At most one key set fetch per this many seconds"
    )
    auth_jwks_timeout_seconds: float = Field(default=5, gt=0)
    auth_dev_key: SecretStr | None = Field(
        default=None, description="Development only: the key `make token` signs with"
    )
{%- endif %}

    @field_validator("database_url", mode="before")
    @classmethod
    def _known_driver(cls, value: object) -> object:
        """Normalise the URL to the async driver; refuse other databases."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        return SecretStr(normalise_url(raw)) if isinstance(raw, str) else value

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


{%- if cookiecutter.auth == "oidc" %}

    @field_validator("auth_algorithms", "auth_scope_claims", mode="before")
    @classmethod
    def _split_words(cls, value: object) -> object:
        """Read a list from a comma- or space-separated string."""
        if isinstance(value, str):
            return value.replace(",", " ").split()
        return value

    @field_validator("auth_algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        """Only signatures that a public key checks: never `none`, never a shared secret."""
        if unknown := [name for name in value if name not in ASYMMETRIC_ALGORITHMS]:
            known = " ".join(sorted(ASYMMETRIC_ALGORITHMS))
            msg = f"{' '.join(unknown)} is not accepted; choose from {known}, e.g. RS256,ES256"
            raise ValueError(msg)
        if not value:
            raise ValueError("name at least one algorithm, e.g. RS256,ES256")
        return value
{%- endif %}


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
