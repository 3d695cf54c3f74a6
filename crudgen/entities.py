"""The entities of a service as values, and their rendering from the entity template.

The project template (`{{cookiecutter.project_slug|project_dir}}/`) names no entity. Every
entity's package, tests and migration come from one entity template (`entity/`), rendered
once per entity by the post-generation hook through cookiecutter's own `generate_files`,
with the project's answers plus that entity's values as the context.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crudgen import naming
from crudgen.fields import FieldsError, parse_fields, split_items

ENTITY_TEMPLATE = Path(__file__).resolve().parents[1] / "entity"

# The project answers an entity's files read; nothing else of the project reaches them.
PROJECT_KEYS = ("package_name", "id_type", "database", "pagination", "soft_delete")

# Entity files that only some entities get: (relative path, does this entity get it?).
OPTIONAL_FILES = (
    ("tests/{plural}/test_soft_delete.py", lambda ctx: ctx["soft_delete"] is True),
    ("tests/{plural}/test_faults.py", lambda ctx: ctx["__faults"]),
    ("tests/{plural}/conftest.py", lambda ctx: any(not r["nullable"] for r in ctx["__refs"])),
    ("tests/{plural}/test_references.py", lambda ctx: bool(ctx["__refs"])),
    ("tests/{plural}/test_links.py", lambda ctx: bool(ctx["__links"])),
    ("tests/{plural}/test_ownership.py", lambda ctx: has_claim(ctx)),
)


def has_claim(context: Mapping[str, Any]) -> bool:
    """Whether the entity's rows are scoped by a claim field (`owner:claim(sub)`)."""
    return any(field.kind == "claim" for field in parse_fields(str(context["fields"])))


def revision_id(*parts: object) -> str:
    """A stable Alembic revision id (12 hex digits) derived from what the revision creates:
    the same answers always give the same id, so re-rendering changes no file."""
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


@dataclass(frozen=True)
class Entity:
    """One entity as answered: its name, its plural (derived when blank) and its fields."""

    name: str
    fields: str
    plural_answer: str = ""

    @property
    def snake(self) -> str:
        """`blog_post`: modules, route names, ids."""
        return naming.snake(self.name)

    @property
    def class_name(self) -> str:
        """`BlogPost`: the model and schema classes."""
        return naming.pascal(self.name)

    @property
    def plural(self) -> str:
        """`blog_posts`: the package and the tests' directory."""
        return naming.snake(self.plural_answer or naming.pluralize(self.snake))

    @property
    def plural_path(self) -> str:
        """`blog-posts`: the URL path."""
        return naming.kebab(self.plural)

    @property
    def table(self) -> str:
        """The table: the singular, or the plural where the singular is an SQL word."""
        return naming.table_name(self.name)

    @property
    def has_references(self) -> bool:
        """Whether any field of the entity references or links to an entity (its writes may
        name rows that do not exist)."""
        return bool(references(self) or links(self))

    @property
    def has_links(self) -> bool:
        """Whether the entity has a many field."""
        return bool(links(self))

    def revision(self, package: str) -> str:
        """The id of the migration that creates this entity's table."""
        return revision_id("create", package, self.table)

    def context(
        self,
        answers: Mapping[str, Any],
        *,
        down_revision: str | None,
        faults: bool,
        entities: list[Entity] | None = None,
    ) -> dict[str, Any]:
        """The entity template's context: the project answers it reads, this entity, and
        its references to the service's entities (in creation order)."""
        package = str(answers["package_name"])
        ordered = entities or [self]
        return {
            "__refs": reference_context(self, ordered),
            "__links": link_context(self, ordered),
            "__incoming": incoming_context(self, ordered),
            **{key: answers[key] for key in PROJECT_KEYS},
            "entity_name": self.name,
            "entity_plural": self.plural,
            "fields": self.fields,
            "__project": naming.kebab(str(answers["project_slug"])),
            "__entity": self.snake,
            "__entity_class": self.class_name,
            "__plural": self.plural,
            "__plural_path": self.plural_path,
            "__table": self.table,
            "__revision": self.revision(package),
            "__down_revision": down_revision,
            "__page_module": "keyset" if answers["pagination"] == "cursor" else "offset",
            "__page_class": "CursorPage" if answers["pagination"] == "cursor" else "OffsetPage",
            "__faults": faults,
            "_extensions": ["crudgen.extension.CrudExtension"],
        }


