"""The fields DSL: `name:type[(args)][?][:modifier...][=default]`, comma separated.

One parser turns the string into `Field` records; every template reads those records,
so each field type is mapped once, here, to its SQLAlchemy column, Alembic column,
Pydantic type, list filters and test example values. Stdlib only: this runs wherever
cookiecutter runs.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from crudgen.naming import attribute_name, table_name
from crudgen.pyfmt import LINE_LENGTH, Arg, Call

INT32 = 2**31
INT64 = 2**63
JSON_SAFE = 2**53 - 1  # the largest integer every JSON client (IEEE doubles) reads exactly
MAX_VARCHAR = 10_485_760  # PostgreSQL's limit for varchar(n)
EXAMPLE = "title:str(200):unique, body:text?, price:decimal(10,2), status:enum(draft|published)"

_TOKEN = re.compile(
    r"""^(?P<name>[^:\s]+)\s*:\s*(?P<kind>[A-Za-z_][A-Za-z0-9_]*)\s*
    (?:\((?P<args>[^()]*)\))?\s*(?P<nullable>\?)?\s*
    (?P<mods>(?::\s*[A-Za-z_]*\s*)*)(?:=\s*(?P<default>.*?))?\s*$""",
    re.VERBOSE,
)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_ENUM_VALUE = re.compile(r"^[a-z][a-z0-9_]*$")
MODIFIERS = ("unique", "index", *("restrict", "cascade", "set_null"))


class FieldsError(ValueError):
    """A fields string that cannot be parsed; str() is the one-line message."""


@dataclass(frozen=True)
class Kind:
    """What one DSL type becomes in every layer of the generated service."""

    python: str  # annotation in the model and the Read schema
    sa: str  # SQLAlchemy type: call head; its arguments are the DSL args
    schema: str  # annotation in Create/Update schemas and equality/range filters
    constraints: tuple[str, ...]  # pydantic Field() keywords ({0}, {1}: DSL args)
    filters: tuple[str, ...]  # list filter operators: eq, contains, gte, lte
    sortable: bool
    example: str  # Python expression of `i` giving a distinct valid JSON value
    arity: int = 0  # number of DSL args (-1: enum, one or more)
    contains_max: str | None = None  # max_length of the `contains` filter
    # Create/Update annotation where bodies need the JSON type itself (`true` is not 1, nor
    # "1" a number; query strings are text): a shared type that carries the constraints.
    body: str = ""


_STR = ("eq", "contains")
_RANGE = ("eq", "gte", "lte")
# PostgreSQL text cannot hold NUL (0x00): refuse it at the edge (422), in every text input.
_NO_NUL = r'pattern=r"^[^\x00]*$"'
# \s differs between Rust (Pydantic) and ECMA (JSON Schema) regexes: spell out what is refused.
_URL = r'pattern=r"^https?://[^\x00-\x20\x7f]+$"'
KINDS: dict[str, Kind] = {
    "str": Kind("str", "sa.String", "str", ("max_length={0}", _NO_NUL), _STR, True, "", 1, "{0}"),
    "text": Kind("str", "sa.Text", "str", (_NO_NUL,), _STR, False, 'f"{name} {{i}}"'),
    "int": Kind("int", "sa.Integer", "int", (f"ge={-INT32}", f"le={INT32 - 1}"), _RANGE, True, "i",
                body="Int32"),
    "bigint": Kind("int", "sa.BigInteger", "int", (f"ge={-JSON_SAFE}", f"le={JSON_SAFE}"), _RANGE,
                   True, "i", body="JsonSafeInt"),
    "float": Kind("float", "sa.Double", "float", ("allow_inf_nan=False",), _RANGE, True, "i + 0.5",
                  body="JsonFloat"),
    "decimal": Kind("Decimal", "sa.Numeric", "Annotated[Decimal, digits({0}, {1})]", (),
                    _RANGE, True, "", 2),
    "bool": Kind("bool", "sa.Boolean", "bool", (), ("eq",), False, "i % 2 == 0", body="JsonBool"),
    "date": Kind("date", "sa.Date", "IsoDate", (), _RANGE, True, 'f"2024-01-{{i % 28 + 1:02d}}"'),
    "datetime": Kind("datetime", "sa.DateTime", "UtcDatetime", (), _RANGE, True,
                     'f"2024-01-01T00:{{i // 60 % 60:02d}}:{{i % 60:02d}}Z"'),
    "uuid": Kind("UUID", "sa.Uuid", "UuidText", (), ("eq",), True,
                 'f"00000000-0000-4000-8000-{{i:012d}}"'),
    "email": Kind("str", "sa.String", "EmailStr", (), _STR, True, 'f"user{{i}}@example.com"',
                  0, "320"),
    "url": Kind("str", "sa.String", "str", ("max_length=2048", _URL), _STR, True,
                'f"https://example.com/{name}/{{i}}"', 0, "2048"),
    "json": Kind("dict[str, Any]", "sa.JSON", "dict[str, Any]", (), (), False, '{{"n": i}}'),
    "enum": Kind("{enum}", "sa.Enum", "{enum}", (), ("eq",), False, "", -1),
    # a reference: the column `<name>_id` takes the target's id type (REF_KINDS)
    "ref": Kind("", "", "", (), ("eq",), False, "", 1),
}  # fmt: skip
# What a reference column is, by the project's id type: the same as the target's id.
REF_KINDS: dict[str, Kind] = {
    "uuid": Kind("UUID", "sa.Uuid", "UuidText", (), ("eq",), False, ""),
    "int": Kind("int", "sa.BigInteger", "int", (f"ge={-JSON_SAFE}", f"le={JSON_SAFE}"), ("eq",),
                False, "", body="JsonSafeInt"),
}  # fmt: skip
ON_DELETE = {"restrict": "RESTRICT", "cascade": "CASCADE", "set_null": "SET NULL"}
_SA_ARGS = {
    "email": ("320",),
    "url": ("2048",),
    "datetime": ("timezone=True",),
    "json": ("none_as_null=True",),
}
# SQLite keeps no time zone and no exact decimals: the model uses the TypeDecorators of
# core/sqlite.py, the migration their storage types. (model type, migration type)
_SQLITE_TYPES: dict[str, tuple[Callable[[Field], Call], Callable[[Field], Call]]] = {
    "datetime": (lambda f: Call("AwareDateTime", ()), lambda f: Call("sa.DateTime", ())),
    "decimal": (lambda f: Call("ScaledDecimal", f.args), lambda f: Call("sa.BigInteger", ())),
}
KNOWN_IMPORTS = {
    "Annotated": "typing:Annotated", "Any": "typing:Any", "Decimal": "decimal:Decimal",
    "date": "datetime:date", "datetime": "datetime:datetime", "UUID": "uuid:UUID",
    "EmailStr": "pydantic:EmailStr",
    "Field": "pydantic:Field",
    "MISSING": "pydantic:MISSING",
}  # fmt: skip


def imports_for(*codes: str) -> list[str]:
    """The "module:Name" imports that pieces of generated code refer to."""
    bare = [re.sub(r'"(?:[^"\\]|\\.)*"', '""', code) for code in codes]  # names, not strings
    names = {name for code in bare for name in re.findall(r"[A-Za-z_]\w*", code)}
    return sorted({KNOWN_IMPORTS[name] for name in names if name in KNOWN_IMPORTS})


def _example_list() -> str:
    return ", ".join(KINDS)


@dataclass(frozen=True)
class Field:
    """One parsed field, with every rendering the templates need."""

    name: str
    kind: str
    args: tuple[str, ...] = ()
    nullable: bool = False
    unique: bool = False
    index: bool = False
    default: str | None = None
    entity_class: str = "Entity"
    table: str = "entity"
    database: str = "postgresql"
    soft_delete: bool = False
    on_delete: str = "restrict"  # references only: restrict, cascade or set_null
    use_alter: bool = False  # a reference to a table created later (a cycle's nullable link)
    id_type: str = "uuid"  # the project's id type, which references take

    @property
    def spec(self) -> Kind:
        """The type mapping of this field's kind."""
        return REF_KINDS[self.id_type] if self.kind == "ref" else KINDS[self.kind]

    @property
    def target(self) -> str:
        """The entity a reference points at, as written (`Author`); "" for other kinds."""
        return self.args[0] if self.kind == "ref" else ""

    @property
    def target_table(self) -> str:
        """The table a reference points at."""
        return table_name(self.target)

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

    @property
    def attr(self) -> str:
        """Python attribute in the model and schemas (`from_` for the JSON name `from`)."""
        return attribute_name(self.name)

    @property
    def enum_class(self) -> str:
        """Name of the generated StrEnum for an enum field (BookStatus)."""
        return self.entity_class + "".join(p.capitalize() for p in self.name.split("_"))

    @property
    def enum_members(self) -> list[tuple[str, str]]:
        """(CONSTANT, value) pairs of an enum field."""
        return [(_constant(value), value) for value in self.args]

    def _sub(self, text: str, *, nullable: bool = False) -> str:
        null = ", nullable=True" if nullable else ""
        return text.format(*self.args, enum=self.enum_class, null=null)

    def _constraints(self, *, nullable: bool) -> tuple[str, ...]:
        return tuple(self._sub(c, nullable=nullable) for c in self.spec.constraints)

    @property
    def python_type(self) -> str:
        """Annotation of the value as stored: str, Decimal, BookStatus ..."""
        return self._sub(self.spec.python)

    @property
    def annotation(self) -> str:
        """Annotation in the model and the Read schema, None included when nullable."""
        return f"{self.python_type} | None" if self.nullable else self.python_type

    def sa_type(self, *, migration: bool = False) -> Call:
        """SQLAlchemy type of the column; the migration spells enum values out."""
        if self.database == "sqlite" and self.kind in _SQLITE_TYPES:
            return _SQLITE_TYPES[self.kind][migration](self)
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
        return _py_str(self.default)

    @property
    def python_default(self) -> str | None:
        """Code for the Create schema's default value, or None when required."""
        if self.default is None:
            return "None" if self.nullable else None
        if self.kind == "bool":
            return "True" if self.default == "true" else "False"
        if self.kind == "enum":
            return f"{self.enum_class}.{self.default.upper()}"
        if self.kind == "decimal":
            return f'Decimal("{self.default}")'
        if self.kind in ("int", "bigint", "float"):
            return self.default
        return _py_str(self.default)

    @property
    def model_line(self) -> Call:
        """`name: Mapped[...] = mapped_column(...)` of the model."""
        column_name = [f'"{self.name}"'] if self.attr != self.name else []
        args: list[Arg] = [*column_name, self.sa_type()]
        args += [self.foreign_key] if self.kind == "ref" else []
        args += ["unique=True"] if self.unique and not self.partial_unique else []
        args += ["index=True"] if self.plain_index else []
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
    def plain_index(self) -> bool:
        """Whether the column gets an ordinary (possibly unique) index; a sortable column's
        (column, id) sort index serves its filters, so a plain one would be redundant."""
        return self.index and not self.partial_unique and (self.unique or not self.sortable)

    def _live_rows_index(self, head: str, *args: str) -> Call:
        where = f'{self.database}_where=sa.text("deleted_at IS NULL")'
        return Call(head, (*args, "unique=True", where))

    @property
    def table_index(self) -> Call | None:
        """The model's partial unique sa.Index (soft delete), else None."""
        if not self.partial_unique:
            return None
        return self._live_rows_index("sa.Index", f'"uq_{self.table}_{self.name}"', f'"{self.name}"')

    @property
    def migration_live_index(self) -> Call | None:
        """op.create_index(...) of the partial unique index, else None."""
        if not self.partial_unique:
            return None
        args = (f'op.f("uq_{self.table}_{self.name}")', f'"{self.table}"', f'["{self.name}"]')
        return self._live_rows_index("op.create_index", *args)

    @property
    def migration_constraint(self) -> Call | None:
        """A UniqueConstraint for a unique column without an index, else None."""
        if not self.unique or self.index or self.partial_unique:
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

    @staticmethod
    def _attribute(
        name: str, annotation: str, default: str | None, constraints: tuple[str, ...]
    ) -> Arg:
        """`attr: annotation [= default]`, or `= Field(...)` with constraints or an alias."""
        attr = attribute_name(name)
        if attr != name:
            constraints = (f'alias="{name}"', *constraints)
        plain = f"{attr}: {annotation}" + (f" = {default}" if default is not None else "")
        if not constraints and (default is None or len(plain) <= LINE_LENGTH - 4):
            return plain
        head = () if default is None else (f"default={default}",)
        return Call(f"{attr}: {annotation} = Field", head + constraints)

    def schema_line(self, mode: str) -> Arg:
        """Attribute of the Create ("create"), Update ("update") or Read ("read") schema."""
        if mode == "read":
            return self._attribute(self.name, self.annotation, None, ())
        schema = self.spec.body or self._sub(self.spec.schema)
        constraints = () if self.spec.body else self._constraints(nullable=self.nullable)
        annotation = f"{schema} | None" if self.nullable else schema
        if mode == "update":  # absent means unchanged; null only where the column allows it
            update = f"{schema} | MISSING" + (" | None" if self.nullable else "")
            return self._attribute(self.name, update, "MISSING", constraints)
        return self._attribute(self.name, annotation, self.python_default, constraints)

    @property
    def filter_lines(self) -> list[Arg]:
        """Query-model attributes of this field's list filters."""
        schema = self._sub(self.spec.schema)
        constraints = self._constraints(nullable=True)
        lines = []
        for param, op in self.filters:
            if op == "contains":
                limit = self.spec.contains_max
                bound: tuple[str, ...] = (f"max_length={self._sub(limit)}",) if limit else ()
                bound += (_NO_NUL,)
                lines.append(self._attribute(param, "str | None", "None", bound))
            else:
                lines.append(self._attribute(param, f"{schema} | None", "None", constraints))
        return lines

    @property
    def filters(self) -> list[tuple[str, str]]:
        """(query parameter, operator) pairs of the list endpoint."""
        suffix = {"eq": "", "contains": "_contains", "gte": "_gte", "lte": "_lte"}
        return [(self.name + suffix[op], op) for op in self.spec.filters]

    @property
    def sortable(self) -> bool:
        """Whether the list endpoint may sort by this field (keyset needs NOT NULL)."""
        return self.spec.sortable and not self.nullable

    @property
    def bad_examples(self) -> list[str]:
        """Python expressions of values the API must refuse with 422 (never a 500)."""
        bad = {
            "text": ['"nul \\x00 byte"'],
            "int": [str(INT32), str(-INT32 - 1), '"twelve"', "True", '"12"', "1.5"],
            "bigint": [str(JSON_SAFE + 1), str(-JSON_SAFE - 1), "False"],
            "float": ['float("nan")', 'float("inf")', "True", '"1.5"'],
            "bool": ['"maybe"', '"true"', "1"],
            "date": ['"2024-02-30"', "0", '"0"', "1.2e-104", '"20240131"'],
            "datetime": [
                '"2024-01-01T00:00:00"',
                '"yesterday"',
                '"0001-01-01T00:00:00+01:00"',
                '"0001-01-01T00:00:00Z"',
                "0",
                '"1700000000"',
            ],
            "uuid": ['"not-a-uuid"', "1", '"0b7e1c3a9d5f4e2b8a613c4d5e6f7a8b"'],
            "email": ['"not-an-email"'],
            "url": ['"ftp://example.com"', '"https://"'],
            "json": ["[1, 2]"],
            "enum": ['"not_a_member"'],
        }.get(self.kind, [])
        if self.kind == "ref":
            bad = ['"not-a-uuid"', "1"] if self.id_type == "uuid" else ['"12"', "1.5", "True"]
        if self.kind == "str":
            bad = [f'"x" * {int(self.args[0]) + 1}', '"nul \\x00 byte"']
        if self.kind == "decimal":
            whole = int(self.args[0]) - int(self.args[1]) + 1
            bad = [f'"9" * {whole}', 'float("nan")', "1.5", '"1e3"']
        return bad

    @property
    def bad_filters(self) -> list[tuple[str, str]]:
        """(query parameter, value) pairs the list must refuse with 422: text that is not
        in the documented format, though Pydantic's lax mode would read it."""
        bad = {
            "int": ["1.5", "true"],
            "date": ["0", "1700000000", "20240131"],
            "datetime": ["0", "2024-01-31", "2024-01-31T09:30:00"],
            "uuid": ["1", "0b7e1c3a9d5f4e2b8a613c4d5e6f7a8b"],
            "decimal": ["1e3", "NaN", "0x10"],
            "ref": ["1"] if self.id_type == "uuid" else ["1.5", "true"],
        }.get(self.kind, [])
        params = [param for param, op in self.filters if op != "contains"]
        return [(param, value) for param in params for value in bad]

    @property
    def example(self) -> str:
        """Python expression of `i` giving a distinct, valid JSON value for tests; a
        reference takes one of the parent rows the test created (PARENTS)."""
        if self.kind == "ref":
            return "None" if self.nullable else f'parent("{self.name}", i)'
        if self.kind == "enum":
            return f"{_tuple(self.args)}[i % {len(self.args)}]"
        if self.kind == "str":
            size = int(self.args[0])
            return f'f"{self.name[: size - 4]} {{i}}"' if size >= 8 else f"str(i)[:{size}]"
        if self.kind == "decimal":
            return _decimal_example(int(self.args[0]), int(self.args[1]))
        return self.spec.example.format(name=self.name.replace("_", "-"))


