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
from crudgen.pyfmt import Call, collection, layout, python_list, python_string

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
    """The parsed fields of the entity that requests send, rendered for the chosen database
    and options (a claim field is the server's: `entity_claim`); a reference to a table
    created later gets its foreign key by ALTER (use_alter)."""
    fields = _parse(str(context["fields"]), context["__entity_class"], context["__table"], context)
    forward = {ref["column"] for ref in context.get("__refs", []) if ref["forward"]}
    scope = next((field.name for field in fields if field.kind == "claim"), "")
    return [
        replace(field, use_alter=field.name in forward, scope=scope)
        for field in fields
        if field.kind != "claim"
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
            incoming_foreign_key=incoming_foreign_key,
            reference_rows=reference_rows,
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
