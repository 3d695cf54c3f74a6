{%- set fields = entity_fields(cookiecutter) -%}
{%- set one = cookiecutter.__entity -%}
{%- set many = cookiecutter.__plural -%}
{%- set unique = first_field(fields, "unique_example") -%}
"""POST /{{ cookiecutter.__plural_path }} and POST /{{ cookiecutter.__plural_path }}/bulk."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..conftest import RolledBackDatabase
from .factories import (
    BULK,
    CREATE,
    FIELDS,
    LINKS,
    LIST,
    OWNED,
    READ,
    assert_problem,
    path,
    payload,
)

{%- if unique %}

UNIQUE = "{{ unique.name }}"
{%- endif %}

BAD_VALUES = [
{%- for field in fields %}
{%- for bad in field.bad_examples %}
    ("{{ field.name }}", {{ bad }}),
{%- endfor %}
{%- endfor %}
]


async def test_create_returns_201_with_location_and_etag(client: AsyncClient, app: FastAPI) -> None:
    response = await client.post(path(app, CREATE), json=payload())
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == path(app, READ, body["id"])
    assert response.headers["etag"] == '"1"'
    assert {name: body[name] for name in FIELDS} == payload()
    assert set(body) == {"id", *FIELDS, *OWNED, *LINKS, "version", "created_at", "updated_at"}
    assert all(body[name] == [] for name in LINKS)
    assert body["version"] == 1
    assert body["created_at"] == body["updated_at"]


async def test_create_unknown_field_returns_422(client: AsyncClient, app: FastAPI) -> None:
    response = await client.post(path(app, CREATE), json={**payload(), "unknown": 1})
    assert_problem(response, 422)


@pytest.mark.parametrize("owned", ["id", "version", "created_at", "updated_at"{{ ', "deleted_at"' if cookiecutter.soft_delete else "" }}])
async def test_create_server_owned_field_returns_422(
    client: AsyncClient, app: FastAPI, owned: str
) -> None:
    response = await client.post(path(app, CREATE), json={**payload(), owned: 1})
    body = assert_problem(response, 422)
    assert ["body", owned] in [error["loc"] for error in body["errors"]]


@pytest.mark.parametrize("field", FIELDS)
async def test_create_wrong_type_returns_422(client: AsyncClient, app: FastAPI, field: str) -> None:
    response = await client.post(path(app, CREATE), json={**payload(), field: [[]]})
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"][:2] == ["body", field]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
async def test_create_out_of_bounds_value_returns_422(
    client: AsyncClient, app: FastAPI, field: str, value: object
) -> None:
    body = json.dumps({**payload(), field: value})  # writes NaN and Infinity like JavaScript
    headers = {"Content-Type": "application/json"}
    response = await client.post(path(app, CREATE), content=body, headers=headers)
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"][:2] == ["body", field]
{%- if unique %}


async def test_create_duplicate_returns_409(client: AsyncClient, app: FastAPI) -> None:
    first = await client.post(path(app, CREATE), json=payload(0))
    assert first.status_code == 201
    duplicate = {**payload(1), UNIQUE: payload(0)[UNIQUE]}
    response = await client.post(path(app, CREATE), json=duplicate)
    assert_problem(response, 409)
{%- endif %}


async def test_create_failed_commit_is_never_acknowledged(
    client: AsyncClient, app: FastAPI, connection: AsyncConnection
) -> None:
    class FailingCommit(RolledBackDatabase):
        @asynccontextmanager
        async def transaction(self) -> AsyncIterator[AsyncConnection]:
            async with super().transaction() as connection:
                yield connection
                raise IntegrityError("COMMIT", None, Exception("deferred constraint"))

        autocommit = transaction  # a one-statement write commits as the statement ends

    database, app.state.database = app.state.database, FailingCommit(connection)
    response = await client.post(path(app, CREATE), json=payload())
    assert_problem(response, 409)
    app.state.database = database
    listed = await client.get(path(app, LIST))
    assert listed.json()["items"] == []


def repeating(body: dict[str, Any], key: str) -> str:
    """body as JSON text whose object names key a second time, with the same value."""
    return json.dumps(body)[:-1] + f", {json.dumps(key)}: {json.dumps(body[key])}}}"


async def test_create_with_a_key_twice_returns_422_naming_it(
    client: AsyncClient, app: FastAPI
) -> None:
    key = next(iter(payload()))
    headers = {"Content-Type": "application/json"}
    single = await client.post(
        path(app, CREATE), content=repeating(payload(0), key), headers=headers
    )
    items = "[" + json.dumps(payload(1)) + ", " + repeating(payload(2), key) + "]"
    bulk = await client.post(path(app, BULK), content=items, headers=headers)
    assert assert_problem(single, 422)["errors"][0]["loc"] == ["body", key]
    assert assert_problem(bulk, 422)["errors"][0]["loc"] == ["body", 1, key]
    listed = await client.get(path(app, LIST))
    assert listed.json()["items"] == []


async def test_bulk_create_returns_all_in_request_order(client: AsyncClient, app: FastAPI) -> None:
    bodies = [payload(i) for i in range(3)]
    response = await client.post(path(app, BULK), json=bodies)
    assert response.status_code == 201, response.text
    created: list[dict[str, Any]] = response.json()
    assert [{name: item[name] for name in FIELDS} for item in created] == bodies


async def test_bulk_create_names_the_invalid_item(client: AsyncClient, app: FastAPI) -> None:
    bodies = [payload(0), {**payload(1), "unknown": True}]
    response = await client.post(path(app, BULK), json=bodies)
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"][:2] == ["body", 1]


@pytest.mark.parametrize("count", [0, 6])
async def test_bulk_create_outside_limits_is_refused(
    client: AsyncClient, app: FastAPI, count: int
) -> None:
    bodies = [payload(i) for i in range(count)]
    response = await client.post(path(app, BULK), json=bodies)
    assert_problem(response, 422 if count == 0 else 413)
{%- if unique %}


async def test_bulk_create_duplicate_inserts_nothing(client: AsyncClient, app: FastAPI) -> None:
    response = await client.post(path(app, BULK), json=[payload(0), payload(1), payload(0)])
    body = assert_problem(response, 409)
    assert ["body", 2, UNIQUE] in [error["loc"] for error in body["errors"]]
    listed = await client.get(path(app, LIST))
    assert listed.json()["items"] == []
{%- endif %}