def _constant(value: str) -> str:
    """An enum member's name: its value upper-cased; I, L and O read like digits (E741)."""
    return value.upper() + ("_" if value in ("i", "l", "o") else "")


def _py_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _tuple(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f'"{v}"' for v in values) + ("," if len(values) == 1 else "") + ")"


def _decimal_example(precision: int, scale: int) -> str:
    if precision - scale >= 2:
        return f'f"{{i}}.{"5" * scale}"' if scale else 'f"{i}"'
    return f'f"0.{{i % 10}}{"5" * (scale - 1)}"' if scale else 'f"{i % 10}"'


def split_items(text: str) -> list[tuple[int, str]]:
    """Split on commas outside parentheses; returns (column, item) with 1-based columns."""
    items: list[tuple[int, str]] = []
    depth, start = 0, 0
    quoted = False
    for pos, char in enumerate(text + ","):
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            item = text[start:pos]
            items.append((start + len(item) - len(item.lstrip()) + 1, item.strip()))
            start = pos + 1
    if start < len(text):  # an unclosed "(" swallowed the rest: report it as one item
        item = text[start:]
        items.append((start + len(item) - len(item.lstrip()) + 1, item.strip()))
    return items


def parse_fields(
    text: str,
    entity_class: str = "Entity",
    table: str = "entity",
    database: str = "postgresql",
    soft_delete: bool = False,
    id_type: str = "uuid",
) -> list[Field]:
    """Parse a whole fields string, raising FieldsError with the first problem."""
    errors = field_errors(text)
    if errors:
        raise FieldsError(errors[0])
    fields = [_parse_item(item, entity_class, table) for _, item in split_items(text)]
    return [replace(f, database=database, soft_delete=soft_delete, id_type=id_type) for f in fields]


