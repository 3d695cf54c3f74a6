"""layout() writes calls the way `ruff format` would: exact cases, then ruff itself as oracle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from crudgen.fields import Field, parse_fields, sort_literal
from crudgen.naming import pascal, table_name
from crudgen.pyfmt import (
    LINE_LENGTH,
    Arg,
    Call,
    collection,
    flat,
    layout,
    python_list,
    python_string,
)
from crudgen.validate import fields_errors

RUFF = Path(sys.executable).with_name("ruff")
A40 = "a" * 40
B40 = "b" * 40
C40 = "c" * 40


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("x = 1", "x = 1"),
        (Call("f", ()), "f()"),
        (Call("f", ("a", "b")), "f(a, b)"),
        (Call("f", ("a", Call("g", ("b",))), tail=".h"), "f(a, g(b)).h"),
        (Call("Literal", ('"a"', '"b"'), brackets="[]"), 'Literal["a", "b"]'),
        (Call("x = ", ('"a"',), brackets="[]"), 'x = ["a"]'),
    ],
)
def test_flat_joins_one_line(call: Arg, expected: str) -> None:
    assert flat(call) == expected


@pytest.mark.parametrize(
    ("call", "indent", "suffix", "expected"),
    [
        # a plain string is only indented and suffixed
        ("x: int", 0, "", "x: int"),
        ("x: int", 4, "", "    x: int"),
        ('"name"', 8, ",", '        "name",'),
        ("y" * 150, 4, ",", "    " + "y" * 150 + ","),
        # a short call stays on one line
        (Call("f", ("a", "b")), 0, "", "f(a, b)"),
        (
            Call("sa.Column", ('"id"', "sa.Integer()")),
            8,
            ",",
            '        sa.Column("id", sa.Integer()),',
        ),
        # a call without arguments never wraps
        (Call("f" * 120, ()), 0, "", "f" * 120 + "()"),
        # exactly 100 columns stays, 101 hugs its arguments on one indented line
        (Call("g" * 10, ("a" * 88,)), 0, "", "g" * 10 + "(" + "a" * 88 + ")"),
        (Call("g" * 10, ("a" * 89,)), 0, "", "g" * 10 + "(\n    " + "a" * 89 + "\n)"),
        (Call("g" * 10, ("a" * 83,)), 4, ",", "    " + "g" * 10 + "(" + "a" * 83 + "),"),
        (
            Call("g" * 10, ("a" * 84,)),
            4,
            ",",
            "    " + "g" * 10 + "(\n        " + "a" * 84 + "\n    ),",
        ),
        # a single argument too long to hug still gets its trailing comma
        (Call("f", ("a" * 98,)), 0, "", "f(\n    " + "a" * 98 + ",\n)"),
        # hugged: the arguments fit on one line below the head
        (
            Call("value: int = Field", (A40, B40)),
            4,
            "",
            f"    value: int = Field(\n        {A40}, {B40}\n    )",
        ),
        # exploded: one argument per line, each with a trailing comma
        (
            Call("f", (A40, B40, C40)),
            0,
            "",
            f"f(\n    {A40},\n    {B40},\n    {C40},\n)",
        ),
        # the hugged line would be 101 columns at this indent, so it explodes
        (
            Call("f", ("a" * 45, "b" * 45)),
            6,
            "",
            "      f(\n" + "          " + "a" * 45 + ",\n" + "          " + "b" * 45 + ",\n      )",
        ),
        # brackets="[]"
        (
            Call("Sort = Literal", (f'"{A40}"', f'"{B40}"'), brackets="[]"),
            0,
            "",
            f'Sort = Literal[\n    "{A40}", "{B40}"\n]',
        ),
        (
            Call("FIELDS = ", (f'"{A40}"', f'"{B40}"', f'"{C40}"'), brackets="[]"),
            0,
            "",
            f'FIELDS = [\n    "{A40}",\n    "{B40}",\n    "{C40}",\n]',
        ),
        # a suffix goes after the closing bracket and the tail
        (
            Call("sa.Column", (A40, B40, C40)),
            8,
            ",",
            "        sa.Column(\n"
            f"            {A40},\n            {B40},\n            {C40},\n"
            "        ),",
        ),
        (
            Call("f", ("a" * 45, "b" * 45), tail=".scalar()"),
            0,
            ";",
            "f(\n    " + "a" * 45 + ", " + "b" * 45 + "\n).scalar();",
        ),
    ],
)
def test_layout_renders_exact(call: Arg, indent: int, suffix: str, expected: str) -> None:
    assert layout(call, indent, suffix) == expected


def test_layout_nested_call_explodes_twice() -> None:
    inner = Call("sa.Enum", (A40, B40, C40))
    outer = Call("status: Mapped[Status] = mapped_column", (inner, "index=True"))
    assert layout(outer, 4) == (
        "    status: Mapped[Status] = mapped_column(\n"
        "        sa.Enum(\n"
        f"            {A40},\n"
        f"            {B40},\n"
        f"            {C40},\n"
        "        ),\n"
        "        index=True,\n"
        "    )"
    )


def test_layout_nested_call_hugs_inside_explosion() -> None:
    inner = Call("g", (A40, B40))
    outer = Call("f", (inner, "x" * 60))
    assert layout(outer) == f"f(\n    g({A40}, {B40}),\n    {'x' * 60},\n)"


def test_layout_nested_inner_hugs_when_its_args_fit() -> None:
    inner = Call("g" * 50, (A40, "b" * 20))
    outer = Call("f", (inner, "x"))
    assert layout(outer) == f"f(\n    {'g' * 50}(\n        {A40}, {'b' * 20}\n    ),\n    x,\n)"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], "FIELDS = []"),
        (["title", "pages"], 'FIELDS = ["title", "pages"]'),
        (
            [f"field_{n:02d}_{'x' * 10}" for n in range(4)],
            # a list display is never hugged on one indented line (ruff format)
            "FIELDS = [\n" + "".join(f'    "field_{n:02d}_{"x" * 10}",\n' for n in range(4)) + "]",
        ),
        (
            [f"field_{n:02d}_{'x' * 10}" for n in range(5)],
            "FIELDS = [\n" + "".join(f'    "field_{n:02d}_{"x" * 10}",\n' for n in range(5)) + "]",
        ),
    ],
)
def test_python_list_renders_exact(values: list[str], expected: str) -> None:
    assert layout(python_list("FIELDS", values)) == expected


# --- ruff format as the oracle ---------------------------------------------------------------

LONG = "long_field_name_for_layout_tst"  # 30 characters, the longest name validate allows
ENUM_VALUES = "awaiting_payment|payment_received|being_packed|shipped|out_for_delivery|delivered"
SWEEP_KINDS = (
    "str(200)?:unique:index=some default text",
    "str(10485760)",
    "text?",
    "int=-2147483648",
    "bigint?:index=9007199254740991",
    "float?=-0.5",
    "decimal(38,10)?:index=123.5",
    "decimal(1000,999)=0.5",
    "bool?:index=true",
    "date:index",
    "datetime?:unique",
    "uuid:unique:index",
    "email:unique",
    "url?",
    "json?",
    f"enum({ENUM_VALUES})?:index=being_packed",
    "enum(a|b)=b",
)


def sweep_fields(entity: str) -> list[Field]:
    """Every kind with every name length 1..30, so lines cross the 100-column edge."""
    table = table_name(entity)
    items = [f"{LONG[:size]}:{kind}" for kind in SWEEP_KINDS for size in range(1, 31)]
    return [parse_fields(item, pascal(entity), table)[0] for item in items]


def module_text(fields: list[Field], entity: str) -> str:
    """A module holding every rendering of the fields, in the template's own contexts."""
    cls = pascal(entity)
    table = table_name(entity)
    model = [layout(f.model_line, 4) for f in fields]
    schema = [layout(f.schema_line(m), 4) for f in fields for m in ("create", "update", "read")]
    schema += [layout(line, 4) for f in fields for line in f.filter_lines]
    columns = [layout(f.migration_column, 8, ",") for f in fields]
    columns += [layout(c, 8, ",") for f in fields if (c := f.migration_constraint) is not None]
    indexes = [layout(f.migration_index, 4) for f in fields if f.index]
    drops = [layout(f.migration_drop_index, 4) for f in fields if f.index]
    literals = [layout(sort_literal(fields[:n], cls)) for n in (0, 1, 2, 5, len(fields))]
    literals += [layout(python_list("FIELDS", [f.name for f in fields[:n]])) for n in (1, 4, 9)]
    upgrade = [f'    op.create_table(\n        "{table}",', *columns, "    )", *indexes]
    return "\n\n\n".join(
        [
            "class Model:\n" + "\n".join(model),
            "class Schema:\n" + "\n".join(schema),
            "def upgrade() -> None:\n" + "\n".join(upgrade),
            "def downgrade() -> None:\n" + "\n".join(drops or ["    pass"]),
            "\n".join(literals),
        ]
    )


