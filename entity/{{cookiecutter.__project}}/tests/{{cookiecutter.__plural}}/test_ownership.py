{%- set claim = entity_claim(cookiecutter) -%}
{%- set fields = entity_fields(cookiecutter) -%}
{%- set unique = first_field(fields, "unique_example") -%}
{%- if claim -%}
"""Object-level authorization of /{{ cookiecutter.__plural_path }}: rows belong to the caller whose
`{{ claim.claim }}` claim filled `{{ claim.name }}`. Alice creates rows; Bob, with every scope, can
neither read, list, filter, replace, patch, delete nor reference them. The cases are built
from the entity's own routes, so a route added without a case fails the test."""

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from httpx import AsyncClient

{{ import_block(
    cookiecutter.package_name,
    cookiecutter.package_name ~ ".core.rows:claim_columns",
    cookiecutter.package_name ~ "." ~ cookiecutter.__plural ~ ":models",
    cookiecutter.package_name ~ "." ~ cookiecutter.__plural ~ ".router:router",
    "..callers:as_caller",
    ".factories:BULK",
    ".factories:CREATE",
    ".factories:ID",
    ".factories:LIST",
    ".factories:OWNED",
    ".factories:READ",
    ".factories:assert_problem",
    ".factories:create",
    ".factories:path",
    ".factories:payload",
) }}

ALICE, BOB = "alice", "bob"
TABLE = models.{{ cookiecutter.__entity_class }}.__table__
{{ python_list("FILTERED", fields|selectattr("filters")|map(attribute="name"))|layout }}


def scoped_parents(body: dict[str, Any]) -> list[str]:
    """The references of body to parents scoped by a claim too: Bob cannot see, so cannot
    reference, Alice's."""
    keys = [key for key in TABLE.foreign_keys if claim_columns(key.column.table)]
    return sorted(key.parent.name for key in keys if body.get(key.parent.name) is not None)


def query_value(value: Any) -> str:
    """A body value as the query string spells it (true, not True)."""
    return value if isinstance(value, str) else json.dumps(value)


def item_ids(page: dict[str, Any]) -> set[Any]:
    """The ids of a list page's items."""
    return {item["id"] for item in page["items"]}


async def test_the_server_fills_the_claim_from_the_token(client: AsyncClient, app: FastAPI) -> None:
    created = await create(client, app)
    assert {name: created[name] for name in OWNED} == dict.fromkeys(OWNED, ALICE)
    sent = {**payload(1), "{{ claim.name }}": "mallory"}
    response = await client.post(path(app, CREATE), json=sent)
    body = assert_problem(response, 422)
    assert ["body", "{{ claim.name }}"] in [error["loc"] for error in body["errors"]]


async def test_another_caller_reaches_none_of_the_rows(client: AsyncClient, app: FastAPI) -> None:
    mine = await create(client, app)
    bob = as_caller(app, BOB)
    for route in router.routes:
        assert isinstance(route, APIRoute)
        for method in sorted(route.methods or ()):
            url = route.path_format
            if "{" + ID + "}" in url:  # an item route: another caller's row is a 404
                url = path(app, route.name, mine["id"])
                body = payload(2) if method in ("PUT", "PATCH") else None
                response = await client.request(method, url, json=body, headers=bob)
                assert_problem(response, 404)
            elif "{" in url:  # a nested list under one of Alice's parents
                parameter = url[url.index("{") + 1 : url.index("}")]
                column = next(
                    k.parent.name for k in TABLE.foreign_keys if k.parent.name == parameter
                )
                url = url.replace("{" + parameter + "}", str(mine[column]))
                response = await client.get(url, headers=bob)
                if column in scoped_parents(mine):
                    assert_problem(response, 404)
                else:
                    assert response.status_code == 200, response.text
                    assert mine["id"] not in item_ids(response.json())
            elif method == "GET":  # the list, and the list filtered by each of Alice's values
                response = await client.get(url, headers=bob)
                assert response.status_code == 200, response.text
                assert mine["id"] not in item_ids(response.json())
                for name in FILTERED:
                    if mine[name] is not None:
                        params = {name: query_value(mine[name])}
                        filtered = await client.get(url, params=params, headers=bob)
                        assert filtered.status_code == 200, filtered.text
                        assert mine["id"] not in item_ids(filtered.json())
            elif route.name in (CREATE, BULK):  # naming Alice's parents where there are
                single = route.name == CREATE
                new = payload(3 if single else 4)
                response = await client.post(url, json=new if single else [new], headers=bob)
                if scoped_parents(new):
                    body = assert_problem(response, 422)
                    refused = {error["loc"][-1] for error in body["errors"]}
                    assert refused == set(scoped_parents(new))
                else:
                    assert response.status_code == 201, response.text
                    made = response.json() if single else response.json()[0]
                    assert {name: made[name] for name in OWNED} == dict.fromkeys(OWNED, BOB)
            else:
                pytest.fail(f"{method} {route.path_format} has no object-level case here")
    again = await client.get(path(app, READ, mine["id"]))
    assert again.status_code == 200, again.text
    assert again.json() == mine
    listed = await client.get(path(app, LIST))
    assert mine["id"] in item_ids(listed.json())
{%- if unique %}


async def test_unique_values_are_unique_per_caller(client: AsyncClient, app: FastAPI) -> None:
    """Bob may use the {{ unique.name }} Alice took: he learns nothing of her rows."""
    if scoped_parents(payload(0)):
        pytest.skip("payload() names Alice's parents, which Bob cannot reference")
    mine = await create(client, app)
    bob = as_caller(app, BOB)
    response = await client.post(path(app, CREATE), json=payload(0), headers=bob)
    assert response.status_code == 201, response.text
    assert response.json()["{{ unique.name }}"] == mine["{{ unique.name }}"]
    again = await client.post(path(app, CREATE), json=payload(0), headers=bob)
    assert_problem(again, 409)
{%- endif %}
{%- endif %}
