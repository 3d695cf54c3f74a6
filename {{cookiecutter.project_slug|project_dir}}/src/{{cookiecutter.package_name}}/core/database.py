"""Async engine, session factory and the per-request session dependency."""

from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import uuid4

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from {{ cookiecutter.package_name }}.core.config import Settings


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
