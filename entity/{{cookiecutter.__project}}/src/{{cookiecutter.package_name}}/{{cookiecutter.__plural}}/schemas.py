{%- set fields = entity_fields(cookiecutter) -%}
{%- set claim = entity_claim(cookiecutter) -%}
{%- set cls = cookiecutter.__entity_class -%}
{%- set links = cookiecutter.__links -%}
"""Request and response bodies of /{{ cookiecutter.__plural_path }}."""

{{ schema_imports(fields, cookiecutter.package_name, cookiecutter.__plural, cookiecutter.id_type, cookiecutter.pagination, schema_lines(links, cookiecutter.id_type)) }}

{{ sort_literal(fields, cls)|layout }}


class {{ cls }}Create(BaseModel):
    """A new one (POST), or the full replacement of one (PUT)."""

    model_config = ConfigDict(extra="forbid")
{% for field in fields %}
{{ field.schema_line("create")|layout(4) }}
{%- endfor %}
{%- for link in links %}
{{ link_schema_line(link, "create", cookiecutter.id_type)|layout(4) }}
{%- endfor %}


class {{ cls }}Update(BaseModel):
    """Changes (PATCH): only the fields sent are changed; null only where a field allows it."""

    model_config = ConfigDict(extra="forbid")
{% for field in fields %}
{{ field.schema_line("update")|layout(4) }}
{%- endfor %}
{%- for link in links %}
{{ link_schema_line(link, "update", cookiecutter.id_type)|layout(4) }}
{%- endfor %}


class {{ cls }}Read(BaseModel):
    """As stored, with the server-owned id, version and timestamps."""

    model_config = ConfigDict(from_attributes=True)

    id: {{ "UUID" if cookiecutter.id_type == "uuid" else "int" }}
{%- if claim %}
{{ claim.schema_line("read")|layout(4) }}
{%- endif %}
{%- for field in fields %}
{{ field.schema_line("read")|layout(4) }}
{%- endfor %}
{%- for link in links %}
{{ link_schema_line(link, "read", cookiecutter.id_type)|layout(4) }}
{%- endfor %}
    version: int
    created_at: datetime
    updated_at: datetime


class {{ cls }}ListParams(BaseModel):
    """Query string of the list: filters, sort order and page."""

    model_config = ConfigDict(extra="forbid", serialize_by_alias=True)
{% for field in fields %}
{%- for line in field.filter_lines %}
{{ line|layout(4) }}
{%- endfor %}
{%- endfor %}
{%- for link in links %}
{{ link_filter_line(link, cookiecutter.id_type)|layout(4) }}
{%- endfor %}
    sort: {{ cls }}Sort = "created_at"
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
{%- if cookiecutter.pagination == "cursor" %}
    cursor: str | None = Field(default=None, max_length=2048)
{%- else %}
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
{%- endif %}