_DECLARATION = re.compile(
    r"^\s*(?P<name>[^:()]+?)\s*(?:\(\s*(?P<plural>[^()]*?)\s*\))?\s*:(?P<fields>.*)$", re.S
)
ENTITIES_EXAMPLE = "Author: name:str(120); Book: title:str(200), author:ref(Author)"


def split_declarations(text: str) -> list[str]:
    """`more_entities` split on semicolons and newlines outside quotes and parentheses."""
    return [item for _, item in split_items(text, ";\n") if item]


def parse_declaration(text: str) -> Entity:
    """`Name[(plural)]: fields` as an Entity; ValueError when it is not that shape."""
    match = _DECLARATION.match(text)
    if not match or not match["fields"].strip():
        raise ValueError(text)
    return Entity(match["name"], match["fields"].strip(), (match["plural"] or "").strip())


def declared_entities(answers: Mapping[str, Any]) -> list[Entity]:
    """The entities as declared: the entity_name answers first, then more_entities."""
    first = Entity(
        name=str(answers["entity_name"]),
        fields=str(answers["fields"]),
        plural_answer=str(answers.get("entity_plural") or ""),
    )
    more = str(answers.get("more_entities") or "")
    return [first, *(parse_declaration(item) for item in split_declarations(more))]


def references(entity: Entity) -> list[tuple[str, str, bool]]:
    """(column, target entity's class name, nullable) of each reference the entity makes."""
    try:
        fields = parse_fields(entity.fields, entity.class_name, entity.table)
    except FieldsError:
        return []
    return [(f.name, naming.pascal(f.target), f.nullable) for f in fields if f.kind == "ref"]


def links(entity: Entity) -> list[tuple[str, str]]:
    """(field name, target entity's class name) of each many field of the entity."""
    try:
        fields = parse_fields(entity.fields, entity.class_name, entity.table)
    except FieldsError:
        return []
    return [(f.name, naming.pascal(f.target)) for f in fields if f.kind == "many"]


def creation_order(entities: list[Entity]) -> list[Entity]:
    """Parents before children, by required references and by many fields (a join table
    needs both its tables), declared order otherwise; a cycle of those (which validation
    refuses) keeps the remaining order."""
    by_class = {entity.class_name: entity for entity in entities}
    placed: list[Entity] = []
    waiting = list(entities)

    def ready(entity: Entity, *, strict: bool) -> bool:
        return all(
            (nullable and not strict)
            or target == entity.class_name
            or target not in by_class
            or by_class[target] in placed
            for _, target, nullable in [
                *references(entity),
                *((name, target, False) for name, target in links(entity)),
            ]
        )

    while waiting:
        chosen = next((e for e in waiting if ready(e, strict=True)), None)
        chosen = chosen or next((e for e in waiting if ready(e, strict=False)), waiting[0])
        placed.append(chosen)
        waiting.remove(chosen)
    return placed


def service_entities(answers: Mapping[str, Any]) -> list[Entity]:
    """The entities of the service, in the order their tables are created."""
    return creation_order(declared_entities(answers))


def has_parents(entity: Entity) -> bool:
    """Whether a row of entity needs parent rows first: it has a reference that is not
    nullable."""
    fields = parse_fields(entity.fields, entity.class_name, entity.table)
    return any(field.kind == "ref" and not field.nullable for field in fields)


def reference_context(entity: Entity, ordered: list[Entity]) -> list[dict[str, Any]]:
    """What the templates need of each reference: its column, rule and target."""
    by_class = {other.class_name: other for other in ordered}
    fields = parse_fields(entity.fields, entity.class_name, entity.table)
    refs = [field for field in fields if field.kind == "ref"]
    targets = [naming.pascal(field.target) for field in refs]
    linked = {naming.pascal(field.target) for field in fields if field.kind == "many"}
    position = ordered.index(entity) if entity in ordered else len(ordered)
    context = []
    for field, target_class in zip(refs, targets, strict=True):
        target = by_class[target_class]
        context.append(
            {
                "column": field.name,
                "name": field.name.removesuffix("_id"),
                "nullable": field.nullable,
                "unique": field.unique,
                "on_delete": field.on_delete,
                "target_class": target.class_name,
                "target": target.snake,
                "target_plural": target.plural,
                "target_path": target.plural_path,
                "target_table": target.table,
                # a nullable reference to a table created later: its FK comes with that table
                "forward": ordered.index(target) > position,
                # the nested list /authors/{author_id}/books, for a target referenced once
                # (and not linked: /tags/{tag_id}/books lists the links then)
                "nested": targets.count(target_class) == 1 and target_class not in linked,
                # a target row needs parent rows of its own first (its tests' add_parents)
                "target_has_parents": has_parents(target),
            }
        )
    return context


