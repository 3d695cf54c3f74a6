"""Validation of the cookiecutter answers: exact one-line errors, all of them at once."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from crudgen.naming import pluralize
from crudgen.validate import PACKAGE_MODULES, TEST_MODULES, fields_errors, validate_context

VALID: dict[str, object] = {
    "project_name": "Book Service",
    "project_slug": "book-service",
    "package_name": "book_service",
    "description": "A book service",
    "author_name": "Ada",
    "author_email": "ada@example.com",
    "entity_name": "Book",
    "entity_plural": "books",
    "fields": "title:str(200):unique, pages:int?",
    "id_type": "uuid",
    "python_version": "3.11",
}
OPTIONAL: dict[str, object] = {
    "database": "sqlite",
    "pagination": "offset",
    "soft_delete": True,
    "docker": "no",
    "init_git": "yes",
    "ci": "none",
}
LETTERS = "use ASCII letters, digits, underscores or spaces, starting with a letter"
ONE_LINE = "must be one line of printable text (no newlines, tabs or control characters)"
PACKAGE = "use lowercase ASCII letters, digits and underscores, starting with a letter"
CLASHES = "the package would clash with a dependency or directory of the generated project"
SLUG_SHAPE = "start with a letter and put single hyphens between words"
STDLIB = "the package would shadow the standard-library module of that name"
EMAIL = "use an address like local@domain.tld; e.g. 'ada@example.com'"
KEYWORD_CLASS = "its class 'None' would be a Python keyword; e.g. 'NoneItem'"
MAPPED = "its model class 'Mapped' would hide the Mapped every generated models.py imports"
LIST = "is a query parameter of the list endpoint, so it could not be a filter"
LIMIT = "over PostgreSQL's 63-byte limit"
SHORTEN = "(shorten the entity or field names)"
FILTER = "collides with a list filter of field"
LONG_ENTITY = "A" * 60
LONG_FIELD = "x" * 64

BAD_INPUTS = [
    ("project_name", "", "must not be empty; e.g. 'Book Service'"),
    ("project_name", "   ", "must not be empty; e.g. 'Book Service'"),
    ("project_name", "Book\nService", f"{ONE_LINE}; e.g. 'Book Service'"),
    ("project_name", None, "must be text; e.g. 'Book Service'"),
    ("project_slug", "My Slug", "use lowercase letters, digits and hyphens; e.g. 'book-service'"),
    ("project_slug", "../evil", "use lowercase letters, digits and hyphens; e.g. 'book-service'"),
    ("project_slug", "1book", f"{SLUG_SHAPE}; e.g. 'book-service'"),
    ("project_slug", "book--service", f"{SLUG_SHAPE}; e.g. 'book-service'"),
    ("package_name", "Book-Service", f"{PACKAGE}; e.g. 'book_service'"),
    ("package_name", "book_service\n", f"{ONE_LINE}; e.g. 'book_service'"),
    ("package_name", "class", "a Python keyword cannot name the package; e.g. 'class_service'"),
    ("package_name", "list", "a Python builtin cannot name the package; e.g. 'list_service'"),
    ("package_name", "json", f"{STDLIB}; e.g. 'json_service'"),
    ("package_name", "fastapi", f"{CLASHES}; e.g. 'fastapi_service'"),
    ("package_name", "tests", f"{CLASHES}; e.g. 'tests_service'"),
    ("description", "", "must not be empty; e.g. 'A book service'"),
    ("description", "one\ntwo", f"{ONE_LINE}; e.g. 'A book service'"),
    ("description", "tab\there", f"{ONE_LINE}; e.g. 'A book service'"),
    ("author_name", 42, "must be text; e.g. 'Ada Lovelace'"),
    ("author_email", "ada", EMAIL),
    ("author_email", "ada@example", EMAIL),
    ("author_email", "ada l@example.com", EMAIL),
    ("entity_name", "None", KEYWORD_CLASS),
    ("entity_name", "Mapped", f"{MAPPED}; e.g. 'MappedItem'"),
    ("entity_name", "Blog-Post", f"{LETTERS}; e.g. 'BlogPost'"),
    ("entity_name", "2Book", f"{LETTERS}; e.g. 'BlogPost'"),
    ("entity_name", "Café", f"{LETTERS}; e.g. 'BlogPost'"),
    (
        "entity_name",
        LONG_ENTITY,
        "at most 24 characters, so generated lines stay readable; e.g. 'InventoryAdjustment'",
    ),
    (
        "entity_plural",
        "book",
        "plural must differ from the singular 'book'; e.g. 'books' or pick another entity name",
    ),
    (
        "entity_plural",
        "class",
        "a Python keyword cannot name the package, which is imported by that name; e.g. 'books'",
    ),
    (
        "entity_plural",
        "bytes",
        "the package is imported by that name, which would hide the Python builtin; e.g. 'books'",
    ),
    (
        "entity_plural",
        "core",
        "the package would collide with the module src/<package>/core.py; e.g. 'books'",
    ),
    (
        "entity_plural",
        "callers",
        "its tests would collide with the module tests/callers.py; e.g. 'books'",
    ),
    ("entity_plural", "../books", f"{LETTERS}; e.g. 'books'"),
    ("fields", "", "must not be empty; e.g. 'title:str(200):unique, pages:int?'"),
    ("fields", "id:int", "'id' is a server-owned column; e.g. 'book_id:int'"),
    ("fields", "cursor:str(9)", f"'cursor' {LIST}; e.g. 'book_cursor:str(9)'"),
    (
        "fields",
        f"{LONG_FIELD}:int",
        "field name is 64 characters; at most 30 characters, so generated lines stay "
        f"readable; e.g. '{LONG_FIELD[:30]}:int'",
    ),
    ("id_type", "uuid4", "choose one of 'uuid', 'int'; e.g. 'uuid'"),
    ("id_type", "uid", "choose one of 'uuid', 'int'; e.g. 'uuid'"),
    ("python_version", "3.10", "choose one of '3.11', '3.12', '3.13'; e.g. '3.11'"),
    ("python_version", 3.11, "choose one of '3.11', '3.12', '3.13'; e.g. '3.11'"),
    ("database", "mysql", "choose one of 'postgresql', 'sqlite'; e.g. 'postgresql'"),
    ("pagination", "page", "choose one of 'cursor', 'offset'; e.g. 'cursor'"),
    ("ci", "jenkins", "choose one of 'github', 'gitlab', 'none'; e.g. 'github'"),
    ("auth", "basic", "choose one of 'oidc', 'none'; e.g. 'oidc'"),
    ("soft_delete", "maybe", "answer yes or no; e.g. 'no'"),
    ("docker", None, "answer yes or no; e.g. 'no'"),
]

HOSTILE = [
    "__import__('os').system('touch /tmp/pwned')",
    "'''; print(1) #",
    '"; import os; os.system("id") #',
    "{{ cookiecutter.__class__ }}",
    "{% for x in range(9) %}x{% endfor %}",
    "../../etc/passwd",
    "$(touch /tmp/pwned)",
    "`id`",
    "a\x00b",
    "\ud800",
]
NON_STRINGS: list[object] = [None, 0, 1.5, True, [], {}, ["Book"], {"a": 1}]


def test_validate_context_accepts_defaults() -> None:
    assert validate_context(VALID) == []


def test_validate_context_accepts_optional_inputs() -> None:
    assert validate_context({**VALID, **OPTIONAL}) == []


def test_validate_context_accepts_empty_context() -> None:
    assert validate_context({}) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("entity_name", "BlogPost"),
        ("entity_name", "blog_post"),
        ("entity_name", "Blog Post"),
        ("entity_name", "User"),
        ("entity_name", "OrderItem2"),
        ("entity_plural", "Books"),
        ("author_email", "ada.lovelace+svc@mail.example.co.uk"),
        ("project_name", "Héllo Wörld"),
        ("project_slug", "book-service2"),
        ("docker", "Yes"),
        ("soft_delete", False),
        ("fields", "book:str(9), status:enum(draft|published)=draft, price:decimal(10,2)"),
        ("fields", "pages:int, pages_min:int, title_like:str(9)"),
    ],
)
def test_validate_context_accepts_good_value(key: str, value: object) -> None:
    assert validate_context({**VALID, key: value}) == []


def test_bad_inputs_are_distinct() -> None:
    pairs = [(key, repr(value)) for key, value, _ in BAD_INPUTS]
    assert len(set(pairs)) == len(pairs) >= 30


@pytest.mark.parametrize(("key", "value", "rule"), BAD_INPUTS)
def test_validate_context_rejects_bad_value(key: str, value: object, rule: str) -> None:
    assert validate_context({**VALID, key: value}) == [f"{key}: {value!r} — {rule}"]


def test_validate_context_reports_every_error() -> None:
    first: dict[str, tuple[object, str]] = {}
    for key, value, rule in BAD_INPUTS:
        if key not in ("entity_plural", "fields"):
            first.setdefault(key, (value, f"{key}: {value!r} — {rule}"))
    errors = validate_context({**VALID, **{key: value for key, (value, _) in first.items()}})
    assert len(first) == 15
    assert errors == [expected for _, expected in first.values()]


def test_validate_context_reports_errors_of_several_inputs() -> None:
    bad = {
        **VALID,
        "project_slug": "My Slug",
        "entity_name": "None",
        "fields": "id:int, order:int",
        "id_type": "uuid4",
    }
    assert validate_context(bad) == [
        "project_slug: 'My Slug' — use lowercase letters, digits and hyphens; e.g. 'book-service'",
        f"entity_name: 'None' — {KEYWORD_CLASS}",
        "fields: 'id:int' — 'id' is a server-owned column; e.g. 'item_id:int'",
        "id_type: 'uuid4' — choose one of 'uuid', 'int'; e.g. 'uuid'",
    ]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    "key",
    ["project_slug", "package_name", "author_email", "entity_name", "entity_plural", "fields"],
)
def test_validate_context_rejects_hostile_value(key: str, value: str) -> None:
    errors = validate_context({**VALID, key: value})
    assert errors
    assert all(line.startswith(f"{key}: ") and "\n" not in line for line in errors)


@pytest.mark.parametrize("value", NON_STRINGS)
@pytest.mark.parametrize("key", [*VALID, *OPTIONAL])
def test_validate_context_rejects_non_string(key: str, value: object) -> None:
    errors = validate_context({**VALID, key: value})
    if key in ("soft_delete", "docker", "init_git") and isinstance(value, bool):
        assert errors == []
    else:
        assert len(errors) == 1
        assert errors[0].startswith(f"{key}: {value!r} — ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title:str(200)", []),
        ("book:str(9)", []),
        ("id:int", [("id:int", "'id' is a server-owned column; e.g. 'book_id:int'")]),
        (
            "created_at:datetime",
            [
                (
                    "created_at:datetime",
                    "'created_at' is a server-owned column; e.g. 'book_created_at:datetime'",
                )
            ],
        ),
        ("metadata:json", []),
        ("limit:int", [("limit:int", f"'limit' {LIST}; e.g. 'book_limit:int'")]),
        ("date:date", []),
        ("class:int", []),
        ("match:int", []),
        ("from:date, to:date, type:str(9), order:int, select:bool", []),
        (
            "from:date, from_:date",
            [
                (
                    "from_:date",
                    "'from_' and 'from' would share the Python attribute 'from_'"
                    "; e.g. 'book_from_:date'",
                )
            ],
        ),
        ("user:str(9)", []),
        (
            "pages:int, pages_gte:int",
            [("pages_gte:int", f"'pages_gte' {FILTER} 'pages'; e.g. 'book_pages_gte:int'")],
        ),
        (
            "name:str(9), name_contains:str(9)",
            [
                (
                    "name_contains:str(9)",
                    f"'name_contains' {FILTER} 'name'; e.g. 'book_name_contains:str(9)'",
                )
            ],
        ),
        (
            "on:date, on_lte:date",
            [
                ("on_lte:date", f"'on_lte' {FILTER} 'on'; e.g. 'book_on_lte:date'"),
            ],
        ),
        (
            "body_contains:text, body:text",
            [
                (
                    "body_contains:text",
                    f"'body_contains' {FILTER} 'body'; e.g. 'book_body_contains:text'",
                )
            ],
        ),
        (
            "read:enum(a|b)",
            [
                (
                    "read:enum(a|b)",
                    "an enum named 'read' would clash with a generated schema class"
                    "; e.g. 'book_read:enum(a|b)'",
                )
            ],
        ),
        (
            "title:str(9), title:text",
            [("title:text", "duplicate field name 'title'; e.g. 'book_title:text'")],
        ),
        ("a:int, a:int, a:int", [("a:int", "duplicate field name 'a'; e.g. 'book_a:int'")] * 2),
    ],
)
def test_fields_errors_names_field(text: str, expected: list[tuple[str, str]]) -> None:
    assert fields_errors(text, "Book") == [f"fields: {item!r} — {rule}" for item, rule in expected]


def test_fields_errors_reports_syntax_and_names() -> None:
    errors = fields_errors("id:int, price:decimel(10,2), type:str(9)", "Book")
    assert errors[0].startswith("fields: 'price:decimel(10,2)' ")
    assert errors[1:] == ["fields: 'id:int' — 'id' is a server-owned column; e.g. 'book_id:int'"]


# Field names teams copy from existing APIs: each is served (aliased where Python needs it).
EVERYDAY_NAMES = (
    "type", "order", "from", "to", "date", "format", "min", "max", "total", "end", "user",
    "group", "hash", "filter", "input", "object", "property", "range", "set", "class", "match",
    "case", "select", "table", "json", "copy", "schema", "metadata", "model_config", "sa",
    "datetime", "items", "next_cursor", "all", "any", "list", "dict", "id_", "start", "count",
)  # fmt: skip


@pytest.mark.parametrize("name", EVERYDAY_NAMES)
def test_everyday_field_names_are_accepted(name: str) -> None:
    assert fields_errors(f"{name}:str(20)", "Book") == []


@pytest.mark.parametrize("text", HOSTILE)
def test_fields_errors_rejects_hostile_text(text: str) -> None:
    errors = fields_errors(text, "Book")
    assert errors
    assert all(line.startswith("fields: ") for line in errors)


# Everyday entity names once refused: a class of that name hides nothing, and where the
# generated code imports the same name it imports it aliased (Base) or qualified (typing.Any).
FORMERLY_REFUSED = (
    "Session", "Setting", "Status", "Type", "Request", "Response", "Query", "Path", "Body",
    "Config", "Model", "Field", "Schema", "Health", "Date", "Range", "Filter", "List", "Dict",
    "Any", "Annotated", "Database", "Router", "App", "Test", "Error", "Problem", "Base",
)  # fmt: skip


@pytest.mark.parametrize("name", FORMERLY_REFUSED)
def test_everyday_entity_names_are_accepted(name: str) -> None:
    answers = {**VALID, "entity_name": name, "entity_plural": pluralize(name)}
    assert validate_context(answers) == []
    assert validate_context({**VALID, "more_entities": f"{name}: name:str(20)"}) == []


@pytest.mark.parametrize(
    ("name", "plural", "rule"),
    [
        (
            "Byte",
            "bytes",
            "the package is imported by that name, which would hide the Python builtin",
        ),
        ("Caller", "callers", "its tests would collide with the module tests/callers.py"),
    ],
)
def test_derived_plural_that_cannot_name_a_package_is_refused(
    name: str, plural: str, rule: str
) -> None:
    answers = {**VALID, "entity_name": name, "entity_plural": plural}
    assert validate_context(answers) == [
        f"entity_plural: {plural!r} — {rule}; e.g. '{plural}_items'"
    ]
    more = validate_context({**VALID, "more_entities": f"{name}: n:int"})
    assert more == [
        f"more_entities: {name} entity_plural: {plural!r} — {rule}; e.g. '{plural}_items'"
    ]


@pytest.mark.parametrize("name", ["123", "2Books", "Café"])
def test_refused_entity_name_is_reported_as_typed_not_by_its_plural(name: str) -> None:
    errors = validate_context({**VALID, "entity_name": name, "entity_plural": pluralize(name)})
    assert errors == [f"entity_name: {name!r} — {LETTERS}; e.g. 'BlogPost'"]


@pytest.mark.parametrize(
    ("entity", "field", "enum_class"),
    [
        ("Base", "model", "BaseModel"),
        ("Config", "dict", "ConfigDict"),
        ("Json", "safe_int", "JsonSafeInt"),
    ],
)
def test_enum_class_that_a_module_binds_is_refused(
    entity: str, field: str, enum_class: str
) -> None:
    assert fields_errors(f"{field}:enum(a|b)", entity) == [
        f"fields: '{field}:enum(a|b)' — its enum class {enum_class!r} would clash with a name "
        f"its module binds; e.g. '{field}_kind:enum(a|b)'"
    ]


def test_module_names_are_read_from_the_template() -> None:
    assert {"core", "main", "registry", "custom"} <= PACKAGE_MODULES
    assert {"callers", "conftest", "test_auth"} <= TEST_MODULES
    assert not {"__init__", "__pycache__", "py"} & (PACKAGE_MODULES | TEST_MODULES)


def test_validate_context_rejects_long_enum_constraint() -> None:
    entity, table = "B" * 24, "b" * 24
    errors = validate_context({**VALID, "entity_name": entity, "fields": "state_label:enum(a|b)"})
    assert errors == [
        f"entity_name: '{entity}' — derived name 'ck_{table}_{table}_state_label' is 64 bytes, over"
        " PostgreSQL's 63-byte limit (shorten the entity or field names); e.g. 'Book'"
    ]


def test_validate_context_accepts_name_at_length_limit() -> None:
    entity = "B" * 24
    assert validate_context({**VALID, "entity_name": entity, "fields": "x:int"}) == []


def test_sqlite_refuses_decimals_wider_than_a_64_bit_integer() -> None:
    answers = {**VALID, "database": "sqlite", "fields": "total:decimal(30,4)?, fee:decimal(18,2)"}
    assert validate_context(answers) == [
        "fields: 'total:decimal(30,4)?' — SQLite keeps exact decimals as 64-bit integers, so at "
        "most 18 digits (or choose database=postgresql); e.g. 'total:decimal(18,4)?'"
    ]
    assert validate_context({**answers, "database": "postgresql"}) == []


def test_sqlite_refuses_search_with_the_field_without_it() -> None:
    answers = {**VALID, "database": "sqlite", "fields": "title:str(200):unique:search, n:int"}
    assert validate_context(answers) == [
        "fields: 'title:str(200):unique:search' — ':search' needs PostgreSQL's trigram index "
        "(pg_trgm; or choose database=postgresql); e.g. 'title:str(200):unique'"
    ]
    assert validate_context({**answers, "database": "postgresql"}) == []


def test_readme_sample_errors_are_the_real_ones() -> None:
    """The README's sample of rejected answers is what validation prints for them."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What is validated", 1)[1]
    command = re.search(r"For\s+`uvx cookiecutter --no-input \. (.+?)`:", section, re.S)
    assert command, "the README names the command whose errors it shows"
    answers = dict(item.split("=", 1) for item in shlex.split(command[1]))
    block = section.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    errors = validate_context({**VALID, **answers})
    assert block == [f"error: {e}" for e in errors] + [
        f"{len(errors)} answer(s) rejected; nothing was generated."
    ]