def field_errors(text: object) -> list[str]:
    """Every syntax and type problem of a fields string, one line each."""
    if not isinstance(text, str) or not text.strip():
        return [f"fields: {text!r} — give at least one field; e.g. {EXAMPLE!r}"]
    errors: list[str] = []
    for number, (column, item) in enumerate(split_items(text), start=1):
        try:
            _parse_item(item, "Entity", "entity")
        except FieldsError as exc:
            errors.append(f"fields: {item!r} (item {number}, column {column}) — {exc}")
    return errors


def _parse_item(item: str, entity_class: str, table: str) -> Field:
    if not item:
        raise FieldsError("empty item (two commas in a row?); e.g. 'title:str(200), pages:int'")
    match = _TOKEN.match(item)
    if not match:
        raise FieldsError(
            "expected name:type[(args)][?][:unique][:index][=default]; e.g. 'title:str(200):unique'"
        )
    name, kind = match["name"], match["kind"]
    if not _NAME.match(name):
        raise FieldsError(
            f"field name {name!r} must be lowercase snake_case ASCII "
            "starting with a letter; e.g. 'published_on'"
        )
    if kind not in KINDS:
        raise FieldsError(_unknown_kind(name, kind))
    raw_args = match["args"]
    args = _parse_ref(name, raw_args) if kind == "ref" else _parse_args(name, kind, raw_args)
    mods = [m.strip() for m in (match["mods"] or "").split(":")[1:]]
    for mod in mods:
        if mod not in MODIFIERS:
            known = ", ".join(MODIFIERS)
            raise FieldsError(f"unknown modifier {mod!r}; known modifiers: {known}")
        if mods.count(mod) > 1:
            raise FieldsError(f"modifier {mod!r} given twice; e.g. '{name}:{kind}:{mod}'")
    rules = [mod for mod in mods if mod in ON_DELETE]
    field = Field(
        f"{name}_id" if kind == "ref" else name,
        kind,
        args,
        bool(match["nullable"]),
        "unique" in mods,
        "index" in mods or kind == "ref",  # a reference is always indexed
        None,
        entity_class,
        table,
        on_delete=rules[0] if rules else "restrict",
    )
    _check_rules(field, name, rules)
    _check_modifiers(field)
    if match["default"] is not None:
        field = _with_default(field, match["default"])
    return field


