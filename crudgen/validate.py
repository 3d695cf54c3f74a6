"""Validation of the cookiecutter answers: pure functions returning one-line errors.

Every error reads `<input>: <bad value> — <rule>; e.g. <valid example>`. The values are
hostile user input: they are only ever compared and matched, never evaluated. Stdlib only.
"""

from __future__ import annotations

import difflib
import keyword
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from crudgen.entities import (
    ENTITIES_EXAMPLE,
    Entity,
    links,
    parse_declaration,
    references,
    split_declarations,
)
from crudgen.fields import (
    Field,
    FieldsError,
    field_errors,
    parse_fields,
    search_index_name,
    sort_index_name,
    split_items,
)
from crudgen.naming import PYTHON_RESERVED, pascal, pluralize, snake, table_name

DASH = " — "
PG_MAX_IDENTIFIER = 63
# Longest names that keep every generated line within 100 columns (ruff's limit there).
MAX_LENGTH = {"entity_name": 24, "entity_plural": 26, "package_name": 40, "field": 30, "enum": 62}
EMAIL_MAX = 254
SQLITE_DIGITS = 18  # a scaled decimal must fit a signed 64-bit integer
EXAMPLES = {
    "project_name": "Book Service", "project_slug": "book-service",
    "package_name": "book_service", "description": "A book service",
    "author_name": "Ada Lovelace", "author_email": "ada@example.com", "entity_name": "Book",
    "entity_plural": "books", "fields": "title:str(200):unique, pages:int?",
}  # fmt: skip
CHOICES = {
    "id_type": ("uuid", "int"), "python_version": ("3.11", "3.12", "3.13"),
    "database": ("postgresql", "sqlite"), "pagination": ("cursor", "offset"),
    "ci": ("github", "gitlab", "none"), "auth": ("oidc", "none"),
}  # fmt: skip
FLAGS = ("soft_delete", "docker", "init_git")
YES_NO = frozenset(("1", "true", "t", "yes", "y", "on", "0", "false", "f", "no", "n", "off"))
KEYWORDS = frozenset(w.lower() for w in (*keyword.kwlist, *keyword.softkwlist))
# Modules beside the entity packages (src/<package>/...) and beside their tests (tests/...),
# read from the template: an entity package or test directory of the same name could not
# coexist with them.
_PROJECT = Path(__file__).resolve().parents[1] / "{{cookiecutter.project_slug|project_dir}}"


def _modules(folder: Path) -> frozenset[str]:
    """Names of the Python modules and packages in a folder of the project template."""
    found = [p for p in folder.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()]
    return frozenset(p.stem for p in found) - {"__init__"}


PACKAGE_MODULES = _modules(_PROJECT / "src" / "{{cookiecutter.package_name}}")
TEST_MODULES = _modules(_PROJECT / "tests")
# Classes an entity's models.py always imports for its template code: a model class of that
# name would hide it (Base is the exception: imported as CoreBase there). Names imported
# only for a field's annotation (Any, Decimal) are imported qualified instead.
MODEL_IMPORTED = frozenset(("Mapped", "StrEnum", "AwareDateTime", "ScaledDecimal"))
# Names an entity's models.py and schemas.py bind besides the entity's own classes: an enum
# class (entity + field name, `BaseModel` for Base's field `model`) must not take one.
MODULE_NAMES = frozenset({
    "Base", "CoreBase", "Mapped", "StrEnum", "AwareDateTime", "ScaledDecimal",
    "Annotated", "Any", "Decimal", "EmailStr", "Field", "BaseModel", "ConfigDict", "Literal",
    "UtcDatetime", "IsoDate", "UuidText", "Int32", "JsonSafeInt", "JsonFloat", "JsonBool",
})  # fmt: skip
PROJECT_NAMES = frozenset({
    "fastapi", "sqlalchemy", "alembic", "pydantic", "pydantic_settings", "asyncpg", "aiosqlite",
    "httpx", "pytest", "uvicorn", "starlette", "migrations", "tests", "src",
})  # fmt: skip
SERVER_COLUMNS = frozenset(("id", "version", "created_at", "updated_at", "deleted_at"))
LIST_PARAMETERS = frozenset(("limit", "offset", "cursor", "sort"))
SCHEMA_SUFFIXES = frozenset(
    ("Create", "Read", "Update", "Dep", "ListParams", "Sort", "Id", "IdConvertor")
)

_SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_SLUG_CHARS = re.compile(r"[a-z0-9-]+")
_PACKAGE = re.compile(r"[a-z][a-z0-9_]*")
_ENTITY = re.compile(r"[A-Za-z][A-Za-z0-9_ ]*")
_EMAIL = re.compile(
    r"[A-Za-z0-9_%+-]+(\.[A-Za-z0-9_%+-]+)*@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"
)


def show(value: object) -> str:
    """repr of a bad value, cut short so the error stays readable."""
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


def _error(key: str, value: object, rule: str, example: str, alternative: str = "") -> str:
    """One error line: `<input>: <value> — <rule>; e.g. <example>`."""
    return f"{key}: {show(value)}{DASH}{rule}; e.g. {example!r}{alternative}"


def _text_errors(key: str, value: object) -> list[str]:
    """A one-line, non-empty string, or the reason it is not."""
    example = EXAMPLES.get(key, "text")
    if not isinstance(value, str):
        return [_error(key, value, "must be text", example)]
    if not value.strip():
        return [_error(key, value, "must not be empty", example)]
    if not value.isprintable():
        rule = "must be one line of printable text (no newlines, tabs or control characters)"
        return [_error(key, value, rule, example)]
    return []


def _slug_errors(value: str, ctx: Mapping[str, object]) -> list[str]:
    """The project slug: lowercase words joined by single hyphens."""
    if _SLUG.fullmatch(value):
        return []
    if _SLUG_CHARS.fullmatch(value):
        rule = "start with a letter and put single hyphens between words"
    else:
        rule = "use lowercase letters, digits and hyphens"
    return [_error("project_slug", value, rule, EXAMPLES["project_slug"])]


def _package_rule(value: str) -> str | None:
    """Why an identifier cannot name the package, or None."""
    if value in KEYWORDS:
        return "a Python keyword cannot name the package"
    if value in PYTHON_RESERVED:
        return "a Python builtin cannot name the package"
    if value in sys.stdlib_module_names:
        return "the package would shadow the standard-library module of that name"
    if value in PROJECT_NAMES:
        return "the package would clash with a dependency or directory of the generated project"
    return None


def _package_errors(value: str, ctx: Mapping[str, object]) -> list[str]:
    """The import package: an identifier that shadows nothing it may need to import."""
    if not _PACKAGE.fullmatch(value):
        rule = "use lowercase ASCII letters, digits and underscores, starting with a letter"
        return [_error("package_name", value, rule, EXAMPLES["package_name"])]
    if len(value) > MAX_LENGTH["package_name"]:
        return [_error("package_name", value, _too_long("package_name"), "book_service")]
    clash = _package_rule(value)
    return [_error("package_name", value, clash, f"{value}_service")] if clash else []


def _too_long(key: str) -> str:
    return f"at most {MAX_LENGTH[key]} characters, so generated lines stay readable"


def _email_errors(value: str, ctx: Mapping[str, object]) -> list[str]:
    """A plain local@domain.tld address."""
    example = EXAMPLES["author_email"]
    if len(value) > EMAIL_MAX:
        return [_error("author_email", value, "must be at most 254 characters", example)]
    if _EMAIL.fullmatch(value):
        return []
    return [_error("author_email", value, "use an address like local@domain.tld", example)]


