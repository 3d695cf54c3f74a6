{%- set fields = entity_fields(cookiecutter) -%}
{%- set cls = cookiecutter.__entity_class -%}
{%- set one = cookiecutter.__entity -%}
{%- set id_type = "UUID" if cookiecutter.id_type == "uuid" else "int" -%}
"""Database operations on {{ cookiecutter.__plural|replace("_", " ") }}: one statement, one round trip each."""

from collections.abc import Sequence
from typing import Any, Final
{%- if cookiecutter.id_type == "uuid" %}
from uuid import UUID
{%- endif %}

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

{% set pkg = cookiecutter.package_name -%}
{{ import_block(
    pkg,
    "..core." ~ cookiecutter.__page_module ~ ":" ~ cookiecutter.__page_class,
    "..core." ~ cookiecutter.__page_module ~ ":" ~ cookiecutter.__page_module ~ "_page",
    "..core.pagination:Filter",
    "..core.pagination:apply_filters",
    "..core.references:apply_delete_rules",
    "..core.references:" ~ ("parents_checked" if cookiecutter.soft_delete else "children_checked"),
    "..core.references:parents_checked",
    ".models:" ~ cls,
    ".schemas:" ~ cls ~ "Create",
    ".schemas:" ~ cls ~ "ListParams",
    ".schemas:" ~ cls ~ "Read",
) }}

_TABLE: Final = {{ cls }}.__table__
_pk: Final = {{ cls }}.id
_version: Final = {{ cls }}.version
{%- if cookiecutter.soft_delete %}
_live: Final = {{ cls }}.deleted_at.is_(None)
{%- endif %}
_COLUMNS: Final = tuple({{ cls }}.__table__.c)
_INSERT: Final = sa.insert({{ cls }}).returning(
    *_COLUMNS,
    sort_by_parameter_order=True,
)
_SELECT: Final = sa.select(*_COLUMNS){{ ".where(_live)" if cookiecutter.soft_delete else "" }}
_GET: Final = _SELECT.where(_pk == sa.bindparam("id"))
_EXISTS: Final = sa.select(_pk).where(_pk == sa.bindparam("id"){{ ", _live" if cookiecutter.soft_delete else "" }})
_NO_SYNC: Final = {"synchronize_session": False}
{{ collection("_FILTERS: Final[tuple[Filter, ...]] = ", filter_rows(fields), "()")|layout }}


async def create_{{ one }}(
    session: AsyncSession,
    *,
    data: {{ cls }}Create,
) -> {{ cls }}Read:
    """Insert one row and return it as stored (INSERT ... RETURNING)."""
    values = [data.model_dump()]
    async with parents_checked(session, _TABLE, values):
        row = (await session.execute(_INSERT, values)).one()
    return {{ cls }}Read.model_validate(row)


async def create_{{ cookiecutter.__plural }}(
    session: AsyncSession,
    *,
    items: Sequence[{{ cls }}Create],
) -> list[{{ cls }}Read]:
    """Insert many rows in one batched statement; returned in request order."""
    values = [item.model_dump() for item in items]
    async with parents_checked(session, _TABLE, values, bulk=True):
        result = await session.execute(_INSERT, values)
    return [{{ cls }}Read.model_validate(row) for row in result]


async def get_{{ one }}(
    session: AsyncSession,
    *,
    {{ one }}_id: {{ id_type }},
) -> {{ cls }}Read | None:
    """The row with this id, or None."""
    result = await session.execute(_GET, {"id": {{ one }}_id})
    row = result.one_or_none()
    return None if row is None else {{ cls }}Read.model_validate(row)


async def {{ one }}_exists(
    session: AsyncSession,
    *,
    {{ one }}_id: {{ id_type }},
) -> bool:
    """Whether a row with this id exists."""
    result = await session.execute(_EXISTS, {"id": {{ one }}_id})
    return result.first() is not None


async def list_{{ cookiecutter.__plural }}(
    session: AsyncSession,
    *,
    params: {{ cls }}ListParams,
    parent: tuple[str, Any] | None = None,
) -> {{ cookiecutter.__page_class }}[{{ cls }}Read]:
    """One page of the rows matching the filters (and referencing parent: (column, id)),
    in the requested order."""
    statement = apply_filters(_SELECT, params, _FILTERS)
    if parent is not None:
        statement = statement.where(_SELECT.selected_columns[parent[0]] == parent[1])
{%- if cookiecutter.pagination == "cursor" %}
    rows, next_cursor = await keyset_page(
        session,
        statement,
        sort=params.sort,
        cursor=params.cursor,
        limit=params.limit,
    )
    items = [{{ cls }}Read.model_validate(row) for row in rows]
    return CursorPage[{{ cls }}Read](
        items=items,
        next_cursor=next_cursor,
    )
{%- else %}
    rows, total = await offset_page(
        session,
        statement,
        sort=params.sort,
        limit=params.limit,
        offset=params.offset,
    )
    items = [{{ cls }}Read.model_validate(row) for row in rows]
    return OffsetPage[{{ cls }}Read](
        items=items,
        total=total,
        limit=params.limit,
        offset=params.offset,
    )
{%- endif %}


async def update_{{ one }}(
    session: AsyncSession,
    *,
    {{ one }}_id: {{ id_type }},
    changes: dict[str, Any],
    versions: list[int] | None,
) -> {{ cls }}Read | None:
    """Apply changes and bump the version in one UPDATE; None when no row matched."""
    values = {**changes, "version": _version + 1, "updated_at": sa.func.now()}
    statement = sa.update({{ cls }}).values(values)
    statement = statement.where(_pk == {{ one }}_id{{ ", _live" if cookiecutter.soft_delete else "" }})
    if versions is not None:
        statement = statement.where(_version.in_(versions))
    async with parents_checked(session, _TABLE, [changes]):
        result = await session.execute(statement.returning(*_COLUMNS), execution_options=_NO_SYNC)
    row = result.one_or_none()
    return None if row is None else {{ cls }}Read.model_validate(row)


async def delete_{{ one }}(
    session: AsyncSession,
    *,
    {{ one }}_id: {{ id_type }},
    versions: list[int] | None,
) -> bool:
{%- if cookiecutter.soft_delete %}
    """Mark the row deleted (if its version is allowed), then apply the delete rules of the
    rows that reference it; False when no live row matched."""
    values = {"deleted_at": sa.func.now(), "version": _version + 1}
    statement = sa.update({{ cls }}).values(values)
    statement = statement.where(_pk == {{ one }}_id, _live)
    if versions is not None:
        statement = statement.where(_version.in_(versions))
    result = await session.execute(statement.returning(_pk), execution_options=_NO_SYNC)
    if result.first() is None:
        return False
    await apply_delete_rules(session, _TABLE, [{{ one }}_id], soft=True)
    return True
{%- else %}
    """Delete the row (if its version is allowed) after detaching the rows that reference
    it with set_null; False when no row matched."""
    statement = sa.delete({{ cls }}).where(_pk == {{ one }}_id)
    if versions is not None:
        statement = statement.where(_version.in_(versions))
    await apply_delete_rules(session, _TABLE, [{{ one }}_id], soft=False)
    async with children_checked(session, _TABLE, {{ one }}_id):
        result = await session.execute(statement.returning(_pk), execution_options=_NO_SYNC)
    return result.first() is not None
{%- endif %}
