"""Naming rules: one place that turns a raw answer into snake, Pascal, kebab and plural forms.

Every function takes any str and never raises: they run as Jinja filters on raw answers,
before the pre-gen hook has validated anything. Stdlib only.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata

# PostgreSQL "reserved" key words, plus its "reserved (can be function or type)" class:
# neither can name a column or table without quoting (PostgreSQL docs, Appendix C).
SQL_RESERVED = frozenset({
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both",
    "case", "cast", "check", "collate", "column", "constraint", "create", "current_catalog",
    "current_date", "current_role", "current_time", "current_timestamp", "current_user",
    "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false",
    "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially",
    "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
    "null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
    "returning", "select", "session_user", "some", "symmetric", "system_user", "table", "then",
    "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where",
    "window", "with", "authorization", "binary", "collation", "concurrently", "cross",
    "current_schema", "freeze", "full", "ilike", "inner", "is", "isnull", "join", "left",
    "like", "natural", "notnull", "outer", "overlaps", "right", "similar", "tablesample",
    "verbose",
})  # fmt: skip
PYTHON_RESERVED = frozenset(
    [
        *keyword.kwlist,
        *keyword.softkwlist,
        *(n for n in dir(builtins) if not n.startswith("_")),
    ]
)
# Lowercase names already bound where a field's attribute lives: what the generated entity
# modules import (date, datetime, sa ...), and what BaseModel or the declarative Base define.
# A field of that name would shadow it in the class body.
_TAKEN_ATTRIBUTES = frozenset({
    "date", "datetime", "sa", "uuid4", "enum_values", "digits", "metadata", "registry",
    "construct", "copy", "from_orm", "json", "parse_file", "parse_obj", "parse_raw", "schema",
    "schema_json", "update_forward_refs", "validate", "model_computed_fields", "model_config",
    "model_construct", "model_copy", "model_dump", "model_dump_json", "model_extra",
    "model_fields", "model_fields_set", "model_json_schema", "model_parametrized_name",
    "model_post_init", "model_rebuild", "model_validate", "model_validate_json",
    "model_validate_strings",
})  # fmt: skip

_UNINFLECTED = frozenset({
    "news", "series", "species", "data", "equipment", "information", "sheep", "fish", "deer",
    "aircraft", "software", "feedback", "metadata",
})  # fmt: skip
_IRREGULAR = {
    "person": "people", "child": "children", "man": "men", "woman": "women", "mouse": "mice",
    "goose": "geese", "tooth": "teeth", "foot": "feet", "ox": "oxen", "quiz": "quizzes",
    "leaf": "leaves", "life": "lives", "knife": "knives", "wife": "wives", "half": "halves",
    "shelf": "shelves", "wolf": "wolves", "hero": "heroes", "potato": "potatoes",
    "tomato": "tomatoes", "echo": "echoes", "axis": "axes", "criterion": "criteria",
    "phenomenon": "phenomena",
}  # fmt: skip
_IRREGULAR_SUFFIXES = ("person", "child", "woman")
_ACRONYM_END = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z])")  # HTTPRequest -> HTTP_Request
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")  # BlogPost -> Blog_Post
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def _ascii(text: str) -> str:
    """Fold accents away (é -> e) and drop whatever has no ASCII form."""
    return unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")


def snake(text: str) -> str:
    """snake_case: 'BlogPost', 'Blog Post' and 'blog-post' all give 'blog_post'."""
    words = _WORD_START.sub("_", _ACRONYM_END.sub("_", _ascii(text)))
    return _NON_ALNUM.sub("_", words).strip("_").lower()


def pascal(text: str) -> str:
    """PascalCase: 'blog_post', 'BlogPost' and 'blog post' all give 'BlogPost'."""
    return "".join(word[:1].upper() + word[1:] for word in snake(text).split("_"))


def kebab(text: str) -> str:
    """kebab-case: 'BlogPost' gives 'blog-post'."""
    return snake(text).replace("_", "-")


def slugify(text: str) -> str:
    """Project slug from a free-text name: '  Héllo  World!' gives 'hello-world'.

    Unlike kebab(), CamelCase inside a word is kept whole ('FastAPI Demo' -> 'fastapi-demo').
    """
    return _NON_ALNUM.sub("-", _ascii(text)).strip("-").lower()


def identifier(text: str) -> str:
    """Python package name from a free-text name or slug: 'book-service' gives 'book_service'."""
    return slugify(text).replace("-", "_")


def _plural_word(word: str) -> str:
    """Plural of one lowercase word."""
    if word in _UNINFLECTED:
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix in _IRREGULAR_SUFFIXES:
        if word.endswith(suffix):
            return word[: -len(suffix)] + _IRREGULAR[suffix]
    if word.endswith("sis"):
        return word[:-2] + "es"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if len(word) > 1 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def pluralize(word: str) -> str:
    """snake_case plural, inflecting only the last word: 'SalesPerson' gives 'sales_people'."""
    head, _, last = snake(word).rpartition("_")
    if not last:
        return ""
    return f"{head}_{_plural_word(last)}" if head else _plural_word(last)


def singular(word: str) -> str:
    """The singular of a snake_case plural field name, by its ending only: 'tags' gives
    'tag', 'categories' 'category', 'boxes' 'box'; a name that reads as no plural stays as
    it is ('related', 'staff')."""
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 1:
        return word[:-1]
    return word


def table_name(entity: str) -> str:
    """Table of an entity: its singular snake form, or the plural when that is SQL reserved.

    Tables are singular snake_case ('BlogPost' -> 'blog_post'), but a singular that is an
    SQL reserved word takes its plural so it never needs quoting: 'User' -> 'users',
    'Order' -> 'orders', 'Group' -> 'groups'.
    """
    name = snake(entity)
    return pluralize(name) if name in SQL_RESERVED else name


def attribute_name(name: str) -> str:
    """The Python attribute of a field whose JSON (and column) name is `name`: the name
    itself, or `name_` where it is a keyword, a builtin or already bound in the class body
    (`from` -> `from_`, `type` -> `type_`); the schemas alias it back to `name`."""
    return f"{name}_" if name in PYTHON_RESERVED or name in _TAKEN_ATTRIBUTES else name
