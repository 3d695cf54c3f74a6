"""The fields DSL: every type, modifier, default and error, rendered to exact strings.

The generated project compiles these renderings, so each table pins the text down.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from crudgen.fields import (
    EXAMPLE,
    MAX_VARCHAR,
    Field,
    FieldsError,
    field_errors,
    migration_sort_indexes,
    parse_fields,
    sort_indexes,
    sort_keys,
)
from crudgen.fields import split_items as split
from crudgen.pyfmt import flat, layout

KNOWN_TYPES = (
    "str, text, int, bigint, float, decimal, bool, date, datetime, uuid, email, url, json, enum, "
    "ref, many, claim"
)
MODIFIERS = "known modifiers: unique, index, search, restrict, cascade, set_null"
SYNTAX = (
    "expected name:type[(args)][?][:unique][:index][:search][=default]; "
    "e.g. 'title:str(200):unique'"
)
ENUM_VALUES = (
    "enum values must be lowercase snake_case words separated by '|'; e.g. 'enum(draft|published)'"
)
EMPTY = "empty item (two commas in a row?); e.g. 'title:str(200), pages:int'"
INT32 = "ge=-2147483648, le=2147483647"
INT64 = "ge=-9007199254740991, le=9007199254740991"
DECIMAL = "Annotated[Decimal, digits(10, 2)]"
URL = 'max_length=2048, pattern=r"^https?://[^\\x00-\\x20\\x7f]+$"'
NO_NUL = 'pattern=r"^[^\\x00]*$"'
ENUM_MODEL = (
    'sa.Enum(BookStatus, name="book_status", native_enum=False, create_constraint=True, '
    "length=9, values_callable=enum_values)"
)
ENUM_MIGRATION = (
    'sa.Enum("draft", "published", name="book_status", native_enum=False, '
    "create_constraint=True, length=9)"
)
# One DSL item per type; every table below is keyed by these.
STR = "title:str(200)"
TEXT = "body:text"
INT = "pages:int"
BIGINT = "views:bigint"
FLOAT = "rating:float"
DEC = "price:decimal(10,2)"
BOOL = "active:bool"
DATE = "published_on:date"
DATETIME = "released_at:datetime"
UUID_ = "ref:uuid"
EMAIL = "contact:email"
URL_ = "homepage:url"
JSON = "meta:json"
ENUM = "status:enum(draft|published)"
ALL_TYPES = [
    STR,
    TEXT,
    INT,
    BIGINT,
    FLOAT,
    DEC,
    BOOL,
    DATE,
    DATETIME,
    UUID_,
    EMAIL,
    URL_,
    JSON,
    ENUM,
]


def one(dsl: str) -> Field:
    """The single field of a fixed DSL string, for the entity Book (table book)."""
    (field,) = parse_fields(dsl, "Book", "book")
    return field


def unknown(kind: str, guess: str | None, example: str) -> str:
    """The message for an unknown type, with its close match (if any) and a valid item."""
    hint = f" (did you mean {guess!r}?)" if guess else ""
    return f"unknown type {kind!r}{hint}; known types: {KNOWN_TYPES}; e.g. {example!r}"


def error(item: str, number: int, column: int, message: str) -> str:
    """A field_errors() line for one item."""
    return f"fields: {item!r} (item {number}, column {column}) — {message}"


# --- parsing every type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dsl", "kind", "args"),
    [
        (STR, "str", ("200",)),
        (TEXT, "text", ()),
        (INT, "int", ()),
        (BIGINT, "bigint", ()),
        (FLOAT, "float", ()),
        (DEC, "decimal", ("10", "2")),
        (BOOL, "bool", ()),
        (DATE, "date", ()),
        (DATETIME, "datetime", ()),
        (UUID_, "uuid", ()),
        (EMAIL, "email", ()),
        (URL_, "url", ()),
        (JSON, "json", ()),
        (ENUM, "enum", ("draft", "published")),
    ],
)
def test_parse_fields_type_returns_field(dsl: str, kind: str, args: tuple[str, ...]) -> None:
    name = dsl.split(":")[0]
    assert parse_fields(dsl, "Book", "book") == [
        Field(name=name, kind=kind, args=args, entity_class="Book", table="book")
    ]


def test_parse_fields_defaults_entity_and_table() -> None:
    assert parse_fields("a:int, b:str(5)?") == [
        Field(name="a", kind="int", entity_class="Entity", table="entity"),
        Field(
            name="b", kind="str", args=("5",), nullable=True, entity_class="Entity", table="entity"
        ),
    ]


@pytest.mark.parametrize(
    ("dsl", "python_type", "annotation"),
    [
        (STR, "str", "str"),
        (TEXT, "str", "str"),
        (INT, "int", "int"),
        (BIGINT, "int", "int"),
        (FLOAT, "float", "float"),
        (DEC, "Decimal", "Decimal"),
        (BOOL, "bool", "bool"),
        (DATE, "date", "date"),
        (DATETIME, "datetime", "datetime"),
        (UUID_, "UUID", "UUID"),
        (EMAIL, "str", "str"),
        (URL_, "str", "str"),
        (JSON, "dict[str, Any]", "dict[str, Any]"),
        (ENUM, "BookStatus", "BookStatus"),
        (STR + "?", "str", "str | None"),
        (JSON + "?", "dict[str, Any]", "dict[str, Any] | None"),
        (ENUM + "?", "BookStatus", "BookStatus | None"),
    ],
)
def test_python_type_and_annotation_render_exact(
    dsl: str, python_type: str, annotation: str
) -> None:
    field = one(dsl)
    assert (field.python_type, field.annotation) == (python_type, annotation)


@pytest.mark.parametrize(
    ("dsl", "model", "migration"),
    [
        (STR, "sa.String(200)", "sa.String(200)"),
        (TEXT, "sa.Text()", "sa.Text()"),
        (INT, "sa.Integer()", "sa.Integer()"),
        (BIGINT, "sa.BigInteger()", "sa.BigInteger()"),
        (FLOAT, "sa.Double()", "sa.Double()"),
        (DEC, "sa.Numeric(10, 2)", "sa.Numeric(10, 2)"),
        ("price:decimal( 12 , 0 )", "sa.Numeric(12, 0)", "sa.Numeric(12, 0)"),
        (BOOL, "sa.Boolean()", "sa.Boolean()"),
        (DATE, "sa.Date()", "sa.Date()"),
        (DATETIME, "sa.DateTime(timezone=True)", "sa.DateTime(timezone=True)"),
        (UUID_, "sa.Uuid()", "sa.Uuid()"),
        (EMAIL, "sa.String(320)", "sa.String(320)"),
        (URL_, "sa.String(2048)", "sa.String(2048)"),
        (JSON, "sa.JSON(none_as_null=True)", "sa.JSON(none_as_null=True)"),
        (ENUM, ENUM_MODEL, ENUM_MIGRATION),
        (
            "state:enum(a|longest_one|bc)",
            'sa.Enum(BookState, name="book_state", native_enum=False, create_constraint=True, '
            "length=11, values_callable=enum_values)",
            'sa.Enum("a", "longest_one", "bc", name="book_state", native_enum=False, '
            "create_constraint=True, length=11)",
        ),
    ],
)
def test_sa_type_renders_exact(dsl: str, model: str, migration: str) -> None:
    field = one(dsl)
    assert (flat(field.sa_type()), flat(field.sa_type(migration=True))) == (model, migration)


@pytest.mark.parametrize(
    ("dsl", "create", "update", "read"),
    [
        (
            STR,
            "title: str = Field(max_length=200, " + NO_NUL + ")",
            "title: str | MISSING = Field(default=MISSING, max_length=200, " + NO_NUL + ")",
            "title: str",
        ),
        (
            TEXT,
            f"body: str = Field({NO_NUL})",
            f"body: str | MISSING = Field(default=MISSING, {NO_NUL})",
            "body: str",
        ),
        (
            INT,
            "pages: Int32",
            "pages: Int32 | MISSING = MISSING",
            "pages: int",
        ),
        (
            BIGINT,
            "views: JsonSafeInt",
            "views: JsonSafeInt | MISSING = MISSING",
            "views: int",
        ),
        (
            FLOAT,
            "rating: JsonFloat",
            "rating: JsonFloat | MISSING = MISSING",
            "rating: float",
        ),
        (
            DEC,
            "price: Annotated[Decimal, digits(10, 2)]",
            "price: Annotated[Decimal, digits(10, 2)] | MISSING = MISSING",
            "price: Decimal",
        ),
        (BOOL, "active: JsonBool", "active: JsonBool | MISSING = MISSING", "active: bool"),
        (
            DATE,
            "published_on: IsoDate",
            "published_on: IsoDate | MISSING = MISSING",
            "published_on: date",
        ),
        (
            DATETIME,
            "released_at: UtcDatetime",
            "released_at: UtcDatetime | MISSING = MISSING",
            "released_at: datetime",
        ),
        (UUID_, "ref: UuidText", "ref: UuidText | MISSING = MISSING", "ref: UUID"),
        (EMAIL, "contact: EmailStr", "contact: EmailStr | MISSING = MISSING", "contact: str"),
        (
            URL_,
            f"homepage: str = Field({URL})",
            f"homepage: str | MISSING = Field(default=MISSING, {URL})",
            "homepage: str",
        ),
        (
            JSON,
            "meta: dict[str, Any]",
            "meta: dict[str, Any] | MISSING = MISSING",
            "meta: dict[str, Any]",
        ),
        (
            ENUM,
            "status: BookStatus",
            "status: BookStatus | MISSING = MISSING",
            "status: BookStatus",
        ),
    ],
)
def test_schema_line_renders_exact(dsl: str, create: str, update: str, read: str) -> None:
    field = one(dsl)
    rendered = [flat(field.schema_line(mode)) for mode in ("create", "update", "read")]
    assert rendered == [create, update, read]


@pytest.mark.parametrize(
    ("dsl", "create"),
    [
        (STR + "?", "title: str | None = Field(default=None, max_length=200, " + NO_NUL + ")"),
        (TEXT + "?", f"body: str | None = Field(default=None, {NO_NUL})"),
        (INT + "?", "pages: Int32 | None = None"),
        (BIGINT + "?", "views: JsonSafeInt | None = None"),
        (FLOAT + "?", "rating: JsonFloat | None = None"),
        (DEC + "?", "price: Annotated[Decimal, digits(10, 2)] | None = None"),
        (BOOL + "?", "active: JsonBool | None = None"),
        (DATE + "?", "published_on: IsoDate | None = None"),
        (DATETIME + "?", "released_at: UtcDatetime | None = None"),
        (UUID_ + "?", "ref: UuidText | None = None"),
        (EMAIL + "?", "contact: EmailStr | None = None"),
        (URL_ + "?", f"homepage: str | None = Field(default=None, {URL})"),
        (JSON + "?", "meta: dict[str, Any] | None = None"),
        (ENUM + "?", "status: BookStatus | None = None"),
    ],
)
def test_schema_line_nullable_create_defaults_none(dsl: str, create: str) -> None:
    field = one(dsl)
    assert flat(field.schema_line("create")) == create
    update = create.replace("| None = ", "| MISSING | None = ").replace("=None", "=MISSING")
    assert flat(field.schema_line("update")) == update.replace("= None", "= MISSING")
    assert field.schema_line("read") == f"{field.name}: {field.python_type} | None"


def test_schema_line_long_explodes_at_indent() -> None:
    field = one("price_with_every_tax_and_fee:decimal(1000,999)?")
    line = layout(field.schema_line("update"), 4)
    assert line == (
        "    price_with_every_tax_and_fee: Annotated[Decimal, digits(1000, 999)] | MISSING | None"
        " = MISSING"
    )
    assert len(line) <= 100


@pytest.mark.parametrize(
    ("dsl", "lines"),
    [
        (
            STR,
            [
                "title: str | None = Field(default=None, max_length=200, " + NO_NUL + ")",
                "title_contains: str | None = Field(default=None, max_length=200, " + NO_NUL + ")",
            ],
        ),
        (
            TEXT,
            [
                f"body: str | None = Field(default=None, {NO_NUL})",
                f"body_contains: str | None = Field(default=None, {NO_NUL})",
            ],
        ),
        (
            INT,
            [
                f"pages: int | None = Field(default=None, {INT32})",
                f"pages_gte: int | None = Field(default=None, {INT32})",
                f"pages_lte: int | None = Field(default=None, {INT32})",
            ],
        ),
        (
            BIGINT,
            [
                f"views: int | None = Field(default=None, {INT64})",
                f"views_gte: int | None = Field(default=None, {INT64})",
                f"views_lte: int | None = Field(default=None, {INT64})",
            ],
        ),
        (
            FLOAT,
            [
                "rating: float | None = Field(default=None, allow_inf_nan=False)",
                "rating_gte: float | None = Field(default=None, allow_inf_nan=False)",
                "rating_lte: float | None = Field(default=None, allow_inf_nan=False)",
            ],
        ),
        (
            DEC,
            [
                f"price: {DECIMAL} | None = None",
                f"price_gte: {DECIMAL} | None = None",
                f"price_lte: {DECIMAL} | None = None",
            ],
        ),
        (BOOL, ["active: bool | None = None"]),
        (
            DATE,
            [
                "published_on: IsoDate | None = None",
                "published_on_gte: IsoDate | None = None",
                "published_on_lte: IsoDate | None = None",
            ],
        ),
        (
            DATETIME,
            [
                "released_at: UtcDatetime | None = None",
                "released_at_gte: UtcDatetime | None = None",
                "released_at_lte: UtcDatetime | None = None",
            ],
        ),
        (UUID_, ["ref: UuidText | None = None"]),
        (
            EMAIL,
            [
                "contact: EmailStr | None = None",
                "contact_contains: str | None = Field(default=None, max_length=320, "
                + NO_NUL
                + ")",
            ],
        ),
        (
            URL_,
            [
                f"homepage: str | None = Field(default=None, {URL})",
                "homepage_contains: str | None = Field(default=None, max_length=2048, "
                + NO_NUL
                + ")",
            ],
        ),
        (JSON, []),
        (ENUM, ["status: BookStatus | None = None"]),
    ],
)
def test_filter_lines_render_exact(dsl: str, lines: list[str]) -> None:
    assert [flat(line) for line in one(dsl).filter_lines] == lines


@pytest.mark.parametrize(
    ("dsl", "filters", "sortable"),
    [
        (STR, [("title", "eq"), ("title_contains", "contains")], True),
        (TEXT, [("body", "eq"), ("body_contains", "contains")], False),
        (INT, [("pages", "eq"), ("pages_gte", "gte"), ("pages_lte", "lte")], True),
        (BIGINT, [("views", "eq"), ("views_gte", "gte"), ("views_lte", "lte")], True),
        (FLOAT, [("rating", "eq"), ("rating_gte", "gte"), ("rating_lte", "lte")], True),
        (DEC, [("price", "eq"), ("price_gte", "gte"), ("price_lte", "lte")], True),
        (BOOL, [("active", "eq")], False),
        (
            DATE,
            [("published_on", "eq"), ("published_on_gte", "gte"), ("published_on_lte", "lte")],
            True,
        ),
        (
            DATETIME,
            [("released_at", "eq"), ("released_at_gte", "gte"), ("released_at_lte", "lte")],
            True,
        ),
        (UUID_, [("ref", "eq")], True),
        (EMAIL, [("contact", "eq"), ("contact_contains", "contains")], True),
        (URL_, [("homepage", "eq"), ("homepage_contains", "contains")], True),
        (JSON, [], False),
        (ENUM, [("status", "eq")], False),
        (STR + "?", [("title", "eq"), ("title_contains", "contains")], False),
        (INT + "?", [("pages", "eq"), ("pages_gte", "gte"), ("pages_lte", "lte")], False),
        (UUID_ + "?", [("ref", "eq")], False),
    ],
)
def test_filters_and_sortable_match_type(
    dsl: str, filters: list[tuple[str, str]], sortable: bool
) -> None:
    field = one(dsl)
    assert (field.filters, field.sortable) == (filters, sortable)


@pytest.mark.parametrize(
    ("dsl", "model_line"),
    [
        (STR, "title: Mapped[str] = mapped_column(sa.String(200))"),
        (TEXT, "body: Mapped[str] = mapped_column(sa.Text())"),
        (INT, "pages: Mapped[int] = mapped_column(sa.Integer())"),
        (BIGINT, "views: Mapped[int] = mapped_column(sa.BigInteger())"),
        (FLOAT, "rating: Mapped[float] = mapped_column(sa.Double())"),
        (DEC, "price: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))"),
        (BOOL, "active: Mapped[bool] = mapped_column(sa.Boolean())"),
        (DATE, "published_on: Mapped[date] = mapped_column(sa.Date())"),
        (DATETIME, "released_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))"),
        (UUID_, "ref: Mapped[UUID] = mapped_column(sa.Uuid())"),
        (EMAIL, "contact: Mapped[str] = mapped_column(sa.String(320))"),
        (URL_, "homepage: Mapped[str] = mapped_column(sa.String(2048))"),
        (JSON, "meta: Mapped[dict[str, Any]] = mapped_column(sa.JSON(none_as_null=True))"),
        (ENUM, f"status: Mapped[BookStatus] = mapped_column({ENUM_MODEL})"),
        (STR + "?", "title: Mapped[str | None] = mapped_column(sa.String(200))"),
        (
            JSON + "?",
            "meta: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))",
        ),
        (ENUM + "?", f"status: Mapped[BookStatus | None] = mapped_column({ENUM_MODEL})"),
    ],
)
def test_model_line_renders_exact(dsl: str, model_line: str) -> None:
    assert flat(one(dsl).model_line) == model_line


@pytest.mark.parametrize(
    ("dsl", "column"),
    [
        (STR, 'sa.Column("title", sa.String(200), nullable=False)'),
        (TEXT, 'sa.Column("body", sa.Text(), nullable=False)'),
        (INT, 'sa.Column("pages", sa.Integer(), nullable=False)'),
        (BIGINT, 'sa.Column("views", sa.BigInteger(), nullable=False)'),
        (FLOAT, 'sa.Column("rating", sa.Double(), nullable=False)'),
        (DEC, 'sa.Column("price", sa.Numeric(10, 2), nullable=False)'),
        (BOOL, 'sa.Column("active", sa.Boolean(), nullable=False)'),
        (DATE, 'sa.Column("published_on", sa.Date(), nullable=False)'),
        (DATETIME, 'sa.Column("released_at", sa.DateTime(timezone=True), nullable=False)'),
        (UUID_, 'sa.Column("ref", sa.Uuid(), nullable=False)'),
        (EMAIL, 'sa.Column("contact", sa.String(320), nullable=False)'),
        (URL_, 'sa.Column("homepage", sa.String(2048), nullable=False)'),
        (JSON, 'sa.Column("meta", sa.JSON(none_as_null=True), nullable=False)'),
        (ENUM, f'sa.Column("status", {ENUM_MIGRATION}, nullable=False)'),
        (STR + "?", 'sa.Column("title", sa.String(200), nullable=True)'),
        (ENUM + "?", f'sa.Column("status", {ENUM_MIGRATION}, nullable=True)'),
    ],
)
def test_migration_column_renders_exact(dsl: str, column: str) -> None:
    assert flat(one(dsl).migration_column) == column


@pytest.mark.parametrize(
    ("dsl", "example"),
    [
        (STR, 'f"title {i}"'),
        ("long_title:str(9)", 'f"lon {i}"'),
        ("code:str(8)", 'f"co {i}"'),
        ("code:str(7)", "str(i % 10000000)"),
        ("code:str(1)", "chr(0x4E00 + i % 20000)"),
        (TEXT, 'f"body {i}"'),
        ("long_body:text", 'f"long-body {i}"'),
        (INT, "i"),
        (BIGINT, "i"),
        (FLOAT, "i + 0.5"),
        (DEC, 'f"{i}.55"'),
        ("price:decimal(3,1)", 'f"{i % 1000 // 10}.{i % 10}"'),
        ("price:decimal(5,0)", 'f"{i % 100000}"'),
        ("price:decimal(2,1)", 'f"{i % 100 // 10}.{i % 10}"'),
        ("price:decimal(3,3)", 'f"0.{i % 1000:03d}"'),
        ("price:decimal(1,0)", 'f"{i % 10}"'),
        (BOOL, "i % 2 == 0"),
        (DATE, 'f"2024-01-{i % 28 + 1:02d}"'),
        (DATETIME, 'f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z"'),
        (UUID_, 'f"00000000-0000-4000-8000-{i:012d}"'),
        (EMAIL, 'f"user{i}@example.com"'),
        (URL_, 'f"https://example.com/homepage/{i}"'),
        ("home_page:url", 'f"https://example.com/home-page/{i}"'),
        (JSON, '{"n": i}'),
        (ENUM, 'one_of("draft published", i)'),
        ("state:enum(only)", 'one_of("only", i)'),
    ],
)
def test_example_renders_exact(dsl: str, example: str) -> None:
    assert one(dsl).example == example


# --- modifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dsl", "flags", "model_args"),
    [
        ("title:str(200)?", (True, False, False), "sa.String(200)"),
        ("title:str(200):unique", (False, True, False), "sa.String(200), unique=True"),
        # sortable: the (title, id) sort index serves its filters too, so no plain index
        ("title:str(200):index", (False, False, True), "sa.String(200)"),
        (
            "title:str(200):unique:index",
            (False, True, True),
            "sa.String(200), unique=True, index=True",
        ),
        (
            "title:str(200):index:unique",
            (False, True, True),
            "sa.String(200), unique=True, index=True",
        ),
        (
            "title:str(200)?:unique:index",
            (True, True, True),
            "sa.String(200), unique=True, index=True",
        ),
        (
            " title : str ( 200 ) ? : unique : index ",
            (True, True, True),
            "sa.String(200), unique=True, index=True",
        ),
        ("title:str(200) :unique", (False, True, False), "sa.String(200), unique=True"),
        ("title:str(200)?:index", (True, False, True), "sa.String(200), index=True"),
        ("title:str(200)\t?\t:index", (True, False, True), "sa.String(200), index=True"),
        ("active:bool:index", (False, False, True), "sa.Boolean(), index=True"),
        (f"{ENUM}:index", (False, False, True), f"{ENUM_MODEL}, index=True"),
    ],
)
def test_modifiers_set_flags_and_model_args(
    dsl: str, flags: tuple[bool, bool, bool], model_args: str
) -> None:
    field = one(dsl)
    assert (field.nullable, field.unique, field.index) == flags
    annotation = field.annotation
    assert (
        flat(field.model_line)
        == f"{field.name}: Mapped[{annotation}] = mapped_column({model_args})"
    )


@pytest.mark.parametrize(
    ("dsl", "constraint", "index"),
    [
        ("title:str(200)", None, None),
        ("title:str(200):unique", 'sa.UniqueConstraint("title", name=op.f("uq_book_title"))', None),
        (
            "title:str(200):index",
            None,
            'op.create_index(op.f("ix_book_title"), "book", ["title"], unique=False)',
        ),
        (
            "title:str(200):unique:index",
            None,
            'op.create_index(op.f("ix_book_title"), "book", ["title"], unique=True)',
        ),
    ],
)
def test_modifiers_render_migration_constraint_and_index(
    dsl: str, constraint: str | None, index: str | None
) -> None:
    field = one(dsl)
    rendered = field.migration_constraint
    assert (None if rendered is None else flat(rendered)) == constraint
    assert (flat(field.migration_index) if field.index else None) == index
    assert (
        flat(field.migration_drop_index)
        == 'op.drop_index(op.f("ix_book_title"), table_name="book")'
    )
    assert field.index_name == "ix_book_title"


@pytest.mark.parametrize(
    "dsl",
    ["title:str(200):search", "body:text?:search", "mail:email:unique:search", "home:url:search"],
)
def test_search_adds_a_trigram_index_to_model_and_migration(dsl: str) -> None:
    field = one(dsl)
    assert field.search
    name = field.name
    model = [
        flat(index)
        for index in sort_indexes([field], "book", soft_delete=True, database="postgresql")
    ]
    trigram = (
        f'"ix_book_{name}_trgm", "{name}", postgresql_using="gin", '
        f'postgresql_ops={{"{name}": "gin_trgm_ops"}}, '
        'postgresql_where=sa.text("deleted_at IS NULL")'
    )
    assert model[-1] == f"sa.Index({trigram})"
    create, drop = migration_sort_indexes(
        [field], "book", soft_delete=False, database="postgresql"
    )[-1]
    assert flat(create) == (
        f'op.create_index(op.f("ix_book_{name}_trgm"), "book", ["{name}"], unique=False, '
        f'postgresql_using="gin", postgresql_ops={{"{name}": "gin_trgm_ops"}})'
    )
    assert flat(drop) == f'op.drop_index(op.f("ix_book_{name}_trgm"), table_name="book")'


def test_no_search_no_trigram_index() -> None:
    fields = parse_fields("title:str(200), pages:int", "Book", "book")
    indexes = sort_indexes(fields, "book", soft_delete=False, database="postgresql")
    assert not [index for index in indexes if "trgm" in flat(index)]


@pytest.mark.parametrize(
    "dsl",
    [
        "pages:int:search",
        "on:date:search",
        "tag:enum(a|b):search",
        "data:json:search",
        "author:ref(Author):search",
    ],
)
def test_search_is_refused_on_fields_without_a_contains_filter(dsl: str) -> None:
    [error] = field_errors(dsl)
    assert error.endswith(
        "':search' serves the '_contains' filter, which only text fields (str, text, email, "
        "url) have; e.g. 'title:str(200):search'"
    )


# --- defaults --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dsl", "default", "server_default", "python_default", "create"),
    [
        (
            "title:str(200)=draft",
            "draft",
            '"draft"',
            '"draft"',
            'title: str = Field(default="draft", max_length=200, ' + NO_NUL + ")",
        ),
        (
            'title:str(200)="draft"',
            "draft",
            '"draft"',
            '"draft"',
            'title: str = Field(default="draft", max_length=200, ' + NO_NUL + ")",
        ),
        (
            'title:str(200) = " padded "',
            " padded ",
            '" padded "',
            '" padded "',
            'title: str = Field(default=" padded ", max_length=200, ' + NO_NUL + ")",
        ),
        (
            'title:str(200)="a "q" b"',
            'a "q" b',
            '"a \\"q\\" b"',
            '"a \\"q\\" b"',
            'title: str = Field(default="a \\"q\\" b", max_length=200, ' + NO_NUL + ")",
        ),
        (
            'title:str(5)=""',
            "",
            '""',
            '""',
            'title: str = Field(default="", max_length=5, ' + NO_NUL + ")",
        ),
        (
            "title:str(5)=abcde",
            "abcde",
            '"abcde"',
            '"abcde"',
            'title: str = Field(default="abcde", max_length=5, ' + NO_NUL + ")",
        ),
        (
            "body:text=hello world",
            "hello world",
            '"hello world"',
            '"hello world"',
            f'body: str = Field(default="hello world", {NO_NUL})',
        ),
        ('body:text?="x"', "x", '"x"', '"x"', f'body: str | None = Field(default="x", {NO_NUL})'),
        ("pages:int=-5", "-5", '"-5"', "-5", "pages: Int32 = -5"),
        (
            "pages:int=2147483647",
            "2147483647",
            '"2147483647"',
            "2147483647",
            "pages: Int32 = 2147483647",
        ),
        (
            "pages:int=-2147483648",
            "-2147483648",
            '"-2147483648"',
            "-2147483648",
            "pages: Int32 = -2147483648",
        ),
        (
            "views:bigint=9007199254740991",
            "9007199254740991",
            '"9007199254740991"',
            "9007199254740991",
            "views: JsonSafeInt = 9007199254740991",
        ),
        (
            "views:bigint=-9007199254740991",
            "-9007199254740991",
            '"-9007199254740991"',
            "-9007199254740991",
            "views: JsonSafeInt = -9007199254740991",
        ),
        (
            "rating:float=1.5",
            "1.5",
            '"1.5"',
            "1.5",
            "rating: JsonFloat = 1.5",
        ),
        (
            "rating:float=-2",
            "-2.0",
            '"-2.0"',
            "-2.0",
            "rating: JsonFloat = -2.0",
        ),
        (
            "price:decimal(10,2)=9.99",
            "9.99",
            '"9.99"',
            'Decimal("9.99")',
            f'price: {DECIMAL} = Decimal("9.99")',
        ),
        (
            "price:decimal(10,2)=12345678",
            "12345678",
            '"12345678"',
            'Decimal("12345678")',
            f'price: {DECIMAL} = Decimal("12345678")',
        ),
        (
            "price:decimal(10,2)=-0.5",
            "-0.5",
            '"-0.5"',
            'Decimal("-0.5")',
            f'price: {DECIMAL} = Decimal("-0.5")',
        ),
        (
            "price:decimal(3,3)=0.125",
            "0.125",
            '"0.125"',
            'Decimal("0.125")',
            'price: Annotated[Decimal, digits(3, 3)] = Decimal("0.125")',
        ),
        ("active:bool=true", "true", "sa.true()", "True", "active: JsonBool = True"),
        ("active:bool=false", "false", "sa.false()", "False", "active: JsonBool = False"),
        ("active:bool?=false", "false", "sa.false()", "False", "active: JsonBool | None = False"),
        (
            f"{ENUM}=published",
            "published",
            '"published"',
            "BookStatus.PUBLISHED",
            "status: BookStatus = BookStatus.PUBLISHED",
        ),
        (
            f"{ENUM}?:index=draft",
            "draft",
            '"draft"',
            "BookStatus.DRAFT",
            "status: BookStatus | None = BookStatus.DRAFT",
        ),
    ],
)
def test_default_renders_exact(
    dsl: str, default: str, server_default: str, python_default: str, create: str
) -> None:
    field = one(dsl)
    assert (field.default, field.server_default, field.python_default) == (
        default,
        server_default,
        python_default,
    )
    assert flat(field.schema_line("create")) == create
    assert flat(field.model_line).endswith(f", server_default={server_default})")
    assert flat(field.migration_column).endswith(f", server_default={server_default})")


@pytest.mark.parametrize(
    ("dsl", "server_default", "python_default"),
    [(STR, None, None), (STR + "?", None, "None"), (BOOL, None, None), (ENUM + "?", None, "None")],
)
def test_default_absent_renders_none(
    dsl: str, server_default: str | None, python_default: str | None
) -> None:
    field = one(dsl)
    assert (field.default, field.server_default, field.python_default) == (
        None,
        server_default,
        python_default,
    )


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        (
            "title",
            ["fields: 'title' (item 1, column 1) — " + SYNTAX],
        ),
        ("title:", [error("title:", 1, 1, SYNTAX)]),
        ("title:str(5)?:unique?", [error("title:str(5)?:unique?", 1, 1, SYNTAX)]),
        (
            "Title:str(5)",
            [
                "fields: 'Title:str(5)' (item 1, column 1) — field name 'Title' must be lowercase "
                "snake_case ASCII starting with a letter; e.g. 'published_on'"
            ],
        ),
        (
            "2abc:int",
            [
                error(
                    "2abc:int",
                    1,
                    1,
                    "field name '2abc' must be lowercase snake_case ASCII starting with a letter; "
                    "e.g. 'published_on'",
                )
            ],
        ),
        (
            "title:string",
            [
                "fields: 'title:string' (item 1, column 1) — unknown type 'string' (did you mean "
                "'str'?); known types: str, text, int, bigint, float, decimal, bool, date, "
                "datetime, uuid, email, url, json, enum, ref, many, claim; e.g. 'title:str(200)'"
            ],
        ),
        (
            "title:Str(5)",
            [error("title:Str(5)", 1, 1, unknown("Str", "str", "title:str(200)"))],
        ),
        *[
            (item, [error(item, 1, 1, unknown(item.split(":")[1].split("(")[0], guess, example))])
            for item, guess, example in (
                ("n:integer", "int", "n:int"),
                ("p:decimals", "decimal", "p:decimal(10,2)"),
                ("s:enumm", "enum", "s:enum(a|b)"),
                ("a:boolean", "bool", "a:bool"),
                ("r:uuid4", "uuid", "r:uuid"),
                ("t:timestamp", None, "t:str(200)"),
                ("x:varchar(20)", None, "x:str(200)"),
                ("m:dict", None, "m:str(200)"),
            )
        ],
        (
            "title:str(5):uniq",
            [
                "fields: 'title:str(5):uniq' (item 1, column 1) — unknown modifier 'uniq'; "
                "known modifiers: unique, index, search, restrict, cascade, set_null"
            ],
        ),
        (
            "title:str(5)::unique",
            [
                error(
                    "title:str(5)::unique",
                    1,
                    1,
                    f"unknown modifier ''; {MODIFIERS}",
                )
            ],
        ),
        (
            "title:str(5):primary:index",
            [
                error(
                    "title:str(5):primary:index",
                    1,
                    1,
                    f"unknown modifier 'primary'; {MODIFIERS}",
                )
            ],
        ),
        # str arguments
        (
            "title:str",
            [
                "fields: 'title:str' (item 1, column 1) — type 'str' needs 1 whole number "
                "argument(s); e.g. 'str(200)'"
            ],
        ),
        *[
            (
                item,
                [error(item, 1, 1, "type 'str' needs 1 whole number argument(s); e.g. 'str(200)'")],
            )
            for item in ("title:str()", "title:str(a)", "title:str(5,5)", "title:str(-1)")
        ],
        *[
            (item, [error(item, 1, 1, f"str length must be 1..{MAX_VARCHAR}; e.g. 'str(200)'")])
            for item in ("title:str(0)", f"title:str({MAX_VARCHAR + 1})")
        ],
        (
            "title:str(0)",
            [
                "fields: 'title:str(0)' (item 1, column 1) — str length must be 1..10485760; "
                "e.g. 'str(200)'"
            ],
        ),
        # decimal arguments
        *[
            (
                item,
                [
                    error(
                        item,
                        1,
                        1,
                        "type 'decimal' needs 2 whole number argument(s); e.g. 'decimal(10,2)'",
                    )
                ],
            )
            for item in (
                "price:decimal",
                "price:decimal(10)",
                "price:decimal(a,b)",
                "price:decimal(10,2,1)",
                "price:decimal(10,-2)",
            )
        ],
        *[
            (
                item,
                [
                    error(
                        item,
                        1,
                        1,
                        "decimal(p,s) needs 1 <= p <= 1000 and 0 <= s <= p; e.g. 'decimal(10,2)'",
                    )
                ],
            )
            for item in ("price:decimal(0,0)", "price:decimal(1001,2)", "price:decimal(5,6)")
        ],
        # enum arguments
        *[
            (item, [error(item, 1, 1, ENUM_VALUES)])
            for item in (
                "status:enum",
                "status:enum()",
                "status:enum(Draft|published)",
                "status:enum(a||b)",
                "status:enum(1a)",
                "status:enum(a-b)",
                "status:enum(a|b|)",
            )
        ],
        (
            "status:enum(draft|draft)",
            [
                "fields: 'status:enum(draft|draft)' (item 1, column 1) — enum values must be "
                "distinct; e.g. 'enum(draft|published)'"
            ],
        ),
        (
            "status:enum( a | b | a )",
            [
                error(
                    "status:enum( a | b | a )",
                    1,
                    1,
                    "enum values must be distinct; e.g. 'enum(draft|published)'",
                )
            ],
        ),
        # arguments on types that take none
        *[
            (
                item,
                [
                    error(
                        item,
                        1,
                        1,
                        f"type {kind!r} takes no arguments; e.g. '{item.split(':')[0]}:{kind}'",
                    )
                ],
            )
            for item, kind in (
                ("pages:int(5)", "int"),
                ("body:text(5)", "text"),
                ("meta:json(1)", "json"),
                ("ref:uuid()", "uuid"),
            )
        ],
        # empty items and positions
        ("a:int,,b:int", [error("", 2, 7, EMPTY)]),
        (
            "a:int,",
            [
                "fields: '' (item 2, column 7) — empty item (two commas in a row?); "
                "e.g. 'title:str(200), pages:int'"
            ],
        ),
        (",a:int", [error("", 1, 1, EMPTY)]),
        ("a:int, ,b:int", [error("", 2, 8, EMPTY)]),
        (
            "a:int,  b:nope",
            [error("b:nope", 2, 9, unknown("nope", None, "b:str(200)"))],
        ),
        ("  a:nope", [error("a:nope", 1, 3, unknown("nope", None, "a:str(200)"))]),
        (
            "a:int, b:nope, c:decimal(10,2), d:str",
            [
                "fields: 'b:nope' (item 2, column 8) — unknown type 'nope'; known types: "
                + KNOWN_TYPES
                + "; e.g. 'b:str(200)'",
                error(
                    "d:str", 4, 33, "type 'str' needs 1 whole number argument(s); e.g. 'str(200)'"
                ),
            ],
        ),
        # modifiers a type refuses
        *[
            (
                item,
                [
                    error(
                        item,
                        1,
                        1,
                        f"a {kind} column cannot be unique or indexed; e.g. '{name}:{kind}'",
                    )
                ],
            )
            for item, name, kind in (
                ("meta:json:unique", "meta", "json"),
                ("meta:json:index", "meta", "json"),
                ("meta:json?:unique:index", "meta", "json"),
                ("body:text:unique", "body", "text"),
                ("body:text:index", "body", "text"),
            )
        ],
        (
            "active:bool:unique",
            [
                "fields: 'active:bool:unique' (item 1, column 1) — a unique bool column would "
                "allow only a handful of rows; use ':index' instead; e.g. 'active:bool:index'"
            ],
        ),
        (
            "status:enum(a|b):unique",
            [
                error(
                    "status:enum(a|b):unique",
                    1,
                    1,
                    "a unique enum column would allow only a handful of rows; use ':index' "
                    "instead; e.g. 'status:enum(a|b):index'",
                )
            ],
        ),
        # defaults a type refuses
        *[
            (item, [error(item, 1, 1, f"type {kind!r} takes no default; e.g. '{name}:{kind}?'")])
            for item, name, kind in (
                ("published_on:date=2024-01-01", "published_on", "date"),
                ("released_at:datetime=x", "released_at", "datetime"),
                ("ref:uuid=x", "ref", "uuid"),
                ("meta:json=x", "meta", "json"),
                ("contact:email=a@b.c", "contact", "email"),
                ("homepage:url=http://x", "homepage", "url"),
            )
        ],
        # defaults that do not fit
        *[
            (
                item,
                [error(item, 1, 1, f"default {value!r} is not a valid {kind}; e.g. {example!r}")],
            )
            for item, value, kind, example in (
                ("title:str(3)=abcd", "abcd", "str", "title:str(3)=dra"),
                ('title:str(3)="abcd"', "abcd", "str", "title:str(3)=dra"),
                ("title:str(200)=a\\b", "a\\b", "str", "title:str(200)=draft"),
                ("title:str(200)=a{b}", "a{b}", "str", "title:str(200)=draft"),
                ("body:text=a}", "a}", "text", "body:text=draft"),
                ("pages:int=2147483648", "2147483648", "int", "pages:int=0"),
                ("pages:int=-2147483649", "-2147483649", "int", "pages:int=0"),
                ("pages:int=1.5", "1.5", "int", "pages:int=0"),
                ("pages:int=x", "x", "int", "pages:int=0"),
                ("pages:int=", "", "int", "pages:int=0"),
                (
                    "views:bigint=9007199254740992",
                    "9007199254740992",
                    "bigint",
                    "views:bigint=0",
                ),
                (
                    "views:bigint=-9007199254740992",
                    "-9007199254740992",
                    "bigint",
                    "views:bigint=0",
                ),
                ("rating:float=1e5", "1e5", "float", "rating:float=0.5"),
                ("rating:float=.5", ".5", "float", "rating:float=0.5"),
                ("rating:float=nan", "nan", "float", "rating:float=0.5"),
                ("price:decimal(10,2)=1.234", "1.234", "decimal", "price:decimal(10,2)=0"),
                ("price:decimal(4,2)=123", "123", "decimal", "price:decimal(4,2)=0"),
                ("price:decimal(10,2)=abc", "abc", "decimal", "price:decimal(10,2)=0"),
                ("price:decimal(10,0)=1.5", "1.5", "decimal", "price:decimal(10,0)=0"),
                ("active:bool=True", "True", "bool", "active:bool=true"),
                ("active:bool=1", "1", "bool", "active:bool=true"),
                (f"{ENUM}=archived", "archived", "enum", f"{ENUM}=draft"),
                (f"{ENUM}=DRAFT", "DRAFT", "enum", f"{ENUM}=draft"),
            )
        ],
        (
            "title:str(200)=it's",
            [
                'fields: "title:str(200)=it\'s" (item 1, column 1) — default "it\'s" is not a '
                "valid str; e.g. 'title:str(200)=draft'"
            ],
        ),
    ],
)
def test_field_errors_message_exact(text: str, errors: list[str]) -> None:
    assert field_errors(text) == errors


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "None"), (3, "3"), ("", "''"), ("  ", "'  '"), ([], "[]"), ("\t\n", "'\\t\\n'")],
)
def test_field_errors_missing_value_asks_for_one(value: object, shown: str) -> None:
    assert field_errors(value) == [
        f"fields: {shown} — give at least one field; e.g. {EXAMPLE!r}",
    ]
    assert EXAMPLE == (
        "title:str(200):unique, body:text?, price:decimal(10,2), status:enum(draft|published)"
    )


@pytest.mark.parametrize(
    "text",
    [
        EXAMPLE,
        ", ".join(ALL_TYPES),
        "title:str(200)?:unique:index=draft",
        "price:decimal(1000,1000)?",
        f"title:str({MAX_VARCHAR})",
        "status:enum(a)",
        "a:int,b:int",
        "  a : int  ,  b : str( 5 )  ",
    ],
)
def test_field_errors_valid_returns_empty(text: str) -> None:
    assert field_errors(text) == []


def test_parse_fields_raises_first_message() -> None:
    with pytest.raises(FieldsError) as caught:
        parse_fields("a:int, b:nope, c:str")
    assert str(caught.value) == error("b:nope", 2, 8, unknown("nope", None, "b:str(200)"))


@pytest.mark.parametrize("value", ["", "   ", ","])
def test_parse_fields_empty_raises(value: str) -> None:
    with pytest.raises(FieldsError) as caught:
        parse_fields(value)
    assert str(caught.value) == field_errors(value)[0]


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("a:int", [(1, "a:int")]),
        ("price:decimal(10,2), b : int", [(1, "price:decimal(10,2)"), (22, "b : int")]),
        ("a:decimal( 10 , 2 )?,b:int", [(1, "a:decimal( 10 , 2 )?"), (22, "b:int")]),
        ("a:int,,b", [(1, "a:int"), (7, ""), (8, "b")]),
        ("  x ", [(3, "x")]),
        ("", [(1, "")]),
        ("a:int,", [(1, "a:int"), (7, "")]),
        ("a:enum(x|y), b:str(5)=q", [(1, "a:enum(x|y)"), (14, "b:str(5)=q")]),
        ("a)b, c", [(1, "a)b"), (6, "c")]),
    ],
)
def test_split_items_keeps_parentheses_whole(text: str, items: list[tuple[int, str]]) -> None:
    assert split(text) == items


# --- known bugs ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["price:decimal(10,2", "a:int, b:str(5"])
def test_field_errors_unclosed_parenthesis_reported(text: str) -> None:
    assert field_errors(text) != []


@pytest.mark.parametrize("text", ["title:str(²)", "price:decimal(³,1)"])
def test_field_errors_superscript_digit_reported(text: str) -> None:
    assert len(field_errors(text)) == 1


@pytest.mark.parametrize("text", ["pages:int=١٢", "rating:float=\u0661.5", "views:bigint=0x10"])
def test_field_errors_non_ascii_or_hex_number_default_reported(text: str) -> None:
    assert len(field_errors(text)) == 1


@pytest.mark.parametrize(
    ("text", "default"),
    [("pages:int=007", "7"), ("views:bigint=-01", "-1"), ("rating:float=007", "7.0")],
)
def test_parse_fields_normalises_number_defaults(text: str, default: str) -> None:
    (field,) = parse_fields(text)
    assert (field.default, field.python_default) == (default, default)


# --- properties over every type --------------------------------------------------------------

UNIQUE_CAPABLE = [
    STR,
    "code:str(1)",
    "code:str(7)",
    "code:str(8)",
    INT,
    BIGINT,
    FLOAT,
    DEC,
    "price:decimal(1,0)",
    "price:decimal(1,1)",
    "price:decimal(2,0)",
    "price:decimal(2,1)",
    "price:decimal(2,2)",
    "price:decimal(3,3)",
    "price:decimal(5,0)",
    "price:decimal(3,1)",
    "price:decimal(40,20)",
    DATE,
    DATETIME,
    UUID_,
    EMAIL,
    URL_,
    "home_page:url",
]


def check_json_value(field: Field, value: Any) -> None:
    """Simple expectations standing in for the generated Pydantic validation."""
    kind = field.kind
    if kind == "str":
        assert isinstance(value, str)
        assert 1 <= len(value) <= int(field.args[0])
    elif kind in ("int", "bigint"):
        bound = 2**31 if kind == "int" else 2**63
        assert isinstance(value, int)
        assert -bound <= value < bound
    elif kind == "float":
        assert isinstance(value, float)
        assert math.isfinite(value)
    elif kind == "decimal":
        precision, scale = int(field.args[0]), int(field.args[1])
        assert isinstance(value, str)
        assert re.fullmatch(r"\d+(\.\d+)?", value)
        whole, _, frac = value.partition(".")
        assert len(frac) == scale
        assert len(whole.lstrip("0")) <= precision - scale
        assert Decimal(value).as_tuple().exponent == -scale
    elif kind == "date":
        assert date.fromisoformat(value).isoformat() == value
    elif kind == "datetime":
        assert value.endswith("Z")
        assert datetime.fromisoformat(value).utcoffset() is not None
    elif kind == "uuid":
        assert str(uuid.UUID(value)) == value
        assert uuid.UUID(value).version == 4
    elif kind == "email":
        local, at, domain = value.partition("@")
        assert (bool(local), at, "@" in domain, "." in domain) == (True, "@", False, True)
    elif kind == "url":
        assert re.fullmatch(r"^https?://\S+$", value)
        assert len(value) <= 2048
    else:
        raise AssertionError(kind)


def one_of(values: str, i: int) -> str:
    """The generated factories' helper that enum examples call (tests/<plural>/factories.py)."""
    options = values.split()
    return options[i % len(options)]