def _entity_clash(name: str) -> tuple[str, str] | None:
    """(rule, example) when an entity's snake_case name cannot be served, else None. The
    name lives on only with affixes (`create_status`, `status_id`) and as its class, which
    only its own models.py and schemas.py define: a class hides nothing else."""
    cls = pascal(name)
    if keyword.iskeyword(cls):
        return f"its class {cls!r} would be a Python keyword", f"{cls}Item"
    if cls in MODEL_IMPORTED:
        rule = f"its model class {cls!r} would hide the {cls} every generated models.py imports"
        return rule, f"{cls}Item"
    return None


def _plural_clash(name: str) -> str | None:
    """Why a snake_case plural cannot name the entity's package, else None: the registry
    and the tests import the package under its own name."""
    if keyword.iskeyword(name):
        return "a Python keyword cannot name the package, which is imported by that name"
    if name in PYTHON_RESERVED:
        return "the package is imported by that name, which would hide the Python builtin"
    if name in PACKAGE_MODULES:
        return f"the package would collide with the module src/<package>/{name}.py"
    if name in TEST_MODULES:
        return f"its tests would collide with the module tests/{name}.py"
    return None


def _entity_errors(value: str, ctx: Mapping[str, object]) -> list[str]:
    """The entity: ASCII words whose snake and Pascal forms break nothing."""
    if not _ENTITY.fullmatch(value):
        rule = "use ASCII letters, digits, underscores or spaces, starting with a letter"
        return [_error("entity_name", value, rule, "BlogPost")]
    if len(snake(value)) > MAX_LENGTH["entity_name"]:
        return [_error("entity_name", value, _too_long("entity_name"), "InventoryAdjustment")]
    if len(snake(value)) < 2:
        rule = "use at least two letters, so routes, ids and links stay distinct"
        return [_error("entity_name", value, rule, f"{pascal(value)}Item")]
    clash = _entity_clash(snake(value))
    return [_error("entity_name", value, *clash)] if clash else []


def _plural_errors(value: str, ctx: Mapping[str, object]) -> list[str]:
    """The plural: a valid name of its own, different from the singular. A plural derived
    from a refused entity name is not reported: the entity's error is about what was typed."""
    entity = ctx.get("entity_name")
    singular = snake(entity) if isinstance(entity, str) else ""
    example = pluralize(singular) if singular else "books"
    if isinstance(entity, str) and value == pluralize(entity) and _entity_errors(entity, ctx):
        return []
    if not _ENTITY.fullmatch(value):
        rule = "use ASCII letters, digits, underscores or spaces, starting with a letter"
        return [_error("entity_plural", value, rule, example)]
    name = snake(value)
    if name == singular:
        rule = f"plural must differ from the singular {singular!r}"
        other = singular + ("es" if singular.endswith(("s", "x", "z", "ch", "sh")) else "s")
        return [_error("entity_plural", value, rule, other, " or pick another entity name")]
    if len(name) > MAX_LENGTH["entity_plural"]:
        return [_error("entity_plural", value, _too_long("entity_plural"), "adjustments")]
    clash = _plural_clash(name)
    better = example if example != name else f"{name}_items"
    return [_error("entity_plural", value, clash, better)] if clash else []


def _choice_errors(key: str, value: object) -> list[str]:
    """One of the allowed answers of a choice input."""
    allowed = CHOICES[key]
    if isinstance(value, str) and value in allowed:
        return []
    rule = "choose one of " + ", ".join(repr(choice) for choice in allowed)
    return [_error(key, value, rule, allowed[0])]


def _flag_errors(key: str, value: object) -> list[str]:
    """A boolean, or one of cookiecutter's yes/no words."""
    if isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in YES_NO):
        return []
    return [_error(key, value, "answer yes or no", "no")]


def _fields_check(value: str, ctx: Mapping[str, object]) -> list[str]:
    """The fields DSL, checked against the entity it belongs to."""
    entity = ctx.get("entity_name")
    database = ctx.get("database")
    return fields_errors(value, entity if isinstance(entity, str) else "", str(database))