def known_bug(field: Field) -> bool:
    """An enum default whose create-schema line is over 100 columns: see the xfail below."""
    return (
        field.kind == "enum"
        and field.default is not None
        and (len(flat(field.schema_line("create"))) + 4 > LINE_LENGTH)
    )


def ruff_format_check(directory: Path) -> tuple[int, str]:
    """(exit code, diff or error) of `ruff format --check`, only the line length configured."""
    command = [str(RUFF), "format", "--isolated", "--no-cache", "--line-length", "100"]
    check = subprocess.run([*command, "--check", str(directory)], capture_output=True, text=True)
    if check.returncode == 0:
        return 0, ""
    diff = subprocess.run([*command, "--diff", str(directory)], capture_output=True, text=True)
    return check.returncode, diff.stdout + diff.stderr


@pytest.mark.parametrize("entity", ["Book", "OrderItem", "InventoryAdjustment"])
def test_layout_agrees_with_ruff_format(tmp_path: Path, entity: str) -> None:
    fields = [f for f in sweep_fields(entity) if not known_bug(f)]
    if entity == "InventoryAdjustment":
        # enum heads grow with the entity; validate keeps these names short (63-byte limit)
        fields = [f for f in fields if f.kind != "enum" or len(f.name) <= 17]
    text = module_text(fields, entity)
    assert max(len(line) for line in text.splitlines()) <= LINE_LENGTH
    (tmp_path / "generated.py").write_text(text + "\n")
    result = ruff_format_check(tmp_path)
    assert result == (0, ""), result[1]


