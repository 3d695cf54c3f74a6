"""Offset pages with the total count of matching rows."""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any{{ ", Generic, TypeVar" if cookiecutter.python_version == "3.11" else "" }}

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from {{ cookiecutter.package_name }}.core.pagination import LIMIT, OFFSET, order_by

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
    values: dict[str, Any],
    *,
    sort: str,
    limit: int,
    offset: int,
) -> tuple[Sequence[sa.Row[Any]], int]:
    """Fetch one page in the order of its (key, id) index, then the total: a count of the
    matching rows, which reads them all (skipped when the page itself shows the total);
    values bind the statement's parameters (`pagination.filtered`)."""
    window = {**values, LIMIT: limit, OFFSET: offset}
    rows = (await connection.execute(_page_statement(statement, sort), window)).all()
    if 0 < len(rows) < limit or (not rows and offset == 0):
        return rows, offset + len(rows)
    total = await connection.scalar(_count_statement(statement), values)
    return rows, int(total or 0)


@lru_cache(maxsize=1024)
def _page_statement(statement: sa.Select[Any], sort: str) -> sa.Select[Any]:
    """The window of rows in `sort` order; built once for each statement and sort."""
    window = statement.order_by(*order_by(statement, sort))
    return window.limit(sa.bindparam(LIMIT)).offset(sa.bindparam(OFFSET))


@lru_cache(maxsize=1024)
def _count_statement(statement: sa.Select[Any]) -> sa.Select[Any]:
    """The number of rows the statement matches."""
    return sa.select(sa.func.count()).select_from(statement.subquery())
