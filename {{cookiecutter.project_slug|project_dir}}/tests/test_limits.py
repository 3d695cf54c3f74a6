"""Limits at the edge: oversized bodies are a 413 problem, never a read of the whole body."""

from collections.abc import AsyncIterator

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app

from .callers import client_for

LIMIT = 2048


async def post(app: FastAPI, content: bytes | AsyncIterator[bytes]) -> tuple[int, str, str]:
    """POST content as JSON to a create route; returns status, content type and body."""
    url = next(path for path, item in app.openapi()["paths"].items() if "post" in item)
    headers = {"Content-Type": "application/json"}
    async with client_for(app) as client:
        response = await client.post(url, content=content, headers=headers)
    return response.status_code, response.headers["content-type"], response.text


async def test_declared_oversized_body_returns_413(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_body_bytes": LIMIT}))
    status, content_type, text = await post(app, b"[" + b"1," * LIMIT + b"1]")
    await app.state.engine.dispose()
    assert (status, content_type) == (413, "application/problem+json")
    assert str(LIMIT) in text


async def test_streamed_oversized_body_returns_413(settings: Settings) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 512

    app = create_app(settings.model_copy(update={"max_body_bytes": LIMIT}))
    status, content_type, _ = await post(app, chunks())
    await app.state.engine.dispose()
    assert (status, content_type) == (413, "application/problem+json")
