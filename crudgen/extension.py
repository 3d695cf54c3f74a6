"""Jinja extension: the naming rules and the fields parser as filters and globals."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

from crudgen import naming
from crudgen.entities import (
    Entity,
    link_context,
    parse_declaration,
    reference_context,
    revision_id,
    service_entities,
    split_declarations,
)
from crudgen.fields import (
    ON_DELETE,
    Field,
    bad_filter_rows,
    filter_rows,
    first_field,
    migration_sort_indexes,
    parse_fields,
    search_index_name,
    sort_indexes,
    sort_literal,
)
from crudgen.imports import (
    import_block,
    model_base,
    model_imports,
    qualified,
    schema_imports,
)
from crudgen.pyfmt import Arg, Call, collection, layout, python_list, python_string

# cruft update and cruft diff render the template through this module, into temporary
# directories they only diff (an update renders twice: the recorded commit and the new one).
CRUFT_RENDERS = "cruft._commands.utils.generate"

# Resolved when cookiecutter (or cruft) imports this extension, while the working directory
# is still the one the template path is relative to; the hooks run elsewhere.
TEMPLATE_ROOT = str(Path(__file__).resolve().parents[1])


def template_root() -> str:
    """Absolute path of the template checkout, so hooks can import crudgen from anywhere."""
    return TEMPLATE_ROOT


def cruft_internal_render() -> bool:
    """Whether this render is one of cruft's for an update or a diff, rather than a bake
    (cookiecutter, cruft create): the post-generation hook prints the next steps for a bake
    only, so `cruft update` does not print them twice for copies nobody sees. Hooks are
    rendered in cookiecutter's process, called from cruft's module when cruft renders."""
    frame = inspect.currentframe()
    while frame is not None:
        if frame.f_globals.get("__name__") == CRUFT_RENDERS:
            return True
        frame = frame.f_back
    return False


def entity_fields(context: Mapping[str, Any]) -> list[Field]:
    """The parsed columns of the entity that requests send, rendered for the chosen database
    and options (a claim field is the server's: `entity_claim`; many fields are join
    tables: `__links`); a reference to a table
    created later gets its foreign key by ALTER (use_alter)."""
    fields = _parse(str(context["fields"]), context["__entity_class"], context["__table"], context)
    forward = {ref["column"] for ref in context.get("__refs", []) if ref["forward"]}
    scope = next((field.name for field in fields if field.kind == "claim"), "")
    return [
        replace(field, use_alter=field.name in forward, scope=scope)
        for field in fields
        if field.kind not in ("claim", "many")  # a many field's links: context["__links"]
    ]


def entity_claim(context: Mapping[str, Any]) -> Field | None:
    """The entity's claim field (`owner:claim(sub)`), whose column scopes its rows, or None."""
    fields = _parse(str(context["fields"]), context["__entity_class"], context["__table"], context)
    return next((field for field in fields if field.kind == "claim"), None)


def _parse(text: str, class_name: str, table: str, context: Mapping[str, Any]) -> list[Field]:
    """Parse fields as the project's answers (database, soft delete, id type) render them."""
    return parse_fields(
        text,
        class_name,
        table,
        database=str(context.get("database", "postgresql")),
        soft_delete=context.get("soft_delete") is True,
        id_type=str(context.get("id_type", "uuid")),
    )


def fields_of(entity: Entity, context: Mapping[str, Any]) -> list[Field]:
    """An entity's parsed fields, as the project's answers render them (for the README)."""
    return _parse(entity.fields, entity.class_name, entity.table, context)


