"""Business rules of {{ cookiecutter.__plural|replace("_", " ") }}: this module is yours. The template writes it once
and never changes it, so template updates and `make field` keep your rules.

Define `check` to refuse a write that breaks a rule, for example:

    from ..core.rules import RuleBroken

    async def check(
        connection: AsyncConnection, rows: list[dict[str, Any]], item_id: Any
    ) -> None:
        for index, row in enumerate(rows):
            if ...:
                raise RuleBroken("Why it is refused.", field="the_field", index=index)

Every write of these rows (a create, a bulk create, a replace, an update) awaits it inside
the write's transaction, just before the row is written, so what it reads and what is
written commit together. `rows` are the column values about to be written: for an update,
the changed ones only, and `item_id` names the row (None for creates). RuleBroken answers
422 at the field (or its `status`), and nothing is written. A rule that reads other rows
must also keep concurrent writes from changing them first: lock what it reads (`SELECT ...
FOR UPDATE`, or `pg_advisory_xact_lock` on PostgreSQL; SQLite runs one write transaction
at a time).
"""

from ..core.rules import Check

check: Check | None = None  # no rules yet: a create is one INSERT, with no transaction around it
