"""Filters and sort order shared by list endpoints; the page module makes the pages."""

import operator
from collections.abc import Callable, Sequence
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
    for name, column_name, op in filters:
        if name in sent:
            column = statement.selected_columns[column_name]
            statement = statement.where(OPERATORS[op](column, sent[name]))
    return statement


def order_by(statement: sa.Select[Any], sort: str) -> tuple[sa.ColumnElement[Any], ...]:
    """ORDER BY for `sort` (a selected column, "-" for descending), then the id."""
    column = statement.selected_columns[sort.removeprefix("-")]
    row_id = statement.selected_columns["id"]
    if sort.startswith("-"):
        return column.desc(), row_id.desc()
    return column.asc(), row_id.asc()