def _unknown_kind(name: str, kind: str) -> str:
    close = difflib.get_close_matches(kind, list(KINDS), n=1)
    guess = close[0] if close else "str"
    example = {"str": "str(200)", "decimal": "decimal(10,2)", "enum": "enum(a|b)"}.get(guess, guess)
    hint = f" (did you mean {guess!r}?)" if close else ""
    return f"unknown type {kind!r}{hint}; known types: {_example_list()}; e.g. '{name}:{example}'"


def _parse_args(name: str, kind: str, raw: str | None) -> tuple[str, ...]:
    arity = KINDS[kind].arity
    if arity == 0:
        if raw is not None:
            raise FieldsError(f"type {kind!r} takes no arguments; e.g. '{name}:{kind}'")
        return ()
    if arity == -1:
        return _parse_enum(raw)
    parts = tuple(p.strip() for p in (raw or "").split(","))
    if raw is None or len(parts) != arity or not all(re.fullmatch("[0-9]+", p) for p in parts):
        example = "str(200)" if kind == "str" else "decimal(10,2)"
        raise FieldsError(f"type {kind!r} needs {arity} whole number argument(s); e.g. '{example}'")
    numbers = [int(p) for p in parts]
    if kind == "str" and not 1 <= numbers[0] <= MAX_VARCHAR:
        raise FieldsError(f"str length must be 1..{MAX_VARCHAR}; e.g. 'str(200)'")
    if kind == "decimal" and not (1 <= numbers[0] <= 1000 and 0 <= numbers[1] <= numbers[0]):
        raise FieldsError("decimal(p,s) needs 1 <= p <= 1000 and 0 <= s <= p; e.g. 'decimal(10,2)'")
    return tuple(str(n) for n in numbers)


