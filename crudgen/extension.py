"""Jinja extension: the naming rules and the fields parser as filters and globals."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

from crudgen import naming
from crudgen.fields import Field, first_field, parse_fields, sort_literal
from crudgen.imports import import_block, model_imports, schema_imports
from crudgen.pyfmt import layout, python_list


def new_revision_id() -> str:
    """A fresh Alembic revision id (12 hex digits, like `alembic revision` makes)."""
    return secrets.token_hex(6)


def entity_fields(context: Mapping[str, Any]) -> list[Field]:
    """The parsed fields of the entity, rendered for the chosen database and options."""
    return parse_fields(
        str(context["fields"]),
        str(context["__entity_class"]),
        str(context["__table"]),
        database=str(context.get("database", "postgresql")),
        soft_delete=context.get("soft_delete") is True,
    )


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
        )
        environment.globals.update(
            new_revision_id=new_revision_id,
            entity_fields=entity_fields,
            import_block=import_block,
            model_imports=model_imports,
            schema_imports=schema_imports,
            sort_literal=sort_literal,
            first_field=first_field,
            python_list=python_list,
        )
