{%- set fields = entity_fields(cookiecutter) -%}
{%- set one = cookiecutter.__entity -%}
{%- set many = cookiecutter.__plural -%}
{%- set unique = first_field(fields, "unique_example") -%}
{%- set factories = ".factories:" -%}
{%- set unique_imports = [factories ~ "CREATE", factories ~ "UPDATE", factories ~ "payload"] if unique else [] -%}
"""HTTP details of /{{ cookiecutter.__plural_path }}: Allow on a 405, 304 for If-None-Match,
a bare 204, and 409s that name the taken field."""

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.exc import IntegrityError

{{ import_block(
    cookiecutter.package_name,
    cookiecutter.package_name ~ ".core.config:Settings",
    cookiecutter.package_name ~ ".core.errors:unique_violation_columns",
    cookiecutter.package_name ~ ".main:create_app",
    "..callers:client_for",
    factories ~ "BULK",
    factories ~ "DELETE",
    factories ~ "LIST",
    factories ~ "MISSING_ID",
    factories ~ "READ",
    factories ~ "assert_problem",
    factories ~ "create",
    factories ~ "path",
    *unique_imports,
) }}

ITEM_PATH = "/{{ cookiecutter.__plural_path }}/{{ '{' }}{{ one }}_id{{ '}' }}"
LIST_METHODS = "GET, POST"
ITEM_METHODS = "DELETE, GET, PATCH, PUT"
{%- if unique %}
UNIQUE = "{{ unique.name }}"
TAKEN = [{"loc": ["body", UNIQUE], "msg": "Value already taken", "type": "unique"}]
{%- endif %}


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


@pytest.mark.parametrize("if_none_match", ['"1"', 'W/"1"', '"7", "1"', "*"])
async def test_read_with_current_if_none_match_returns_304(
    client: AsyncClient, app: FastAPI, if_none_match: str
) -> None:
    created = await create(client, app)
    headers = {"If-None-Match": if_none_match}
    response = await client.get(path(app, READ, created["id"]), headers=headers)
    assert (response.status_code, response.content) == (304, b"")
    assert response.headers["etag"] == '"1"'
    assert "content-type" not in response.headers


@pytest.mark.parametrize("if_none_match", ['"2"', 'W/"0"', "garbage"])
async def test_read_with_other_if_none_match_returns_the_row(
    client: AsyncClient, app: FastAPI, if_none_match: str
) -> None:
    created = await create(client, app)
    headers = {"If-None-Match": if_none_match}
    response = await client.get(path(app, READ, created["id"]), headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == created
    assert response.headers["etag"] == '"1"'


async def test_read_missing_with_if_none_match_star_returns_404(
    client: AsyncClient, app: FastAPI
) -> None:
    response = await client.get(path(app, READ, MISSING_ID), headers={"If-None-Match": "*"})
    assert_problem(response, 404)


async def test_openapi_documents_304_without_a_body(app: FastAPI) -> None:
    responses = app.openapi()["paths"][ITEM_PATH]["get"]["responses"]
    assert "content" not in responses["304"]
    assert set(responses["304"]["headers"]) == {"ETag"}


async def test_cors_preflight_allows_if_none_match(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ["https://app.example"]}))
    headers = {
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match",
    }
    async with client_for(app) as client:
        response = await client.options(path(app, READ, MISSING_ID), headers=headers)
    await app.state.engine.dispose()
    assert response.status_code == 200, response.text


async def test_delete_returns_204_without_body_or_content_type(
    client: AsyncClient, app: FastAPI
) -> None:
    created = await create(client, app)
    response = await client.delete(path(app, DELETE, created["id"]))
    assert (response.status_code, response.content) == (204, b"")
    assert "content-type" not in response.headers
{%- if unique %}


async def test_create_duplicate_returns_409_naming_the_field(
    client: AsyncClient, app: FastAPI
) -> None:
    await create(client, app, 0)
    duplicate = {**payload(1), UNIQUE: payload(0)[UNIQUE]}
    response = await client.post(path(app, CREATE), json=duplicate)
    body = assert_problem(response, 409)
    assert body["errors"] == TAKEN


async def test_update_duplicate_returns_409_naming_the_field(
    client: AsyncClient, app: FastAPI
) -> None:
    taken = await create(client, app, 0)
    other = await create(client, app, 1)
    change = {UNIQUE: taken[UNIQUE]}
    response = await client.patch(path(app, UPDATE, other["id"]), json=change)
    body = assert_problem(response, 409)
    assert body["errors"] == TAKEN


async def test_bulk_duplicate_returns_409_naming_the_field(
    client: AsyncClient, app: FastAPI
) -> None:
    clash = {**payload(1), UNIQUE: payload(0)[UNIQUE]}  # only this field is taken
    response = await client.post(path(app, BULK), json=[payload(0), clash])
    body = assert_problem(response, 409)
    assert [error["loc"] for error in body["errors"]] == [["body", 1, UNIQUE]]  # the item too
{%- endif %}


class DriverError(Exception):
    """Stands in for a database driver's error (asyncpg's carry a SQLSTATE and a constraint)."""

    def __init__(self, message: str, sqlstate: str = "", constraint_name: str = "") -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.constraint_name = constraint_name


@pytest.mark.parametrize(
    "error",
    [
        DriverError("deferred constraint"),
        DriverError("CHECK constraint failed: positive"),
        DriverError("foreign key violation", sqlstate="23503", constraint_name="fk_a_b_c"),
        DriverError("unique violation", sqlstate="23505", constraint_name="uq_no_such_table"),
    ],
)
def test_violation_of_no_known_unique_constraint_names_no_field(error: DriverError) -> None:
    assert unique_violation_columns(IntegrityError("INSERT", None, error)) == []
