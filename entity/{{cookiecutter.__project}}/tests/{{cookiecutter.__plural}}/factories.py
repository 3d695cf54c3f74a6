{%- set fields = entity_fields(cookiecutter) -%}
{%- set one = cookiecutter.__entity -%}
{%- set required = cookiecutter.__refs|rejectattr("nullable")|list -%}
{%- set enums = fields|selectattr("kind", "equalto", "enum")|list -%}
"""Request bodies and small helpers shared by the /{{ cookiecutter.__plural_path }} tests."""

{% if required -%}
from itertools import count
{% endif -%}
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient, Response
{%- if required %}
{% for plural in required|map(attribute="target_plural")|unique|sort %}
from ..{{ plural }} import factories as {{ plural }}
{%- endfor %}
{%- endif %}

PROBLEM_JSON = "application/problem+json"
CREATE = "create_{{ one }}"
BULK = "create_{{ cookiecutter.__plural }}"
LIST = "list_{{ cookiecutter.__plural }}"
READ = "read_{{ one }}"
REPLACE = "replace_{{ one }}"
UPDATE = "update_{{ one }}"
DELETE = "delete_{{ one }}"
ID = "{{ one }}_id"
{{ python_list("FIELDS", fields|map(attribute="name"))|layout }}
{%- set claim = entity_claim(cookiecutter) %}
# Columns the server fills from the caller's token, never the body (claim fields).
OWNED: dict[str, str] = {{ '{"' ~ claim.name ~ '": "' ~ claim.claim ~ '"}' if claim else "{}" }}
# The linked ids of each many field: empty unless a body sends them (test_links.py).
{%- if cookiecutter.__links %}
{{ python_list("LINKS", cookiecutter.__links|map(attribute="attribute"))|layout }}
{%- else %}
LINKS: list[str] = []
{%- endif %}
{%- if cookiecutter.id_type == "uuid" %}
MISSING_ID = "00000000-0000-4000-8000-000000000000"
{%- else %}
MISSING_ID = 2**53 - 1  # the largest id a client may send
{%- endif %}

{%- if required %}


# The parent rows that payload() refers to, by column: made per test by add_parents(),
# each from a payload number not used before (so their unique values never clash).
PARENTS: dict[str, list[Any]] = {}
SERIAL = count(1000)


async def add_parents(client: AsyncClient, app: FastAPI) -> None:
    """Create, through the API, the parent rows payload() refers to (and theirs): one per
    reference, or six where the reference is unique (one-to-one)."""
{%- for ref in required %}
{%- if ref.target_has_parents %}
    await {{ ref.target_plural }}.add_parents(client, app)
{%- endif %}
    rows = [await {{ ref.target_plural }}.create(client, app, next(SERIAL)) for _ in range({{ 6 if ref.unique else 1 }})]
    PARENTS["{{ ref.column }}"] = [row["id"] for row in rows]
{%- endfor %}


def parent(column: str, i: int) -> Any:
    """The id of a parent row for payload(i): distinct i, distinct rows where there are."""
    ids = PARENTS[column]
    return ids[i % len(ids)]
{%- endif %}
{%- if enums %}


def one_of(values: str, i: int) -> str:
    """One of the space-separated values, in turn as i grows."""
    options = values.split()
    return options[i % len(options)]
{%- endif %}


def payload(i: int = 0) -> dict[str, Any]:
    """A valid create body; a different i gives different unique values."""
    return {
{%- for field in fields %}
{{ field.example_entry|layout(8, ",") }}
{%- endfor %}
    }


def path(app: FastAPI, name: str, item_id: object = None) -> str:
    """URL path of a named route; item routes take the item's id."""
    if item_id is None:
        return app.url_path_for(name)
    return app.url_path_for(name, **{ID: item_id})


async def create(client: AsyncClient, app: FastAPI, i: int = 0) -> dict[str, Any]:
    """Create one through the API and return its body."""
    response = await client.post(path(app, CREATE), json=payload(i))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    return body