@pytest.mark.parametrize("dsl", UNIQUE_CAPABLE)
def test_example_unique_capable_distinct_and_valid(dsl: str) -> None:
    field = one(dsl)
    # Only expressions the parser produced from the fixed DSL strings above are evaluated.
    values = [eval(field.example, {"one_of": one_of}, {"i": i}) for i in range(10)]
    assert len({repr(v) for v in values}) == 10
    for value in values:
        check_json_value(field, value)


@pytest.mark.parametrize(
    ("dsl", "values"),
    [
        (TEXT, ["body 0", "body 1", "body 2"]),
        (BOOL, [True, False, True]),
        (JSON, [{"n": 0}, {"n": 1}, {"n": 2}]),
        (ENUM, ["draft", "published", "draft"]),
        ("state:enum(only)", ["only", "only", "only"]),
        (STR, ["title 0", "title 1", "title 2"]),
        (DEC, ["0.55", "1.55", "2.55"]),
        ("price:decimal(3,3)", ["0.000", "0.001", "0.002"]),
        (DATETIME, ["2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", "2024-01-01T00:00:02Z"]),
    ],
)
def test_example_evaluates_exact(dsl: str, values: list[Any]) -> None:
    field = one(dsl)
    # Only expressions the parser produced from the fixed DSL strings above are evaluated.
    assert [eval(field.example, {"one_of": one_of}, {"i": i}) for i in range(3)] == values


