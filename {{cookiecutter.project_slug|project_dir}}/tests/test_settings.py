"""Settings: URL normalisation, validation messages, secrets."""

import pytest
from pydantic import SecretStr, ValidationError

from {{ cookiecutter.package_name }}.core.config import Settings, describe, get_settings
{%- if cookiecutter.database == "postgresql" %}


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+asyncpg"])
def test_database_url_uses_asyncpg(scheme: str) -> None:
    settings = Settings(database_url=SecretStr(f"{scheme}://u:p@db:5432/app"))
    assert settings.database_url.get_secret_value() == "postgresql+asyncpg://u:p@db:5432/app"


def test_database_url_password_is_not_shown() -> None:
    settings = Settings(database_url=SecretStr("postgresql://u:hunter2@db/app"))
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.model_dump())
{%- else %}


@pytest.mark.parametrize("scheme", ["sqlite", "sqlite+aiosqlite"])
def test_database_url_uses_aiosqlite(scheme: str) -> None:
    settings = Settings(database_url=SecretStr(f"{scheme}:///./data/app.db"))
    assert settings.database_url.get_secret_value() == "sqlite+aiosqlite:///./data/app.db"


def test_database_url_is_not_shown() -> None:
    settings = Settings(database_url=SecretStr("sqlite:///./secret-name.db"))
    assert "secret-name" not in repr(settings)
{%- endif %}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://u@db/app"),
        ("DATABASE_URL", "no-scheme"),
        ("DB_POOL_SIZE", "0"),
        ("CORS_ORIGINS", "*"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_invalid_setting_exits_with_its_variable_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    with pytest.raises(SystemExit) as exit_info:
        get_settings()
    get_settings.cache_clear()
    assert f"  {variable}: " in str(exit_info.value.code)


def test_cors_origins_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]


def test_describe_names_each_bad_field() -> None:
    with pytest.raises(ValidationError) as error:
        Settings(db_pool_size=0, bulk_max_items=0)
    assert describe(error.value).splitlines()[1:] == [
        "  DB_POOL_SIZE: Input should be greater than or equal to 1",
        "  BULK_MAX_ITEMS: Input should be greater than or equal to 1",
    ]
