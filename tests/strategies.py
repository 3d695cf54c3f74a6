"""Hypothesis strategies for cookiecutter answers, and the oracle that judges them.

`answers()` draws answers across the whole space the template offers: entity names of every
shape and initial letter, derived and overridden plurals, project names, slugs and package
names, every field type of the DSL with its modifiers and defaults, and every option.
Whether an answer is acceptable is never decided here: `rendered_context()` renders the
answers exactly as cookiecutter would (derived slug, package, plural ...) and
`crudgen.validate.validate_context` is the oracle. `refused_answers()` mutates answers
into ones the validator should refuse, to check how refusals are reported.
"""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path
from typing import Any

from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config
from hypothesis import strategies as st

from crudgen.naming import pluralize, snake

TEMPLATE = Path(__file__).resolve().parents[1]
PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project_slug|project_dir}}"
Answers = dict[str, Any]

# Names an API designer reaches for first (many are keywords, builtins or SQL words), and
# names generated classes are built from (an enum `list_params` gives `BookListParams`).
EVERYDAY_FIELDS = (
    "type", "order", "from", "to", "date", "format", "min", "max", "end", "user", "group",
    "hash", "filter", "input", "object", "property", "range", "set", "id_", "name", "title",
    "status", "count", "value", "key", "level", "kind", "size", "start", "begin", "table",
    "index", "select", "where", "check", "default", "class", "def", "match", "case", "list",
    "dict", "str", "bytes", "next", "iter", "all", "any", "sum", "len", "open", "id", "items",
    "values", "keys", "copy", "update", "get", "json", "schema", "fields", "model_dump",
    "model_validate", "data", "body", "payload", "params", "session", "request", "response",
    "item", "row", "page", "self", "cls", "i", "n", "x", "changes", "versions", "version_",
    "limit_", "offset_", "cursor_", "sort_by", "sort_order", "created", "updated", "deleted",
    "is_active", "email", "url", "uuid", "time", "timestamp", "zone", "lang", "locale",
    "comment", "desc", "asc", "position", "rank", "score", "weight", "priority", "parent",
    "owner", "author", "tags", "meta", "extra", "settings", "config", "path", "query",
    "create", "read", "update", "dep", "id_convertor", "list_params", "sort", "limit", "cursor",
    "total", "next_cursor",
)  # fmt: skip
# Entity names that sort before `Base`, collide with generated or imported names, or are
# words a team might plausibly choose (each everyday name the template once refused
# included); the oracle refuses the few that cannot be served (Mapped, None, Byte, Caller).
EVERYDAY_ENTITIES = (
    "Article", "Author", "Account", "Address", "Base", "Basket", "Book", "Category", "Person",
    "User", "Order", "Group", "Item", "Page", "Cursor Page", "Offset Page", "Literal", "Body",
    "Header", "Path", "Select", "Problem", "Settings", "Session", "Health", "Test", "Tests",
    "Result", "Row", "Column", "Table", "Index", "Text", "String", "Integer", "Model",
    "Schema", "Router", "Error", "Event", "Type", "Status", "Query", "Engine", "Metadata",
    "Version", "Migration", "Env", "App", "Api", "Http Request", "API Key", "UUIDRecord",
    "Zebra", "Zone", "Xylophone", "Quiz", "Child", "Data", "Series", "Sales Person", "Ox",
    "Setting", "Request", "Response", "Config", "Field", "Date", "Range", "Filter", "List",
    "Dict", "Any", "Annotated", "Database", "Decimal", "Mapped", "Byte", "Caller", "None",
)  # fmt: skip
ENUM_VALUES = ("draft", "published", "none", "null", "true", "false", "class", "default",
               "a", "b", "c", "value", "name", "upper", "mro", "x1", "in_review")  # fmt: skip
TYPES = ("str", "text", "int", "bigint", "float", "decimal", "bool", "date", "datetime",
         "uuid", "email", "url", "json", "enum")  # fmt: skip
