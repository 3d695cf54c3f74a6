"""Many-to-many links (`tags:many(Tag)`): a join table of two foreign keys, both cascading.

A join table is marked `info={"link": (owner column, target column)}`: the entity that
declares the many field owns the links. They are part of its item: its Read lists the
linked ids, its writes set them (the whole set, or none when PATCH leaves them out), and
its version goes up whenever they change, so its ETag does too. That includes a linked row
being deleted (core/references.py). There is no sub-resource to change links one by one:
a link set changes with the item's version, under the same If-Match.

Everything here reads Base.metadata, so it names no entity.
"""

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from {{ cookiecutter.package_name }}.core.models import Base
from {{ cookiecutter.package_name }}.core.references import MissingParents
from {{ cookiecutter.package_name }}.core.rows import RowScope, visible

MAX_LINKS = 100  # ids one many field of one item may hold
Links = dict[Any, list[Any]]  # owner row id -> the ids it links to, ascending


def is_link_table(table: sa.FromClause) -> bool:
    """Whether table is a join table of a many field."""
    return isinstance(table, sa.Table) and "link" in table.info


def _ends(table: sa.Table) -> tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]]:
    """The join table's (owner, target) columns."""
    owner, target = table.info["link"]
    return table.c[owner], table.c[target]


def linked_table(column: sa.ColumnElement[Any]) -> sa.Table:
    """The table a join table's column points at."""
    (key,) = column.foreign_keys
    table = key.column.table
    assert isinstance(table, sa.Table), "a mapped table"
    return table


@cache
def related_tables(table: sa.FromClause) -> tuple[sa.FromClause, ...]:
    """The tables whose rows the routes of table look up: its parents (foreign keys) and
    the tables linked to it through a join table, either way (looked up once every table
    is mapped). Their claims scope those routes too (core/rows.py)."""
    related = [key.column.table for key in table.foreign_keys]
    for links in Base.metadata.tables.values():
        if is_link_table(links):
            ends = [linked_table(column) for column in _ends(links)]
            if table in ends:
                related += [end for end in ends if end is not table]
    return tuple(related)


async def linked_ids(
    connection: AsyncConnection, links: sa.Table, owner_ids: Sequence[Any], *, scope: RowScope
) -> Links:
    """The ids each of owner_ids links to through links, those the caller may see, in
    ascending order: one statement for a whole page."""
    found: Links = {owner_id: [] for owner_id in owner_ids}
    if not owner_ids:
        return found
    owner, target = _ends(links)
    query = sa.select(owner, target).where(owner.in_(owner_ids))
    targets = linked_table(target)
    if conditions := visible(targets, scope):
        query = query.join(targets, targets.c.id == target).where(*conditions)
    for owner_id, target_id in await connection.execute(query):
        found[owner_id].append(target_id)
    for ids in found.values():
        ids.sort()  # at most MAX_LINKS each
    return found


async def write_links(
    connection: AsyncConnection,
    links: sa.Table,
    items: Sequence[tuple[Any, Iterable[Any]]],
    *,
    field: str,
    scope: RowScope,
    bulk: bool = False,
    replace: bool = False,
) -> Links:
    """Link each (owner id, target ids) of items, once each, after dropping the owners'
    other links when replace. Ids the caller cannot see are a 422 naming each one
    (MissingParents at body.<field>.<position>, with the item's index in a bulk). The
    targets found are locked against deletion (FOR KEY SHARE) until the transaction ends,
    so a concurrent delete cannot slip in between. Returns the links as written."""
    owner, target = _ends(links)
    targets = linked_table(target)
    wanted = {owner_id: list(dict.fromkeys(ids)) for owner_id, ids in items}
    every = sorted({target_id for ids in wanted.values() for target_id in ids})
    found: set[Any] = set()
    if every:
        query = sa.select(targets.c.id).where(targets.c.id.in_(every), *visible(targets, scope))
        found = set((await connection.execute(query.with_for_update(key_share=True))).scalars())
    missing: list[tuple[list[str | int], Any]] = [
        (["body", index, field, position] if bulk else ["body", field, position], target_id)
        for index, (_, ids) in enumerate(items)
        for position, target_id in enumerate(ids)
        if target_id not in found
    ]
    if missing:
        locations = [location for location, _ in missing]
        inputs = [target_id for _, target_id in missing]
        raise MissingParents(locations, [str(targets.name)] * len(missing), inputs)
    if replace:
        await connection.execute(sa.delete(links).where(owner.in_(list(wanted))))
    rows = [
        {owner.name: owner_id, target.name: target_id}
        for owner_id, ids in wanted.items()
        for target_id in ids
    ]
    if rows:
        await connection.execute(sa.insert(links), rows)
    return {owner_id: sorted(ids) for owner_id, ids in wanted.items()}


Link = tuple[str, sa.Table]  # (the owner's attribute, `tag_ids`; its join table)


def split_links(
    values: Sequence[dict[str, Any]], links: Sequence[Link]
) -> list[dict[str, list[Any]]]:
    """Take each many field's ids out of each row's values (its columns stay): what each row
    sent, by attribute. A PATCH that leaves a many field out sends nothing for it."""
    return [{name: row.pop(name) for name, _ in links if name in row} for row in values]


async def with_links(
    connection: AsyncConnection,
    rows: Sequence[Any],
    links: Sequence[Link],
    *,
    scope: RowScope,
    sent: Sequence[dict[str, list[Any]]] = (),
    bulk: bool = False,
    replace: bool = False,
) -> list[dict[str, Any]]:
    """Rows (as written or read) with each many field's linked ids: the links sent are
    written (`write_links`, replacing the rows' others when replace), the others read (one
    statement for all the rows)."""
    items = [dict(row._mapping) if isinstance(row, sa.Row) else dict(row) for row in rows]
    ids = [item["id"] for item in items]
    for name, table in links:
        pairs = zip(items, sent, strict=False)  # sent is empty when the links are only read
        written = [(item["id"], wanted[name]) for item, wanted in pairs if name in wanted]
        if written:
            found = await write_links(
                connection, table, written, field=name, scope=scope, bulk=bulk, replace=replace
            )
        else:
            found = await linked_ids(connection, table, ids, scope=scope)
        for item in items:
            item[name] = found[item["id"]]
    return items
