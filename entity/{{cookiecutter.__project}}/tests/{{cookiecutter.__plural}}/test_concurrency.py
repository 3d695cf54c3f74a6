{%- set fields = entity_fields(cookiecutter) -%}
{%- set many = cookiecutter.__plural -%}
{%- set unique = first_field(fields, "unique_example") -%}
"""Concurrent writes on the live database: no lost update, no duplicate row, no phantom 2xx."""

import asyncio

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response

{% set for_unique = [".factories:CREATE", ".factories:LIST"] if unique else [] -%}
{{ import_block(
    cookiecutter.package_name,
    ".factories:FIELDS",
    ".factories:PROBLEM_JSON",
    ".factories:READ",
    ".factories:UPDATE",
    ".factories:create",
    ".factories:path",
    ".factories:payload",
    *for_unique
) }}

pytestmark = pytest.mark.slow
CONCURRENT = 50


async def test_concurrent_patches_with_one_if_match_apply_once(
    live_client: AsyncClient, app: FastAPI
) -> None:
    created = await create(live_client, app)
    first = FIELDS[0]

    async def patch(i: int) -> Response:
        body = {first: payload(i)[first]}
        url = path(app, UPDATE, created["id"])
        return await live_client.patch(url, json=body, headers={"If-Match": '"1"'})

    responses = await asyncio.gather(*(patch(i) for i in range(CONCURRENT)))
    statuses = [response.status_code for response in responses]
    assert (statuses.count(200), statuses.count(412)) == (1, CONCURRENT - 1)
    assert {r.headers["content-type"] for r in responses if r.status_code == 412} == {PROBLEM_JSON}
    current = await live_client.get(path(app, READ, created["id"]))
    assert current.json()["version"] == 2
{%- if unique %}


async def test_concurrent_creates_of_one_unique_value_make_one_row(
    live_client: AsyncClient, app: FastAPI
) -> None:
    responses = await asyncio.gather(
        *(live_client.post(path(app, CREATE), json=payload(0)) for _ in range(CONCURRENT))
    )
    statuses = [response.status_code for response in responses]
    assert (statuses.count(201), statuses.count(409)) == (1, CONCURRENT - 1)
    assert {r.headers["content-type"] for r in responses if r.status_code == 409} == {PROBLEM_JSON}
    listed = await live_client.get(path(app, LIST), params={"limit": 100})
    assert len(listed.json()["items"]) == 1
{%- endif %}
