{%- set fields = entity_fields(cookiecutter) -%}
{%- set one = cookiecutter.__entity -%}
{%- set many = cookiecutter.__plural -%}
{%- set unique = first_field(fields, "unique_example") -%}
{%- set required = first_field(fields, "nullable", false) -%}
"""GET, PUT, PATCH and DELETE /{{ cookiecutter.__plural_path }}/{id}, with ETag and If-Match."""

import logging

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response

from {{ cookiecutter.package_name }}.{{ cookiecutter.__plural }} import service

from ..callers import client_for
from .factories import (
    DELETE,
    FIELDS,
    MISSING_ID,
    READ,
    REPLACE,
    UPDATE,
    assert_problem,
    create,
    path,
    payload,
)

ITEM_ROUTES = [READ, REPLACE, UPDATE, DELETE]
{%- if unique %}
UNIQUE = "{{ unique.name }}"
{%- endif %}
{%- if required %}
REQUIRED = "{{ required.name }}"
{%- endif %}
METHODS = {
    READ: "GET",
    REPLACE: "PUT",
    UPDATE: "PATCH",
    DELETE: "DELETE",
}


async def call(
    client: AsyncClient,
    app: FastAPI,
    route: str,
    item_id: object,
    json: object = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Call an item route by name."""
    url = path(app, route, item_id)
    return await client.request(METHODS[route], url, json=json, headers=headers)


async def test_read_returns_row_and_etag(client: AsyncClient, app: FastAPI) -> None:
    created = await create(client, app)
    response = await client.get(path(app, READ, created["id"]))
    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == '"1"'


@pytest.mark.parametrize("route", ITEM_ROUTES)
async def test_item_route_missing_id_returns_404(
    client: AsyncClient, app: FastAPI, route: str
) -> None:
    response = await call(client, app, route, MISSING_ID, json=payload())
    body = assert_problem(response, 404)
    assert str(MISSING_ID) in body["detail"]


@pytest.mark.parametrize("route", ITEM_ROUTES)
@pytest.mark.parametrize("bad_id", ["not-an-id", "0", "1.5", str(2**53)])
async def test_item_route_malformed_id_returns_422(
    client: AsyncClient, app: FastAPI, route: str, bad_id: str
) -> None:
    response = await call(client, app, route, bad_id, json=payload())
    assert_problem(response, 422)


async def test_replace_sets_every_field_and_bumps_version(
    client: AsyncClient, app: FastAPI
) -> None:
    created = await create(client, app, 0)
    response = await call(client, app, REPLACE, created["id"], json=payload(1))
    assert response.status_code == 200, response.text
    body = response.json()
    assert {name: body[name] for name in FIELDS} == payload(1)
    assert (body["version"], response.headers["etag"]) == (2, '"2"')
    assert body["created_at"] == created["created_at"]


async def test_update_changes_only_sent_fields(client: AsyncClient, app: FastAPI) -> None:
    created = await create(client, app, 0)
    first = FIELDS[0]
    change = {first: payload(1)[first]}
    response = await call(client, app, UPDATE, created["id"], json=change)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {name: body[name] for name in FIELDS} == {**payload(0), **change}
    assert body["version"] == 2


async def test_update_unknown_field_returns_422(client: AsyncClient, app: FastAPI) -> None:
    created = await create(client, app)
    response = await call(client, app, UPDATE, created["id"], json={"version": 9})
    assert_problem(response, 422)
{%- if required %}


async def test_update_null_for_required_field_returns_422(
    client: AsyncClient, app: FastAPI
) -> None:
    created = await create(client, app)
    body = {REQUIRED: None}
    response = await call(client, app, UPDATE, created["id"], json=body)
    assert_problem(response, 422)
{%- endif %}
{%- if unique %}


@pytest.mark.parametrize("route", [REPLACE, UPDATE])
async def test_write_duplicate_returns_409(client: AsyncClient, app: FastAPI, route: str) -> None:
    taken = await create(client, app, 0)
    other = await create(client, app, 1)
    body = {**payload(1), UNIQUE: taken[UNIQUE]}
    response = await call(client, app, route, other["id"], json=body)
    assert_problem(response, 409)
{%- endif %}


@pytest.mark.parametrize("route", [REPLACE, UPDATE, DELETE])
async def test_write_with_current_if_match_succeeds(
    client: AsyncClient, app: FastAPI, route: str
) -> None:
    created = await create(client, app)
    headers = {"If-Match": '"0", "1"'}
    response = await call(client, app, route, created["id"], json=payload(), headers=headers)
    assert response.status_code in (200, 204), response.text


@pytest.mark.parametrize("route", [REPLACE, UPDATE, DELETE])
@pytest.mark.parametrize("if_match", ['"1"', 'W/"2"', "garbage"])
async def test_write_with_stale_if_match_returns_412(
    client: AsyncClient, app: FastAPI, route: str, if_match: str
) -> None:
    created = await create(client, app)
    await call(client, app, UPDATE, created["id"], json={})
    response = await call(
        client, app, route, created["id"], json=payload(), headers={"If-Match": if_match}
    )
    assert_problem(response, 412)
    current = await call(client, app, READ, created["id"])
    assert current.json()["version"] == 2


async def test_delete_returns_204_then_404(client: AsyncClient, app: FastAPI) -> None:
    created = await create(client, app)
    response = await call(client, app, DELETE, created["id"])
    assert (response.status_code, response.content) == (204, b"")
    again = await call(client, app, READ, created["id"])
    assert_problem(again, 404)


class Recorder(logging.Handler):
    """Keeps the log records it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)


async def test_unexpected_error_returns_500_problem_without_internals(
    client: AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "get", broken)
    handler = Recorder()
    logging.getLogger("{{ cookiecutter.package_name }}").addHandler(handler)
    try:
        async with client_for(app, raise_app_exceptions=False) as raw:
            response = await raw.get(path(app, READ, MISSING_ID))
    finally:
        logging.getLogger("{{ cookiecutter.package_name }}").removeHandler(handler)
    body = assert_problem(response, 500)
    assert "secret" not in response.text
    assert body["detail"] == "An unexpected error occurred."
    (record,) = [r for r in handler.records if r.exc_info]
    assert getattr(record, "request_id", None) == response.headers["x-request-id"]
    assert "secret internals" in str(record.exc_info[1] if record.exc_info else "")
