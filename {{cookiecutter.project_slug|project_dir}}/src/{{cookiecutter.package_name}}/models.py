"""Every mapped table, imported so that Base.metadata is complete (Alembic reads it)."""

{% set pkg = cookiecutter.package_name -%}
{{ import_block(pkg, pkg ~ ".core.models:Base", pkg ~ "." ~ cookiecutter.__plural ~ ".models:" ~ cookiecutter.__entity_class) }}

{{ dunder_all("Base", cookiecutter.__entity_class) }}
