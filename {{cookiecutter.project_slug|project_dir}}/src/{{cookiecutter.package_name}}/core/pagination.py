"""Filters and sort order shared by list endpoints; the page module makes the pages."""

import operator
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
Filter = tuple[str, str, str]  # (query parameter, column name, operator)


def _contains(column: sa.ColumnElement[Any], value: Any) -> sa.ColumnElement[bool]:
    """A case-insensitive substring match: ILIKE '%value%' on PostgreSQL, which a trigram
    index (`:search`) serves; lower(column) LIKE lower(...) on SQLite."""
    escaped = value.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return column.ilike(f"%{escaped}%", escape="/")


OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "gte": operator.ge,
    "lte": operator.le,
    "contains": _contains,
}


def apply_filters(
    statement: sa.Select[Any], params: BaseModel, filters: Sequence[Filter]
) -> sa.Select[Any]:
    """Add a WHERE clause for every filter parameter the client sent."""
    sent = params.model_dump(exclude_none=True)  # keyed by query parameter (alias) names
    columns = statement.selected_columns  # each where() makes a statement that rebuilds them
    for name, column_name, op in filters:
        if name in sent:
            statement = statement.where(OPERATORS[op](columns[column_name], sent[name]))
    return statement


def sort_columns(statement: sa.Select[Any], sort: str) -> tuple[sa.ColumnElement[Any], ...]:
    """The columns of `sort` (a selected column, "-" for descending): its key, then the id."""
    columns = statement.selected_columns
    return columns[sort.removeprefix("-")], columns["id"]


@lru_cache(maxsize=1024)
def order_by(
    key: sa.ColumnElement[Any], row_id: sa.ColumnElement[Any], descending: bool
) -> tuple[sa.ColumnElement[Any], ...]:
    """ORDER BY the key, then the id; built once per sort (SQLAlchemy's expression objects
    cost more to build than the rest of a page request's Python work)."""
    if descending:
        return key.desc(), row_id.desc()
    return key.asc(), row_id.asc()
