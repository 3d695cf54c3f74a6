"""The migration of a change to an entity's fields: the difference between two specs.

A fresh bake writes a table's columns, indexes and constraints in its create migration,
from the parsed fields. Here the same Field renderings describe the table before and after
the change (`Shape`), and the migration does what turns one into the other: the database a
project migrates to and the one a bake with the new spec creates agree, as `alembic
check` and the template's tests compare. Column changes run in a batch, which is ALTER
TABLE on PostgreSQL and a table copy on SQLite (which cannot alter a column in place); the
downgrade is the same difference taken the other way round.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from crudgen.extension import entity_claim, entity_fields
from crudgen.fields import Field, migration_sort_indexes
from crudgen.pyfmt import Arg, Call, flat, layout, python_string

_NAME = re.compile(r'op\.f\("(?P<name>[^"]+)"\)')


@dataclass(frozen=True)
class Shape:
    """A table as its fields make it: their columns, and the indexes and unique constraints
    they give it, each index as the (create, drop) calls a create migration writes."""

    table: str
    database: str
    columns: dict[str, Field]
    indexes: dict[str, tuple[Call, Call]]
    uniques: dict[str, str]  # constraint name -> column


def _index_name(call: Call) -> str:
    found = _NAME.match(flat(call.args[0]))
    assert found, call
    return found["name"]


def shape(context: Mapping[str, Any]) -> Shape:
    """The entity's table as the entity template's create migration makes it for this
    context (an entity's template context: its fields, table and the project's options)."""
    fields = entity_fields(context)
    claim = entity_claim(context)
    table = str(context["__table"])
    database = str(context["database"])
    pairs: list[tuple[Call, Call]] = [(f.migration_index, f.migration_drop_index) for f in fields]
    pairs = [pair for pair, f in zip(pairs, fields, strict=True) if f.plain_index]
    for field in fields:
        if (live := field.migration_live_index) is not None:
            drop = Call("op.drop_index", (flat(live.args[0]), f'table_name="{table}"'))
            pairs.append((live, drop))
    pairs += migration_sort_indexes(
        fields,
        table,
        soft_delete=context["soft_delete"] is True,
        database=database,
        scope=claim.name if claim else "",
    )
    uniques = {f"uq_{table}_{f.name}": f.name for f in fields if f.migration_constraint}
    return Shape(
        table,
        database,
        {field.name: field for field in fields},
        {_index_name(create): (create, drop) for create, drop in pairs},
        uniques,
    )


def sql_literal(field: Field) -> str:
    """The field's default as SQL, as stored: what fills the NULLs of a column that
    becomes NOT NULL (SQLite keeps a decimal as a count of 10**-scale units)."""
    value = str(field.default)
    if field.kind in ("str", "text", "enum"):
        return "'" + value.replace("'", "''") + "'"
    if field.kind == "bool":
        return value.upper()
    if field.kind == "decimal" and field.database == "sqlite":
        return str(int(Decimal(value).scaleb(int(field.args[1]))))
    return value


def _type(field: Field, keyword: str) -> Call:
    """`keyword=sa.Type(...)`, a Call so that layout() wraps a long one as ruff does."""
    column_type = field.sa_type(migration=True)
    return replace(column_type, head=f"{keyword}={column_type.head}")


def _alter(old: Field, new: Field) -> Call | None:
    """batch.alter_column(...) from old to new, or None when the column stays as it is."""
    args: list[Arg] = [f'"{new.name}"', _type(old, "existing_type")]
    changed = old.sa_type(migration=True) != new.sa_type(migration=True)
    args += [_type(new, "type_")] if changed else []
    if old.nullable != new.nullable:
        args.append(f"nullable={new.nullable}")
    else:
        args.append(f"existing_nullable={old.nullable}")
    if old.server_default != new.server_default:
        args.append(f"server_default={new.server_default}")
    elif old.server_default is not None:
        args.append(f"existing_server_default={old.server_default}")
    changed = changed or (old.nullable, old.server_default) != (new.nullable, new.server_default)
    return Call("batch.alter_column", tuple(args)) if changed else None


def steps(old: Shape, new: Shape) -> list[str]:
    """The body of a migration function (lines at indent 4) that turns old into new:
    indexes that go first, then the batch of column and constraint changes, then the new
    indexes (an index on a column that a batch copies on SQLite is rebuilt with it)."""
    table = new.table
    gone = [name for name in old.indexes if new.indexes.get(name) != old.indexes[name]]
    come = [name for name in new.indexes if old.indexes.get(name) != new.indexes[name]]
    lines = [layout(old.indexes[name][1], 4) for name in reversed(gone)]
    batch: list[Call] = []
    for name, column in old.uniques.items():
        if new.uniques.get(name) != column:
            batch.append(Call("batch.drop_constraint", (f'op.f("{name}")', 'type_="unique"')))
    batch += [
        Call("batch.drop_column", (f'"{name}"',)) for name in old.columns if name not in new.columns
    ]
    for name, field in new.columns.items():
        before = old.columns.get(name)
        if before is None:
            batch.append(Call("batch.add_column", (field.migration_column,)))
        elif (alter := _alter(before, field)) is not None:
            if before.nullable and not field.nullable:
                update = (
                    f'UPDATE "{table}" SET "{name}" = {sql_literal(field)} WHERE "{name}" IS NULL'
                )
                lines.append(
                    layout(Call("op.execute", (Call("sa.text", (python_string(update),)),)), 4)
                )
            batch.append(alter)
    for name, column in new.uniques.items():
        if old.uniques.get(name) != column:
            batch.append(
                Call("batch.create_unique_constraint", (f'op.f("{name}")', f'["{column}"]'))
            )
    if batch:
        lines.append(f'    with op.batch_alter_table("{table}") as batch:')
        lines += [layout(call, 8) for call in batch]
    created = [new.indexes[name][0] for name in come]
    if any("gin_trgm_ops" in create.flat() for create in created):
        lines.append('    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")')
    lines += [layout(create, 4) for create in created]
    return lines


def migration_text(
    old: Shape, new: Shape, *, revision: str, down_revision: str, summary: list[str]
) -> str:
    """The whole migration file; summary lines (what changed, as the DSL says it) go into
    its docstring."""
    upgrade, downgrade = steps(old, new), steps(new, old)
    body = "\n".join([*upgrade, *downgrade])
    described = (
        "\n".join(textwrap.fill(line, 96, subsequent_indent="  ") for line in summary)
        .replace("\\", "\\\\")
        .replace('"""', '\\"\\"\\"')
    )
    imports = "import sqlalchemy as sa\n" if "sa." in body else ""
    return f'''"""Change the {new.table} table's fields.

{described}

Revision ID: {revision}
Revises: {down_revision}
"""

from collections.abc import Sequence

{imports}from alembic import op

revision: str = "{revision}"
down_revision: str | None = "{down_revision}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply the change."""
{chr(10).join(upgrade) or "    pass"}


def downgrade() -> None:
    """Undo the change."""
{chr(10).join(downgrade) or "    pass"}
'''
