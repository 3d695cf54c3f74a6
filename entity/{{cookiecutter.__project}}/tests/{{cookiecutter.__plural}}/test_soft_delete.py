{%- set fields = entity_fields(cookiecutter) -%}
{%- set many = cookiecutter.__plural -%}
{%- set unique = first_field(fields, "unique_example") -%}
"""Soft delete: DELETE sets deleted_at; the row leaves every read and frees unique values."""

import sqlalchemy as sa
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncConnection

from {{ cookiecutter.package_name }}.{{ cookiecutter.__plural }}.models import Model
from {{ cookiecutter.package_name }}.{{ cookiecutter.__plural }}.schemas import Read

from .factories import DELETE, LIST, READ, UPDATE, assert_problem, create, path


async def test_delete_keeps_the_row_with_deleted_at(
    client: AsyncClient, app: FastAPI, connection: AsyncConnection
) -> None:
    created = await create(client, app)
    response = await client.delete(path(app, DELETE, created["id"]))
    assert response.status_code == 204
    row_id = Read.model_validate(created).id
    columns = (Model.deleted_at, Model.version)
    query = sa.select(*columns).where(Model.id == row_id)
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
