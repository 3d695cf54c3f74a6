{%- set one = cookiecutter.__entity -%}
{%- set many = cookiecutter.__plural -%}
{%- set links = cookiecutter.__links -%}
"""Many fields: the item shows its linked ids and writes set them (a 422 names each id
that names no row), the lists go both ways with the same filters, sorts and pages, a link's
change is a new version, and a page costs a bounded number of statements."""

from collections.abc import Iterator
from types import ModuleType
from typing import Any, NamedTuple

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


class Link(NamedTuple):
    """A many field of this entity, and the routes of its two lists."""

    attribute: str  # in bodies: tag_ids
    helpers: ModuleType  # the linked entity's test helpers
    with_one: str  # the list of the rows linked to one of them
    parameter: str  # that list's path parameter, and the list's filter
    of_one: str  # the list of one row's linked ones


{{ collection("LINKS = ", link_test_rows(links, one, many))|layout }}


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


@pytest.mark.parametrize("link", LINKS, ids=lambda link: link.attribute)
async def test_writes_set_the_links_and_reads_show_them(
    client: AsyncClient,
    app: FastAPI,
    link: Link,
) -> None:
    first, second, third = await linked_rows(client, app, link.helpers, 3)
    sent = [third, first, third]  # a set: each id once, in ascending order
    response = await client.post(path(app, CREATE), json={**payload(1), link.attribute: sent})
    assert response.status_code == 201, response.text
    item = response.json()
    assert item[link.attribute] == sorted({first, third})
    read = await client.get(path(app, READ, item["id"]))
    assert read.json()[link.attribute] == sorted({first, third})
    listed = await client.get(path(app, LIST), params={"limit": 100})
    assert [row[link.attribute] for row in listed.json()["items"] if row["id"] == item["id"]] == [
        sorted({first, third})
    ]
    etag = read.headers["etag"]
    changed = await client.patch(
        path(app, UPDATE, item["id"]), json={link.attribute: [second]}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()[link.attribute] == [second]
    assert changed.headers["etag"] != etag
    kept = await client.patch(path(app, UPDATE, item["id"]), json={})
    assert kept.json()[link.attribute] == [second]  # a PATCH without it leaves the links alone
    replaced = await client.put(path(app, REPLACE, item["id"]), json=payload(1))
    assert replaced.json()[link.attribute] == []  # a PUT without it: none, its default


@pytest.mark.parametrize("link", LINKS, ids=lambda link: link.attribute)
async def test_ids_that_name_no_row_are_422_each_and_nothing_is_written(
    client: AsyncClient,
    app: FastAPI,
    link: Link,
) -> None:
    (real,) = await linked_rows(client, app, link.helpers, 1)
    before = ids(await client.get(path(app, LIST), params={"limit": 100}))
    response = await client.post(
        path(app, CREATE), json={**payload(2), link.attribute: [real, MISSING_ID]}
    )
    problem = assert_problem(response, 422)
    assert error_locations(problem) == [["body", link.attribute, 1]]
    assert problem["errors"][0]["input"] == str(MISSING_ID)  # it names the id
    bulk = [payload(3), {**payload(4), link.attribute: [MISSING_ID]}]
    response = await client.post(path(app, BULK), json=bulk)
    assert error_locations(assert_problem(response, 422)) == [["body", 1, link.attribute, 0]]
    item = await create(client, app, 5)
    response = await client.patch(
        path(app, UPDATE, item["id"]), json={link.attribute: [MISSING_ID]}
    )
    assert error_locations(assert_problem(response, 422)) == [["body", link.attribute, 0]]
    read = await client.get(path(app, READ, item["id"]))
    assert read.json()[link.attribute] == []
    assert read.json()["version"] == item["version"]
    listed = await client.get(path(app, LIST), params={"limit": 100})
    assert sorted(ids(listed)) == sorted([*before, item["id"]])


@pytest.mark.parametrize("link", LINKS, ids=lambda link: link.attribute)
async def test_the_lists_go_both_ways_and_filter_and_page_alike(
    client: AsyncClient,
    app: FastAPI,
    link: Link,
) -> None:
    first, second = await linked_rows(client, app, link.helpers, 2)
    both = await client.post(
        path(app, CREATE), json={**payload(6), link.attribute: [first, second]}
    )
    only = await client.post(path(app, CREATE), json={**payload(7), link.attribute: [second]})
    both_id, only_id = both.json()["id"], only.json()["id"]
    linked_to = {
        target: app.url_path_for(link.with_one, **{link.parameter: target})
        for target in (first, second)
    }
    assert ids(await client.get(linked_to[first])) == [both_id]
    assert sorted(ids(await client.get(linked_to[second]))) == sorted([both_id, only_id])
    assert ids(await client.get(path(app, LIST), params={link.parameter: first})) == [both_id]
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
    of_both = path(app, link.of_one, both_id)
    assert sorted(ids(await client.get(of_both))) == sorted([first, second])
    missing = app.url_path_for(link.with_one, **{link.parameter: MISSING_ID})
    assert_problem(await client.get(missing), 404)
    assert_problem(await client.get(path(app, link.of_one, MISSING_ID)), 404)


@pytest.mark.parametrize("link", LINKS, ids=lambda link: link.attribute)
async def test_deleting_either_end_removes_its_links(
    client: AsyncClient,
    app: FastAPI,
    link: Link,
) -> None:
    first, second = await linked_rows(client, app, link.helpers, 2)
    item = (
        await client.post(path(app, CREATE), json={**payload(8), link.attribute: [first, second]})
    ).json()
    gone = await client.delete(link.helpers.path(app, link.helpers.DELETE, first))
    assert gone.status_code == 204, gone.text
    read = await client.get(path(app, READ, item["id"]))
    assert read.json()[link.attribute] == [second]
    assert read.json()["version"] > item["version"]  # so its ETag changed too
    deleted = await client.delete(path(app, DELETE, item["id"]))
    assert deleted.status_code == 204, deleted.text
    assert ids(await client.get(app.url_path_for(link.with_one, **{link.parameter: second}))) == []


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
    linked = {link.attribute: await linked_rows(client, app, link.helpers, 3) for link in LINKS}
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


@pytest.mark.parametrize("link", LINKS, ids=lambda link: link.attribute)
async def test_the_lists_both_ways_are_served_by_indexes(
    client: AsyncClient,
    app: FastAPI,
    connection: AsyncConnection,
    statements: list[Statement],
    link: Link,
) -> None:
    (target,) = await linked_rows(client, app, link.helpers, 1)
    item = (
        await client.post(path(app, CREATE), json={**payload(20), link.attribute: [target]})
    ).json()
    statements.clear()
    assert ids(await client.get(app.url_path_for(link.with_one, **{link.parameter: target}))) == [
        item["id"]
    ]
    assert ids(await client.get(path(app, link.of_one, item["id"]))) == [target]
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