NO_UNIQUE = frozenset(("json", "text", "bool", "enum"))
NO_INDEX = frozenset(("json", "text"))
DEFAULTABLE = frozenset(("str", "text", "int", "bigint", "float", "decimal", "bool", "enum"))
OPTIONS: dict[str, tuple[Any, ...]] = {
    "id_type": ("uuid", "int"),
    "database": ("postgresql", "sqlite"),
    "pagination": ("cursor", "offset"),
    "soft_delete": (False, True),
    "docker": (True, False),
    "ci": ("github", "gitlab", "none"),
    "python_version": ("3.11", "3.12", "3.13"),
    "auth": ("oidc", "none"),
}
TEXT_INPUTS = ("project_name", "project_slug", "package_name", "description", "author_name",
               "author_email", "entity_name", "entity_plural", "fields")  # fmt: skip
LOWER = string.ascii_lowercase
# Free text: printable ASCII and a few accents; no braces, which cookiecutter would render
# as Jinja before any hook sees the answer.
FREE_TEXT = string.ascii_letters + string.digits + " .,;:!?'\"\\/&()[]<>@#%*+=-_|~^`$éàüß"
DEFAULT_TEXT = string.ascii_letters + string.digits + ' .:;!?@#%&*+=/-_<>[]|~^$"'
INT32, JSON_SAFE = 2**31, 2**53 - 1
_IDENTIFIER = re.compile(r"\b[A-Za-z][A-Za-z0-9_]*\b")