_REF_TARGET = re.compile(r"^[A-Za-z][A-Za-z0-9_ ]*$")


def _parse_ref(name: str, raw: str | None) -> tuple[str, ...]:
    """`ref(Author)`: the target entity, by its name as declared."""
    target = (raw or "").strip()
    if not _REF_TARGET.match(target):
        raise FieldsError(f"ref needs the entity it points at; e.g. '{name}:ref(Author)'")
    if name.endswith("_id"):
        bare = name.removesuffix("_id")
        raise FieldsError(
            f"a reference named {name!r} would be stored as {name + '_id'!r}: name it after "
            f"what it points at; e.g. '{bare}:ref({target})'"
        )
    return (target,)


def _check_rules(field: Field, name: str, rules: list[str]) -> None:
    """Delete rules belong to references, one each; set_null needs a nullable one."""
    example = f"{name}:ref({field.target or 'Author'})"
    if rules and field.kind != "ref":
        raise FieldsError(
            f"delete rule {rules[0]!r} applies to references only; e.g. '{example}?:{rules[0]}'"
        )
    if len(rules) > 1:
        raise FieldsError(
            f"choose one delete rule of {', '.join(rules)}; e.g. '{example}:{rules[-1]}'"
        )
    if rules == ["set_null"] and not field.nullable:
        raise FieldsError(
            f"set_null needs a nullable reference (add '?'); e.g. '{example}?:set_null'"
        )


