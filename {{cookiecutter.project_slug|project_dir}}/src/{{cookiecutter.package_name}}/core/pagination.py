"""Keyset (cursor) pagination over a whitelisted sort column with the id as tie-breaker."""

import base64
import binascii
import json
import operator
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from fastapi import HTTPException
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
T = TypeVar("T")


class CursorPage(BaseModel, Generic[T]):
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
        if cursor_sort != sort:
            raise ValueError
        return _adapter(types[0]).validate_python(value), _adapter(types[1]).validate_python(row_id)
    except (binascii.Error, ValueError, TypeError, ValidationError, UnicodeDecodeError):
        detail = "cursor: not a cursor from this list with this sort; drop it to start over"
        raise HTTPException(422, detail) from None


async def keyset_page(
    session: AsyncSession,
    statement: sa.Select[Any],
    *,
    sort: str,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[sa.Row[Any]], str | None]:
    """Fetch one page ordered by `sort` (a selected column, "-" for descending), then id."""
    key = sort.removeprefix("-")
    column, row_id = statement.selected_columns[key], statement.selected_columns["id"]
    descending = sort.startswith("-")
    if cursor is not None:
        types = (column.type.python_type, row_id.type.python_type)
        value, last_id = decode_cursor(cursor, sort, types)
        position = sa.tuple_(column, row_id)
        after = sa.tuple_(sa.literal(value, column.type), sa.literal(last_id, row_id.type))
        statement = statement.where(position < after if descending else position > after)
    order = (column.desc(), row_id.desc()) if descending else (column.asc(), row_id.asc())
    rows = (await session.execute(statement.order_by(*order).limit(limit + 1))).all()
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(sort, getattr(last, key), last.id)


def _contains(column: sa.ColumnElement[Any], value: Any) -> sa.ColumnElement[bool]:
    return column.icontains(value, autoescape=True)


OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "gte": operator.ge,
    "lte": operator.le,
    "contains": _contains,
}
Filter = tuple[str, str, str]  # (query parameter, column name, operator)


def apply_filters(
    statement: sa.Select[Any], params: BaseModel, filters: Sequence[Filter]
) -> sa.Select[Any]:
    """Add a WHERE clause for every filter parameter the client sent."""
    for name, column_name, op in filters:
        value = getattr(params, name)
        if value is not None:
            column = statement.selected_columns[column_name]
            statement = statement.where(OPERATORS[op](column, value))
    return statement