_TEXT_CHECKS: dict[str, Callable[[str, Mapping[str, object]], list[str]]] = {
    "project_name": lambda value, ctx: [], "project_slug": _slug_errors,
    "package_name": _package_errors, "description": lambda value, ctx: [],
    "author_name": lambda value, ctx: [], "author_email": _email_errors,
    "entity_name": _entity_errors, "entity_plural": _plural_errors, "fields": _fields_check,
}  # fmt: skip


def _parsed_items(text: object) -> list[tuple[str, Field]]:
    """(item as written, Field) for every comma-separated item that parses on its own."""
    if not isinstance(text, str):
        return []
    parsed: list[tuple[str, Field]] = []
    for _, item in split_items(text):
        try:
            fields = parse_fields(item)
        except (FieldsError, ValueError):
            continue
        if len(fields) == 1:
            parsed.append((item, fields[0]))
    return parsed


def _field_rule(field: Field, filters: Mapping[str, str]) -> str | None:
    """Why one field name cannot be served, or None. Names that clash only with Python
    (keywords, builtins, imports) or SQL (reserved words) are served: the attribute is
    aliased (`from_` for `from`) and SQLAlchemy quotes the column."""
    name = field.name
    if len(name) > MAX_LENGTH["field"]:
        return f"field name is {len(name)} characters; {_too_long('field')}"
    if name in SERVER_COLUMNS:
        return f"{name!r} is a server-owned column"
    if name in LIST_PARAMETERS:
        return f"{name!r} is a query parameter of the list endpoint, so it could not be a filter"
    if name in filters:
        return f"{name!r} collides with a list filter of field {filters[name]!r}"
    if field.kind == "enum" and pascal(name) in SCHEMA_SUFFIXES:
        return f"an enum named {name!r} would clash with a generated schema class"
    return None


def _many_rule(field: Field, owner: str, filters: Mapping[str, str]) -> str | None:
    """Why a many field's names could not be served, or None: its join table names the two
    rows `<owner>_id` and `<link>_id`, and its body and filter names are its own."""
    if field.link == owner:
        return (
            f"its join table would name both rows {owner + '_id'!r}: name the field after the "
            "relation"
        )
    for name in (f"{field.link}_id", f"{field.link}_ids"):
        if filters.get(name) != field.name:
            return f"{name!r} is taken by field {filters[name]!r}"
        if name in SERVER_COLUMNS or name in LIST_PARAMETERS:
            return f"{name!r} is a name the service uses itself"
    return None


def _enum_length_rule(enum_class: str, name: str) -> str | None:
    """An enum's class name plus its field name must fit its model line in 100 columns."""
    size = len(enum_class) + len(name)
    if size <= MAX_LENGTH["enum"]:
        return None
    return (
        f"the enum class {enum_class!r} and the field name are {size} characters together; "
        f"at most {MAX_LENGTH['enum']}, so generated lines stay readable"
    )


def _database_rule(field: Field, item: str, database: str) -> tuple[str, str] | None:
    """Why the chosen database cannot store the field as written, with the item it could
    take instead; None when it can."""
    if database == "sqlite" and field.kind == "decimal" and int(field.args[0]) > SQLITE_DIGITS:
        scale = min(int(field.args[1]), SQLITE_DIGITS)
        return (
            f"SQLite keeps exact decimals as 64-bit integers, so at most {SQLITE_DIGITS} digits "
            "(or choose database=postgresql)",
            f"{field.name}:decimal({SQLITE_DIGITS},{scale})" + "?" * field.nullable,
        )
    if database == "sqlite" and field.search:
        return (
            "':search' needs PostgreSQL's trigram index (pg_trgm; or choose database=postgresql)",
            re.sub(r"\s*:\s*search\b", "", item),
        )
    return None


