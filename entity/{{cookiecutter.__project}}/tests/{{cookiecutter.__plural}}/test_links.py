{%- set one = cookiecutter.__entity -%}
{%- set many = cookiecutter.__plural -%}
{%- set links = cookiecutter.__links -%}
"""Many fields: the item shows its linked ids and writes set them (a 422 names each id
that names no row), the lists go both ways with the same filters, sorts and pages, a link's
change is a new version, and a page costs a bounded number of statements."""

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
{# ruff's import order: the linked packages (..), then this package's own (.) #}
{%- set plurals = links|map(attribute="target_plural")|unique|sort|list %}
{%- for plural in plurals if plural != many %}
from ..{{ plural }} import factories as {{ plural }}
{%- endfor %}
{%- if many in plurals %}
from . import factories as {{ many }}
{%- endif %}
from .factories import (
    BULK,
    CREATE,
    DELETE,
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
from .test_plans import FULL_WORK, Statement, plans

# (attribute, the linked entity's test helpers, the list of the rows linked to one of
# them and its parameter, the list of one row's linked ones)
{{ collection("LINKS: list[tuple[str, ModuleType, str, str, str]] = ", link_test_rows(links, one, many))|layout }}


async def linked_rows(client: AsyncClient, app: FastAPI, helpers: ModuleType, n: int) -> list[Any]:
    """The ids of n new rows of a linked entity, created through the API."""
    if hasattr(helpers, "add_parents"):
        await helpers.add_parents(client, app)
    return [(await helpers.create(client, app, 5000 + i))["id"] for i in range(n)]


def ids(response: Any) -> list[Any]:
    """The ids of a page's items, in its order."""
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def error_locations(body: dict[str, Any]) -> list[list[object]]:
    """The loc of every error of a problem."""
    return [error["loc"] for error in body["errors"]]


@pytest.mark.parametrize(("attribute", "helpers", "_", "__", "___"), LINKS)
async def test_writes_set_the_links_and_reads_show_them(
    client: AsyncClient,
    app: FastAPI,
    attribute: str,
    helpers: ModuleType,
    _: str,
    __: str,
    ___: str,
) -> None:
    first, second, third = await linked_rows(client, app, helpers, 3)
    sent = [third, first, third]  # a set: each id once, in ascending order
    response = await client.post(path(app, CREATE), json={**payload(1), attribute: sent})
    assert response.status_code == 201, response.text
    item = response.json()
    assert item[attribute] == sorted({first, third})
    read = await client.get(path(app, READ, item["id"]))
    assert read.json()[attribute] == sorted({first, third})
    listed = await client.get(path(app, LIST), params={"limit": 100})
    assert [row[attribute] for row in listed.json()["items"] if row["id"] == item["id"]] == [
        sorted({first, third})
    ]
    etag = read.headers["etag"]
    changed = await client.patch(
        path(app, UPDATE, item["id"]), json={attribute: [second]}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()[attribute] == [second]
    assert changed.headers["etag"] != etag
    kept = await client.patch(path(app, UPDATE, item["id"]), json={})
    assert kept.json()[attribute] == [second]  # a PATCH without it leaves the links alone
    replaced = await client.put(path(app, REPLACE, item["id"]), json=payload(1))
    assert replaced.json()[attribute] == []  # a PUT without it: none, its default


@pytest.mark.parametrize(("attribute", "helpers", "_", "__", "___"), LINKS)
async def test_ids_that_name_no_row_are_422_each_and_nothing_is_written(
    client: AsyncClient,
    app: FastAPI,
    attribute: str,
    helpers: ModuleType,
    _: str,
    __: str,
    ___: str,
) -> None:
    (real,) = await linked_rows(client, app, helpers, 1)
    before = ids(await client.get(path(app, LIST), params={"limit": 100}))
    response = await client.post(
        path(app, CREATE), json={**payload(2), attribute: [real, MISSING_ID]}
    )
    problem = assert_problem(response, 422)
    assert error_locations(problem) == [["body", attribute, 1]]
    assert problem["errors"][0]["input"] == str(MISSING_ID)  # it names the id
    bulk = [payload(3), {**payload(4), attribute: [MISSING_ID]}]
    response = await client.post(path(app, BULK), json=bulk)
    assert error_locations(assert_problem(response, 422)) == [["body", 1, attribute, 0]]
    item = await create(client, app, 5)
    response = await client.patch(path(app, UPDATE, item["id"]), json={attribute: [MISSING_ID]})
    assert error_locations(assert_problem(response, 422)) == [["body", attribute, 0]]
    read = await client.get(path(app, READ, item["id"]))
    assert read.json()[attribute] == []
    assert read.json()["version"] == item["version"]
    listed = await client.get(path(app, LIST), params={"limit": 100})
    assert sorted(ids(listed)) == sorted([*before, item["id"]])


@pytest.mark.parametrize(("attribute", "helpers", "with_one", "parameter", "of_one"), LINKS)
async def test_the_lists_go_both_ways_and_filter_and_page_alike(
    client: AsyncClient,
    app: FastAPI,
    attribute: str,
    helpers: ModuleType,
    with_one: str,
    parameter: str,
    of_one: str,
) -> None:
    first, second = await linked_rows(client, app, helpers, 2)
    both = await client.post(path(app, CREATE), json={**payload(6), attribute: [first, second]})
    only = await client.post(path(app, CREATE), json={**payload(7), attribute: [second]})
    both_id, only_id = both.json()["id"], only.json()["id"]
    linked_to = {
        target: app.url_path_for(with_one, **{parameter: target}) for target in (first, second)
    }
    assert ids(await client.get(linked_to[first])) == [both_id]
    assert sorted(ids(await client.get(linked_to[second]))) == sorted([both_id, only_id])
    assert ids(await client.get(path(app, LIST), params={parameter: first})) == [both_id]
    pages: list[Any] = []
    params: dict[str, Any] = {"limit": 1}
    for _ in range(3):  # one row a page, as any list pages
        page = await client.get(linked_to[second], params=params)
        pages += ids(page)
        body = page.json()
        if "next_cursor" not in body:
            params = {"limit": 1, "offset": len(pages)}
        elif body["next_cursor"] is None:
            break
        else:
            params = {"limit": 1, "cursor": body["next_cursor"]}
    assert sorted(pages) == sorted([both_id, only_id])
    of_both = path(app, of_one, both_id)
    assert sorted(ids(await client.get(of_both))) == sorted([first, second])
    missing = app.url_path_for(with_one, **{parameter: MISSING_ID})
    assert_problem(await client.get(missing), 404)
    assert_problem(await client.get(path(app, of_one, MISSING_ID)), 404)


@pytest.mark.parametrize(("attribute", "helpers", "with_one", "parameter", "_"), LINKS)
async def test_deleting_either_end_removes_its_links(
    client: AsyncClient,
    app: FastAPI,
    attribute: str,
    helpers: ModuleType,
    with_one: str,
    parameter: str,
    _: str,
) -> None:
    first, second = await linked_rows(client, app, helpers, 2)
    item = (
        await client.post(path(app, CREATE), json={**payload(8), attribute: [first, second]})
    ).json()
    gone = await client.delete(helpers.path(app, helpers.DELETE, first))
    assert gone.status_code == 204, gone.text
    read = await client.get(path(app, READ, item["id"]))
    assert read.json()[attribute] == [second]
    assert read.json()["version"] > item["version"]  # so its ETag changed too
    deleted = await client.delete(path(app, DELETE, item["id"]))
    assert deleted.status_code == 204, deleted.text
    assert ids(await client.get(app.url_path_for(with_one, **{parameter: second}))) == []


@pytest.fixture
def statements(connection: AsyncConnection) -> Iterator[list[Statement]]:
    """Every SELECT sent on the test's connection, with its parameters."""
    captured: list[Statement] = []
    sync = connection.sync_connection
    assert sync is not None

    def capture(_: Connection, __: Any, statement: str, parameters: Any, *___: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(sync, "before_cursor_execute", capture)
    yield captured
    event.remove(sync, "before_cursor_execute", capture)


async def test_a_page_costs_the_same_statements_however_many_rows_and_links(
    client: AsyncClient, app: FastAPI, connection: AsyncConnection, statements: list[Statement]
) -> None:
    linked = {
        attribute: await linked_rows(client, app, helpers, 3) for attribute, helpers, *_ in LINKS
    }
    bulk = [{**payload(10 + i), **linked} for i in range(4)]
    response = await client.post(path(app, BULK), json=bulk)
    assert response.status_code == 201, response.text
    counts = []
    for limit in (1, 4):
        statements.clear()
        assert len(ids(await client.get(path(app, LIST), params={"limit": limit}))) == limit
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 2 + len(LINKS)  # the page (and its total), then one per many field
    for plan in await plans(connection, statements):
        assert not [work for work in FULL_WORK if work in plan], plan


@pytest.mark.parametrize(("attribute", "helpers", "with_one", "parameter", "of_one"), LINKS)
async def test_the_lists_both_ways_are_served_by_indexes(
    client: AsyncClient,
    app: FastAPI,
    connection: AsyncConnection,
    statements: list[Statement],
    attribute: str,
    helpers: ModuleType,
    with_one: str,
    parameter: str,
    of_one: str,
) -> None:
    (target,) = await linked_rows(client, app, helpers, 1)
    item = (await client.post(path(app, CREATE), json={**payload(20), attribute: [target]})).json()
    statements.clear()
    assert ids(await client.get(app.url_path_for(with_one, **{parameter: target}))) == [item["id"]]
    assert ids(await client.get(path(app, of_one, item["id"]))) == [target]
    ordered = [(sql, parameters) for sql, parameters in statements if "ORDER BY" in sql]
    assert len(ordered) == 2
    postgresql = connection.dialect.name == "postgresql"
    for plan in await plans(connection, ordered):
        # No table is read whole. SQLite finds the linked rows through the join table's
        # indexes and sorts those (TEMP B-TREE): one row's links, not the table.
        whole = [line for line in plan.splitlines() if "SCAN" in line and "USING" not in line]
        assert not whole, plan
        assert "Seq Scan" not in plan, plan
        assert not postgresql or "Sort" not in plan, plan
