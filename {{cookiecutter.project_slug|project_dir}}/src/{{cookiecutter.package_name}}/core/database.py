"""Connections for the routes, sessions for the team's own code; `python -m` creates the DB."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from {{ cookiecutter.package_name }}.core.config import get_settings
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
    """Connections for the entity routes: `read()` outside any transaction, `transaction()`
    in one. Plain connections, not ORM sessions: the routes send Core statements only."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection in autocommit: each statement is its own transaction, so a read sends
        its statements alone, with no BEGIN and COMMIT round trips around them."""
        return self._autocommit.connect()

    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection in one transaction: committed when the block ends, rolled back when
        it raises. The commit runs before the response is sent, so a failed commit becomes
        an error response (never a 2xx)."""
        return self._engine.begin()


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