@pytest.mark.parametrize(
    ("items", "entity"),
    [
        (["title:str(200):unique", "pages:int?"], "Book"),
        ([f"{LONG}:decimal(38,10)?:unique:index=12.5", f"status:enum({ENUM_VALUES})"], "OrderItem"),
        ([f"{LONG}:{kind}" for kind in SWEEP_KINDS[:4]], "OrderItem"),
        ([f"{LONG[:n]}:url" for n in range(20, 31)], "InventoryAdjustment"),
    ],
)
def test_layout_statements_agree_with_ruff_format(
    tmp_path: Path, items: list[str], entity: str
) -> None:
    fields = [parse_fields(i, pascal(entity), table_name(entity))[0] for i in items]
    text = module_text(fields, entity)
    (tmp_path / "statements.py").write_text(text + "\n")
    result = ruff_format_check(tmp_path)
    assert result == (0, ""), result[1]


def test_validation_refuses_enum_head_too_long_for_layout() -> None:
    # layout() never breaks a call's head, so validation keeps enum heads short.
    errors = fields_errors("abcdefghijklmnopqrstuvwxyzabcd:enum(a|b)?", "Abcdefghijklm")
    assert errors == [
        "fields: 'abcdefghijklmnopqrstuvwxyzabcd:enum(a|b)?' — the enum class "
        "'AbcdefghijklmAbcdefghijklmnopqrstuvwxyzabcd' and the field name are 73 characters "
        "together; at most 62, so generated lines stay readable; "
        "e.g. 'abcdefghijklmnopqrstuvwx:enum(a|b)?'"
    ]


def test_layout_longest_valid_enum_head_agrees_with_ruff_format(tmp_path: Path) -> None:
    entity = "Abcdefghijklm"
    assert fields_errors("abcdefghijklmnopqrstuvwx:enum(a|b)?", entity) == []
    (field,) = parse_fields(
        "abcdefghijklmnopqrstuvwx:enum(a|b)?", pascal(entity), table_name(entity)
    )
    text = "class Model:\n" + layout(field.model_line, 4) + "\n"
    (tmp_path / "model.py").write_text(text)
    result = ruff_format_check(tmp_path)
    assert result == (0, ""), result[1]


def test_layout_long_enum_default_agrees_with_ruff_format(tmp_path: Path) -> None:
    # Entity "Book" with this field passes validate_context().
    (field,) = parse_fields(f"{LONG}:enum(being_packed|shipped)?=being_packed", "Book", "book")
    assert known_bug(field)
    text = "class Schema:\n" + layout(field.schema_line("create"), 4) + "\n"
    (tmp_path / "schema.py").write_text(text)
    result = ruff_format_check(tmp_path)
    assert result == (0, ""), result[1]


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], "X: tuple[str, ...] = ()"),
        (['"a"'], 'X: tuple[str, ...] = ("a",)'),
        (['"a"', '"b"'], 'X: tuple[str, ...] = ("a", "b")'),
    ],
)
def test_tuple_collection_renders_like_ruff(items: list[str], expected: str) -> None:
    assert layout(collection("X: tuple[str, ...] = ", items, "()")) == expected


@pytest.mark.parametrize(
    "text", ["Book", 'Say "hi"', "it's", "back\\slash", "both \" and ' quotes", "tab\there"]
)
def test_python_string_is_the_text_quoted_as_ruff_quotes(text: str) -> None:
    literal = python_string(text)
    assert ast.literal_eval(literal) == text
    assert literal[0] == ("'" if text.count('"') > text.count("'") else '"')
