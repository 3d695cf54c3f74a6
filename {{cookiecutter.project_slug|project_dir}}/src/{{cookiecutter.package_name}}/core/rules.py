"""Business rules: each entity's `rules.py` (the team's own) may define `check`, which
every write of the entity awaits inside its transaction, and which refuses a write by
raising RuleBroken."""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

# check(connection, rows, item_id): rows are the column values about to be written; item_id
# names the row an update changes (None for a create).
Check = Callable[[AsyncConnection, list[dict[str, Any]], Any], Awaitable[None]]


class RuleBroken(Exception):
    """A write that breaks a business rule: a 422 (or `status`) with `detail`, naming the
    field (and, in a bulk create, the item's index) when they are given."""

    def __init__(
        self, detail: str, *, field: str | None = None, index: int | None = None, status: int = 422
    ) -> None:
        super().__init__(detail)
        self.detail, self.field, self.index, self.status = detail, field, index, status
