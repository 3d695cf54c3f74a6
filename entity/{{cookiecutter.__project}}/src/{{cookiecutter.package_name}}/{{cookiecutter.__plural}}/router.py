{%- set cls = cookiecutter.__entity_class -%}
{%- set one = cookiecutter.__entity -%}
{%- set many = cookiecutter.__plural -%}
"""HTTP routes of /{{ cookiecutter.__plural_path }}: thin handlers over the service functions."""

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Query, Request, Response
from starlette.convertors import register_url_convertor

{% set pkg = cookiecutter.package_name -%}
{{ import_block(
    pkg,
    "..core.concurrency:NOT_MODIFIED",
    "..core.concurrency:IfMatchDep",
    "..core.concurrency:IfNoneMatchHeader",
    "..core.concurrency:etag",
    "..core.concurrency:not_modified",
    "..core.config:SettingsDep",
    "..core.database:SessionDep",
    "..core.errors:problem_responses",
    "..core.openapi:body_links",
    "..core." ~ cookiecutter.__page_module ~ ":" ~ cookiecutter.__page_class,
    ".:service",
    ".dependencies:" ~ cls ~ "Dep",
    ".dependencies:" ~ cls ~ "Id",
    ".dependencies:" ~ cls ~ "IdConvertor",
    ".dependencies:raise_missing_or_stale",
    ".schemas:" ~ cls ~ "Create",
    ".schemas:" ~ cls ~ "ListParams",
    ".schemas:" ~ cls ~ "Read",
    ".schemas:" ~ cls ~ "Update",
    *nested_list_imports(cookiecutter.__refs, many),
) }}

router = APIRouter(tags=["{{ cookiecutter.__plural_path }}"])
register_url_convertor("{{ one }}_id", {{ cls }}IdConvertor())
COLLECTION = "/{{ cookiecutter.__plural_path }}"
ITEM = COLLECTION + "/{{ '{' }}{{ one }}_id:{{ one }}_id{{ '}' }}"
# The create of each parent, and the field its id goes in (OpenAPI links to the create).
{{ collection("PARENTS: dict[str, str] = ", parent_links(cookiecutter.__refs), "{}")|layout }}


@router.post(
    COLLECTION,
    status_code=201,
    responses=problem_responses(400, 409, 413, 422),
    openapi_extra=body_links(PARENTS),
)
async def create_{{ one }}(
    body: {{ cls }}Create,
    session: SessionDep,
    request: Request,
    response: Response,
) -> {{ cls }}Read:
    """Create one; its URL comes back in Location and its version in ETag."""
    item = await service.create_{{ one }}(session, data=body)
    response.headers["Location"] = request.app.url_path_for(
        "read_{{ one }}",
        {{ one }}_id=item.id,
    )
    response.headers["ETag"] = etag(item.version)
    return item


@router.post(COLLECTION + "/bulk", status_code=201, responses=problem_responses(400, 409, 413, 422))
async def create_{{ many }}(
    body: Annotated[list[{{ cls }}Create], Body(min_length=1)],
    session: SessionDep,
    settings: SettingsDep,
) -> list[{{ cls }}Read]:
    """Create several in one transaction: all of them or none (413 over the cap)."""
    if len(body) > settings.bulk_max_items:
        raise HTTPException(413, f"At most {settings.bulk_max_items} items per request.")
    return await service.create_{{ many }}(session, items=body)


@router.get(COLLECTION, responses=problem_responses(422))
async def list_{{ many }}(
    params: Annotated[{{ cls }}ListParams, Query()],
    session: SessionDep,
) -> {{ cookiecutter.__page_class }}[{{ cls }}Read]:
    """List with filters and a sort order, one page at a time."""
    return await service.list_{{ many }}(session, params=params)
{%- for ref in cookiecutter.__refs if ref.nested %}


@router.get(
    "/{{ ref.target_path }}/{{ '{' }}{{ ref.target }}_id{{ '}' }}" + COLLECTION,
    responses=problem_responses(404, 422),
    openapi_extra=path_link("create_{{ ref.target }}", "{{ ref.target }}_id"),
)
async def list_{{ many }}_of_{{ ref.target }}(
    {{ ref.target }}_id: ParentId,
    params: Annotated[{{ cls }}ListParams, Query()],
    session: SessionDep,
) -> {{ cookiecutter.__page_class }}[{{ cls }}Read]:
    """The list, limited to the rows that reference this parent (404 if it does not exist)."""
    table = {{ ref.target_class }}.__table__
    if not await row_exists(session, table, {{ ref.target }}_id):
        detail = f"No {{ ref.target|replace("_", " ") }} has id {{ '{' }}{{ ref.target }}_id{{ '}' }}."
        raise HTTPException(404, detail)
    parent = ("{{ ref.column }}", {{ ref.target }}_id)
    return await service.list_{{ many }}(session, params=params, parent=parent)
{%- endfor %}


@router.get(ITEM, responses={**NOT_MODIFIED, **problem_responses(404, 422)})
async def read_{{ one }}(
    item: {{ cls }}Dep,
    response: Response,
    if_none_match: IfNoneMatchHeader = None,
) -> {{ cls }}Read:
    """Read one; its ETag is the version to send back in If-Match (or in If-None-Match: 304
    while it is current)."""
    if not_modified(if_none_match, item.version):
        raise HTTPException(304, headers={"ETag": etag(item.version)})
    response.headers["ETag"] = etag(item.version)
    return item


@router.put(ITEM, responses=problem_responses(400, 404, 409, 412, 413, 422))
async def replace_{{ one }}(
    {{ one }}_id: {{ cls }}Id,
    body: {{ cls }}Create,
    session: SessionDep,
    versions: IfMatchDep,
    response: Response,
) -> {{ cls }}Read:
    """Replace every field (fields not sent take their defaults); 412 if If-Match is stale."""
    return await _write({{ one }}_id, body.model_dump(), session, versions, response)


@router.patch(ITEM, responses=problem_responses(400, 404, 409, 412, 413, 422))
async def update_{{ one }}(
    {{ one }}_id: {{ cls }}Id,
    body: {{ cls }}Update,
    session: SessionDep,
    versions: IfMatchDep,
    response: Response,
) -> {{ cls }}Read:
    """Change only the fields sent; 412 if If-Match is stale."""
    changes = body.model_dump(exclude_unset=True)
    return await _write({{ one }}_id, changes, session, versions, response)


async def _write(
    {{ one }}_id: {{ cls }}Id,
    changes: dict[str, object],
    session: SessionDep,
    versions: IfMatchDep,
    response: Response,
) -> {{ cls }}Read:
    item = await service.update_{{ one }}(
        session,
        {{ one }}_id={{ one }}_id,
        changes=changes,
        versions=versions,
    )
    if item is None:
        await raise_missing_or_stale(session, {{ one }}_id)
    response.headers["ETag"] = etag(item.version)
    return item


@router.delete(
    ITEM,
    status_code=204,
    response_class=Response,
    responses=problem_responses(404, 412, 422),
)
async def delete_{{ one }}(
    {{ one }}_id: {{ cls }}Id,
    session: SessionDep,
    versions: IfMatchDep,
) -> None:
    """Delete one; 412 if If-Match is stale."""
    deleted = await service.delete_{{ one }}(
        session,
        {{ one }}_id={{ one }}_id,
        versions=versions,
    )
    if not deleted:
        await raise_missing_or_stale(session, {{ one }}_id)