def _parse_enum(raw: str | None) -> tuple[str, ...]:
    values = tuple(v.strip() for v in (raw or "").split("|"))
    if raw is None or not all(_ENUM_VALUE.match(v) for v in values):
        raise FieldsError(
            "enum values must be lowercase snake_case words separated by '|'; "
            "e.g. 'enum(draft|published)'"
        )
    if len(set(values)) != len(values):
        raise FieldsError("enum values must be distinct; e.g. 'enum(draft|published)'")
    return values


def _check_modifiers(field: Field) -> None:
    if field.kind in ("json", "text") and (field.unique or field.index):
        raise FieldsError(
            f"a {field.kind} column cannot be unique or indexed; e.g. '{field.name}:{field.kind}'"
        )
    if field.kind in ("bool", "enum") and field.unique:
        raise FieldsError(
            f"a unique {field.kind} column would allow only a handful of rows; "
            f"use ':index' instead; e.g. '{field.name}:{field.kind}{_args_text(field)}:index'"
        )


def _with_default(field: Field, raw: str) -> Field:
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    checks: dict[str, Callable[[str], bool]] = {
        "str": lambda v: len(v) <= int(field.args[0]),
        "text": lambda v: True,
        "int": lambda v: re.fullmatch(r"-?[0-9]+", v) is not None and -INT32 <= int(v) < INT32,
        "bigint": lambda v: re.fullmatch(r"-?[0-9]+", v) is not None and abs(int(v)) <= JSON_SAFE,
        "float": lambda v: (
            re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", v) is not None and math.isfinite(float(v))
        ),
        "decimal": lambda v: _decimal_fits(v, int(field.args[0]), int(field.args[1])),
        "bool": lambda v: v in ("true", "false"),
        "enum": lambda v: v in field.args,
    }
    if field.kind == "ref":
        example = f"{field.name.removesuffix('_id')}:ref({field.target})?"
        raise FieldsError(f"a reference takes no default (make it nullable); e.g. '{example}'")
    check = checks.get(field.kind)
    if check is None:
        raise FieldsError(
            f"type {field.kind!r} takes no default; e.g. '{field.name}:{field.kind}?'"
        )
    if not check(value) or any(c in value for c in "\n\r\\'{}"):
        raise FieldsError(
            f"default {value!r} is not a valid {field.kind}; e.g. '{_default_example(field)}'"
        )
    if field.kind in ("int", "bigint"):
        value = str(int(value))
    elif field.kind == "float":
        value = repr(float(value))
    return replace(field, default=value)


