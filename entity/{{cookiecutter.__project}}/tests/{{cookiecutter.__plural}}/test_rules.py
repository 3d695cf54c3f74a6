{%- set many = cookiecutter.__plural -%}
"""rules.py: a rule refuses every kind of write at its field, and a rule that counts rows
holds under concurrent creates, because it runs inside the write's transaction."""

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncConnection

{{ import_block(
    cookiecutter.package_name,
    cookiecutter.package_name ~ ".core.rules:RuleBroken",
    cookiecutter.package_name ~ "." ~ many ~ ":models",
    cookiecutter.package_name ~ "." ~ many ~ ":rules",
    ".factories:BULK",
    ".factories:CREATE",
    ".factories:FIELDS",
    ".factories:LIST",
    ".factories:REPLACE",
    ".factories:UPDATE",
    ".factories:assert_problem",
    ".factories:create",
    ".factories:path",
    ".factories:payload",
) }}

TABLE = models.{{ cookiecutter.__entity_class }}.__table__
LIMIT = 3  # rows the counting rule allows
CONCURRENT = 12


async def refuse_all(connection: AsyncConnection, rows: list[dict[str, Any]], item_id: Any) -> None:
    last = len(rows) - 1  # in a bulk create, the last item; else the one row
    raise RuleBroken("No writes today.", field=FIELDS[0], index=last if last else None)


async def at_most_limit(
    connection: AsyncConnection, rows: list[dict[str, Any]], item_id: Any
) -> None:
    """At most LIMIT rows: count, then insert, in one transaction; a lock of the
    transaction's keeps two creates from counting the same rows."""
{%- if cookiecutter.database == "postgresql" %}
    await connection.execute(sa.text("SELECT pg_advisory_xact_lock(4711)"))
{%- else %}
    # SQLite: write transactions begin IMMEDIATE, one at a time: no lock of our own.
{%- endif %}
    count = (await connection.execute(sa.select(sa.func.count()).select_from(TABLE))).scalar_one()
    if item_id is None and count + len(rows) > LIMIT:
        raise RuleBroken(f"At most {LIMIT} rows.", status=409)


async def test_a_rule_refuses_every_kind_of_write_at_its_field(
    client: AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = await create(client, app)
    monkeypatch.setattr(rules, "check", refuse_all)
    item = path(app, REPLACE, created["id"])
    change = {FIELDS[0]: payload(5)[FIELDS[0]]}
    answers = {
        "create": (await client.post(path(app, CREATE), json=payload(1)), ["body", FIELDS[0]]),
        "bulk": (
            await client.post(path(app, BULK), json=[payload(2), payload(3)]),
            ["body", 1, FIELDS[0]],
        ),
        "replace": (await client.put(item, json=payload(4)), ["body", FIELDS[0]]),
        "update": (
            await client.patch(path(app, UPDATE, created["id"]), json=change),
            ["body", FIELDS[0]],
        ),
    }
    for write, (response, loc) in answers.items():
        body = assert_problem(response, 422)
        assert body["errors"] == [{"loc": loc, "msg": "No writes today.", "type": "rule"}], write
    listed = await client.get(path(app, LIST), params={"limit": 100})
    assert [row["id"] for row in listed.json()["items"]] == [created["id"]]
    assert (await client.get(item)).json() == created


@pytest.mark.slow
async def test_a_counting_rule_holds_under_concurrent_creates(
    live_client: AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "check", at_most_limit)
    responses = await asyncio.gather(
        *(live_client.post(path(app, CREATE), json=payload(i)) for i in range(CONCURRENT))
    )
    statuses = [response.status_code for response in responses]
    assert (statuses.count(201), statuses.count(409)) == (LIMIT, CONCURRENT - LIMIT), statuses
    listed = await live_client.get(path(app, LIST), params={"limit": 100})
    assert len(listed.json()["items"]) == LIMIT
