"""The routes' connections: handed out in arrival order, and refused after the timeout."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.database import Database
from {{ cookiecutter.package_name }}.core.{{ cookiecutter.database }} import create_engine


@pytest.fixture
async def one_connection(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine whose pool holds a single connection."""
    engine = create_engine(settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0}))
    yield engine
    await engine.dispose()


async def test_connections_go_to_requests_in_arrival_order(one_connection: AsyncEngine) -> None:
    database = Database(one_connection, slots=1, timeout=5)
    served: list[str] = []
    returning = asyncio.get_running_loop().create_future()

    async def request(name: str) -> None:
        async with database.autocommit() as connection:
            await connection.execute(text("SELECT 1"))
            served.append(name)

    async def arriving_late() -> None:
        await returning
        await request("late")

    def connection_returns(*_: object) -> None:
        if not returning.done():
            returning.set_result(None)

    async with database.autocommit():
        waiting = [asyncio.create_task(request(name)) for name in ("first", "second")]
        waiting.append(asyncio.create_task(arriving_late()))
        await asyncio.sleep(0.1)  # first and second are waiting in line
        # The late request arrives as the connection goes back to the pool, before the
        # first in line has woken up: it must not take the connection ahead of them.
        event.listen(one_connection.sync_engine, "checkin", connection_returns)
    await asyncio.gather(*waiting)
    assert served == ["first", "second", "late"]


async def test_a_request_waits_for_its_turn_at_most_the_timeout(
    one_connection: AsyncEngine,
) -> None:
    database = Database(one_connection, slots=1, timeout=0.2)
    async with database.autocommit():
        with pytest.raises(PoolTimeoutError, match=r"within 0\.2 s"):
            async with database.transaction():
                pass
    async with database.autocommit() as connection:  # the refused request left no slot taken
        assert await connection.scalar(text("SELECT 1")) == 1


async def test_a_write_in_autocommit_is_committed_as_it_runs(one_connection: AsyncEngine) -> None:
    database = Database(one_connection, slots=1, timeout=5)
    async with database.autocommit() as connection:  # the pool's one connection keeps it
        await connection.execute(text("CREATE TEMPORARY TABLE written (x INTEGER)"))
        await connection.execute(text("INSERT INTO written VALUES (1)"))
    async with database.autocommit() as connection:  # the connection went back to the pool between
        assert await connection.scalar(text("SELECT count(*) FROM written")) == 1
