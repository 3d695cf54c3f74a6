{%- set cls = cookiecutter.__entity_class -%}
{%- set one = cookiecutter.__entity -%}
{%- set id_type = "UUID" if cookiecutter.id_type == "uuid" else "int" -%}
"""Path dependencies of the /{{ cookiecutter.__plural_path }} routes."""

from typing import Annotated, NoReturn
{%- if cookiecutter.id_type == "uuid" %}
from uuid import UUID
{%- endif %}

from fastapi import Depends, HTTPException, Path
from starlette.convertors import Convertor

{% set pkg = cookiecutter.package_name -%}
{{ import_block(
    pkg,
    "..core.database:SessionDep",
    ".:service",
    ".schemas:" ~ cls ~ "Read",
) }}
{%- if cookiecutter.id_type == "uuid" %}

{{ cls }}Id = Annotated[UUID, Path(description="Primary key")]
ParentId = Annotated[UUID, Path(description="Primary key of the parent")]
{%- else %}

{{ cls }}Id = Annotated[int, Path(ge=1, le=2**63 - 1, description="The id")]
ParentId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The parent's id")]
{%- endif %}


class {{ cls }}IdConvertor(Convertor[str]):
    """The id segment of an item path: any one segment but "bulk", so the bulk path reaches
    its own route only (405 but for POST) while a malformed id still reaches the item routes
    (422); FastAPI then validates the id as a {{ cls }}Id."""

    regex = "(?!bulk$)[^/]+"

    def convert(self, value: str) -> str:
        """The segment as it is."""
        return value

    def to_string(self, value: object) -> str:
        """An id (or any value) in a path built by url_path_for."""
        return str(value)


def not_found(item_id: object) -> HTTPException:
    """The 404 for an id that names no row."""
    return HTTPException(404, f"No {{ one|replace("_", " ") }} has id {item_id}.")


async def get_{{ one }}_or_404(
    {{ one }}_id: {{ cls }}Id,
    session: SessionDep,
) -> {{ cls }}Read:
    """The row named in the path, or 404."""
    item = await service.get_{{ one }}(
        session,
        {{ one }}_id={{ one }}_id,
    )
    if item is None:
        raise not_found({{ one }}_id)
    return item


async def raise_missing_or_stale(session: SessionDep, item_id: {{ id_type }}) -> NoReturn:
    """404 when the row is gone, else 412: its version did not match If-Match."""
    if await service.{{ one }}_exists(session, {{ one }}_id=item_id):
        detail = "If-Match does not match the current version; GET it again and retry."
        raise HTTPException(412, detail)
    raise not_found(item_id)


{{ cls }}Dep = Annotated[
    {{ cls }}Read,
    Depends(get_{{ one }}_or_404),
]
