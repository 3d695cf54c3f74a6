{%- set page = cookiecutter.__page_module -%}
{%- set cls = cookiecutter.__entity_class -%}
{%- set links = cookiecutter.__links -%}
"""Database operations on {{ cookiecutter.__plural|replace("_", " ") }}: one statement, one round trip each."""

from collections.abc import Sequence
from typing import Any, Final
{%- if cookiecutter.id_type == "uuid" %}
from uuid import UUID
{%- endif %}

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..core import {{ cookiecutter.database }}
{%- if links and page == "offset" %}
from ..core.links import Link, split_links, with_links
{%- endif %}
from ..core.{{ page }} import {{ cookiecutter.__page_class }}, {{ page }}_page
{%- if links and page == "keyset" %}
from ..core.links import Link, split_links, with_links
{%- endif %}
from ..core.pagination import PARENT, Filter, filter_values, filtered
from ..core.references import (
    apply_delete_rules,
    children_checked,
    parents_checked,
{%- if not links %}
    parents_checked_after_write,
{%- endif %}
)
from ..core.rows import (
    RowScope,
    bound_conditions,
    bound_values,
    check_unique_within,
    live,
    owned,
    visible,
)
from . import models, rules
from .schemas import (
    {{ cls }}Create,
    {{ cls }}ListParams,
    {{ cls }}Read,
)

Id = {{ "UUID" if cookiecutter.id_type == "uuid" else "int" }}
Page = {{ cookiecutter.__page_class }}[{{ cls }}Read]
_TABLE: Final = models.{{ cls }}.__table__
_COLUMNS: Final = tuple(_TABLE.c)
_INSERT: Final = sa.insert(models.{{ cls }}).returning(
    *_COLUMNS,
    sort_by_parameter_order=True,
)
# The rows a caller may see: live ones, its own where a claim column scopes them.
_SELECT: Final = sa.select(*_COLUMNS).where(*live(_TABLE), *bound_conditions(_TABLE))
_GET: Final = _SELECT.where(_TABLE.c.id == sa.bindparam("id"))
_EXISTS: Final = _GET.with_only_columns(_TABLE.c.id)
{{ collection("_FILTERS: Final[tuple[Filter, ...]] = ", filter_rows(entity_fields(cookiecutter), links), "()")|layout }}
{%- if links %}
# Each many field: the ids in bodies, and the join table holding them (core/links.py).
{{ collection("_LINKS: Final[tuple[Link, ...]] = ", link_rows(links), "()")|layout }}
{%- endif %}


def create_needs_transaction() -> bool:
{%- if links %}
    """Whether a create needs a transaction around its INSERT: always, as the links of its
    many fields are written after the row."""
    return True
{%- else %}
    """Whether a create needs a transaction around its INSERT: when rules.py checks writes,
    or when soft-deleted parents are looked for after it (`parents_checked`). Otherwise the
    INSERT is a transaction on its own."""
    return rules.check is not None or parents_checked_after_write(_TABLE)
{%- endif %}


async def create(
    connection: AsyncConnection,
    *,
    data: {{ cls }}Create,
    scope: RowScope,
) -> {{ cls }}Read:
    """Insert one row and return it as stored (INSERT ... RETURNING). Values are keyed by
    column name (the schemas' aliases), as Core statements take them; claim columns take
    the caller's values."""
    values = [{**data.model_dump(by_alias=True), **owned(_TABLE, scope)}]
    if rules.check is not None:
        await rules.check(connection, values, None)
{%- if links %}
    sent = split_links(values, _LINKS)
{%- endif %}
    async with parents_checked(connection, _TABLE, values, scope=scope):
        row = (await connection.execute(_INSERT, values)).one()
{%- if links %}
    (item,) = await with_links(connection, [row], _LINKS, scope=scope, sent=sent)
    return {{ cls }}Read.model_validate(item)
{%- else %}
    return {{ cls }}Read.model_validate(row)
{%- endif %}


async def create_many(
    connection: AsyncConnection,
    *,
    items: Sequence[{{ cls }}Create],
    scope: RowScope,
) -> list[{{ cls }}Read]:
    """Insert many rows in one batched statement; returned in request order."""
    values = [{**item.model_dump(by_alias=True), **owned(_TABLE, scope)} for item in items]
    check_unique_within(_TABLE, values)
    if rules.check is not None:
        await rules.check(connection, values, None)
{%- if links %}
    sent = split_links(values, _LINKS)
{%- endif %}
    async with parents_checked(connection, _TABLE, values, scope=scope, bulk=True):
        result = await connection.execute(_INSERT, values)
{%- if links %}
    rows = await with_links(connection, result.all(), _LINKS, scope=scope, sent=sent, bulk=True)
    return [{{ cls }}Read.model_validate(row) for row in rows]
{%- else %}
    return [{{ cls }}Read.model_validate(row) for row in result]
{%- endif %}


async def get(
    connection: AsyncConnection,
    *,
    item_id: Id,
    scope: RowScope,
) -> {{ cls }}Read | None:
    """The row with this id, or None (also when it is another caller's)."""
    values = {"id": item_id, **bound_values(_TABLE, scope)}
    row = await {{ cookiecutter.database }}.fetch_one(connection, _GET, values)
{%- if links %}
    if row is None:
        return None
    (item,) = await with_links(connection, [row], _LINKS, scope=scope)
    return {{ cls }}Read.model_validate(item)
{%- else %}
    return None if row is None else {{ cls }}Read.model_validate(row)
{%- endif %}


