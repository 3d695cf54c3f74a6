"""Filters and sort order shared by list endpoints; the page module makes the pages.

A list statement is built once for each combination of filters, sort and page position,
with every value bound at execution (`filter_values`, the page's `page_` parameters).
"""

import operator
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from {{ cookiecutter.package_name }}.core.models import Base

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
# (query parameter, column name, operator); for the "linked" operator, the column is
# "<join table>.<its column naming this table's rows>" (core/links.py)
Filter = tuple[str, str, str]
LINKED = "linked"


def _contains(column: sa.ColumnElement[Any], pattern: Any) -> sa.ColumnElement[bool]:
    """A case-insensitive substring match: ILIKE '%value%' on PostgreSQL, which a trigram
    index (`:search`) serves; lower(column) LIKE lower(...) on SQLite."""
    return column.ilike(pattern, escape="/")


def _substring_pattern(value: str) -> str:
    """The LIKE pattern of a substring: %, _ and the escape character match themselves."""
    escaped = value.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def _same(value: Any) -> Any:
    return value


# Each operator: the condition on a column and a bound parameter, and the parameter's value
# made from the query parameter's value.
OPERATORS: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any], Any]]] = {
    "eq": (operator.eq, _same),
    "gte": (operator.ge, _same),
    "lte": (operator.le, _same),
    "contains": (_contains, _substring_pattern),
}
# Bound parameters: "filter_<query parameter>" for filters, "page_..." for the page's own.
_FILTER = "filter_"
PARENT = "page_parent"  # the parent's id, for the list nested under it
LIMIT, OFFSET = "page_limit", "page_offset"


def linked(
    columns: sa.ColumnCollection[str, Any], link: str, parameter: sa.BindParameter[Any]
) -> sa.ColumnElement[bool]:
    """The rows linked to the row id `parameter` through a join table: `link` names the
    table and its column of these rows ("book_tags.book_id"), the other column holds the
    linked row's id. The join table's primary key and its reverse index serve both ways."""
    name, _, mine = link.partition(".")
    links = Base.metadata.tables[name]
    (theirs,) = [column for column in links.info["link"] if column != mine]
    matching = sa.select(links.c[mine]).where(links.c[theirs] == parameter)
    row_id: sa.ColumnElement[Any] = columns["id"]
    return row_id.in_(matching)


def filter_values(params: BaseModel, filters: Sequence[Filter]) -> dict[str, Any]:
    """The bound values of the filters the client sent, keyed by their parameters' names."""
    sent = params.model_dump(exclude_none=True)  # keyed by query parameter (alias) names
    return {
        _FILTER + name: sent[name] if op == LINKED else OPERATORS[op][1](sent[name])
        for name, _, op in filters
        if name in sent
    }


@lru_cache(maxsize=1024)
def filtered(
    statement: sa.Select[Any],
    filters: tuple[Filter, ...],
    bound: tuple[str, ...],
    parent: str | None = None,
) -> sa.Select[Any]:
    """The statement with a WHERE condition for each bound filter (`filter_values`) and, with
    parent, for `parent = :page_parent` (or the rows linked to it, where parent names a join
    table's column: `linked`). Built once for each combination: building SQLAlchemy
    statements costs more than the rest of a page request's Python work, and a statement
    used again keeps its cache key."""
    columns = statement.selected_columns  # each where() makes a statement that rebuilds them
    for name, column_name, op in filters:
        if _FILTER + name in bound:
            parameter: sa.BindParameter[Any] = sa.bindparam(_FILTER + name)
            if op == LINKED:
                condition = linked(columns, column_name, parameter)
            else:
                condition = OPERATORS[op][0](columns[column_name], parameter)
            statement = statement.where(condition)
    if parent is not None and "." in parent:
        statement = statement.where(linked(columns, parent, sa.bindparam(PARENT)))
    elif parent is not None:
        statement = statement.where(columns[parent] == sa.bindparam(PARENT))
    return statement


def sort_columns(statement: sa.Select[Any], sort: str) -> tuple[sa.ColumnElement[Any], ...]:
    """The columns of `sort` (a selected column, "-" for descending): its key, then the id."""
    columns = statement.selected_columns
    return columns[sort.removeprefix("-")], columns["id"]


def order_by(statement: sa.Select[Any], sort: str) -> tuple[sa.ColumnElement[Any], ...]:
    """ORDER BY the key of `sort`, then the id (once, when the key is the id: SQLite would
    sort again for a second `id` that an index on (claim, id) leaves in order)."""
    columns = sort_columns(statement, sort)
    if sort.removeprefix("-") == "id":
        columns = columns[:1]
    if sort.startswith("-"):
        return tuple(column.desc() for column in columns)
    return tuple(column.asc() for column in columns)
