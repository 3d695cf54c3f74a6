{%- set searches = entity_fields(cookiecutter)|selectattr("search")|list -%}
"""Query plans: every sort the list offers is served by an index, on page 1 and deeper.

The statements the list endpoint really sends are captured and EXPLAINed on the test
database. A full scan or a sort of the matching rows would cost O(table) per request.
"""

from collections.abc import Iterator
from typing import Any, get_args

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

{{ import_block(
    cookiecutter.package_name,
    cookiecutter.package_name ~ "." ~ cookiecutter.__plural ~ ".schemas:" ~ cookiecutter.__entity_class ~ "Sort",
    ".factories:BULK",
    ".factories:LIST",
    ".factories:path",
    ".factories:payload",
) }}

# PostgreSQL plan nodes and SQLite plan steps that read or sort every matching row.
FULL_WORK = ("Seq Scan", "Sort", "TEMP B-TREE")
Statement = tuple[str, Any]


def _sync(connection: AsyncConnection) -> Connection:
    sync = connection.sync_connection
    assert sync is not None
    return sync


@pytest.fixture
def ordered_selects(connection: AsyncConnection) -> Iterator[list[Statement]]:
    """Every SELECT ... ORDER BY sent on the test's connection, with its parameters."""
    captured: list[Statement] = []

    def capture(_: Connection, __: Any, statement: str, parameters: Any, *___: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "ORDER BY" in statement:
            captured.append((statement, parameters))

    event.listen(_sync(connection), "before_cursor_execute", capture)
    yield captured
    event.remove(_sync(connection), "before_cursor_execute", capture)


async def plans(connection: AsyncConnection, statements: list[Statement]) -> list[str]:
    """The query plan of each statement, as text."""
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:  # on a tiny table the planner would rather scan: leave it no other choice
        await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        await connection.exec_driver_sql("SET LOCAL enable_sort = off")
    explain = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "
    texts = []
    for statement, parameters in statements:
        result = await connection.exec_driver_sql(explain + statement, parameters)
        texts.append("\n".join(str(row[-1]) for row in result))
    return texts


@pytest.mark.parametrize("sort", get_args({{ cookiecutter.__entity_class }}Sort))
async def test_every_sort_is_served_by_an_index(
    client: AsyncClient,
    app: FastAPI,
    connection: AsyncConnection,
    ordered_selects: list[Statement],
    sort: str,
) -> None:
    response = await client.post(path(app, BULK), json=[payload(i) for i in range(3)])
    assert response.status_code == 201, response.text
    first = await client.get(path(app, LIST), params={"sort": sort, "limit": 1})
    assert first.status_code == 200, first.text
    page = first.json()
    deeper = {"cursor": page["next_cursor"]} if "next_cursor" in page else {"offset": 2}
    second = await client.get(path(app, LIST), params={"sort": sort, "limit": 1, **deeper})
    assert second.status_code == 200, second.text
    assert len(ordered_selects) == 2
    for plan in await plans(connection, ordered_selects):
        assert not [work for work in FULL_WORK if work in plan], f"sort={sort}:\n{plan}"
{%- if searches %}


# The `_contains` filter of each :search field, and the trigram index that serves it.
TABLE = "{{ cookiecutter.__table }}"
SEARCHES = [
{%- for field in searches %}
    ("{{ field.name }}_contains", "{{ search_index_name(cookiecutter.__table, field.name) }}"),
{%- endfor %}
]


async def drop_other_partial_indexes(connection: AsyncConnection, table: str, index: str) -> None:
    """Drop, until the test's transaction rolls back, the table's other partial indexes.

    A partial index (soft delete makes every index WHERE deleted_at IS NULL) lets the
    planner bitmap-scan every live row without a condition; on a tiny test table that costs
    no more than the trigram index, so the plan would not tell whether the trigram index
    serves the filter. Without them its choice is that index or reading every row.
    """
    others = await connection.exec_driver_sql(
        "SELECT indexrelid::regclass::text FROM pg_index"
        " WHERE indrelid = CAST($1 AS regclass) AND indpred IS NOT NULL"
        " AND indexrelid <> CAST($2 AS regclass)",
        (table, index),
    )
    for (other,) in others.all():
        await connection.exec_driver_sql(f"DROP INDEX {other}")


@pytest.mark.parametrize(("parameter", "index"), SEARCHES)
async def test_every_search_is_served_by_its_trigram_index(
    client: AsyncClient,
    app: FastAPI,
    connection: AsyncConnection,
    ordered_selects: list[Statement],
    parameter: str,
    index: str,
) -> None:
    response = await client.get(path(app, LIST), params={parameter: "needle"})
    assert response.status_code == 200, response.text
    await drop_other_partial_indexes(connection, TABLE, index)
    # Leave the planner bitmap scans only: the trigram index, or reading every row.
    await connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
    [plan] = await plans(connection, ordered_selects)
    assert f"Bitmap Index Scan on {index}" in plan, f"{parameter}:\n{plan}"
{%- endif %}
