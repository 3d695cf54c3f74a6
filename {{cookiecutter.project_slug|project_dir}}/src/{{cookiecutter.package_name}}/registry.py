"""The entity packages this service serves, parents before children.

main.py includes each router, and importing them maps every table in Base.metadata
(core/tables.py, Alembic). An entity added to the project later is appended here.
"""

from fastapi import APIRouter

{% set entities = service_entities(cookiecutter) -%}
{{ router_imports(cookiecutter.package_name, entities) }}

{{ collection("ROUTERS: tuple[APIRouter, ...] = ", entities|map(attribute="plural"), "()")|layout }}
