"""The fields DSL: `name:type[(args)][?][:modifier...][=default]`, comma separated.

One parser turns the string into `Field` records; every template reads those records,
so each field type is mapped once. A Field is assembled from one class per concern:
field_dsl (the facts as written: name, kind, type tables, Python type, filters),
field_columns (model and migration columns, indexes, foreign keys), field_schemas
(Create/Update/Read and query attributes) and field_examples (what the generated tests
send and expect refused). Stdlib only: this runs wherever cookiecutter runs.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from crudgen.field_columns import Column
from crudgen.field_dsl import (
    EXAMPLE,
    INT32,
    JSON_SAFE,
    KINDS,
    MAX_VARCHAR,
    MODIFIERS,
    ON_DELETE,
    REF_KINDS,
    FieldsError,
    Kind,
)
from crudgen.field_examples import Examples
from crudgen.field_schemas import Schema
from crudgen.naming import singular
from crudgen.pyfmt import Call

__all__ = [
    "EXAMPLE",
    "INT32",
    "JSON_SAFE",
    "KINDS",
    "KNOWN_IMPORTS",
    "MAX_VARCHAR",
    "MODIFIERS",
    "ON_DELETE",
    "REF_KINDS",
    "Field",
    "FieldsError",
    "Kind",
    "bad_filter_rows",
    "field_errors",
    "filter_rows",
    "first_field",
    "imports_for",
    "migration_sort_indexes",
    "parse_fields",
    "search_index_name",
    "sort_index_name",
    "sort_indexes",
    "sort_keys",
    "sort_literal",
    "split_items",
]

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


# One item of the DSL: name:type[(args)][?][:modifier...][=default], before any check.
_TOKEN = re.compile(
    r"""^(?P<name>[^:\s]+)\s*:\s*(?P<kind>[A-Za-z_][A-Za-z0-9_]*)\s*
    (?:\((?P<args>[^()]*)\))?\s*(?P<nullable>\?)?\s*
    (?P<mods>(?::\s*[A-Za-z_]*\s*)*)(?:=\s*(?P<default>.*?))?\s*$""",
    re.VERBOSE,
)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_ENUM_VALUE = re.compile(r"^[a-z][a-z0-9_]*$")


def _example_list() -> str:
    return ", ".join(KINDS)


@dataclass(frozen=True)
class Field(Column, Schema, Examples):
    """One parsed field, with every rendering the templates need: the DSL's facts
    (field_dsl.FieldBase), its column (field_columns), its schema attributes
    (field_schemas) and its test values (field_examples)."""


def split_items(text: str, separators: str = ",") -> list[tuple[int, str]]:
    """Split on separators outside quotes and parentheses; returns (column, item) with
    1-based columns. Fields split on commas; `more_entities` on semicolons and newlines."""
    items: list[tuple[int, str]] = []
    depth, start = 0, 0
    quoted = False
    for pos, char in enumerate(text + separators[0]):
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char in separators and depth == 0:
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
    claims: list[str] = []
    for number, (column, item) in enumerate(split_items(text), start=1):
        try:
            field = _parse_item(item, "Entity", "entity")
        except FieldsError as exc:
            errors.append(f"fields: {item!r} (item {number}, column {column}) — {exc}")
            continue
        if field.kind == "claim":
            claims.append(item)
    if len(claims) > 1:
        errors.append(
            f"fields: {', '.join(map(repr, claims))} — an entity's rows are scoped by one claim; "
            f"keep one, e.g. {claims[0]!r}"
        )
    return errors


def _parse_item(item: str, entity_class: str, table: str) -> Field:
    if not item:
        raise FieldsError("empty item (two commas in a row?); e.g. 'title:str(200), pages:int'")
    match = _TOKEN.match(item)
    if not match:
        raise FieldsError(
            "expected name:type[(args)][?][:unique][:index][:search][=default]; "
            "e.g. 'title:str(200):unique'"
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
    if kind in ("ref", "many"):
        args = _parse_ref(name, raw_args, kind)
    elif kind == "claim":
        args = _parse_claim(name, raw_args)
    else:
        args = _parse_args(name, kind, raw_args)
    mods = [m.strip() for m in (match["mods"] or "").split(":")[1:]]
    for mod in mods:
        if mod not in MODIFIERS:
            known = ", ".join(MODIFIERS)
            raise FieldsError(f"unknown modifier {mod!r}; known modifiers: {known}")
        if mods.count(mod) > 1:
            raise FieldsError(f"modifier {mod!r} given twice; e.g. '{name}:{kind}:{mod}'")
    rules = [mod for mod in mods if mod in ON_DELETE]
    field = Field(
        name=f"{name}_id" if kind == "ref" else name,
        kind=kind,
        args=args,
        nullable=bool(match["nullable"]),
        unique="unique" in mods,
        index="index" in mods or kind == "ref",  # a reference is always indexed
        entity_class=entity_class,
        table=table,
        on_delete=rules[0] if rules else "restrict",
        search="search" in mods,
    )  # its default, checked against the field, comes last (_with_default)
    _check_many(field, mods, match["default"])
    _check_rules(field, name, rules)
    _check_claim(field, mods, match["default"])
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


def _parse_ref(name: str, raw: str | None, kind: str = "ref") -> tuple[str, ...]:
    """`ref(Author)` or `many(Tag)`: the target entity, by its name as declared."""
    target = (raw or "").strip()
    if not _REF_TARGET.match(target):
        example = "ref(Author)" if kind == "ref" else "many(Tag)"
        raise FieldsError(f"{kind} needs the entity it points at; e.g. '{name}:{example}'")
    if kind == "many" and name.endswith(("_id", "_ids")):
        bare = name.rpartition("_")[0]
        raise FieldsError(
            f"a many field named {name!r} would be sent as {singular(name) + '_ids'!r}: name it "
            f"after what it links to; e.g. '{bare}s:many({target})'"
        )
    if kind == "ref" and name.endswith("_id"):
        bare = name.removesuffix("_id")
        raise FieldsError(
            f"a reference named {name!r} would be stored as {name + '_id'!r}: name it after "
            f"what it points at; e.g. '{bare}:ref({target})'"
        )
    return (target,)


_CLAIM = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:/-]*$")


def _parse_claim(name: str, raw: str | None) -> tuple[str, ...]:
    """`claim(sub)`: the token claim whose value fills the column and scopes the rows."""
    claim = (raw or "").strip()
    if not _CLAIM.match(claim):
        raise FieldsError(
            f"claim needs the token claim that fills it; e.g. '{name}:claim(sub)' or "
            "'tenant:claim(org_id)'"
        )
    return (claim,)


def _check_claim(field: Field, mods: list[str], default: str | None) -> None:
    """A claim field is the caller's value, always there: no '?', modifier or default."""
    if field.kind != "claim":
        return
    if field.nullable or mods or default is not None:
        raise FieldsError(
            "a claim field is filled from the caller's token: it takes no '?', modifier or "
            f"default (its list indexes start with it); e.g. '{field.name}:claim({field.claim})'"
        )


