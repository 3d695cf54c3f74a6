{%- set fields = entity_fields(cookiecutter) -%}
{%- set many = cookiecutter.__plural -%}
"""GET /{{ cookiecutter.__plural_path }}: {{ "keyset" if cookiecutter.pagination == "cursor" else "offset" }} pages, filters and sort orders."""

from typing import Any, get_args

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

{{ import_block(
    cookiecutter.package_name,
    cookiecutter.package_name ~ "." ~ cookiecutter.__plural ~ ":schemas",
    ".factories:BULK",
    ".factories:LIST",
    ".factories:assert_problem",
    ".factories:path",
    ".factories:payload",
) }}

# The references have their own filter tests (test_references.py).
{{ collection("FILTERS: list[tuple[str, str, str]] = ", filter_rows(fields|rejectattr("kind", "equalto", "ref")|list))|layout }}
# Values that are not in the parameter's documented format (a number is not a date).
{{ collection("BAD_VALUES = ", bad_filter_rows(fields))|layout }}


async def create_rows(client: AsyncClient, app: FastAPI, count: int) -> list[dict[str, Any]]:
    """Create count rows in one bulk request."""
    bodies = [payload(i) for i in range(count)]
    response = await client.post(path(app, BULK), json=bodies)
    assert response.status_code == 201, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def fetch_all(
    client: AsyncClient, app: FastAPI, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Walk every page of the list with these query parameters, two items per page (a dict,
    not keywords: a field may be named like this function's own parameters)."""
    items: list[dict[str, Any]] = []
{%- if cookiecutter.pagination == "cursor" %}
    cursor = None
    for _ in range(50):
        query = {**params, "limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await client.get(path(app, LIST), params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
{%- else %}
    for offset in range(0, 100, 2):
        query = {**params, "limit": 2, "offset": offset}
        response = await client.get(path(app, LIST), params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert (page["limit"], page["offset"]) == (2, offset)
        items += page["items"]
        if offset + 2 >= page["total"]:
            assert len(items) == page["total"]
            return items
{%- endif %}
    raise AssertionError("pagination did not end")


def query_value(value: Any) -> str:
    """A JSON value as a query-string value."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def matches(op: str, actual: Any, expected: Any) -> bool:
    """Whether a row's value satisfies a filter."""
    if op == "contains":
        return str(expected).lower() in str(actual).lower()
    if op == "gte":
        return bool(actual >= expected)
    if op == "lte":
        return bool(actual <= expected)
    return bool(actual == expected)


@pytest.mark.parametrize("sort", get_args(schemas.{{ cookiecutter.__entity_class }}Sort))
async def test_list_pages_through_every_row_in_sort_order(
    client: AsyncClient, app: FastAPI, sort: str
) -> None:
    created = await create_rows(client, app, 5)
    items = await fetch_all(client, app, {"sort": sort})
    assert sorted(item["id"] for item in items) == sorted(row["id"] for row in created)
    # Compare values, not their JSON text: "…:34Z" is a moment before "…:34.001Z".
    key = sort.removeprefix("-")
    read = schemas.{{ cookiecutter.__entity_class }}Read.model_validate
    rows = [read(item).model_dump(by_alias=True) for item in items]
    keys = [(row[key], row["id"]) for row in rows]
    assert keys == sorted(keys, reverse=sort.startswith("-"))


@pytest.mark.parametrize(("param", "field", "op"), FILTERS)
async def test_list_filter_returns_only_matching_rows(
    client: AsyncClient, app: FastAPI, param: str, field: str, op: str
) -> None:
    await create_rows(client, app, 3)
    expected = payload(1)[field]
    items = await fetch_all(client, app, {param: query_value(expected)})
    assert items, f"{param}={expected!r} matched nothing"
    assert all(matches(op, item[field], expected) for item in items)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": -1},
        {"sort": "nope"},
        {"unknown": "1"},
{%- if cookiecutter.pagination == "offset" %}
        {"offset": -1},
        {"offset": 100_001},
{%- endif %}
    ],
)
async def test_list_bad_parameters_return_422(
    client: AsyncClient, app: FastAPI, params: dict[str, Any]
) -> None:
    response = await client.get(path(app, LIST), params=params)
    assert_problem(response, 422)


@pytest.mark.parametrize(("param", "value"), BAD_VALUES)
async def test_list_values_in_another_format_return_422(
    client: AsyncClient, app: FastAPI, param: str, value: str
) -> None:
    response = await client.get(path(app, LIST), params={param: value})
    assert_problem(response, 422)
    assert [error["loc"] for error in response.json()["errors"]] == [["query", param]]
{%- if cookiecutter.pagination == "cursor" %}


@pytest.mark.parametrize("cursor", ["garbage", "e30", "WyJ4IiwxLDJd"])
async def test_list_foreign_cursor_returns_422(
    client: AsyncClient, app: FastAPI, cursor: str
) -> None:
    response = await client.get(path(app, LIST), params={"cursor": cursor})
    assert_problem(response, 422)


async def test_list_cursor_of_another_sort_returns_422(client: AsyncClient, app: FastAPI) -> None:
    await create_rows(client, app, 3)
    first = await client.get(path(app, LIST), params={"limit": 1, "sort": "-id"})
    cursor = first.json()["next_cursor"]
    response = await client.get(path(app, LIST), params={"cursor": cursor})
    assert_problem(response, 422)
{%- else %}


async def test_list_past_the_end_is_empty_with_the_total(client: AsyncClient, app: FastAPI) -> None:
    await create_rows(client, app, 3)
    response = await client.get(path(app, LIST), params={"offset": 10})
    assert response.json() == {"items": [], "total": 3, "limit": 20, "offset": 10}
{%- endif %}