@pytest.mark.parametrize(
    "dsl",
    [
        *ALL_TYPES,
        *(f"{dsl}?" for dsl in ALL_TYPES),
        "title:str(200)?:unique:index=draft",
        "price:decimal(10,2)=9.99",
        "views:bigint=-9007199254740991",
        f"{ENUM}?:index=published",
        "active:bool=true",
        'body:text="say "hi""',
    ],
)
def test_renderings_compile_as_python(dsl: str) -> None:
    field = one(dsl)
    body = [field.model_line, *(field.schema_line(m) for m in ("create", "update", "read"))]
    body += field.filter_lines
    source = "class C:\n" + "\n".join(layout(line, 4) for line in body) + "\n"
    source += "x = [\n" + layout(field.migration_column, 4, ",") + "\n]\n"
    compile(source, "<generated>", "exec")  # compile only; nothing is executed
    assert max(len(line) for line in source.splitlines()) <= 100


SUGGESTION = re.compile(r"e\.g\. '([a-z_]+:[^']*)'$")


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("title", "title:str(200):unique"),
        ("title:string", "title:str(200)"),
        ("s:enumm", "s:enum(a|b)"),
        ("p:decimals(1,1)", "p:decimal(10,2)"),
        ("t:timestamp?", "t:str(200)"),
        ("a:int,,b:int", "title:str(200), pages:int"),
        ("pages:int(5)", "pages:int"),
        ("meta:json:index", "meta:json"),
        ("body:text:unique", "body:text"),
        ("active:bool:unique", "active:bool:index"),
        ("ref:uuid=x", "ref:uuid?"),
        ("pages:int=x", "pages:int=0"),
        ("rating:float=x", "rating:float=0.5"),
        ("price:decimal(1,1)=x", "price:decimal(1,1)=0"),
        ("title:str(200)=a{b}", "title:str(200)=draft"),
        (f"{ENUM}=x", f"{ENUM}=draft"),
        ("status:enum(a|b):unique", "status:enum(a|b):index"),
        ("title:str(3)=abcd", "title:str(3)=dra"),
    ],
)
def test_field_errors_suggestion_parses(text: str, suggestion: str) -> None:
    (message,) = field_errors(text)
    match = SUGGESTION.search(message)
    assert match is not None
    assert match[1] == suggestion
    assert field_errors(suggestion) == []


