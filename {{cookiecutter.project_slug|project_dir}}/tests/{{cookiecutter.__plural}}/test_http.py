{%- set one = cookiecutter.__entity -%}
{%- set many = cookiecutter.__plural -%}
{%- set factories = "tests." ~ many ~ ".factories:" -%}
"""HTTP details of /{{ cookiecutter.__plural_path }}: Allow on a 405."""

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

{{ import_block(
    cookiecutter.package_name,
    factories ~ "BULK",
    factories ~ "LIST",
    factories ~ "MISSING_ID",
    factories ~ "READ",
    factories ~ "assert_problem",
    factories ~ "path",
) }}

LIST_METHODS = "GET, POST"
ITEM_METHODS = "DELETE, GET, PATCH, PUT"


@pytest.mark.parametrize(
    ("method", "route", "allow"),
    [
        ("PUT", LIST, LIST_METHODS),
        ("DELETE", LIST, LIST_METHODS),
        ("OPTIONS", LIST, LIST_METHODS),
        ("POST", READ, ITEM_METHODS),
        ("OPTIONS", READ, ITEM_METHODS),
        ("GET", BULK, "POST"),
        ("PUT", BULK, "POST"),
        ("PATCH", BULK, "POST"),
        ("DELETE", BULK, "POST"),
    ],
)
async def test_unserved_method_returns_405_allowing_every_method_of_the_path(
    client: AsyncClient, app: FastAPI, method: str, route: str, allow: str
) -> None:
    url = path(app, route, MISSING_ID if route == READ else None)
    response = await client.request(method, url)
    assert_problem(response, 405)
    assert response.headers["allow"] == allow


@pytest.mark.parametrize("segment", ["bulky", "BULK", "bulk.json"])
async def test_segment_resembling_bulk_is_a_malformed_id(
    client: AsyncClient, app: FastAPI, segment: str
) -> None:
    response = await client.get(path(app, READ, segment))
    assert_problem(response, 422)
