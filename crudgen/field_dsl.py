"""A parsed field as written in the DSL: its name, kind, arguments and modifiers, the
type tables every rendering reads, and what the field is whatever it renders into (its
Python type, its filters, whether it sorts)."""

from __future__ import annotations

from dataclasses import dataclass

from crudgen.naming import attribute_name, singular, table_name

INT32 = 2**31
INT64 = 2**63
JSON_SAFE = 2**53 - 1  # the largest integer every JSON client (IEEE doubles) reads exactly
MAX_VARCHAR = 10_485_760  # PostgreSQL's limit for varchar(n)
EXAMPLE = "title:str(200):unique, body:text?, price:decimal(10,2), status:enum(draft|published)"

MODIFIERS = ("unique", "index", "search", *("restrict", "cascade", "set_null"))


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
NO_NUL = r'pattern=r"^[^\x00]*$"'
# \s differs between Rust (Pydantic) and ECMA (JSON Schema) regexes: spell out what is refused.
_URL = r'pattern=r"^https?://[^\x00-\x20\x7f]+$"'
KINDS: dict[str, Kind] = {
    "str": Kind("str", "sa.String", "str", ("max_length={0}", NO_NUL), _STR, True, "", 1, "{0}"),
    "text": Kind("str", "sa.Text", "str", (NO_NUL,), _STR, False, 'f"{name} {{i}}"'),
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
    # a many-to-many link (`tags:many(Tag)`): no column here; a join table holds the links
    "many": Kind("", "", "", (), (), False, "", 1),
    # a token claim (`owner:claim(sub)`): filled by the server, never sent; it scopes the rows
    "claim": Kind("str", "sa.String", "str", (), (), False, "", 1),
}  # fmt: skip
CLAIM_LENGTH = 255  # the column of a claim: subjects and tenant ids are short strings
# What a reference column is, by the project's id type: the same as the target's id.
REF_KINDS: dict[str, Kind] = {
    "uuid": Kind("UUID", "sa.Uuid", "UuidText", (), ("eq",), False, ""),
    "int": Kind("int", "sa.BigInteger", "int", (f"ge={-JSON_SAFE}", f"le={JSON_SAFE}"), ("eq",),
                False, "", body="JsonSafeInt"),
}  # fmt: skip
ON_DELETE = {"restrict": "RESTRICT", "cascade": "CASCADE", "set_null": "SET NULL"}


@dataclass(frozen=True, kw_only=True)
class FieldBase:
    """One parsed field: the DSL's facts, shared by every rendering. Built by keyword only
    (`Field(name="title", kind="str", args=("200",))`): most of its facts are flags."""

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
    search: bool = False  # a trigram index serves its `_contains` filter (PostgreSQL)
    scope: str = ""  # the entity's claim column, when its rows are scoped by one

    @property
    def spec(self) -> Kind:
        """The type mapping of this field's kind."""
        return REF_KINDS[self.id_type] if self.kind == "ref" else KINDS[self.kind]

    @property
    def target(self) -> str:
        """The entity a reference or a link points at, as written (`Author`); "" for other
        kinds."""
        return self.args[0] if self.kind in ("ref", "many") else ""

    @property
    def link(self) -> str:
        """What one link of a many field is called (`tag` of `tags:many(Tag)`): its body
        attribute is `tag_ids`, its list filter `tag_id`; "" for other kinds."""
        return singular(self.name) if self.kind == "many" else ""

    @property
    def claim(self) -> str:
        """The token claim a claim field is filled from (`sub`); "" for other kinds."""
        return self.args[0] if self.kind == "claim" else ""

    @property
    def target_table(self) -> str:
        """The table a reference points at."""
        return table_name(self.target)

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

    @property
    def filters(self) -> list[tuple[str, str]]:
        """(query parameter, operator) pairs of the list endpoint."""
        suffix = {"eq": "", "contains": "_contains", "gte": "_gte", "lte": "_lte"}
        return [(self.name + suffix[op], op) for op in self.spec.filters]

    @property
    def sortable(self) -> bool:
        """Whether the list endpoint may sort by this field (keyset needs NOT NULL)."""
        return self.spec.sortable and not self.nullable


def _constant(value: str) -> str:
    """An enum member's name: its value upper-cased; I, L and O read like digits (E741)."""
    return value.upper() + ("_" if value in ("i", "l", "o") else "")


def string_literal(text: str) -> str:
    """A double-quoted Python string literal of a field's default, as the model and the
    schemas spell it (pyfmt.python_string picks its quotes as ruff format does instead)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