BOOK = {"entity_name": "Book", "database": "postgresql"}
MANY_ERRORS = [
    (
        {"fields": "title:str(20), tags:many(Tag)", "more_entities": "Tag: name:str(20)"},
        [],
    ),
    (  # a link to the entity itself is fine: its join table names the two rows apart
        {"fields": "title:str(20), related:many(Book)"},
        [],
    ),
    (
        {"fields": "title:str(20), tags:many(Taag)", "more_entities": "Tag: name:str(20)"},
        [
            "fields: 'Book' — 'tags' refers to 'Taag', which is not declared (did you mean "
            "'Tag'?); e.g. 'tags:many(Tag)'"
        ],
    ),
    (
        {
            "fields": "title:str(20), tags:many(Tag)",
            "more_entities": "Tag: name:str(20), books:many(Book)",
        },
        [
            "fields: 'Book' — many fields and required references form a cycle Book -> Tag -> "
            "Book, so no table could be created first; declare a many field on one side only; "
            "e.g. 'tags:many(Tag)'"
        ],
    ),
    (
        {"fields": "title:str(20), books:many(Book)"},
        [
            "fields: 'books:many(Book)' — its join table would name both rows 'book_id': name "
            "the field after the relation; e.g. 'linked_books:many(Book)'"
        ],
    ),
    (
        {
            "fields": "title:str(20), tags:many(Tag), tag:ref(Tag)",
            "more_entities": "Tag: name:str(20)",
        },
        [
            "fields: 'tag:ref(Tag)' — 'tag_id' collides with a list filter of field 'tags'; "
            "e.g. 'book_tag:ref(Tag)'"
        ],
    ),
    (
        {"fields": "title:str(20), tags:many(Tag)?", "more_entities": "Tag: name:str(20)"},
        [
            "fields: 'tags:many(Tag)?' (item 2, column 16) — a many field is a set of links, "
            "empty by default and indexed both ways: it takes no '?', modifier or default; "
            "e.g. 'tags:many(Tag)'"
        ],
    ),
]


@pytest.mark.parametrize(("answers", "errors"), MANY_ERRORS)
def test_many_fields_are_checked_with_one_line_each(
    answers: dict[str, str], errors: list[str]
) -> None:
    assert validate_context({**BOOK, **answers}) == errors