def fields_errors(text: str, entity: str, database: str = "postgresql") -> list[str]:
    """Every syntax error of a fields string, then every field name that would break code."""
    errors = field_errors(text)
    parsed = _parsed_items(text)
    owner = snake(entity) if isinstance(entity, str) and not _entity_errors(entity, {}) else "item"
    filters = {
        param: field.name
        for _, field in parsed
        for param, _ in field.filters
        if param != field.name
    }
    # a many field's names in the API: `tag_ids` in bodies, the list filter `?tag_id=`
    filters |= {
        f"{field.link}{suffix}": field.name
        for _, field in parsed
        if field.kind == "many"
        for suffix in ("_id", "_ids")
    }
    seen: set[str] = set()
    attributes: dict[str, str] = {}
    for item, field in parsed:
        rule = _field_rule(field, filters)
        many_rule = _many_rule(field, owner, filters) if field.kind == "many" else None
        rule = rule or many_rule
        if rule is None and field.name in seen:
            rule = f"duplicate field name {field.name!r}"
        elif rule is None and attributes.get(field.attr, field.name) != field.name:
            other = attributes[field.attr]
            rule = f"{field.name!r} and {other!r} would share the Python attribute {field.attr!r}"
        seen.add(field.name)
        attributes.setdefault(field.attr, field.name)
        written = item.split(":", 1)[0].strip()  # `author` of the reference `author_id`
        renamed = f"linked_{written}" if many_rule else f"{owner}_{written}"
        if len(written) > MAX_LENGTH["field"]:
            renamed = written[: MAX_LENGTH["field"]].rstrip("_")
        if rule is None and field.kind == "enum":
            rule = _enum_length_rule(pascal(owner) + pascal(field.name), field.name)
            fits = (MAX_LENGTH["enum"] - len(pascal(owner))) // 2
            renamed = field.name[: max(fits, 1)].rstrip("_")
        enum_class = pascal(owner) + pascal(field.name)
        if rule is None and field.kind == "enum" and enum_class in MODULE_NAMES:
            rule = f"its enum class {enum_class!r} would clash with a name its module binds"
            renamed = f"{field.name}_kind"
        better = renamed[: MAX_LENGTH["field"]] + item[len(written) :]
        if rule is None and (unstorable := _database_rule(field, item, database)):
            rule, better = unstorable
        if rule is None and field.search and any(f.kind == "claim" for _, f in parsed):
            rule = (
                "':search' cannot serve rows scoped by a claim: its trigram index cannot start "
                "with the claim column, as every list index of the entity must"
            )
            better = item.replace(":search", "")
        if rule:
            errors.append(f"fields: {show(item)}{DASH}{rule}; e.g. {show(better)}")
    return errors


def _derived_names(table: str, fields: list[Field], owner: str = "") -> list[str]:
    """Database identifiers the generated models and migration will create."""
    names = [table, f"pk_{table}", sort_index_name(table, "updated_at")]
    for field in fields:
        if len(field.name.encode()) <= PG_MAX_IDENTIFIER:
            names += [f"ix_{table}_{field.name}", f"uq_{table}_{field.name}"]
            sorted_by = field.sortable or field.kind == "claim"  # (claim, id): sort by id
            names += [sort_index_name(table, field.name)] if sorted_by else []
            names += [f"ck_{table}_{table}_{field.name}"] if field.kind == "enum" else []
            names += [search_index_name(table, field.name)] if field.search else []
        if field.kind == "many":  # the join table and its keys
            links = f"{table}_{field.name}"
            names += [links, f"pk_{links}", f"ix_{links}_{field.link}_id"]
            names += [f"fk_{links}_{field.link}_id_{field.target_table}"]
            names += [f"fk_{links}_{owner or table}_id_{table}"]
    return names


