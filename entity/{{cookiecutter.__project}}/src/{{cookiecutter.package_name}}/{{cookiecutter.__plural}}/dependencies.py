{%- set cls = cookiecutter.__entity_class -%}
{%- set nested = cookiecutter.__refs|selectattr("nested")|list -%}
"""Path parameters and lookups of the /{{ cookiecutter.__plural_path }} routes."""

from functools import cache
from typing import Annotated, NoReturn
{%- if cookiecutter.id_type == "uuid" %}
from uuid import UUID
{%- endif %}

from fastapi import Depends, HTTPException, Path, Security
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.convertors import Convertor

from ..core.auth import Caller, authorized, read_scope, write_scope
from ..core.links import related_tables
from ..core.rows import RowScope, claims_needed, row_scope
from . import models, service
from .schemas import {{ cls }}Read
from .service import Id

NAME = "{{ cookiecutter.__entity|replace("_", " ") }}"  # in messages
ID = "{{ cookiecutter.__entity }}_id"  # the path parameter of an item
{%- if cookiecutter.id_type == "uuid" %}
ItemId = Annotated[UUID, Path(alias=ID, description="Primary key")]
{%- if nested or cookiecutter.__links %}
ParentId = Annotated[UUID, Path(description="Primary key of the parent")]
{%- endif %}
{%- else %}
# Ids up to 2**53 - 1, the bound of ids in bodies and query strings (JsonSafeInt).
ItemId = Annotated[int, Path(alias=ID, ge=1, le=2**53 - 1, description="The id")]
{%- if nested or cookiecutter.__links %}
ParentId = Annotated[int, Path(ge=1, le=2**53 - 1, description="The parent's id")]
{%- endif %}
{%- endif %}


@cache
def scoping_claims() -> list[str]:
    """The claims that scope the rows these routes read: this table's, its parents' and
    those of the tables linked to it (looked up once every table is mapped)."""
    table = models.{{ cls }}.__table__
    return claims_needed([table, *related_tables(table)])


READ_SCOPE = read_scope("{{ cookiecutter.__plural_path }}")  # every GET of these routes
WRITE_SCOPE = write_scope("{{ cookiecutter.__plural_path }}")  # every POST, PUT, PATCH, DELETE


async def reader(
    caller: Annotated[Caller, Security(authorized, scopes=[READ_SCOPE])],
) -> RowScope:
    """The rows the caller may read, if the token grants the read scope (else 403)."""
    return row_scope(caller.claims, scoping_claims())


async def writer(
    caller: Annotated[Caller, Security(authorized, scopes=[WRITE_SCOPE])],
) -> RowScope:
    """The rows the caller may write, if the token grants the write scope (else 403)."""
    return row_scope(caller.claims, scoping_claims())


# Every GET takes a Reader, every write a Writer: the scope, and the caller's rows.
Reader = Annotated[RowScope, Depends(reader)]
Writer = Annotated[RowScope, Depends(writer)]


class IdConvertor(Convertor[str]):
    """The id segment of an item path: any one segment but "bulk", so the bulk path reaches
    its own route only (405 but for POST) while a malformed id still reaches the item routes
    (422); FastAPI then validates the id as an ItemId."""

    regex = "(?!bulk$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: object) -> str:
        return str(value)


def not_found(item_id: object) -> HTTPException:
    """The 404 for an id that names no row."""
    return HTTPException(404, f"No {NAME} has id {item_id}.")


async def get_or_404(
    connection: AsyncConnection,
    item_id: Id,
    scope: RowScope,
) -> {{ cls }}Read:
    """The row with this id, or 404 (also when it is another caller's)."""
    item = await service.get(connection, item_id=item_id, scope=scope)
    if item is None:
        raise not_found(item_id)
    return item


async def raise_missing_or_stale(
    connection: AsyncConnection, item_id: Id, scope: RowScope
) -> NoReturn:
    """404 when the row is gone (or another caller's), else 412: its version did not match
    If-Match."""
    if await service.exists(connection, item_id=item_id, scope=scope):
        detail = "If-Match does not match the current version; GET it again and retry."
        raise HTTPException(412, detail)
    raise not_found(item_id)
