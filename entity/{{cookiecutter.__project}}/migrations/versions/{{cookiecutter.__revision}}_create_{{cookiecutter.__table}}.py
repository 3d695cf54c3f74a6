{%- set fields = entity_fields(cookiecutter) -%}
{%- set claim = entity_claim(cookiecutter) -%}
{%- set table = cookiecutter.__table -%}
{%- set timestamp = "sa.DateTime()" if cookiecutter.database == "sqlite" else "sa.DateTime(timezone=True)" -%}
{%- set forward = cookiecutter.__refs|selectattr("forward")|map(attribute="column")|list -%}
{%- set sort_indexes = migration_sort_indexes(fields, table, soft_delete=cookiecutter.soft_delete, database=cookiecutter.database, scope=claim.name if claim else "") -%}
"""Create the {{ table }} table.

Revision ID: {{ cookiecutter.__revision }}
Revises:{{ " " ~ cookiecutter.__down_revision if cookiecutter.__down_revision }}
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "{{ cookiecutter.__revision }}"
down_revision: str | None = {{ cookiecutter.__down_revision|pystr if cookiecutter.__down_revision else None }}
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the {{ table }} table and its indexes{{ ", and the join tables of its many fields" if cookiecutter.__links }}."""
    op.create_table(
        "{{ table }}",
{%- if cookiecutter.id_type == "uuid" %}
        sa.Column("id", sa.Uuid(), nullable=False),
{%- elif cookiecutter.database == "postgresql" %}
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
{%- else %}
        sa.Column("id", sa.Integer(), nullable=False),
{%- endif %}
{%- if claim %}
{{ claim.migration_column|layout(8, ",") }}
{%- endif %}
{%- for field in fields %}
{{ field.migration_column|layout(8, ",") }}
{%- endfor %}
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            {{ timestamp }},
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            {{ timestamp }},
            server_default=sa.func.now(),
            nullable=False,
        ),
{%- if cookiecutter.soft_delete %}
        sa.Column("deleted_at", {{ timestamp }}, nullable=True),
{%- endif %}
        sa.PrimaryKeyConstraint("id", name=op.f("pk_{{ table }}")),
{%- for field in fields if field.migration_constraint %}
{{ field.migration_constraint|layout(8, ",") }}
{%- endfor %}
{%- for field in fields if field.kind == "ref" and field.name not in forward %}
{{ field.migration_foreign_key|layout(8, ",") }}
{%- endfor %}
    )
{%- for field in fields if field.plain_index %}
{{ field.migration_index|layout(4) }}
{%- endfor %}
{%- for field in fields if field.migration_live_index %}
{{ field.migration_live_index|layout(4) }}
{%- endfor %}
{%- if fields|selectattr("search")|list %}
    # The trigram indexes of the :search fields; the extension stays on downgrade (other
    # tables may use it).
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
{%- endif %}
{%- for create, _ in sort_indexes %}
{{ create|layout(4) }}
{%- endfor %}
{%- for ref in cookiecutter.__incoming %}
    with op.batch_alter_table("{{ ref.table }}") as batch:
{{ incoming_foreign_key(ref, table)[0]|layout(8) }}
{%- endfor %}
{%- for link in cookiecutter.__links %}
    # the links of its {{ link.name }} field
{%- for create in link_migration(link, table, cookiecutter.id_type) %}
{{ create|layout(4) }}
{%- endfor %}
{%- endfor %}


def downgrade() -> None:
    """Drop the {{ table }} table."""
{%- for link in cookiecutter.__links|reverse %}
{%- for drop in link_drops(link) %}
{{ drop|layout(4) }}
{%- endfor %}
{%- endfor %}
{%- for ref in cookiecutter.__incoming|reverse %}
    with op.batch_alter_table("{{ ref.table }}") as batch:
{{ incoming_foreign_key(ref, table)[1]|layout(8) }}
{%- endfor %}
{%- for _, drop in sort_indexes|reverse %}
{{ drop|layout(4) }}
{%- endfor %}
{%- for field in fields if field.plain_index %}
{{ field.migration_drop_index|layout(4) }}
{%- endfor %}
    op.drop_table("{{ table }}")
