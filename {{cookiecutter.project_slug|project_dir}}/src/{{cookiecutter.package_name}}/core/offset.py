"""Offset pages with the total count of matching rows."""

from collections.abc import Sequence
from typing import Any{{ ", Generic, TypeVar" if cookiecutter.python_version == "3.11" else "" }}

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from {{ cookiecutter.package_name }}.core.pagination import order_by, sort_columns

MAX_OFFSET = 100_000

{%- if cookiecutter.python_version == "3.11" %}

T = TypeVar("T")


class OffsetPage(BaseModel, Generic[T]):
{%- else %}


class OffsetPage[T](BaseModel):
{%- endif %}
    """One page of items, with the number of matching rows and the window asked for."""

    items: list[T]
    total: int
    limit: int
    offset: int


async def offset_page(
    connection: AsyncConnection,
    statement: sa.Select[Any],
    *,
    sort: str,
    limit: int,
    offset: int,
) -> tuple[Sequence[sa.Row[Any]], int]:
    """Fetch one page in the order of its (key, id) index, then the total: a count of the
    matching rows, which reads them all (skipped when the page itself shows the total)."""
    key, row_id = sort_columns(statement, sort)
    ordering = order_by(key, row_id, sort.startswith("-"))
    ordered = statement.order_by(*ordering).limit(limit).offset(offset)
    rows = (await connection.execute(ordered)).all()
    if 0 < len(rows) < limit or (not rows and offset == 0):
        return rows, offset + len(rows)
    total = await connection.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
    return rows, int(total or 0)
