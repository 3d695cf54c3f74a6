"""Which rows a caller may see: the live ones (not soft-deleted) whose claim column, if the
table has one (a `claim(<name>)` field, marked `info={"claim": <name>}`), holds the value of
that claim in the caller's token.

A row scope maps claim names to the caller's values (`{"sub": "alice"}`); a table without a
claim column ignores it. Everything here reads Base.metadata's columns, so it names no
entity, and every read and write of every entity goes through it: another caller's row is
absent from lists and a 404 by id, exactly like a row that does not exist.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from fastapi import HTTPException

RowScope = Mapping[str, str]  # claim name -> the caller's value
SCOPE_PARAMETER = "scope_"  # bound parameters of claim columns: scope_<column>


def is_claim(column: sa.ColumnElement[Any]) -> bool:
    """Whether the column is a claim column, filled from the caller's token."""
    return "claim" in column.info


def claim_columns(table: sa.FromClause) -> list[sa.ColumnElement[Any]]:
    """The table's claim columns (none, or the one of its claim field)."""
    return [column for column in table.c if is_claim(column)]


def claims_needed(tables: Iterable[sa.FromClause]) -> list[str]:
    """The claims that scope rows of these tables, sorted."""
    return sorted({column.info["claim"] for table in tables for column in claim_columns(table)})


def row_scope(claims: Mapping[str, Any], needed: Iterable[str]) -> dict[str, str]:
    """The caller's values of the needed claims; 403 when the token lacks one (its rows
    could not be told from another caller's)."""
    scope = {}
    for name in needed:
        value = claims.get(name)
        if not isinstance(value, str) or not value:
            raise HTTPException(403, f"The token has no {name} claim, which scopes these rows.")
        scope[name] = value
    return scope


def live(table: sa.FromClause) -> list[sa.ColumnElement[bool]]:
    """The rows of table that are not soft-deleted (all of them without soft delete)."""
    return [table.c.deleted_at.is_(None)] if "deleted_at" in table.c else []


def visible(table: sa.FromClause, scope: RowScope) -> list[sa.ColumnElement[bool]]:
    """Conditions for the rows of table the caller may see: live, and its own."""
    return [
        *live(table),
        *(column == scope[column.info["claim"]] for column in claim_columns(table)),
    ]


def bound_conditions(table: sa.FromClause) -> list[sa.ColumnElement[bool]]:
    """The claim conditions with bound parameters (`scope_<column>`), for statements built
    once and executed with `bound_values`."""
    return [
        column == sa.bindparam(SCOPE_PARAMETER + column.name) for column in claim_columns(table)
    ]


def bound_values(table: sa.FromClause, scope: RowScope) -> dict[str, str]:
    """The values of bound_conditions' parameters for this caller."""
    return {
        SCOPE_PARAMETER + column.name: scope[column.info["claim"]]
        for column in claim_columns(table)
    }


def owned(table: sa.FromClause, scope: RowScope) -> dict[str, str]:
    """The claim columns' values of a row the caller writes: its own, never the body's."""
    return {column.name: scope[column.info["claim"]] for column in claim_columns(table)}


class RepeatedValues(Exception):
    """Items of one bulk write that repeat a value that must be unique: the (item index,
    column) of each repeat after the first."""

    def __init__(self, locations: list[tuple[int, str]]) -> None:
        super().__init__(locations)
        self.locations = locations


def check_unique_within(table: sa.FromClause, items: Sequence[Mapping[str, Any]]) -> None:
    """Raise RepeatedValues when two items share a value one of the table's unique
    constraints or indexes holds: the database would refuse the batch naming the column
    only, not the item. NULLs never collide, and the claim column is the caller's own, so
    a location names only the fields the items sent."""
    assert isinstance(table, sa.Table), "a mapped table"
    found: list[sa.UniqueConstraint | sa.Index] = [
        *(unique for unique in table.constraints if isinstance(unique, sa.UniqueConstraint)),
        *(index for index in table.indexes if index.unique),
    ]
    # An index on expressions names no column: it is left to the database.
    uniques = [[column.name for column in unique.columns] for unique in found if unique.columns]
    locations: list[tuple[int, str]] = []
    for names in uniques:
        seen: set[tuple[Any, ...]] = set()
        for index, item in enumerate(items):
            key = tuple(item.get(name) for name in names)
            if None in key or not all(isinstance(value, Hashable) for value in key):
                continue
            if key in seen:
                sent = [name for name in names if not is_claim(table.c[name])]
                locations += [(index, name) for name in sent]
            seen.add(key)
    if locations:
        raise RepeatedValues(sorted(set(locations)))
