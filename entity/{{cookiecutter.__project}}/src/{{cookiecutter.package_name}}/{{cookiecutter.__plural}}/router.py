{%- set one = cookiecutter.__entity -%}
{%- set many = cookiecutter.__plural -%}
{%- set cls = cookiecutter.__entity_class -%}
{%- set nested = cookiecutter.__refs|selectattr("nested")|list -%}
{%- set links = cookiecutter.__links -%}
{%- set other_links = links|rejectattr("target_class", "equalto", cls)|unique(attribute="target_class")|sort(attribute="target_plural")|list -%}
{%- set collection_path = "/" ~ cookiecutter.__plural_path -%}
{%- set item_path = collection_path ~ "/{" ~ one ~ "_id:" ~ one ~ "_id}" -%}
"""HTTP routes of /{{ cookiecutter.__plural_path }}: thin handlers over the service functions."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Response
from starlette.convertors import register_url_convertor

{% for link in other_links if link.target_plural < "core" -%}
from ..{{ link.target_plural }} import service as {{ link.target_plural }}
from ..{{ link.target_plural }}.dependencies import Reader as {{ link.target_class }}Reader
from ..{{ link.target_plural }}.schemas import {{ link.target_class }}ListParams
{% endfor -%}
{% if cookiecutter.__refs -%}
from ..core import openapi
{% endif -%}
from ..core.concurrency import NOT_MODIFIED, IfMatchDep, IfNoneMatchHeader, etag, not_modified
from ..core.config import SettingsDep
from ..core.database import DatabaseDep
from ..core.errors import problem_responses
{%- if nested or links %}
from ..core.models import Base
from ..core.references import row_exists
{%- endif %}
from ..core.routing import UniqueKeysRoute
{%- for link in other_links if link.target_plural > "core" %}
from ..{{ link.target_plural }} import service as {{ link.target_plural }}
from ..{{ link.target_plural }}.dependencies import Reader as {{ link.target_class }}Reader
from ..{{ link.target_plural }}.schemas import {{ link.target_class }}ListParams
{%- endfor %}
from . import service
from .dependencies import (
    ID,
    IdConvertor,
    ItemId,
{%- if nested or links %}
    ParentId,
{%- endif %}
    Reader,
    Writer,
    get_or_404,
{%- if links %}
    not_found,
{%- endif %}
    raise_missing_or_stale,
)
from .schemas import (
    {{ cls }}Create,
    {{ cls }}ListParams,
    {{ cls }}Read,
    {{ cls }}Update,
)
from .service import Page

# A JSON body that names a key twice is a 422 (core/routing.py).
router = APIRouter(tags=["{{ cookiecutter.__plural_path }}"], route_class=UniqueKeysRoute)
# The {{ one }}_id of the item paths below: any one segment but "bulk" (IdConvertor).
register_url_convertor(ID, IdConvertor())
{%- if cookiecutter.__refs %}
# The create of each parent, and the field its id goes in (OpenAPI links to the create).
{{ collection("PARENTS: dict[str, str] = ", parent_links(cookiecutter.__refs), "{}")|layout }}
{%- endif %}


@router.post(
    "{{ collection_path }}",
    status_code=201,
    responses=problem_responses(400, 409, 413, 422),
{%- if cookiecutter.__refs %}
    openapi_extra=openapi.body_links(PARENTS),
{%- endif %}
)
async def create_{{ one }}(
    body: {{ cls }}Create,
    scope: Writer,
    database: DatabaseDep,
    response: Response,
) -> {{ cls }}Read:
    """Create one; its URL comes back in Location and its version in ETag."""
    # One INSERT is a transaction on its own, unless parents are looked for after it.
    writing = database.transaction if service.create_needs_transaction() else database.autocommit
    async with writing() as connection:
        item = await service.create(connection, data=body, scope=scope)
    response.headers["Location"] = f"{{ collection_path }}/{item.id}"
    response.headers["ETag"] = etag(item.version)
    return item


@router.post(
    "{{ collection_path }}/bulk",
    status_code=201,
    responses=problem_responses(400, 409, 413, 422),
)
async def create_{{ many }}(
    body: Annotated[list[{{ cls }}Create], Body(min_length=1)],
    scope: Writer,
    database: DatabaseDep,
    settings: SettingsDep,
) -> list[{{ cls }}Read]:
    """Create several in one transaction: all of them or none (413 over the cap)."""
    if len(body) > settings.bulk_max_items:
        raise HTTPException(413, f"At most {settings.bulk_max_items} items per request.")
    async with database.transaction() as connection:
        return await service.create_many(connection, items=body, scope=scope)


@router.get(
    "{{ collection_path }}",
    responses=problem_responses(422),
)
async def list_{{ many }}(
    params: Annotated[{{ cls }}ListParams, Query()],
    scope: Reader,
    database: DatabaseDep,
) -> Page:
    """List with filters and a sort order, one page at a time."""
    async with database.autocommit() as connection:
        return await service.list_page(connection, params=params, scope=scope)
{%- if nested or links %}


async def list_of_parent(
    table: str,
    column: str,
    parent_id: ParentId,
    params: {{ cls }}ListParams,
    scope: Reader,
    database: DatabaseDep,
) -> Page:
    """The list, limited to the rows whose column references parent_id in table (404 when
    the caller sees no such row): what each nested list /<parents>/{id}/... answers."""
    async with database.autocommit() as connection:
        parent = Base.metadata.tables[table]
        if not await row_exists(connection, parent, parent_id, scope=scope):
            raise HTTPException(404, f"No {table} row has id {parent_id}.")
        return await service.list_page(
            connection, params=params, scope=scope, parent=(column, parent_id)
        )
{%- endif %}
{%- for ref in nested %}


@router.get(
    "/{{ ref.target_path }}/{{ '{' }}{{ ref.target }}_id{{ '}' }}{{ collection_path }}",
    responses=problem_responses(404, 422),
    openapi_extra=openapi.path_link(
        "create_{{ ref.target }}",
        "{{ ref.target }}_id",
    ),
)
async def list_{{ many }}_of_{{ ref.target }}(
    {{ ref.target }}_id: ParentId,
    params: Annotated[{{ cls }}ListParams, Query()],
    scope: Reader,
    database: DatabaseDep,
) -> Page:
    """The list, limited to the rows that reference this parent (404 if it does not exist)."""
    table, column = "{{ ref.target_table }}", "{{ ref.column }}"
    return await list_of_parent(table, column, {{ ref.target }}_id, params, scope, database)
{%- endfor %}
{%- for link in links %}
{%- set own = link.target_class == cls %}
{%- set target_module = "service" if own else link.target_plural %}


@router.get(
    "/{{ link.target_path }}/{{ '{' }}{{ link.target_column }}{{ '}' }}{{ collection_path }}",
    responses=problem_responses(404, 422),
)
async def list_{{ many }}_with_{{ link.link }}(
    {{ link.target_column }}: ParentId,
    params: Annotated[{{ cls }}ListParams, Query()],
    scope: Reader,
    database: DatabaseDep,
) -> Page:
    """The list, limited to the rows whose {{ link.name }} hold this one (404 if it does not
    exist)."""
    table, column = "{{ link.target_table }}", "{{ link.table }}.{{ link.owner_column }}"
    return await list_of_parent(table, column, {{ link.target_column }}, params, scope, database)


@router.get(
    "{{ item_path }}/{{ link.name|kebab }}",
    responses=problem_responses(404, 422),
)
async def list_{{ one }}_{{ link.name }}(
    item_id: ItemId,
    params: Annotated[{{ link.target_class }}ListParams, Query()],
    scope: {{ "Reader" if own else link.target_class ~ "Reader" }},
    database: DatabaseDep,
) -> {{ "Page" if own else target_module ~ ".Page" }}:
    """The {{ link.name|replace("_", " ") }} of one, as their own list is filtered, sorted and paged
    (404 if it does not exist)."""
    async with database.autocommit() as connection:
        if not await service.exists(connection, item_id=item_id, scope=scope):
            raise not_found(item_id)
        parent = ("{{ link.table }}.{{ link.target_column }}", item_id)
{{ call("return await " ~ target_module ~ ".list_page", "connection", "params=params", "scope=scope", "parent=parent")|layout(8) }}
{%- endfor %}


@router.get(
    "{{ item_path }}",
    responses={**NOT_MODIFIED, **problem_responses(404, 422)},
)
async def read_{{ one }}(
    item_id: ItemId,
    scope: Reader,
    database: DatabaseDep,
    response: Response,
    if_none_match: IfNoneMatchHeader = None,
) -> {{ cls }}Read:
    """Read one; its ETag is the version to send back in If-Match (or in If-None-Match: 304
    while it is current)."""
    async with database.autocommit() as connection:
        item = await get_or_404(connection, item_id, scope)
    if not_modified(if_none_match, item.version):
        raise HTTPException(304, headers={"ETag": etag(item.version)})
    response.headers["ETag"] = etag(item.version)
    return item


@router.put(
    "{{ item_path }}",
    responses=problem_responses(400, 404, 409, 412, 413, 422),
)
async def replace_{{ one }}(
    item_id: ItemId,
    body: {{ cls }}Create,
    scope: Writer,
    database: DatabaseDep,
    versions: IfMatchDep,
    response: Response,
) -> {{ cls }}Read:
    """Replace every field (fields not sent take their defaults); 412 if If-Match is stale."""
    changes = body.model_dump(by_alias=True)
    return await _write(item_id, changes, scope, database, versions, response)


@router.patch(
    "{{ item_path }}",
    responses=problem_responses(400, 404, 409, 412, 413, 422),
)
async def update_{{ one }}(
    item_id: ItemId,
    body: {{ cls }}Update,
    scope: Writer,
    database: DatabaseDep,
    versions: IfMatchDep,
    response: Response,
) -> {{ cls }}Read:
    """Change only the fields sent; 412 if If-Match is stale."""
    changes = body.model_dump(by_alias=True, exclude_unset=True)
    return await _write(item_id, changes, scope, database, versions, response)


async def _write(
    item_id: ItemId,
    changes: dict[str, Any],
    scope: Writer,
    database: DatabaseDep,
    versions: IfMatchDep,
    response: Response,
) -> {{ cls }}Read:
    async with database.transaction() as connection:
        item = await service.update(
            connection, item_id=item_id, changes=changes, versions=versions, scope=scope
        )
        if item is None:
            await raise_missing_or_stale(connection, item_id, scope)
    response.headers["ETag"] = etag(item.version)
    return item


@router.delete(
    "{{ item_path }}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(404, 409, 412, 422),  # 409: rows reference it (restrict)
)
async def delete_{{ one }}(
    item_id: ItemId,
    scope: Writer,
    database: DatabaseDep,
    versions: IfMatchDep,
) -> None:
    """Delete one; 412 if If-Match is stale."""
    async with database.transaction() as connection:
        if not await service.delete(connection, item_id=item_id, versions=versions, scope=scope):
            await raise_missing_or_stale(connection, item_id, scope)