def _decimal_fits(value: str, precision: int, scale: int) -> bool:
    match = re.fullmatch(r"-?([0-9]+)(?:\.([0-9]+))?", value)
    if not match:
        return False
    whole, frac = match[1].lstrip("0"), match[2] or ""
    return len(frac) <= scale and len(whole) <= precision - scale


def _default_example(field: Field) -> str:
    examples = {
        "bool": "true",
        "enum": field.args[0] if field.args else "a",
        "str": "draft"[: int(field.args[0])] if field.kind == "str" else "draft",
        "text": "draft",
        "decimal": "0",
        "float": "0.5",
    }
    return f"{field.name}:{field.kind}{_args_text(field)}={examples.get(field.kind, '0')}"


def _args_text(field: Field) -> str:
    if not field.args:
        return ""
    return "(" + ("|" if field.kind == "enum" else ",").join(field.args) + ")"


def sort_literal(fields: list[Field], entity_class: str) -> Call:
    """`<Entity>Sort = Literal[...]`: every sortable key, ascending and descending."""
    keys = ["created_at", "updated_at", "id", *(f.name for f in fields if f.sortable)]
    quoted = tuple(f'"{sign}{key}"' for key in keys for sign in ("", "-"))
    return Call(f"{entity_class}Sort = Literal", quoted, brackets="[]")


