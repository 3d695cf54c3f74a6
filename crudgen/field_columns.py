"""What a field becomes in the database: its column in the model and the migration, its
indexes, constraints and foreign key."""

from __future__ import annotations

from collections.abc import Callable

from crudgen.field_dsl import CLAIM_LENGTH, ON_DELETE, FieldBase, string_literal
from crudgen.pyfmt import Arg, Call

_SA_ARGS = {
    "email": ("320",),
    "url": ("2048",),
    "datetime": ("timezone=True",),
    "json": ("none_as_null=True",),
}
# SQLite keeps no time zone and no exact decimals: the model uses the TypeDecorators of
# core/sqlite.py, the migration their storage types. (model type, migration type)
_SQLITE_TYPES: dict[str, tuple[Callable[[FieldBase], Call], Callable[[FieldBase], Call]]] = {
    "datetime": (lambda f: Call("AwareDateTime", ()), lambda f: Call("sa.DateTime", ())),
    "decimal": (lambda f: Call("ScaledDecimal", f.args), lambda f: Call("sa.BigInteger", ())),
}


class Column(FieldBase):
    """The database side of a field."""

    def sa_type(self, *, migration: bool = False) -> Call:
        """SQLAlchemy type of the column; the migration spells enum values out."""
        if self.database == "sqlite" and self.kind in _SQLITE_TYPES:
            return _SQLITE_TYPES[self.kind][migration](self)
        if self.kind == "claim":
            return Call("sa.String", (str(CLAIM_LENGTH),))
        if self.kind == "ref":
            integer = "sa.Integer" if self.database == "sqlite" else "sa.BigInteger"
            return Call(integer if self.id_type == "int" else "sa.Uuid", ())
        if self.kind != "enum":
            return Call(self.spec.sa, self.args or _SA_ARGS.get(self.kind, ()))
        values = tuple(f'"{v}"' for v in self.args) if migration else (self.enum_class,)
        extra = () if migration else ("values_callable=enum_values",)
        options = (
            f'name="{self.table}_{self.name}"',
            "native_enum=False",
            "create_constraint=True",
            f"length={max(map(len, self.args))}",
        )
        return Call("sa.Enum", values + options + extra)

    @property
    def server_default(self) -> str | None:
        """Code for the column's server_default, or None."""
        if self.default is None:
            return None
        if self.kind == "bool":
            return "sa.true()" if self.default == "true" else "sa.false()"
        return string_literal(self.default)

    @property
    def model_line(self) -> Call:
        """`name: Mapped[...] = mapped_column(...)` of the model."""
        column_name = [f'"{self.name}"'] if self.attr != self.name else []
        args: list[Arg] = [*column_name, self.sa_type()]
        args += [self.foreign_key] if self.kind == "ref" else []
        args += ["unique=True"] if self.unique and not self.index_unique else []
        args += ["index=True"] if self.plain_index else []
        args += [f'info={{"claim": "{self.claim}"}}'] if self.kind == "claim" else []
        if self.server_default is not None:
            args.append(f"server_default={self.server_default}")
        return Call(f"{self.attr}: Mapped[{self.annotation}] = mapped_column", tuple(args))

    @property
    def migration_column(self) -> Call:
        """The sa.Column(...) of the initial migration."""
        args: list[Arg] = [f'"{self.name}"', self.sa_type(migration=True)]
        args.append(f"nullable={self.nullable}")
        if self.server_default is not None:
            args.append(f"server_default={self.server_default}")
        return Call("sa.Column", tuple(args))

    @property
    def partial_unique(self) -> bool:
        """Unique among live rows only: a partial unique index (soft delete)."""
        return self.unique and self.soft_delete

    @property
    def index_unique(self) -> bool:
        """Unique through a unique index of the table's own: among live rows (soft delete),
        or for each value of the entity's claim (rows scoped by a claim: one caller's
        values never collide with, nor reveal, another's)."""
        return self.unique and (self.soft_delete or bool(self.scope))

    @property
    def plain_index(self) -> bool:
        """Whether the column gets an ordinary (possibly unique) index; a sortable column's
        (column, id) sort index serves its filters, so a plain one would be redundant."""
        return self.index and not self.index_unique and (self.unique or not self.sortable)

    def _unique_index(self, head: str, name: str, *args: str) -> Call:
        where = (
            (f'{self.database}_where=sa.text("deleted_at IS NULL")',) if self.soft_delete else ()
        )
        return Call(head, (name, *args, "unique=True", *where))

    @property
    def _unique_columns(self) -> tuple[str, ...]:
        return (self.scope, self.name) if self.scope else (self.name,)

    @property
    def table_index(self) -> Call | None:
        """The model's unique sa.Index (index_unique), else None."""
        if not self.index_unique:
            return None
        columns = tuple(f'"{column}"' for column in self._unique_columns)
        return self._unique_index("sa.Index", f'"uq_{self.table}_{self.name}"', *columns)

    @property
    def migration_live_index(self) -> Call | None:
        """op.create_index(...) of the unique index (index_unique), else None."""
        if not self.index_unique:
            return None
        columns = "[" + ", ".join(f'"{column}"' for column in self._unique_columns) + "]"
        name = f'op.f("uq_{self.table}_{self.name}")'
        return self._unique_index("op.create_index", name, f'"{self.table}"', columns)

    @property
    def migration_constraint(self) -> Call | None:
        """A UniqueConstraint for a unique column without an index, else None."""
        if not self.unique or self.index or self.index_unique:
            return None
        return Call(
            "sa.UniqueConstraint", (f'"{self.name}"', f'name=op.f("uq_{self.table}_{self.name}")')
        )

    @property
    def index_name(self) -> str:
        """Name of the column's index under the naming convention."""
        return f"ix_{self.table}_{self.name}"

    @property
    def migration_index(self) -> Call:
        """op.create_index(...) for an indexed column."""
        args = (f'op.f("{self.index_name}")', f'"{self.table}"', f'["{self.name}"]')
        return Call("op.create_index", (*args, f"unique={self.unique}"))

    @property
    def migration_drop_index(self) -> Call:
        """op.drop_index(...) undoing migration_index."""
        return Call("op.drop_index", (f'op.f("{self.index_name}")', f'table_name="{self.table}"'))

    @property
    def foreign_key(self) -> Call:
        """The model's sa.ForeignKey(...) of a reference, with its delete rule."""
        rule = ON_DELETE[self.on_delete]
        alter = ("use_alter=True",) if self.use_alter else ()
        return Call("sa.ForeignKey", (f'"{self.target_table}.id"', f'ondelete="{rule}"', *alter))

    @property
    def migration_foreign_key(self) -> Call:
        """The migration's sa.ForeignKeyConstraint(...) of a reference."""
        name = f"fk_{self.table}_{self.name}_{self.target_table}"
        rule = ON_DELETE[self.on_delete]
        return Call(
            "sa.ForeignKeyConstraint",
            (f'["{self.name}"]', f'["{self.target_table}.id"]', f'name=op.f("{name}")',
             f'ondelete="{rule}"'),
        )  # fmt: skip
