"""/docs and /redoc load every script, style and icon from the service itself, without a
token: no CDN, no web fonts, so they render with no internet."""

import re

import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app

from .callers import client_for

NO_TOKEN = {"Authorization": ""}
# Every URL a page loads: src=, href=, ReDoc's spec-url= and Swagger UI's `url: '...'`.
LOADED = re.compile(r"""(?:\b(?:src|href|spec-url)=|\burl: )["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_load_everything_from_the_service(app: FastAPI, page: str) -> None:
    async with client_for(app) as client:
        response = await client.get(page, headers=NO_TOKEN)
        assert response.status_code == 200
        assert "://" not in response.text  # no other host is named anywhere on the page
        urls = LOADED.findall(response.text)
        assert "/openapi.json" in urls
        assert any(url.endswith(".js") for url in urls)
        for url in urls:
            assert url.startswith("/"), url
            loaded = await client.get(url, headers=NO_TOKEN)
            assert loaded.status_code == 200, url
            assert loaded.content, url


async def test_the_oauth2_redirect_page_is_served(app: FastAPI) -> None:
    async with client_for(app) as client:
        response = await client.get("/docs/oauth2-redirect", headers=NO_TOKEN)
    assert response.status_code == 200
    assert "oauth2" in response.text


async def test_no_docs_no_assets(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"docs_enabled": False}))
    async with client_for(app) as client:
        for url in ("/docs", "/redoc", "/docs/assets/swagger-ui-bundle.js", "/openapi.json"):
            assert (await client.get(url)).status_code == 404, url
    await app.state.engine.dispose()