def _check_many(field: Field, mods: list[str], default: str | None) -> None:
    """A many field is a set of links, empty when none is sent: no '?', modifier or
    default (its join table is indexed both ways)."""
    if field.kind == "many" and (field.nullable or mods or default is not None):
        raise FieldsError(
            "a many field is a set of links, empty by default and indexed both ways: it takes "
            f"no '?', modifier or default; e.g. '{field.name}:many({field.target})'"
        )


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
    if field.search and "contains" not in field.spec.filters:
        raise FieldsError(
            "':search' serves the '_contains' filter, which only text fields (str, text, email, "
            "url) have; e.g. 'title:str(200):search'"
        )
    if field.kind in ("json", "text") and (field.unique or field.index):
        raise FieldsError(
            f"a {field.kind} column cannot be unique or indexed; e.g. '{field.name}:{field.kind}'"
        )
    if field.kind == "decimal" and field.unique and field.args[0] == "1":
        scale = field.args[1]
        raise FieldsError(
            f"a unique decimal(1,{scale}) column would allow only 19 rows; widen it; e.g. "
            f"'{field.name}:decimal(3,{scale}):unique'"
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
    fields: list[Field], table: str, *, soft_delete: bool, database: str, scope: str = ""
) -> list[Call]:
    """One sa.Index per sort key on (key, id), the order of a list page with its tie-breaker:
    no sort the API offers scans the table; then a trigram index per `:search` field. Under
    soft delete, over live rows only; rows scoped by a claim column: (scope, key, id), since
    every list is one caller's rows."""
    live = _live_rows(soft_delete, database)
    head = (f'"{scope}"',) if scope else ()
    indexes = [
        Call("sa.Index", (f'"{sort_index_name(table, key)}"', *head, f'"{key}"', '"id"', *live))
        for key in sort_keys(fields)
    ]
    if scope:  # the sort by id, which the primary key serves for unscoped rows
        indexes.append(
            Call("sa.Index", (f'"{sort_index_name(table, scope)}"', *head, '"id"', *live))
        )
    for field in fields:
        if field.search:
            name = f'"{search_index_name(table, field.name)}"'
            indexes.append(Call("sa.Index", (name, f'"{field.name}"', *_trigram(field), *live)))
    return indexes


