"""Jinja extension: the naming rules and the fields parser as filters and globals."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

from crudgen import naming
from crudgen.entities import Entity, revision_id, service_entities
from crudgen.fields import (
    Field,
    bad_filter_rows,
    filter_rows,
    first_field,
    migration_sort_indexes,
    parse_fields,
    sort_indexes,
    sort_literal,
)
from crudgen.imports import dunder_all, import_block, model_imports, schema_imports
from crudgen.pyfmt import collection, layout, python_list, python_string

# Resolved when cookiecutter (or cruft) imports this extension, while the working directory
# is still the one the template path is relative to; the hooks run elsewhere.
TEMPLATE_ROOT = str(Path(__file__).resolve().parents[1])


def template_root() -> str:
    """Absolute path of the template checkout, so hooks can import crudgen from anywhere."""
    return TEMPLATE_ROOT


def entity_fields(context: Mapping[str, Any]) -> list[Field]:
    """The parsed fields of the entity, rendered for the chosen database and options."""
    return parse_fields(
        str(context["fields"]),
        str(context["__entity_class"]),
        str(context["__table"]),
        database=str(context.get("database", "postgresql")),
        soft_delete=context.get("soft_delete") is True,
    )


def router_imports(package: str, entities: list[Entity]) -> str:
    """The registry's imports: each entity's router under the name of its package."""
    specs = [f"{package}.{entity.plural}.router:router as {entity.plural}" for entity in entities]
    return import_block(package, *specs)


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
        )
        environment.globals.update(
            revision_id=revision_id,
            service_entities=service_entities,
            router_imports=router_imports,
            template_root=template_root,
            entity_fields=entity_fields,
            import_block=import_block,
            dunder_all=dunder_all,
            model_imports=model_imports,
            schema_imports=schema_imports,
            sort_literal=sort_literal,
            sort_indexes=sort_indexes,
            migration_sort_indexes=migration_sort_indexes,
            first_field=first_field,
            python_list=python_list,
            collection=collection,
            filter_rows=filter_rows,
            bad_filter_rows=bad_filter_rows,
        )