def _length_errors(ctx: Mapping[str, object]) -> list[str]:
    """An entity whose table, key, index or constraint names exceed PostgreSQL's limit."""
    entity = ctx.get("entity_name")
    if not isinstance(entity, str) or _text_errors("entity_name", entity):
        return []
    if _entity_errors(entity, ctx):
        return []
    fields = [field for _, field in _parsed_items(ctx.get("fields"))]
    derived = _derived_names(table_name(entity), fields, snake(entity))
    longest = max(derived, key=lambda n: len(n.encode()))
    size = len(longest.encode())
    if size <= PG_MAX_IDENTIFIER:
        return []
    rule = f"derived name {show(longest)} is {size} bytes, over PostgreSQL's 63-byte limit"
    return [_error("entity_name", entity, rule + " (shorten the entity or field names)", "Book")]


def _declaration_errors(item: str, ctx: Mapping[str, object]) -> list[str]:
    """One `Name[(plural)]: fields` item of more_entities: its shape, name, plural and
    fields, each error worded as for the single-entity answers, prefixed by the item."""
    try:
        entity = parse_declaration(item)
    except ValueError:
        rule = "declare each entity as Name: fields or Name(plural): fields, separated by ';'"
        return [_error("more_entities", item, rule, ENTITIES_EXAMPLE)]
    sub = {**ctx, "entity_name": entity.name}
    errors = _entity_errors(entity.name, sub)
    if not errors:
        errors += _plural_errors(entity.plural_answer or entity.plural, sub)
    errors += fields_errors(entity.fields, entity.name, str(ctx.get("database")))
    if not errors:
        errors += _length_errors({**sub, "fields": entity.fields})
    return [f"more_entities: {entity.name} {error}" for error in errors]


def _spec_entities(ctx: Mapping[str, object]) -> list[tuple[str, Entity]]:
    """(input key, entity) of every declared entity that parses on its own."""
    entities: list[tuple[str, Entity]] = []
    name, fields = ctx.get("entity_name"), ctx.get("fields")
    if isinstance(name, str) and isinstance(fields, str) and not _entity_errors(name, ctx):
        plural = ctx.get("entity_plural")
        entities.append(("fields", Entity(name, fields, plural if isinstance(plural, str) else "")))
    more = ctx.get("more_entities")
    for item in split_declarations(more) if isinstance(more, str) else []:
        try:
            entity = parse_declaration(item)
        except ValueError:
            continue
        if not _entity_errors(entity.name, ctx):
            entities.append(("more_entities", entity))
    return entities