def references_of(entity: Entity, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An entity's references as the templates see them (for the README)."""
    return reference_context(entity, service_entities(context))


def links_of(entity: Entity, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An entity's many fields as the templates see them (for the README)."""
    return link_context(entity, service_entities(context))


def entities_head(context: Mapping[str, Any]) -> str:
    """The revision of the last entity's create migration: where a template update's own
    migration goes (released migrations are append-only; see the README)."""
    return service_entities(context)[-1].revision(str(context["package_name"]))


def router_imports(package: str, entities: list[Entity]) -> str:
    """The registry's imports: each entity's router under the name of its package."""
    specs = [f"{package}.{entity.plural}.router:router as {entity.plural}" for entity in entities]
    return import_block(package, *specs)


def incoming_foreign_key(ref: dict[str, Any], table: str) -> tuple[Call, Call]:
    """(create, drop) of the foreign key an earlier table's nullable reference gets once
    its target table exists (inside `with op.batch_alter_table(...) as batch:`)."""
    name = f'op.f("fk_{ref["table"]}_{ref["column"]}_{table}")'
    rule = ON_DELETE[ref["on_delete"]]
    create = Call(
        "batch.create_foreign_key",
        (name, f'"{table}"', f'["{ref["column"]}"]', '["id"]', f'ondelete="{rule}"'),
    )
    return create, Call("batch.drop_constraint", (name, 'type_="foreignkey"'))


def _link_column_type(id_type: str) -> str:
    """The type of a join table's columns: the ids' own, as a reference takes it."""
    return "sa.Uuid()" if id_type == "uuid" else "sa.BigInteger()"


def link_model(link: dict[str, Any], owner_table: str, id_type: str) -> Call:
    """`<join table> = sa.Table(...)` of a many field, for the owner's models.py: two
    cascading foreign keys making the primary key (owner first), an index the other way,
    and `info` naming the owner's and the target's columns (core/links.py)."""
    kind = _link_column_type(id_type)
    owner, target = link["owner_column"], link["target_column"]
    columns = [
        (owner, owner_table),
        (target, link["target_table"]),
    ]
    args: list[Arg] = [f'"{link["table"]}"', "Base.metadata"]
    for column, table in columns:
        key = Call("sa.ForeignKey", (f'"{table}.id"', 'ondelete="CASCADE"'))
        args.append(Call("sa.Column", (f'"{column}"', kind, key, "primary_key=True")))
    args.append(Call("sa.Index", (f'"ix_{link["table"]}_{target}"', f'"{target}"', f'"{owner}"')))
    args.append(f'info={{"link": ("{owner}", "{target}")}}')
    return Call(f"{link['table']} = sa.Table", tuple(args))


def link_migration(link: dict[str, Any], owner_table: str, id_type: str) -> tuple[Call, Call]:
    """(create_table, create_index) of a many field's join table, as autogenerate writes
    them for link_model."""
    kind = _link_column_type(id_type)
    table, owner, target = link["table"], link["owner_column"], link["target_column"]
    args: list[Arg] = [f'"{table}"']
    args += [Call("sa.Column", (f'"{name}"', kind, "nullable=False")) for name in (owner, target)]
    primary = (f'"{owner}"', f'"{target}"', f'name=op.f("pk_{table}")')
    args.append(Call("sa.PrimaryKeyConstraint", primary))
    for column, referred in ((owner, owner_table), (target, link["target_table"])):
        name = f'name=op.f("fk_{table}_{column}_{referred}")'
        key = (f'["{column}"]', f'["{referred}.id"]', name, 'ondelete="CASCADE"')
        args.append(Call("sa.ForeignKeyConstraint", key))
    index = Call(
        "op.create_index",
        (f'op.f("ix_{table}_{target}")', f'"{table}"', f'["{target}", "{owner}"]', "unique=False"),
    )
    return Call("op.create_table", tuple(args)), index


def link_drops(link: dict[str, Any]) -> tuple[Call, str]:
    """(drop_index, drop_table) of a many field's join table, for the downgrade."""
    table, target = link["table"], link["target_column"]
    index = Call("op.drop_index", (f'op.f("ix_{table}_{target}")', f'table_name="{table}"'))
    return index, f'op.drop_table("{table}")'


def link_rows(links: list[dict[str, Any]]) -> list[str]:
    """The service's _LINKS rows: `("tag_ids", models.book_tags)` for each many field."""
    return [f'("{link["attribute"]}", models.{link["table"]})' for link in links]


def _link_key(link: dict[str, Any], id_type: str) -> Field:
    """A many field's one-link filter (`tag_id`), typed as a reference to its target is."""
    return Field(
        name=link["target_column"], kind="ref", args=(link["target_class"],), id_type=id_type
    )


def link_schema_line(link: dict[str, Any], mode: str, id_type: str) -> Arg:
    """A many field's attribute (`tag_ids`) in the Create ("create"), Update ("update") or
    Read ("read") schema: a list of ids, empty by default, at most MAX_LINKS long."""
    name = link["attribute"]
    if mode == "read":
        return f"{name}: list[{'UUID' if id_type == 'uuid' else 'int'}]"
    item = "UuidText" if id_type == "uuid" else "JsonSafeInt"
    if mode == "update":
        return Call(
            f"{name}: list[{item}] | MISSING = Field", ("default=MISSING", "max_length=MAX_LINKS")
        )
    return Call(f"{name}: list[{item}] = Field", ("default_factory=list", "max_length=MAX_LINKS"))


def link_filter_line(link: dict[str, Any], id_type: str) -> Arg:
    """The list's `?tag_id=` parameter of a many field: the rows linked to that id."""
    (line,) = _link_key(link, id_type).filter_lines
    return line


def schema_lines(links: list[dict[str, Any]], id_type: str) -> list[Arg]:
    """Every line the many fields add to schemas.py, for its imports."""
    modes = ("create", "update", "read")
    lines = [link_schema_line(link, mode, id_type) for link in links for mode in modes]
    return lines + [link_filter_line(link, id_type) for link in links]


def link_test_rows(links: list[dict[str, Any]], one: str, plural: str) -> list[Call]:
    """test_links' LINKS: a `Link(attribute, the linked entity's test helpers, the list of
    the rows linked to one of them, its parameter, the list of one row's linked ones)` for
    each many field."""
    rows = []
    for link in links:
        row = (
            f'"{link["attribute"]}"',
            link["target_plural"],
            f'"list_{plural}_with_{link["link"]}"',
            f'"{link["target_column"]}"',
            f'"list_{one}_{link["name"]}"',
        )
        rows.append(Call("Link", row))
    return rows


def reference_rows(refs: list[dict[str, Any]], plural: str) -> list[Call]:
    """test_references' REFERENCES rows: (column, parents' helpers, rule, nested route,
    its parameter), each a tuple laid out as ruff would."""
    rows = []
    for ref in refs:
        nested = f'"list_{plural}_of_{ref["target"]}"' if ref["nested"] else "None"
        parameter = f'"{ref["target"]}_id"'
        rule = f'"{ref["on_delete"]}"'
        row = (f'"{ref["column"]}"', ref["target_plural"], rule, nested, parameter)
        rows.append(collection("", row, "()"))
    return rows


def parent_links(refs: list[dict[str, Any]]) -> list[str]:
    """`"create_author": "author_id"` for the first reference to each parent."""
    firsts: dict[str, str] = {}
    for ref in refs:
        firsts.setdefault(f"create_{ref['target']}", ref["column"])
    return [f'"{source}": "{column}"' for source, column in firsts.items()]


def plurals_in_words(answers: Mapping[str, Any]) -> str:
    """Every entity's plural in words, as declared: `books`, `patients, doctors and visits`.

    The default description names the whole service, not only its first entity. It is
    rendered while cookiecutter prompts, before the pre-generation hook validates: a
    declaration that does not parse is left out here and reported there."""
    first = Entity(str(answers["entity_name"]), "", str(answers.get("entity_plural") or ""))
    entities = [first]
    for item in split_declarations(str(answers.get("more_entities") or "")):
        try:
            entities.append(parse_declaration(item))
        except ValueError:
            continue
    words = [entity.plural.replace("_", " ") for entity in entities if entity.plural]
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def project_dir(slug: str) -> str:
    """A directory name that stays inside the output folder whatever the answer was."""
    return naming.kebab(str(slug)) or "invalid-project-slug"


class CrudExtension(Extension):
    """Registers snake, pascal, kebab, plural, table_name, parse_fields ... for templates."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(
            snake=naming.snake,
            pascal=naming.pascal,
            kebab=naming.kebab,
            slug=naming.slugify,
            identifier=naming.identifier,
            plural=naming.pluralize,
            table_name=naming.table_name,
            project_dir=project_dir,
            parse_fields=parse_fields,
            layout=layout,
            pystr=python_string,
            plurals_in_words=plurals_in_words,
        )
        environment.globals.update(
            revision_id=revision_id,
            service_entities=service_entities,
            router_imports=router_imports,
            entities_head=entities_head,
            fields_of=fields_of,
            references_of=references_of,
            links_of=links_of,
            incoming_foreign_key=incoming_foreign_key,
            reference_rows=reference_rows,
            link_model=link_model,
            link_rows=link_rows,
            link_test_rows=link_test_rows,
            link_schema_line=link_schema_line,
            link_filter_line=link_filter_line,
            schema_lines=schema_lines,
            link_migration=link_migration,
            link_drops=link_drops,
            call=lambda head, *args: Call(head, args),
            parent_links=parent_links,
            template_root=template_root,
            cruft_internal_render=cruft_internal_render,
            entity_fields=entity_fields,
            entity_claim=entity_claim,
            import_block=import_block,
            model_imports=model_imports,
            model_base=model_base,
            qualified=qualified,
            schema_imports=schema_imports,
            sort_literal=sort_literal,
            sort_indexes=sort_indexes,
            migration_sort_indexes=migration_sort_indexes,
            search_index_name=search_index_name,
            first_field=first_field,
            python_list=python_list,
            collection=collection,
            filter_rows=filter_rows,
            bad_filter_rows=bad_filter_rows,
        )