async def exists(connection: AsyncConnection, *, item_id: Id, scope: RowScope) -> bool:
    """Whether a row with this id exists that the caller may see."""
    values = {"id": item_id, **bound_values(_TABLE, scope)}
    return (await connection.execute(_EXISTS, values)).first() is not None


async def list_page(
    connection: AsyncConnection,
    *,
    params: {{ cls }}ListParams,
    scope: RowScope,
    parent: tuple[str, Any] | None = None,
) -> Page:
    """One page of the caller's rows matching the filters (and referencing parent:
    (column, id), or linked to it: ("<join table>.<column>", id)), in the requested order."""
    values = filter_values(params, _FILTERS)
    statement = filtered(_SELECT, _FILTERS, tuple(values), None if parent is None else parent[0])
    values.update(bound_values(_TABLE, scope))
    if parent is not None:
        values[PARENT] = parent[1]
{%- if cookiecutter.pagination == "cursor" %}
    rows, next_cursor = await keyset_page(
        connection, statement, values, sort=params.sort, cursor=params.cursor, limit=params.limit
    )
{%- if links %}
    found = await with_links(connection, rows, _LINKS, scope=scope)
    items = [{{ cls }}Read.model_validate(row) for row in found]
{%- else %}
    items = [{{ cls }}Read.model_validate(row) for row in rows]
{%- endif %}
    return Page(items=items, next_cursor=next_cursor)
{%- else %}
    rows, total = await offset_page(
        connection, statement, values, sort=params.sort, limit=params.limit, offset=params.offset
    )
{%- if links %}
    found = await with_links(connection, rows, _LINKS, scope=scope)
    items = [{{ cls }}Read.model_validate(row) for row in found]
{%- else %}
    items = [{{ cls }}Read.model_validate(row) for row in rows]
{%- endif %}
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)
{%- endif %}


async def update(
    connection: AsyncConnection,
    *,
    item_id: Id,
    changes: dict[str, Any],
    versions: list[int] | None,
    scope: RowScope,
) -> {{ cls }}Read | None:
{%- if links %}
    """Apply changes and bump the version in one UPDATE, then write the links sent (the
    whole set of each many field sent); None when no row matched."""
    if rules.check is not None:
        await rules.check(connection, [changes], item_id)
    columns = dict(changes)
    (sent,) = split_links([columns], _LINKS)
    values = {**columns, "version": _TABLE.c.version + 1, "updated_at": sa.func.now()}
{%- else %}
    """Apply changes and bump the version in one UPDATE; None when no row matched."""
    values = {**changes, "version": _TABLE.c.version + 1, "updated_at": sa.func.now()}
{%- endif %}
    matched = (_TABLE.c.id == item_id, *visible(_TABLE, scope))
    statement = sa.update(models.{{ cls }}).where(*matched).values(values)
    if versions is not None:
        statement = statement.where(_TABLE.c.version.in_(versions))
{%- if links %}
    written = [columns]
{%- else %}
    if rules.check is not None:
        await rules.check(connection, [changes], item_id)
    written = [changes]
{%- endif %}
    async with parents_checked(connection, _TABLE, written, scope=scope):
        row = (await connection.execute(statement.returning(*_COLUMNS))).one_or_none()
        if row is None:  # no row of the caller's matched: a 404, whatever parents it names
            written.clear()
{%- if links %}
    if row is None:
        return None
    (item,) = await with_links(connection, [row], _LINKS, scope=scope, sent=[sent], replace=True)
    return {{ cls }}Read.model_validate(item)
{%- else %}
    return None if row is None else {{ cls }}Read.model_validate(row)
{%- endif %}
{%- if cookiecutter.soft_delete %}


async def delete(
    connection: AsyncConnection, *, item_id: Id, versions: list[int] | None, scope: RowScope
) -> bool:
    """Mark the row deleted (if its version is allowed), then apply the delete rules of the
    rows that reference it; False when no live row of the caller's matched."""
    values = {"deleted_at": sa.func.now(), "version": _TABLE.c.version + 1}
    matched = (_TABLE.c.id == item_id, *visible(_TABLE, scope))
    statement = sa.update(models.{{ cls }}).where(*matched).values(values)
    if versions is not None:
        statement = statement.where(_TABLE.c.version.in_(versions))
    async with children_checked(connection, _TABLE, item_id):
        result = await connection.execute(statement.returning(_TABLE.c.id))
    if result.first() is None:
        return False
    await apply_delete_rules(connection, _TABLE, [item_id], soft=True)
    return True
{%- else %}


async def delete(
    connection: AsyncConnection, *, item_id: Id, versions: list[int] | None, scope: RowScope
) -> bool:
    """Delete the row (if its version is allowed) after detaching the rows that reference
    it with set_null; False when no row of the caller's matched."""
    matched = (_TABLE.c.id == item_id, *visible(_TABLE, scope))
    statement = sa.delete(models.{{ cls }}).where(*matched)
    if versions is not None:
        statement = statement.where(_TABLE.c.version.in_(versions))
    await apply_delete_rules(connection, _TABLE, [item_id], soft=False)
    async with children_checked(connection, _TABLE, item_id):
        result = await connection.execute(statement.returning(_TABLE.c.id))
    return result.first() is not None
{%- endif %}
