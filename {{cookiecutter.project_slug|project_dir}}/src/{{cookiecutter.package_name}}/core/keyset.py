"""Keyset (cursor) pages: stable under inserts, cheap at any depth."""

import base64
import binascii
import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any{{ ", Generic, TypeVar" if cookiecutter.python_version == "3.11" else "" }}

import sqlalchemy as sa
from fastapi import HTTPException
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncConnection

from {{ cookiecutter.package_name }}.core.pagination import LIMIT, order_by, sort_columns

AFTER_KEY, AFTER_ID = "page_after_key", "page_after_id"  # the bound position of a page


{%- if cookiecutter.python_version == "3.11" %}

T = TypeVar("T")


class CursorPage(BaseModel, Generic[T]):
{%- else %}


class CursorPage[T](BaseModel):
{%- endif %}
    """One page of items; pass next_cursor back as `cursor` for the next page."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(sort: str, value: Any, row_id: Any) -> str:
    """Opaque token for the position after (value, id) in `sort` order."""
    raw = json.dumps(to_jsonable_python([sort, value, row_id]), separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@lru_cache
def _adapter(python_type: type) -> TypeAdapter[Any]:
    return TypeAdapter(python_type)


def decode_cursor(token: str, sort: str, types: tuple[type, type]) -> tuple[Any, Any]:
    """Return (value, id) from a cursor, or answer 422 if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        cursor_sort, value, row_id = json.loads(raw)
        if cursor_sort != sort or "\x00" in raw.decode():
            raise ValueError
        return _adapter(types[0]).validate_python(value), _adapter(types[1]).validate_python(row_id)
    except (binascii.Error, ValueError, TypeError, ValidationError, UnicodeDecodeError):
        detail = "cursor: not a cursor from this list with this sort; drop it to start over"
        raise HTTPException(422, detail) from None


async def keyset_page(
    connection: AsyncConnection,
    statement: sa.Select[Any],
    values: dict[str, Any],
    *,
    sort: str,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[sa.Row[Any]], str | None]:
    """Fetch one page after the cursor (limit + 1 rows tell whether there is a next one);
    values bind the statement's parameters (`pagination.filtered`)."""
    parameters = {**values, LIMIT: limit + 1}
    if cursor is not None:
        column, row_id = sort_columns(statement, sort)
        types = (column.type.python_type, row_id.type.python_type)
        parameters[AFTER_KEY], parameters[AFTER_ID] = decode_cursor(cursor, sort, types)
    page = _page_statement(statement, sort, after=cursor is not None)
    rows = (await connection.execute(page, parameters)).all()
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(sort, getattr(last, sort.removeprefix("-")), last.id)


@lru_cache(maxsize=1024)
def _page_statement(statement: sa.Select[Any], sort: str, *, after: bool) -> sa.Select[Any]:
    """The page in `sort` order, after the bound position (key, id) when after is true;
    built once for each statement, sort and position (`pagination.filtered`)."""
    if after:
        column, row_id = sort_columns(statement, sort)
        bound = (
            sa.bindparam(AFTER_KEY, type_=column.type),
            sa.bindparam(AFTER_ID, type_=row_id.type),
        )
        position, past = sa.tuple_(column, row_id), sa.tuple_(*bound)
        statement = statement.where(position < past if sort.startswith("-") else position > past)
    return statement.order_by(*order_by(statement, sort)).limit(sa.bindparam(LIMIT))
