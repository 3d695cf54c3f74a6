"""The naming rules: every documented example, and no exception on hostile input."""

from __future__ import annotations

import keyword
from collections.abc import Callable

import pytest

from crudgen.naming import (
    PYTHON_RESERVED,
    SQL_RESERVED,
    identifier,
    kebab,
    pascal,
    pluralize,
    singular,
    slugify,
    snake,
    table_name,
)

HOSTILE = [
    "",
    " ",
    "_",
    "___",
    "-",
    "../x",
    "../../etc/passwd",
    "a/b\\c",
    "'",
    '"',
    "'''; print(1) #",
    "__import__('os').system('touch /tmp/pwned')",
    "{{ cookiecutter.x }}",
    "{% raw %}",
    "\n",
    "a\nb\r\nc",
    "\t\x00\x1b[31m",
    "\ud800",
    "Héllo Wörld",
    "日本語",
    "ß",
    "ﬁ",
    "😀 emoji",
    "\uff21\uff42\uff43",
    "y",
    "Y",
    "9",
    "A" * 10_000,
    "aB" * 5_000,
    "x_" * 5_000,
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BlogPost", "blog_post"),
        ("blog_post", "blog_post"),
        ("Blog Post", "blog_post"),
        ("blog-post", "blog_post"),
        ("HTTPRequest", "http_request"),
        ("Book", "book"),
        ("OrderItem2", "order_item2"),
        ("  Blog   Post  ", "blog_post"),
        ("blog__post", "blog_post"),
        ("Café", "cafe"),
        ("", ""),
    ],
)
def test_snake_converts(text: str, expected: str) -> None:
    assert snake(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("blog_post", "BlogPost"),
        ("BlogPost", "BlogPost"),
        ("blog post", "BlogPost"),
        ("book", "Book"),
        ("order_item2", "OrderItem2"),
        ("", ""),
    ],
)
def test_pascal_converts(text: str, expected: str) -> None:
    assert pascal(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("BlogPost", "blog-post"), ("blog_post", "blog-post"), ("Book", "book"), ("", "")],
)
def test_kebab_converts(text: str, expected: str) -> None:
    assert kebab(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Book Service", "book-service"),
        ("  Héllo  World!", "hello-world"),
        ("book_service", "book-service"),
        ("FastAPI Demo", "fastapi-demo"),
        ("日本語", ""),
        ("", ""),
    ],
)
def test_slugify_converts(text: str, expected: str) -> None:
    assert slugify(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("book-service", "book_service"), ("Book Service", "book_service"), ("", "")],
)
def test_identifier_converts(text: str, expected: str) -> None:
    assert identifier(text) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("person", "people"),
        ("category", "categories"),
        ("address", "addresses"),
        ("status", "statuses"),
        ("box", "boxes"),
        ("church", "churches"),
        ("dish", "dishes"),
        ("quiz", "quizzes"),
        ("child", "children"),
        ("man", "men"),
        ("woman", "women"),
        ("mouse", "mice"),
        ("goose", "geese"),
        ("tooth", "teeth"),
        ("foot", "feet"),
        ("day", "days"),
        ("key", "keys"),
        ("book", "books"),
        ("analysis", "analyses"),
        ("blog_post", "blog_posts"),
        ("order_item", "order_items"),
        ("sales_person", "sales_people"),
        ("SalesPerson", "sales_people"),
        ("Blog Post", "blog_posts"),
        ("Category", "categories"),
        ("", ""),
    ],
)
def test_pluralize_inflects_last_word(word: str, expected: str) -> None:
    assert pluralize(word) == expected


@pytest.mark.parametrize(
    "word",
    ["news", "series", "species", "data", "equipment", "information", "sheep", "fish"],
)
def test_pluralize_keeps_uninflected(word: str) -> None:
    assert pluralize(word) == word


@pytest.mark.parametrize(
    ("entity", "expected"),
    [
        ("Book", "book"),
        ("BlogPost", "blog_post"),
        ("blog post", "blog_post"),
        ("User", "users"),
        ("Order", "orders"),
        ("Group", "groups"),
        ("UserGroup", "user_group"),
        ("Category", "category"),
    ],
)
def test_table_name_is_singular_unless_reserved(entity: str, expected: str) -> None:
    assert table_name(entity) == expected


@pytest.mark.parametrize("word", ["user", "order", "group", "select", "table", "limit", "offset"])
def test_sql_reserved_contains_common_words(word: str) -> None:
    assert word in SQL_RESERVED


@pytest.mark.parametrize("word", ["book", "title", "name", "status", "type", "id"])
def test_sql_reserved_excludes_ordinary_words(word: str) -> None:
    assert word not in SQL_RESERVED


@pytest.mark.parametrize("word", ["class", "None", "match", "case", "list", "id", "type"])
def test_python_reserved_contains_keywords_and_builtins(word: str) -> None:
    assert word in PYTHON_RESERVED


def test_python_reserved_excludes_private_names() -> None:
    assert not [name for name in PYTHON_RESERVED if name.startswith("_") and name != "_"]
    assert set(keyword.kwlist) <= PYTHON_RESERVED


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize(
    "function", [snake, pascal, kebab, slugify, identifier, pluralize, table_name]
)
def test_naming_never_raises(function: Callable[[str], str], text: str) -> None:
    result = function(text)
    assert isinstance(result, str)
    assert result.isascii()
    assert "/" not in result
    assert "." not in result


@pytest.mark.parametrize("text", HOSTILE)
def test_snake_output_is_safe(text: str) -> None:
    result = snake(text)
    assert all(char.isalnum() or char == "_" for char in result)
    assert not result.startswith("_")
    assert not result.endswith("_")


@pytest.mark.parametrize(
    ("plural", "one"),
    [
        ("tags", "tag"),
        ("categories", "category"),
        ("boxes", "box"),
        ("matches", "match"),
        ("addresses", "address"),
        ("related", "related"),
        ("staff", "staff"),
        ("status", "status"),
        ("access", "access"),
    ],
)
def test_singular_of_a_many_field_name(plural: str, one: str) -> None:
    assert singular(plural) == one