@cache
def template_identifiers() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(snake_case, PascalCase) identifiers of the template's Python files: the names that
    generated code already uses, so the likeliest to collide with an answer."""
    words: set[str] = set()
    for path in PROJECT_TEMPLATE.rglob("*.py"):
        words.update(_IDENTIFIER.findall(path.read_text(encoding="utf-8")))
    lower = sorted(w for w in words if re.fullmatch(r"[a-z][a-z0-9_]{0,29}", w))
    upper = sorted(w for w in words if re.fullmatch(r"[A-Z][A-Za-z0-9]{0,23}", w))
    return tuple(lower), tuple(upper)


def words(max_size: int = 8) -> st.SearchStrategy[str]:
    """One lowercase word: any initial letter, then letters and digits (digits inside)."""
    tail = st.text(alphabet=LOWER + LOWER + string.digits, max_size=max_size)
    return st.builds(str.__add__, st.sampled_from(LOWER), tail)


def _capitalised(word: str, acronym: bool) -> str:
    return word.upper() if acronym else word[:1].upper() + word[1:]


@st.composite
def entity_names(draw: st.DrawFn) -> str:
    """An entity name of any shape: PascalCase, snake_case, spaced words, a single letter,
    acronyms, digits inside, or a name the generated code already uses."""
    parts = draw(st.lists(words(6), min_size=1, max_size=3))
    shape = draw(st.sampled_from(("pascal", "snake", "spaced", "letter", "known", "template")))
    if shape == "pascal":
        caps = draw(st.lists(st.booleans(), min_size=len(parts), max_size=len(parts)))
        return "".join(_capitalised(p, c and len(p) <= 4) for p, c in zip(parts, caps, strict=True))
    if shape == "snake":
        return "_".join(parts)
    if shape == "spaced":
        title = draw(st.booleans())
        return " ".join(_capitalised(p, False) if title else p for p in parts)
    if shape == "letter":
        return draw(st.sampled_from(LOWER + LOWER.upper()))
    if shape == "known":
        return draw(st.sampled_from(EVERYDAY_ENTITIES))
    return draw(st.sampled_from(template_identifiers()[1]))


@st.composite
def plurals(draw: st.DrawFn, entity: str) -> str | None:
    """None (let the template derive it) or an override of the plural in some shape."""
    derived = pluralize(entity) or "items"
    choice = draw(st.sampled_from(("derived", "derived", "derived", "same_rule", "suffix",
                                   "spaced", "word", "singular")))  # fmt: skip
    if choice == "derived":
        return None
    if choice == "same_rule":
        return derived
    if choice == "suffix":
        return snake(entity) + draw(st.sampled_from(("s", "_list", "_items", "es")))
    if choice == "spaced":
        return derived.replace("_", " ").title()
    if choice == "word":
        return draw(words(10))
    return entity  # a plural equal to the singular: refused


def field_names() -> st.SearchStrategy[str]:
    """A field name: an everyday API name, a name the generated code uses, or a random
    snake_case identifier (up to 30 characters, now and then longer)."""
    random_name = st.builds(
        lambda parts: "_".join(parts)[:31], st.lists(words(9), min_size=1, max_size=4)
    )
    return st.one_of(  # random first: failures shrink towards a plain name like `a`
        random_name,
        st.sampled_from(EVERYDAY_FIELDS),
        st.sampled_from(template_identifiers()[0]),
    )


def _text_default(max_size: int) -> st.SearchStrategy[str]:
    """A str/text default, quoted when it holds a comma or spaces at its ends."""
    raw = st.text(alphabet=DEFAULT_TEXT + ",", max_size=max_size)
    return raw.map(lambda v: f'"{v}"' if "," in v or v != v.strip() else v)


def _number(whole: int, scale: int) -> st.SearchStrategy[str]:
    """A decimal literal with up to `whole` integer and `scale` fraction digits."""
    digits = st.text(alphabet=string.digits, min_size=1, max_size=max(whole, 1))
    fraction = st.just("")
    if scale:
        fraction |= st.text(alphabet=string.digits, min_size=1, max_size=scale).map(".".__add__)
    return st.builds(lambda sign, w, f: sign + w + f, st.sampled_from(("", "-")), digits, fraction)


def defaults(kind: str, args: tuple[int, ...] | tuple[str, ...]) -> st.SearchStrategy[str]:
    """A default value for a field of this kind (mostly valid; the oracle decides)."""
    if kind == "str":
        return _text_default(min(int(args[0]), 12))
    if kind == "text":
        return _text_default(20)
    if kind == "int":
        return st.integers(-INT32, INT32 - 1).map(str) | st.sampled_from(("0", "-0", "007"))
    if kind == "bigint":
        return st.integers(-JSON_SAFE, JSON_SAFE).map(str)
    if kind == "float":  # 400 digits overflow a double: does anything notice?
        return _number(6, 4) | st.sampled_from(("0", "-0", "1" * 400, "0.1", "1" * 20 + ".5"))
    if kind == "decimal":
        precision, scale = int(args[0]), int(args[1])
        return _number(min(precision - scale, 12), min(scale, 6))
    if kind == "bool":
        return st.sampled_from(("true", "false"))
    if kind == "enum":
        return st.sampled_from([str(value) for value in args])
    return st.just("0")  # a kind that takes no default: refused


@st.composite
def type_specs(draw: st.DrawFn) -> tuple[str, tuple[str, ...]]:
    """(kind, args) of one field: every type of the DSL, with its arguments."""
    kind = draw(st.sampled_from(TYPES))
    if kind == "str":
        size = draw(st.integers(1, 300) | st.sampled_from((1, 2, 7, 8, 320, 2048, 10_485_760)))
        return kind, (str(size),)
    if kind == "decimal":
        precision = draw(st.integers(1, 38) | st.sampled_from((1, 2, 65, 1000)))
        scale = draw(st.integers(0, min(precision, 12)) | st.sampled_from((0, precision)))
        return kind, (str(precision), str(scale))
    if kind == "enum":
        values = draw(
            st.lists(st.sampled_from(ENUM_VALUES) | words(12), min_size=1, max_size=5, unique=True)
        )
        return kind, tuple(values)
    return kind, ()


@st.composite
def field_items(draw: st.DrawFn, name: str, valid_only: bool = True) -> str:
    """One DSL item `name:type[(args)][?][:unique][:index][:search][=default]`; with valid_only,
    modifiers and defaults only where the DSL allows them."""
    kind, args = draw(type_specs())
    args_text = ""
    if args:
        args_text = "(" + ("|" if kind == "enum" else ",").join(args) + ")"
    nullable = "?" if draw(st.booleans()) else ""
    mods = []
    if draw(st.integers(0, 3)) == 0 and (kind not in NO_UNIQUE or not valid_only):
        mods.append(":unique")
    if draw(st.integers(0, 3)) == 0 and (kind not in NO_INDEX or not valid_only):
        mods.append(":index")
    mods = draw(st.permutations(mods))
    default = ""
    if (kind in DEFAULTABLE or not valid_only) and draw(st.integers(0, 2)) == 0:
        default = "=" + draw(defaults(kind, args))
    space = draw(st.sampled_from(("", "", "", " ")))
    return f"{name}{space}:{space}{kind}{args_text}{nullable}{''.join(mods)}{space}{default}"


@st.composite
def fields_text(draw: st.DrawFn, valid_only: bool = True) -> str:
    """1-6 comma-separated items with distinct names (duplicates only when not valid_only)."""
    names = draw(st.lists(field_names(), min_size=1, max_size=6, unique=valid_only))
    items = [draw(field_items(name, valid_only)) for name in names]
    separator = draw(st.sampled_from((", ", ",", " , ", ",  ")))
    return separator.join(items)


def project_names() -> st.SearchStrategy[str]:
    """Free-text project names: words in any case, now and then punctuation or accents."""
    word = words(9).map(lambda w: w.title()) | words(9) | words(4).map(str.upper)
    plain = st.lists(word, min_size=1, max_size=4).map(" ".join)
    noisy = st.text(alphabet=FREE_TEXT, min_size=1, max_size=40)
    return st.one_of(plain, plain, plain, noisy)


def package_names() -> st.SearchStrategy[str]:
    """snake_case package names of any initial letter (e.g. after `tests`: user_directory)."""
    return st.lists(words(8), min_size=1, max_size=3).map("_".join) | st.sampled_from(
        ("user_directory", "zoo", "tz_service", "app", "service", "alpha")
    )


def options(python_version: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Every option of the template, optionally with the Python version fixed."""
    chosen = dict(OPTIONS)
    if python_version is not None:
        chosen["python_version"] = (python_version,)
    return st.fixed_dictionaries({key: st.sampled_from(values) for key, values in chosen.items()})


