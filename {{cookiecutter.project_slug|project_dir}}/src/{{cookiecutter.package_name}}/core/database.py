"""Async engine, session factory and the per-request session dependency."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import uuid4

from fastapi import Depends, Request
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from {{ cookiecutter.package_name }}.core.config import Settings, get_settings


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid4()}__"


def connect_args(settings: Settings) -> dict[str, Any]:
    """asyncpg connection arguments: timeouts and the prepared statement caches."""
    args: dict[str, Any] = {
        "timeout": settings.db_connect_timeout,
        "command_timeout": settings.db_statement_timeout_ms / 1000 or None,
        "statement_cache_size": settings.db_statement_cache_size,
        "prepared_statement_cache_size": settings.db_statement_cache_size,
        "server_settings": {
            "application_name": settings.app_name[:63],
            "statement_timeout": str(settings.db_statement_timeout_ms),
        },
    }
    if settings.db_statement_cache_size == 0:
        # PgBouncer in transaction mode: no cached plans, no reused statement names.
        args["prepared_statement_name_func"] = _unique_statement_name
    return args


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the engine; the pool pre-pings so the service recovers after a DB restart."""
    return create_async_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,
        echo=settings.db_echo,
        connect_args=connect_args(settings),
    )


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


# scope="function": the commit runs before the response is sent, so a failed commit
# becomes an error response (never a 2xx) and the connection is back in the pool early.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def _on_server(url: str, statement: str, params: dict[str, str] | None = None) -> object:
    """Run one statement on the server's `postgres` database, outside a transaction."""
    server = make_url(url).set(database="postgres")
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT", pool_size=1)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(statement), params or {})
            return result.scalar() if result.returns_rows else None
    finally:
        await engine.dispose()


def _quoted_name(url: str) -> str:
    name = make_url(url).database or ""
    return '"' + name.replace('"', '""') + '"'


async def drop_database(url: str) -> None:
    """Drop the database named in url, closing its connections (tests use this)."""
    await _on_server(url, f"DROP DATABASE IF EXISTS {_quoted_name(url)} WITH (FORCE)")


async def create_database(url: str) -> bool:
    """Create the database named in url unless it exists; True if it was created."""
    query = "SELECT 1 FROM pg_database WHERE datname = :name"
    if await _on_server(url, query, {"name": make_url(url).database or ""}):
        return False
    await _on_server(url, f"CREATE DATABASE {_quoted_name(url)}")
    return True


if __name__ == "__main__":
    # `make db`: create the database of DATABASE_URL if it is missing.
    database_url = get_settings().database_url.get_secret_value()
    created = asyncio.run(create_database(database_url))
    print(f"{make_url(database_url).database}: {'created' if created else 'exists'}")  # noqa: T201