def _cycle(graph: Mapping[str, list[str]]) -> list[str]:
    """A cycle of the graph as a path that ends where it starts, or []."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for target in graph.get(node, []):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = 2
        path.pop()
        return []

    for node in graph:
        if node not in state and (found := visit(node)):
            return found
    return []


def spec_errors(ctx: Mapping[str, object]) -> list[str]:
    """Errors of the service as a whole: duplicate entities or tables, references to
    entities that are not declared, and cycles that no nullable reference breaks."""
    declared = _spec_entities(ctx)
    cycles = _cycle_errors(declared) or _link_cycle_errors(declared)  # one cycle at a time
    return _duplicate_errors(declared) + _undeclared_errors(declared) + cycles


def _duplicate_errors(declared: list[tuple[str, Entity]]) -> list[str]:
    """Entities that take a class, table or package name already taken: the generated
    modules, tables and routes of the two would overwrite each other. Each later
    declaration is reported, naming the first name of the three it repeats."""
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    for key, entity in declared:
        names = [("entity", entity.class_name), ("table", entity.table), ("package", entity.plural)]
        taken = [(kind, name) for kind, name in names if (kind, name) in seen]
        if taken:
            rule = f"{taken[0][0]} {taken[0][1]!r} is declared twice"
            errors.append(_error(key, entity.name, rule, f"{entity.class_name}Item"))
        seen.update(names)
    return errors


def _undeclared_errors(declared: list[tuple[str, Entity]]) -> list[str]:
    """References to an entity the service does not declare: their foreign key would
    point at no table. The closest declared name is suggested (a typo, usually)."""
    errors: list[str] = []
    classes = [entity.class_name for _, entity in declared]
    for key, entity in declared:
        pointers = [(column[:-3], target, "ref") for column, target, _ in references(entity)]
        pointers += [(name, target, "many") for name, target in links(entity)]
        for name, target, kind in pointers:
            if target in classes:
                continue
            close = difflib.get_close_matches(target, classes, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            rule = f"{name!r} refers to {target!r}, which is not declared{hint}"
            example = f"{name}:{kind}({close[0] if close else classes[0]})"
            errors.append(_error(key, entity.name, rule, example))
    return errors


def _cycle_error(
    declared: list[tuple[str, Entity]], cycle: list[str], rule: str, example: str
) -> str:
    """The error of a cycle, at the input that declares its first entity."""
    key = "fields" if cycle[0] == declared[0][1].class_name else "more_entities"
    return _error(key, cycle[0], rule, example)


def _required_targets(entity: Entity) -> list[str]:
    """The entities a row of entity needs first: the targets of its required references."""
    return [target for _, target, nullable in references(entity) if not nullable]


def _cycle_errors(declared: list[tuple[str, Entity]]) -> list[str]:
    """A cycle of required (not nullable) references: no row of it could be inserted
    before the others. One cycle is reported, at a reference that '?' would break."""
    cycle = _cycle({entity.class_name: _required_targets(entity) for _, entity in declared})
    if not cycle:
        return []
    column = next(  # in the declaration the graph kept (a name declared twice: the last)
        c
        for _, entity in reversed(declared)
        if entity.class_name == cycle[0]
        for c, target, _ in references(entity)
        if target == cycle[1]
    )
    rule = (
        "required references form a cycle "
        + " -> ".join(cycle)
        + ", so no row could be created first; make one of them nullable with '?'"
    )
    return [_cycle_error(declared, cycle, rule, f"{column[:-3]}:ref({cycle[1]})?")]


def _link_cycle_errors(declared: list[tuple[str, Entity]]) -> list[str]:
    """A cycle through a many field: its join table is created with the later of its two
    tables, so each entity it links must come first. Links to the entity itself are fine."""
    graph = {
        entity.class_name: [
            *_required_targets(entity),
            *(target for _, target in links(entity) if target != entity.class_name),
        ]
        for _, entity in declared
    }
    cycle = _cycle(graph)
    if not cycle:
        return []
    rule = (
        "many fields and required references form a cycle "
        + " -> ".join(cycle)
        + ", so no table could be created first; declare a many field on one side only"
    )
    return [_cycle_error(declared, cycle, rule, "tags:many(Tag)")]


def validate_context(ctx: Mapping[str, object]) -> list[str]:
    """Every error of every answer present in the cookiecutter context, one line each."""
    errors: list[str] = []
    for key, check in _TEXT_CHECKS.items():
        if key in ctx:
            value = ctx[key]
            problems = _text_errors(key, value)
            errors += problems or check(str(value), ctx)
    errors += [e for key in CHOICES if key in ctx for e in _choice_errors(key, ctx[key])]
    errors += [e for key in FLAGS if key in ctx for e in _flag_errors(key, ctx[key])]
    more = ctx.get("more_entities")
    if isinstance(more, str):
        errors += [e for item in split_declarations(more) for e in _declaration_errors(item, ctx)]
    elif more is not None:
        errors.append(_error("more_entities", more, "give text", ENTITIES_EXAMPLE))
    return errors + _length_errors(ctx) + spec_errors(ctx) + _claim_errors(ctx)


def _claim_errors(ctx: Mapping[str, object]) -> list[str]:
    """A claim field scopes rows by the caller's token, which only auth=oidc has."""
    if ctx.get("auth", "oidc") == "oidc":
        return []
    return [
        _error(key, field.name + f":claim({field.claim})", "claim fields need auth=oidc "
               "(a token to take the claim from)", "auth=oidc")
        for key, entity in _spec_entities(ctx)
        for _, field in _parsed_items(entity.fields)
        if field.kind == "claim"
    ]  # fmt: skip