@pytest.mark.parametrize("name", ["from", "type", "date", "metadata", "json", "class", "sa"])
def test_clashing_names_are_aliased_not_renamed(name: str) -> None:
    """The JSON and column name stay as written; only the Python attribute gets a `_`."""
    (field,) = parse_fields(f"{name}:date?")
    assert field.attr == f"{name}_"
    assert flat(field.model_line).startswith(
        f'{name}_: Mapped[date | None] = mapped_column("{name}"'
    )
    assert flat(field.schema_line("read")) == f'{name}_: date | None = Field(alias="{name}")'
    create = flat(field.schema_line("create"))
    assert create == f'{name}_: IsoDate | None = Field(default=None, alias="{name}")'
    assert flat(field.migration_column).startswith(f'sa.Column("{name}", ')
    assert field.filters[0] == (name, "eq")


@pytest.mark.parametrize("name", ["order", "user", "group", "title", "to"])
def test_names_free_in_python_keep_their_attribute(name: str) -> None:
    (field,) = parse_fields(f"{name}:int")
    assert field.attr == name
    assert flat(field.schema_line("read")) == f"{name}: int"


def test_every_sort_key_but_the_id_gets_a_key_id_index() -> None:
    fields = parse_fields(
        "title:str(200):unique, pages:int?, rank:int:index, body:text", "Book", "book"
    )
    assert sort_keys(fields) == ["created_at", "updated_at", "title", "rank"]
    indexes = sort_indexes(fields, "book", soft_delete=False, database="postgresql")
    assert [flat(index) for index in indexes] == [
        f'sa.Index("ix_book_{key}_id", "{key}", "id")' for key in sort_keys(fields)
    ]


