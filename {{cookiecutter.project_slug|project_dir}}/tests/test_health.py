"""Probes, request ids and the docs switch."""

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app

from .callers import client_for, settings_for
{%- if cookiecutter.database == "postgresql" %}

UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:9/unreachable"
{%- else %}

UNREACHABLE = "sqlite+aiosqlite:////nonexistent-directory/unreachable.db"
{%- endif %}


async def get(
    app: FastAPI, url: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """GET url from app; returns status, headers and body text."""
    async with client_for(app) as client:
        response = await client.get(url, headers=headers)
    return response.status_code, dict(response.headers), response.text


async def test_live_returns_200(app: FastAPI) -> None:
    status, _, _ = await get(app, "/health/live")
    assert status == 200


async def test_ready_returns_200_when_database_answers(app: FastAPI) -> None:
    status, _, _ = await get(app, "/health/ready")
    assert status == 200


async def test_ready_returns_503_problem_when_database_unreachable() -> None:
    settings = settings_for(UNREACHABLE, db_connect_timeout=2)
    app = create_app(settings)
    status, headers, text = await get(app, "/health/ready")
    await app.state.engine.dispose()
    assert status == 503
    assert headers["content-type"] == "application/problem+json"
    assert headers["retry-after"]
    assert "Traceback" not in text


async def test_request_id_is_echoed_or_created(app: FastAPI) -> None:
    _, headers, _ = await get(app, "/health/live", {"X-Request-ID": "abc-123"})
    assert headers["x-request-id"] == "abc-123"
    _, headers, _ = await get(app, "/health/live", {"X-Request-ID": "bad id\\n"})
    assert headers["x-request-id"] != "bad id\\n"
    assert len(headers["x-request-id"]) == 32


async def test_docs_can_be_turned_off(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"docs_enabled": False}))
    status, _, _ = await get(app, "/openapi.json")
    await app.state.engine.dispose()
    assert status == 404
