{%- set fields = entity_fields(cookiecutter) -%}
{%- set claim = entity_claim(cookiecutter) -%}
{%- set timestamp = "AwareDateTime()" if cookiecutter.database == "sqlite" else "sa.DateTime(timezone=True)" -%}
{%- set table_indexes = fields|map(attribute="table_index")|select|list + sort_indexes(fields, cookiecutter.__table, soft_delete=cookiecutter.soft_delete, database=cookiecutter.database, scope=claim.name if claim else "") -%}
"""The {{ cookiecutter.__table }} table."""

{{ model_imports(fields, cookiecutter.package_name, cookiecutter.id_type, cookiecutter.database, cookiecutter.__entity_class) }}
{%- for field in fields if field.kind == "enum" %}


class {{ field.enum_class }}(StrEnum):
    """Allowed values of {{ cookiecutter.__entity_class }}.{{ field.name }}."""
{% for constant, value in field.enum_members %}
    {{ constant }} = "{{ value }}"
{%- endfor %}
{%- endfor %}


class {{ cookiecutter.__entity_class }}({{ model_base(cookiecutter.__entity_class) }}):
    """One row; id, version and timestamps belong to the server."""

    __tablename__ = "{{ cookiecutter.__table }}"
    __table_args__ = (
{%- for index in table_indexes %}
{{ index|layout(8, ",") }}
{%- endfor %}
    )
{%- if cookiecutter.id_type == "uuid" %}

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
{%- elif cookiecutter.database == "postgresql" %}

    id: Mapped[int] = mapped_column(sa.BigInteger(), sa.Identity(), primary_key=True)
{%- else %}

    id: Mapped[int] = mapped_column(primary_key=True)
{%- endif %}
{%- if claim %}
    # The caller's {{ claim.claim }} claim, set by the server: each caller sees only its own rows.
{{ claim.model_line|layout(4) }}
{%- endif %}
{%- for field in fields %}
{{ qualified(field.model_line, cookiecutter.__entity_class)|layout(4) }}
{%- endfor %}
    version: Mapped[int] = mapped_column(server_default=sa.text("1"))
    created_at: Mapped[datetime] = mapped_column(
        {{ timestamp }},
        server_default=sa.func.now(),
    )
    updated_at: Mapped[datetime] = mapped_column(
        {{ timestamp }},
        server_default=sa.func.now(),
    )
{%- if cookiecutter.soft_delete %}
    deleted_at: Mapped[datetime | None] = mapped_column({{ timestamp }})
{%- endif %}
{%- for link in cookiecutter.__links %}


# {{ cookiecutter.__entity_class }}.{{ link.name }}: one row per link, gone with either row (core/links.py).
{{ link_model(link, cookiecutter.__table, cookiecutter.id_type)|layout }}
{%- endfor %}