@st.composite
def references(draw: st.DrawFn, names: list[str], owner: str) -> list[str]:
    """One or two reference items to declared entities or the owner itself: nullable or
    not, one-to-one or not, any delete rule the nullability allows; or many fields, links to
    their rows."""
    items = []
    for _ in range(draw(st.integers(1, 2))):
        target = draw(st.sampled_from([*names, owner]))
        if draw(st.integers(0, 2)) == 0:
            items.append(f"{draw(field_names())}:many({target})")
            continue
        nullable = target == owner or draw(st.booleans())  # a required self-reference cycles
        rules = ["", ":restrict", ":cascade", *([":set_null"] if nullable else [])]
        unique = draw(st.sampled_from(["", ":unique"]))
        name = draw(field_names())
        items.append(
            f"{name}:ref({target}){'?' if nullable else ''}{unique}{draw(st.sampled_from(rules))}"
        )
    return items


@st.composite
def more_entities(draw: st.DrawFn, first: str) -> str:
    """`more_entities`: one or two entities, each with fields and references to the
    entities declared before it (or to itself)."""
    names, items = [first], []
    for _ in range(draw(st.integers(1, 2))):
        name = draw(entity_names())
        fields = [draw(fields_text()), *draw(references(names, name))]
        plural = draw(plurals(name))
        head = f"{name}({plural})" if plural else name
        items.append(f"{head}: {', '.join(fields)}")
        names.append(name)
    return "; ".join(items)


@st.composite
def with_claim(draw: st.DrawFn, fields: str) -> str:
    """The fields with a claim field that scopes the rows (`owner:claim(sub)`), unless a
    `:search` field or a field of that name rules it out."""
    name = draw(st.sampled_from(("owner", "tenant", "created_by")))
    claim = draw(st.sampled_from(("sub", "org_id", "tid", "https://example.com/org")))
    last = fields.rsplit(";", 1)[-1]  # the entity the claim joins
    taken = re.search(rf"(^|,)\s*{name}\s*:", last) or ":search" in last
    return fields if taken else f"{fields}, {name}:claim({claim})"


