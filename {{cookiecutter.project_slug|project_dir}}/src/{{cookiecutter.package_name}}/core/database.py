"""Connections for the routes, sessions for the team's own code; `python -m` creates the DB."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import make_url
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.metrics import POOL_WAITING
from {{ cookiecutter.package_name }}.core.{{ cookiecutter.database }} import create_database


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit and never autoflush."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session and one transaction per request: commit on success, roll back on error."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


class Database:
    """Connections for the entity routes: `autocommit()` for a read or a write of one
    statement, `transaction()` for the others. Plain connections, not ORM sessions: the
    routes send Core statements only.

    Requests take their turn for a connection first come, first served: at most `slots`
    of them (the pool's size plus its overflow) hold or take a connection at once, and the
    others queue in arrival order. The pool's own queue is not fair: a request arriving as
    a connection comes back takes it ahead of those already waiting, which sends the
    unlucky ones to the back again and again (POST's p99 was ten times its p50 under load).
    A request that waits longer than `timeout` seconds for its turn is refused as the pool
    would refuse it (503).
    """

    def __init__(self, engine: AsyncEngine, slots: int, timeout: float) -> None:
        self._engine = engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._turns = asyncio.Semaphore(slots)
        self._timeout = timeout

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection in autocommit: each statement is a transaction on its own, committed
        before it returns (a failed commit is its error), with no BEGIN and COMMIT round
        trips around it. For reads, and for a write that is one statement."""
        async with self._turn(), self._autocommit.connect() as connection:
            yield connection

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection in one transaction: committed when the block ends, rolled back when
        it raises. The commit runs before the response is sent, so a failed commit becomes
        an error response (never a 2xx)."""
        async with self._turn(), self._engine.begin() as connection:
            yield connection

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """Wait in line (at most `timeout` seconds) for one of the slots."""
        if self._turns.locked():
            POOL_WAITING.inc()
            try:
                async with asyncio.timeout(self._timeout):
                    await self._turns.acquire()
            except TimeoutError:
                detail = f"no database connection came free within {self._timeout} s"
                raise PoolTimeoutError(detail) from None
            finally:
                POOL_WAITING.dec()
        else:
            await self._turns.acquire()
        try:
            yield
        finally:
            self._turns.release()


async def get_database(request: Request) -> Database:
    """The app's Database (tests put one inside their rolled-back transaction there)."""
    database: Database = request.app.state.database
    return database


# scope="function": the commit runs before the response is sent, so a failed commit
# becomes an error response (never a 2xx) and the connection is back in the pool early.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]


if __name__ == "__main__":
    # `make db`: create the database of DATABASE_URL if it is missing.
    database_url = get_settings().database_url.get_secret_value()
    created = asyncio.run(create_database(database_url))
    print(f"{make_url(database_url).database}: {'created' if created else 'exists'}")  # noqa: T201