def link_context(entity: Entity, ordered: list[Entity]) -> list[dict[str, Any]]:
    """What the templates need of each many field: its join table, whose two columns name
    this entity's row and the linked row, and its target."""
    by_class = {other.class_name: other for other in ordered}
    fields = parse_fields(entity.fields, entity.class_name, entity.table)
    context = []
    for field in fields:
        if field.kind != "many":
            continue
        target = by_class[naming.pascal(field.target)]
        context.append(
            {
                "name": field.name,  # tags
                "link": field.link,  # tag
                "attribute": f"{field.link}_ids",  # in the item's bodies
                "table": f"{entity.table}_{field.name}",  # book_tags
                "owner_column": f"{entity.snake}_id",  # book_id
                "target_column": f"{field.link}_id",  # tag_id
                "target_class": target.class_name,
                "target": target.snake,
                "target_plural": target.plural,
                "target_path": target.plural_path,
                "target_table": target.table,
            }
        )
    return context


def incoming_context(entity: Entity, ordered: list[Entity]) -> list[dict[str, Any]]:
    """Foreign keys of tables created earlier that point at this one (created here)."""
    position = ordered.index(entity) if entity in ordered else len(ordered)
    incoming = []
    for earlier in ordered[:position]:
        for ref in reference_context(earlier, ordered):
            if ref["forward"] and ref["target_class"] == entity.class_name:
                incoming.append({**ref, "table": earlier.table})
    return incoming


def render_entity(
    project: Path, context: Mapping[str, Any], *, overwrite: bool = False
) -> list[Path]:
    """Render the entity template into project for one entity; returns the files written.

    Unless overwrite (a bake over an existing directory, as the user asked), refuses with
    FileExistsError, writing nothing, when any of its files already exists."""
    from cookiecutter.generate import generate_files

    planned = planned_files(project, context)
    existing = [path for path in planned if path.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{existing[0]} exists already; nothing was written")
    generate_files(
        repo_dir=ENTITY_TEMPLATE,
        context={"cookiecutter": dict(context)},
        output_dir=project.parent,
        overwrite_if_exists=True,
        accept_hooks=False,
    )
    for relative, wanted in OPTIONAL_FILES:
        if not wanted(context):
            (project / relative.format(plural=context["__plural"])).unlink()
    return [path for path in planned if path.exists()]


def planned_files(project: Path, context: Mapping[str, Any]) -> list[Path]:
    """Where each file of the entity template lands for this entity."""
    root = ENTITY_TEMPLATE / "{{cookiecutter.__project}}"
    names = {f"{{{{cookiecutter.{key}}}}}": str(value) for key, value in context.items()}
    planned = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            relative = str(path.relative_to(root))
            for placeholder, value in names.items():
                relative = relative.replace(placeholder, value)
            planned.append(project / relative)
    return planned


def entity_contexts(answers: Mapping[str, Any]) -> Iterator[tuple[Entity, dict[str, Any]]]:
    """Each entity of the service with the entity template's context for it, as a bake
    renders it: creation order, each migration on top of the previous one, the fault tests
    with the first table on PostgreSQL."""
    entities = service_entities(answers)
    down_revision = None
    for position, entity in enumerate(entities):
        faults = position == 0 and answers["database"] == "postgresql"
        context = entity.context(
            answers, down_revision=down_revision, faults=faults, entities=entities
        )
        yield entity, context
        down_revision = context["__revision"]


def render_service(project: Path, answers: Mapping[str, Any]) -> list[Entity]:
    """Render every entity of a new service, each migration on top of the previous one."""
    rendered = []
    for entity, context in entity_contexts(answers):
        render_entity(project, context, overwrite=True)  # cookiecutter already asked
        rendered.append(entity)
    return rendered