def test_sort_indexes_cover_live_rows_under_soft_delete() -> None:
    fields = parse_fields("title:str(20)", "Book", "book")
    (index, *_) = sort_indexes(fields, "book", soft_delete=True, database="sqlite")
    assert flat(index) == (
        'sa.Index("ix_book_created_at_id", "created_at", "id", '
        'sqlite_where=sa.text("deleted_at IS NULL"))'
    )
    create, drop = migration_sort_indexes(fields, "book", soft_delete=True, database="sqlite")[-1]
    assert flat(create) == (
        'op.create_index(op.f("ix_book_title_id"), "book", ["title", "id"], unique=False, '
        'sqlite_where=sa.text("deleted_at IS NULL"))'
    )
    assert flat(drop) == 'op.drop_index(op.f("ix_book_title_id"), table_name="book")'


@pytest.mark.parametrize(
    "dsl",
    [
        *(f"code:str({size})" for size in range(1, 9)),
        *(f"price:decimal({p},{s})" for p in range(2, 9) for s in range(p + 1)),
    ],
)
def test_examples_of_narrow_columns_stay_distinct_for_the_rows_tests_make(dsl: str) -> None:
    """Tests make rows with i up to a few thousand (2000 on for the concurrent ones): any 40
    of them in a row get distinct values, each one the column holds."""
    field = one(dsl)
    values = [eval(field.example, {}, {"i": i}) for i in range(2000, 2040)]
    assert len(set(values)) == len(values)
    if field.kind == "str":
        assert all(len(value) <= int(field.args[0]) for value in values)
    else:
        precision, scale = map(int, field.args)
        digits = [Decimal(value).as_tuple() for value in values]
        assert all(d.exponent == -scale and len(d.digits) <= precision for d in digits)


def test_a_unique_one_digit_decimal_is_refused_with_the_reason() -> None:
    assert field_errors("grade:decimal(1,0):unique") == [
        "fields: 'grade:decimal(1,0):unique' (item 1, column 1) — a unique decimal(1,0) column "
        "would allow only 19 rows; widen it; e.g. 'grade:decimal(3,0):unique'"
    ]
