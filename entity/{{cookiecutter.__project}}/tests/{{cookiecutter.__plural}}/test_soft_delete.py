{%- set fields = entity_fields(cookiecutter) -%}
{%- set many = cookiecutter.__plural -%}
{%- set cls = cookiecutter.__entity_class -%}
{%- set unique = first_field(fields, "unique_example") -%}
"""Soft delete: DELETE sets deleted_at; the row leaves every read and frees unique values."""

import sqlalchemy as sa
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncConnection

{{ import_block(
    cookiecutter.package_name,
    cookiecutter.package_name ~ "." ~ cookiecutter.__plural ~ ":models",
    cookiecutter.package_name ~ "." ~ cookiecutter.__plural ~ ".schemas:" ~ cls ~ "Read",
    ".factories:DELETE",
    ".factories:LIST",
    ".factories:READ",
    ".factories:UPDATE",
    ".factories:assert_problem",
    ".factories:create",
    ".factories:path",
) }}


async def test_delete_keeps_the_row_with_deleted_at(
    client: AsyncClient, app: FastAPI, connection: AsyncConnection
) -> None:
    created = await create(client, app)
    response = await client.delete(path(app, DELETE, created["id"]))
    assert response.status_code == 204
    row_id = {{ cls }}Read.model_validate(created).id
    columns = (models.{{ cls }}.deleted_at, models.{{ cls }}.version)
    query = sa.select(*columns).where(models.{{ cls }}.id == row_id)
    deleted_at, version = (await connection.execute(query)).one()
    assert deleted_at is not None
    assert version == 2


async def test_deleted_row_is_gone_from_every_read_and_write(
    client: AsyncClient, app: FastAPI
) -> None:
    created = await create(client, app)
    await client.delete(path(app, DELETE, created["id"]))
    listed = await client.get(path(app, LIST))
    assert listed.json()["items"] == []
    assert_problem(await client.get(path(app, READ, created["id"])), 404)
    assert_problem(await client.patch(path(app, UPDATE, created["id"]), json={}), 404)
    assert_problem(await client.delete(path(app, DELETE, created["id"])), 404)
{%- if unique %}


async def test_deleted_row_frees_its_unique_values(client: AsyncClient, app: FastAPI) -> None:
    created = await create(client, app, 0)
    await client.delete(path(app, DELETE, created["id"]))
    again = await create(client, app, 0)
    assert again["id"] != created["id"]
{%- endif %}