def sort_keys(fields: list[Field]) -> list[str]:
    """Every sort key of the list but the id (the primary key orders by id already)."""
    return ["created_at", "updated_at", *(f.name for f in fields if f.sortable)]


def sort_index_name(table: str, key: str) -> str:
    """The (key, id) index name under the naming convention: ix_book_title_id."""
    return f"ix_{table}_{key}_id"


def _live_rows(soft_delete: bool, database: str) -> tuple[str, ...]:
    """The partial-index clause of indexes over live rows (soft delete), else nothing."""
    return (f'{database}_where=sa.text("deleted_at IS NULL")',) if soft_delete else ()


def sort_indexes(
    fields: list[Field], table: str, *, soft_delete: bool, database: str
) -> list[Call]:
    """One sa.Index per sort key on (key, id), the order of a list page with its tie-breaker:
    no sort the API offers scans the table. Under soft delete, over live rows only."""
    live = _live_rows(soft_delete, database)
    return [
        Call("sa.Index", (f'"{sort_index_name(table, key)}"', f'"{key}"', '"id"', *live))
        for key in sort_keys(fields)
    ]


def migration_sort_indexes(
    fields: list[Field], table: str, *, soft_delete: bool, database: str
) -> list[tuple[Call, Call]]:
    """(op.create_index, op.drop_index) pairs of the sort indexes, for the migration."""
    live = _live_rows(soft_delete, database)
    pairs = []
    for key in sort_keys(fields):
        name = f'op.f("{sort_index_name(table, key)}")'
        columns = (name, f'"{table}"', f'["{key}", "id"]', "unique=False")
        create = Call("op.create_index", (*columns, *live))
        pairs.append((create, Call("op.drop_index", (name, f'table_name="{table}"'))))
    return pairs


def filter_rows(fields: list[Field]) -> list[str]:
    """`("query parameter", "column", "operator")` for every list filter of the fields."""
    return [f'("{param}", "{f.name}", "{op}")' for f in fields for param, op in f.filters]


def bad_filter_rows(fields: list[Field]) -> list[str]:
    """`("query parameter", "value")` pairs the list must refuse with 422, fields' and its
    own parameters' alike."""
    pairs = [("limit", "1e3"), ("sort", "no_such_field")]
    pairs += [pair for field in fields for pair in field.bad_filters]
    return [f'("{param}", "{value}")' for param, value in pairs]


def first_field(fields: list[Field], attribute: str, value: bool = True) -> Field | None:
    """The first field whose attribute has this value (e.g. unique, or not nullable)."""
    return next((f for f in fields if getattr(f, attribute) == value), None)