@st.composite
def answers(draw: st.DrawFn, python_version: str | None = None, valid_only: bool = True) -> Answers:
    """A full set of answers as a user would pass them (derived inputs usually omitted)."""
    entity = draw(entity_names())
    chosen: Answers = {
        "project_name": draw(project_names()),
        "entity_name": entity,
        "fields": draw(fields_text(valid_only)),
        **draw(options(python_version)),
    }
    plural = draw(plurals(entity))
    if plural is not None:
        chosen["entity_plural"] = plural
    if chosen["auth"] == "oidc" and draw(st.integers(0, 2)) == 0:  # rows scoped by a claim
        chosen["fields"] = draw(with_claim(str(chosen["fields"])))
    if draw(st.integers(0, 2)) == 0:  # a service of several related entities
        chosen["more_entities"] = draw(more_entities(entity))
        if chosen["auth"] == "oidc" and draw(st.booleans()):
            head, _, rest = str(chosen["more_entities"]).partition(": ")
            chosen["more_entities"] = f"{head}: " + draw(with_claim(rest))
    if draw(st.integers(0, 4)) == 0:
        chosen["project_slug"] = draw(package_names()).replace("_", "-")
    if draw(st.integers(0, 3)) == 0:
        chosen["package_name"] = draw(package_names())
    if draw(st.integers(0, 4)) == 0:
        chosen["description"] = draw(st.text(alphabet=FREE_TEXT, min_size=1, max_size=60))
        chosen["author_name"] = draw(st.text(alphabet=FREE_TEXT, min_size=1, max_size=30))
        chosen["author_email"] = draw(words(8)) + "@" + draw(words(6)) + ".example"
    return chosen


# Values the validator must refuse, per text input (each one line of a real mistake).
HOSTILE: dict[str, tuple[str, ...]] = {
    "project_name": ("", "   ", "Book\nService", "tab\there", "nul\x00", "2048 Service",
                     "Json", "FastAPI", "Tests", "---", "Os"),
    "project_slug": ("Book_Service", "-x", "x--y", "1abc", "a b", "UPPER", "../evil", "x-"),
    "package_name": ("class", "list", "json", "os", "fastapi", "tests", "src", "1abc", "Book",
                     "a" * 41, "a-b", "typing", "match"),
    "entity_name": ("class", "list", "Base", "Settings", "Session", "Health", "", "1Book",
                    "Bé", "x" * 25, "Date", "Status", "Field", "tests", "A-B", "None", "Type"),
    "entity_plural": ("class", "x" * 27, "", "main", "1s", "Base"),
    "fields": ("", ",", "a:int,,b:int", "title:strr(10)", "price:decimel(10,2)", "t:str(0)",
               "t:str()", "d:decimal(3,4)", "d:decimal(1001,0)", "s:enum()", "s:enum(A|b)",
               "s:enum(a|a)", "t:str(9):uniq", "t:str(9):unique:unique", "j:json:index",
               "b:bool:unique", "n:int=abc", "n:int=2147483648", "f:bool=yes",
               "d:date=2024-01-01", "s:enum(a|b)=c", "t:str(2)=abc", "id:int", "version:int",
               "created_at:date", "metadata:json", "limit:int", "cursor:str(9)",
               "pages:int, pages_gte:int", "a:int, a:text", "class:int", "x" * 31 + ":int",
               "Title:str(9)", "t:str(9)\nu:int", "n:int:unique=1 ,", 'n:str(9)="a, b"',
               "type:str(9)", "from:date", "order:int"),
    "author_email": ("nope", "a@b", "x" * 300 + "@example.com", "a b@example.com"),
    "description": ("", "two\nlines"),
    "author_name": ("", "\x07bell"),
}  # fmt: skip


@st.composite
def refused_answers(draw: st.DrawFn) -> Answers:
    """Answers with one to three text inputs replaced by hostile or random values."""
    chosen = draw(answers(valid_only=False))
    keys = draw(st.lists(st.sampled_from(TEXT_INPUTS), min_size=1, max_size=3, unique=True))
    for key in keys:
        garbage = st.text(st.characters(exclude_characters="{}"), max_size=30)
        chosen[key] = draw(st.sampled_from(HOSTILE[key]) | garbage)
    return chosen


def rendered_context(chosen: Answers) -> dict[str, Any]:
    """The context the pre-gen hook will see: cookiecutter's own rendering of the answers
    over cookiecutter.json (derived slug, package, plural and description included)."""
    context = generate_context(
        context_file=str(TEMPLATE / "cookiecutter.json"), extra_context=chosen
    )
    return dict(prompt_for_config(context, no_input=True))
