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

from {{ cookiecutter.package_name }}.core.pagination import order_by, sort_columns


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
    *,
    sort: str,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[sa.Row[Any]], str | None]:
    """Fetch one page after the cursor (limit + 1 rows tell whether there is a next one)."""
    column, row_id = sort_columns(statement, sort)
    descending = sort.startswith("-")
    position: dict[str, Any] = {}
    if cursor is not None:
        types = (column.type.python_type, row_id.type.python_type)
        position[_AFTER_KEY], position[_AFTER_ID] = decode_cursor(cursor, sort, types)
        statement = statement.where(_after(column, row_id, descending))
    ordered = statement.order_by(*order_by(column, row_id, descending)).limit(limit + 1)
    rows = (await connection.execute(ordered, position)).all()
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(sort, getattr(last, sort.removeprefix("-")), last.id)


_AFTER_KEY, _AFTER_ID = "cursor_key", "cursor_id"  # the cursor's bound parameters


@lru_cache(maxsize=1024)
def _after(
    column: sa.ColumnElement[Any], row_id: sa.ColumnElement[Any], descending: bool
) -> sa.ColumnElement[bool]:
    """(key, id) past the cursor's position in the sort order, built once per sort: the
    position is bound at execution."""
    position = sa.tuple_(column, row_id)
    after = sa.tuple_(
        sa.bindparam(_AFTER_KEY, type_=column.type), sa.bindparam(_AFTER_ID, type_=row_id.type)
    )
    return position < after if descending else position > after
