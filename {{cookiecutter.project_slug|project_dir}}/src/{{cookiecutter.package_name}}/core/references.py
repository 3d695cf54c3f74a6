"""References between tables: a missing parent is a 422, a parent with children a 409.

Everything here reads the foreign keys of Base.metadata, so it names no entity: a table
added later is covered once its model is imported. With soft delete a deleted row still
exists for the database, so parents are checked and delete rules applied here:

- a write that names a deleted (or missing) parent is a 422 pointing at the field;
- deleting a row with live children under `restrict` is a 409 naming their table;
- `cascade` soft-deletes the live children (and theirs, by their own rules);
- `set_null` clears the reference in the live children.

Children whose reference is cleared get a new version, so their ETags change too. A parent
the caller cannot see (another caller's row, when rows are scoped by a claim: core/rows.py)
is a missing parent, the same 422.
"""

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

{% set pkg = cookiecutter.package_name -%}
{{ import_block(
    pkg,
    pkg ~ ".core.models:Base",
    pkg ~ ".core.rows:RowScope",
    pkg ~ ".core.rows:claim_columns",
    pkg ~ ".core.rows:live",
    pkg ~ ".core.rows:visible",
) }}

FOREIGN_KEY_VIOLATION = "23503"  # PostgreSQL's SQLSTATE
SQLITE_FOREIGN_KEY = "FOREIGN KEY constraint failed"


class MissingParents(Exception):
    """A write names parents that do not exist: 422 at these body locations (with the ids
    sent there, when known: a many field's ids)."""

    def __init__(
        self, locations: list[list[str | int]], targets: list[str], inputs: list[Any] | None = None
    ) -> None:
        super().__init__("missing parents")
        self.locations = locations
        self.targets = targets
        self.inputs = inputs


class StillReferenced(Exception):
    """Rows of these tables still reference the row being deleted (restrict): 409."""

    def __init__(self, tables: list[str]) -> None:
        super().__init__("still referenced")
        self.tables = tables


class ParentsRefused(Exception):
    """The database refused a write of rows into table for a foreign key. Which parents
    are missing is looked up once the write's transaction has rolled back (`resolve`)."""

    def __init__(
        self, table: sa.FromClause, rows: Sequence[Mapping[str, Any]], bulk: bool, scope: RowScope
    ) -> None:
        super().__init__("missing parents")
        self.table, self.rows, self.bulk, self.scope = table, rows, bulk, scope

    async def resolve(self, connection: AsyncConnection) -> MissingParents:
        """The missing parents, looked up on connection."""
        missing = await missing_parents(
            connection, self.table, self.rows, bulk=self.bulk, scope=self.scope
        )
        return missing or MissingParents([["body"]], [])


class ChildrenRefused(Exception):
    """The database refused to delete row_id of table: rows still reference it. Which
    tables they are in is looked up once the transaction has rolled back (`resolve`)."""

    def __init__(self, table: sa.FromClause, row_id: Any) -> None:
        super().__init__("still referenced")
        self.table, self.row_id = table, row_id

    async def resolve(self, connection: AsyncConnection) -> StillReferenced:
        """The tables that still reference the row, looked up on connection."""
        return StillReferenced(await referencing_tables(connection, self.table, self.row_id))


def is_foreign_key_violation(exc: IntegrityError) -> bool:
    """Whether the database refused a write for a foreign key (both drivers)."""
    error = exc.orig
    return getattr(error, "sqlstate", None) == FOREIGN_KEY_VIOLATION or (
        SQLITE_FOREIGN_KEY in str(error)
    )


def _referencing(table: sa.FromClause) -> list[sa.ForeignKey]:
    """Every foreign key of every mapped table that points at table, in a stable order."""
    keys = [
        key
        for child in sorted(Base.metadata.tables.values(), key=lambda child: child.name)
        for key in sorted(child.foreign_keys, key=lambda key: key.parent.name)
        if key.column.table is table
    ]
    return keys


async def row_exists(
    connection: AsyncConnection, table: sa.FromClause, row_id: Any, *, scope: RowScope
) -> bool:
    """Whether table has a row with this id that the caller may see."""
    query = sa.select(table.c.id).where(table.c.id == row_id, *visible(table, scope))
    return (await connection.execute(query)).first() is not None


async def missing_parents(
    connection: AsyncConnection,
    table: sa.FromClause,
    rows: Sequence[Mapping[str, Any]],
    *,
    bulk: bool,
    scope: RowScope,
) -> MissingParents | None:
    """The references in rows (a write into table) that name no parent the caller may see,
    or None."""
    locations: list[list[str | int]] = []
    targets: list[str] = []
    for index, row in enumerate(rows):
        for key in sorted(table.foreign_keys, key=lambda key: key.parent.name):
            value = row.get(key.parent.name)
            parent = key.column.table
            if value is not None and not await row_exists(connection, parent, value, scope=scope):
                locations.append(
                    ["body", index, key.parent.name] if bulk else ["body", key.parent.name]
                )
                targets.append(key.column.table.name)
    return MissingParents(locations, targets) if locations else None


