{%- set many = cookiecutter.__plural -%}
"""References of /{{ cookiecutter.__plural_path }}: a missing parent is a 422 at the field, the delete
rules hold, and the filter and nested lists show a parent's rows only."""

import asyncio
from itertools import count
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
{# ruff's import order: the parents' packages (..), then this package's own (.) #}
{%- set plurals = cookiecutter.__refs|map(attribute="target_plural")|unique|sort|list %}
{%- for plural in plurals if plural != many %}
from ..{{ plural }} import factories as {{ plural }}
{%- endfor %}
{%- if many in plurals %}
from . import factories as {{ many }}
{%- endif %}
from .factories import (
    BULK,
    CREATE,
    LIST,
    MISSING_ID,
    READ,
    REPLACE,
    UPDATE,
    assert_problem,
    create,
    path,
    payload,
)

TABLE = "{{ cookiecutter.__table }}"
# (column, the parents' test helpers, delete rule, nested list route and its parameter)
{{ collection("REFERENCES: list[tuple[str, ModuleType, str, str | None, str]] = ", reference_rows(cookiecutter.__refs, many))|layout }}
{%- set need_parents = cookiecutter.__refs|selectattr("target_has_parents")|map(attribute="target_plural")|unique|sort|list %}
{%- if need_parents %}
# The parents whose rows need parent rows of their own first (their add_parents).
{{ collection("NEED_PARENTS: list[ModuleType] = ", need_parents, "[]")|layout }}
{%- endif %}
COLUMNS = [column for column, *_ in REFERENCES]
CONCURRENT = 20  # parents deleted at once, while as many children are created under others
NUMBERS = count(2000)  # payload numbers of the rows the concurrent test makes


async def create_with(
    client: AsyncClient, app: FastAPI, column: str, parent_id: object, i: int
) -> dict[str, Any]:
    """Create one whose reference column points at parent_id."""
    response = await client.post(path(app, CREATE), json={**payload(i), column: parent_id})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def error_locations(body: dict[str, Any]) -> list[list[object]]:
    """The loc of every error of a problem."""
    return [error["loc"] for error in body["errors"]]


@pytest.mark.parametrize("column", COLUMNS)
async def test_create_with_a_missing_parent_is_422_at_the_field(
    client: AsyncClient, app: FastAPI, column: str
) -> None:
    response = await client.post(path(app, CREATE), json={**payload(), column: MISSING_ID})
    assert error_locations(assert_problem(response, 422)) == [["body", column]]


@pytest.mark.parametrize("column", COLUMNS)
async def test_bulk_with_a_missing_parent_is_422_at_the_item(
    client: AsyncClient, app: FastAPI, column: str
) -> None:
    bodies = [payload(0), {**payload(1), column: MISSING_ID}]
    response = await client.post(path(app, BULK), json=bodies)
    assert error_locations(assert_problem(response, 422)) == [["body", 1, column]]
    listed = await client.get(path(app, LIST))
    assert listed.json()["items"] == []  # all or nothing


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("route", [REPLACE, UPDATE])
async def test_write_with_a_missing_parent_is_422_at_the_field(
    client: AsyncClient, app: FastAPI, column: str, route: str
) -> None:
    created = await create(client, app)
    body = {**payload(1), column: MISSING_ID} if route == REPLACE else {column: MISSING_ID}
    method = "PUT" if route == REPLACE else "PATCH"
    response = await client.request(method, path(app, route, created["id"]), json=body)
    assert error_locations(assert_problem(response, 422)) == [["body", column]]
    assert (await client.get(path(app, READ, created["id"]))).json() == created


@pytest.mark.parametrize(("column", "parents", "rule", "nested", "parameter"), REFERENCES)
async def test_filter_and_nested_list_show_one_parents_rows_only(
    client: AsyncClient,
    app: FastAPI,
    column: str,
    parents: ModuleType,
    rule: str,
    nested: str | None,
    parameter: str,
) -> None:
{%- if need_parents %}
    if parents in NEED_PARENTS:
        await parents.add_parents(client, app)
{%- endif %}
    mine = await parents.create(client, app, 100)
    other = await parents.create(client, app, 101)
    child = await create_with(client, app, column, mine["id"], 0)
    await create_with(client, app, column, other["id"], 1)
    listed = await client.get(path(app, LIST), params={column: mine["id"]})
    assert [item["id"] for item in listed.json()["items"]] == [child["id"]]
    if nested is None:
        return  # a second reference to the same parent: the filter serves it
    response = await client.get(app.url_path_for(nested, **{parameter: mine["id"]}))
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [child["id"]]
    missing = await client.get(app.url_path_for(nested, **{parameter: MISSING_ID}))
    assert_problem(missing, 404)


@pytest.mark.parametrize(("column", "parents", "rule", "nested", "parameter"), REFERENCES)
async def test_deleting_a_parent_follows_the_delete_rule(
    client: AsyncClient,
    app: FastAPI,
    column: str,
    parents: ModuleType,
    rule: str,
    nested: str | None,
    parameter: str,
) -> None:
{%- if need_parents %}
    if parents in NEED_PARENTS:
        await parents.add_parents(client, app)
{%- endif %}
    parent = await parents.create(client, app, 102)
    child = await create_with(client, app, column, parent["id"], 2)
    response = await client.delete(parents.path(app, parents.DELETE, parent["id"]))
    after = await client.get(path(app, READ, child["id"]))
    if rule == "restrict":
        assert TABLE in assert_problem(response, 409)["detail"]
        assert after.json() == child
    elif rule == "cascade":
        assert response.status_code == 204, response.text
        assert_problem(after, 404)
    else:
        assert response.status_code == 204, response.text
        assert after.json()[column] is None
        assert after.json()["version"] == child["version"] + 1


@pytest.mark.slow
@pytest.mark.parametrize(("column", "parents", "rule", "nested", "parameter"), REFERENCES)
async def test_concurrent_parent_deletes_and_child_creates_follow_the_rule(
    live_client: AsyncClient,
    app: FastAPI,
    column: str,
    parents: ModuleType,
    rule: str,
    nested: str | None,
    parameter: str,
) -> None:
    """Parents deleted while children are created under other parents, all at once on the
    live database: every request gets the answer its delete rule gives, never a 503 (on
    SQLite each write transaction waits its turn for the write lock) nor a 500."""
{%- if need_parents %}
    if parents in NEED_PARENTS:
        await parents.add_parents(live_client, app)
{%- endif %}
    doomed = [await parents.create(live_client, app, next(NUMBERS)) for _ in range(CONCURRENT)]
    kept = [await parents.create(live_client, app, next(NUMBERS)) for _ in range(CONCURRENT)]
    children = [
        await create_with(live_client, app, column, row["id"], next(NUMBERS)) for row in doomed
    ]
    deletes = [live_client.delete(parents.path(app, parents.DELETE, row["id"])) for row in doomed]
    creates = [
        live_client.post(path(app, CREATE), json={**payload(next(NUMBERS)), column: row["id"]})
        for row in kept
    ]
    responses = await asyncio.gather(*deletes, *creates)
    deleted, created = responses[:CONCURRENT], responses[CONCURRENT:]
    assert [response.status_code for response in created] == [201] * CONCURRENT
    expected = 409 if rule == "restrict" else 204
    assert [response.status_code for response in deleted] == [expected] * CONCURRENT
    for child in children:
        after = await live_client.get(path(app, READ, child["id"]))
        if rule == "restrict":
            assert after.json() == child
        elif rule == "cascade":
            assert after.status_code == 404
        else:
            assert after.json()[column] is None
