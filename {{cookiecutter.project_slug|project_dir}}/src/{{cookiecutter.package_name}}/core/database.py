"""Session factory and the per-request session dependency; `python -m` creates the DB."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

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


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for GET requests: autocommit, so a read sends its statements alone, with no
    BEGIN and COMMIT round trips around them (it writes nothing to commit)."""
    return create_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per GET request, outside any transaction."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.read_sessionmaker
    async with sessionmaker() as session:
        yield session


# scope="function": the commit runs before the response is sent, so a failed commit
# becomes an error response (never a 2xx) and the connection is back in the pool early.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]


if __name__ == "__main__":
    # `make db`: create the database of DATABASE_URL if it is missing.
    database_url = get_settings().database_url.get_secret_value()
    created = asyncio.run(create_database(database_url))
    print(f"{make_url(database_url).database}: {'created' if created else 'exists'}")  # noqa: T201