@cache
def parents_checked_after_write(table: sa.FromClause) -> bool:
    """Whether a parent of table can be soft-deleted or another caller's, which its foreign
    keys cannot see: then `parents_checked` looks for the parents after the write, in the
    write's transaction."""
    parents = [key.column.table for key in table.foreign_keys]
    return any(live(parent) or claim_columns(parent) for parent in parents)


@asynccontextmanager
async def parents_checked(
    connection: AsyncConnection,
    table: sa.FromClause,
    rows: Sequence[Mapping[str, Any]],
    *,
    scope: RowScope,
    bulk: bool = False,
) -> AsyncIterator[None]:
    """Around a write of rows into table: a reference to a parent that does not exist
    raises ParentsRefused (the database's foreign key decides, so a parent deleted by a
    concurrent request is caught too). With soft delete, deleted parents are looked for
    after the write, in its transaction, and raise MissingParents (on SQLite a read before
    it would turn the transaction into a lock upgrade that concurrent writers fail)."""
    try:
        yield
    except IntegrityError as error:
        if is_foreign_key_violation(error):
            raise ParentsRefused(table, rows, bulk, scope) from error
        raise
    if parents_checked_after_write(table) and (
        missing := await missing_parents(connection, table, rows, bulk=bulk, scope=scope)
    ):
        raise missing


async def apply_delete_rules(
    connection: AsyncConnection, table: sa.FromClause, ids: Sequence[Any], *, soft: bool
) -> None:
    """Before (hard) or after (soft) rows of table are deleted: detach `set_null` children
    with a new version; under soft delete, refuse for live `restrict` children and
    soft-delete `cascade` children. Without soft delete the database restricts and
    cascades by itself (the foreign keys carry the rules)."""
    await _apply(connection, table, list(ids), soft=soft, seen=set())


async def _apply(
    connection: AsyncConnection, table: sa.FromClause, ids: list[Any], *, soft: bool, seen: set[Any]
) -> None:
    for key in _referencing(table):
        child = key.parent.table
        if "link" in child.info:  # a join table (core/links.py)
            await _unlink(connection, key, ids, soft=soft)
            continue
        match = sa.and_(key.parent.in_(ids), *live(child))
        rule = (key.ondelete or "NO ACTION").upper()
        if rule == "SET NULL":
            changes = {
                key.parent.name: None,
                "version": child.c.version + 1,
                "updated_at": sa.func.now(),
            }
            await connection.execute(sa.update(child).where(match).values(changes))
        elif rule == "CASCADE":
            found = (await connection.execute(sa.select(child.c.id).where(match))).scalars()
            child_ids = [row_id for row_id in found if (child.name, row_id) not in seen]
            seen.update((child.name, row_id) for row_id in child_ids)
            if child_ids:
                await _apply(connection, child, child_ids, soft=soft, seen=seen)
            if child_ids and soft:
                deleted = {"deleted_at": sa.func.now(), "version": child.c.version + 1}
                await connection.execute(
                    sa.update(child).where(child.c.id.in_(child_ids)).values(deleted)
                )
        elif (
            soft and (await connection.execute(sa.select(child.c.id).where(match).limit(1))).first()
        ):
            raise StillReferenced([child.name])


async def _unlink(
    connection: AsyncConnection, key: sa.ForeignKey, ids: list[Any], *, soft: bool
) -> None:
    """Rows of table being deleted leave a join table: the rows that own links to them get
    a new version (their linked ids change, so their ETags do too), and under soft delete
    the links are deleted here, as the database's cascade would."""
    links = key.parent.table
    owner_name = links.info["link"][0]
    if key.parent.name != owner_name:
        owner = links.c[owner_name]
        (owner_key,) = owner.foreign_keys
        owners = owner_key.column.table
        linked = sa.select(owner).where(key.parent.in_(ids))
        changes = {"version": owners.c.version + 1, "updated_at": sa.func.now()}
        await connection.execute(
            sa.update(owners).where(owners.c.id.in_(linked), *live(owners)).values(changes)
        )
    if soft:
        await connection.execute(sa.delete(links).where(key.parent.in_(ids)))


async def referencing_tables(
    connection: AsyncConnection, table: sa.FromClause, row_id: Any
) -> list[str]:
    """Tables with live rows that reference row_id under `restrict` (directly, or below a
    `cascade`): what keeps the row from being deleted."""
    found: list[str] = []
    for key in _referencing(table):
        child = key.parent.table
        if "link" in child.info:  # links never keep a row (core/links.py)
            continue
        rule = (key.ondelete or "NO ACTION").upper()
        query = sa.select(child.c.id).where(key.parent == row_id, *live(child))
        if rule in ("RESTRICT", "NO ACTION"):
            if (await connection.execute(query.limit(1))).first():
                found.append(child.name)
        elif rule == "CASCADE" and child is not table:
            for child_id in (await connection.execute(query)).scalars():
                found += await referencing_tables(connection, child, child_id)
    return sorted(set(found))


@asynccontextmanager
async def children_checked(
    connection: AsyncConnection, table: sa.FromClause, row_id: Any
) -> AsyncIterator[None]:
    """Around a (hard) delete: the database's refusal for remaining children becomes
    ChildrenRefused."""
    try:
        yield
    except IntegrityError as error:
        if is_foreign_key_violation(error):
            raise ChildrenRefused(table, row_id) from error
        raise