def search_index_name(table: str, column: str) -> str:
    """The trigram index name of a `:search` field: ix_book_title_trgm."""
    return f"ix_{table}_{column}_trgm"


def _trigram(field: Field) -> tuple[str, ...]:
    """The arguments that make an index a GIN trigram index on the field's column (pg_trgm),
    which serves ILIKE '%...%', the `_contains` filter."""
    return ('postgresql_using="gin"', f'postgresql_ops={{"{field.name}": "gin_trgm_ops"}}')


def migration_sort_indexes(
    fields: list[Field], table: str, *, soft_delete: bool, database: str, scope: str = ""
) -> list[tuple[Call, Call]]:
    """(op.create_index, op.drop_index) pairs of the sort indexes, for the migration."""
    live = _live_rows(soft_delete, database)
    head = f'"{scope}", ' if scope else ""
    pairs = []
    for key in sort_keys(fields):
        name = f'op.f("{sort_index_name(table, key)}")'
        columns = (name, f'"{table}"', f'[{head}"{key}", "id"]', "unique=False")
        create = Call("op.create_index", (*columns, *live))
        pairs.append((create, Call("op.drop_index", (name, f'table_name="{table}"'))))
    if scope:  # the sort by id, which the primary key serves for unscoped rows
        name = f'op.f("{sort_index_name(table, scope)}")'
        columns = (name, f'"{table}"', f'["{scope}", "id"]', "unique=False")
        create = Call("op.create_index", (*columns, *live))
        pairs.append((create, Call("op.drop_index", (name, f'table_name="{table}"'))))
    for field in fields:
        if field.search:
            name = f'op.f("{search_index_name(table, field.name)}")'
            columns = (name, f'"{table}"', f'["{field.name}"]', "unique=False")
            create = Call("op.create_index", (*columns, *_trigram(field), *live))
            pairs.append((create, Call("op.drop_index", (name, f'table_name="{table}"'))))
    return pairs


def filter_rows(fields: list[Field], links: Sequence[Mapping[str, str]] = ()) -> list[str]:
    """`("query parameter", "column", "operator")` for every list filter of the fields, then
    `("tag_id", "<join table>.<owner column>", "linked")` for each many field (links: the
    entity's link context)."""
    rows = [f'("{param}", "{f.name}", "{op}")' for f in fields for param, op in f.filters]
    rows += [
        f'("{link["target_column"]}", "{link["table"]}.{link["owner_column"]}", "linked")'
        for link in links
    ]
    return rows


def bad_filter_rows(fields: list[Field]) -> list[str]:
    """`("query parameter", "value")` pairs the list must refuse with 422, fields' and its
    own parameters' alike."""
    pairs = [("limit", "1e3"), ("sort", "no_such_field")]
    pairs += [pair for field in fields for pair in field.bad_filters]
    return [f'("{param}", "{value}")' for param, value in pairs]


def first_field(fields: list[Field], attribute: str, value: bool = True) -> Field | None:
    """The first field whose attribute has this value (e.g. unique, or not nullable)."""
    return next((f for f in fields if getattr(f, attribute) == value), None)
