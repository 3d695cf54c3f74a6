"""PostgreSQL through asyncpg: URLs, engine options, creating the database."""

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import asyncpg
from sqlalchemy import Select, event, make_url, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler

if TYPE_CHECKING:
    from {{ cookiecutter.package_name }}.core.config import Settings

DATABASE_NAME = "{{ cookiecutter.package_name }}"
DEFAULT_URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE_NAME}"
URL_EXAMPLE = f"postgresql+asyncpg://user:password@127.0.0.1:5432/{DATABASE_NAME}"
_SCHEMES = ("postgres", "postgresql", "postgresql+asyncpg")


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs too, and use the asyncpg driver."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in _SCHEMES:
        msg = f"must be a PostgreSQL URL, e.g. {URL_EXAMPLE}"
        raise ValueError(msg)
    return f"postgresql+asyncpg://{rest}"


def twin_url(url: str, suffix: str = "_test") -> str:
    """A twin of the database for tests: same server, database name + suffix."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}{suffix}").render_as_string(hide_password=False)


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid4()}__"


def connect_args(settings: "Settings") -> dict[str, Any]:
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


def create_engine(settings: "Settings") -> AsyncEngine:
    """Build the engine; the pool hands out live connections only (see `check_liveness`),
    so the service recovers by itself after a database restart."""
    engine = create_async_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        echo=settings.db_echo,
        connect_args=connect_args(settings),
    )
    check_liveness(engine, settings.db_ping_idle_seconds)
    return engine


def check_liveness(engine: AsyncEngine, ping_idle_seconds: float) -> None:
    """Replace dead connections as the pool hands them out, without a round trip per request.

    A connection the server closed (a restart, pg_terminate_backend, a cut network that
    reset the socket) already knows it is closed: that check is free and runs on every
    checkout. A connection that sat in the pool longer than `ping_idle_seconds` is pinged
    too, which finds the sockets nobody closed (a firewall or NAT that forgot them). Under
    load connections are back in use within milliseconds and are never pinged; SQLAlchemy's
    pre-ping would cost three round trips (BEGIN, a statement, ROLLBACK) on every request.
    """

    def checked_in(_: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi: Any, record: ConnectionPoolEntry, __: PoolProxiedConnection) -> None:
        if dbapi.driver_connection.is_closed():
            raise DisconnectionError
        idle = time.monotonic() - record.info.get("idle_since", time.monotonic())
        if idle >= ping_idle_seconds:
            try:
                dbapi.ping()
            except Exception as error:
                raise DisconnectionError from error

    event.listen(engine.sync_engine, "checkin", checked_in)
    event.listen(engine.sync_engine, "checkout", checked_out)


# asyncpg's errors for a database that went away, shut down or cancelled the statement
# (statement_timeout): SQLAlchemy reports them as OperationalError, and so does fetch_one.
_UNAVAILABLE = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
)
_COMPILED: dict[Select[Any], tuple[str, tuple[str, ...]]] = {}


def _compile(statement: Select[Any], dialect: Dialect) -> tuple[str, tuple[str, ...]]:
    """The statement's SQL for asyncpg ($1, $2, ...) and its parameters' names in order."""
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    _COMPILED[statement] = found = (compiled.string, tuple(compiled.positiontup or ()))
    return found


async def fetch_one(
    connection: AsyncConnection, statement: Select[Any], parameters: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The one row of a fixed statement, keyed by column name, or None.

    The statement is compiled once and sent straight to asyncpg, which returns every column
    as its Python type: SQLAlchemy's execution and result objects cost about a fifth of a
    GET by id (bench/run.py). The statement bypasses SQLAlchemy's events (`DB_ECHO` does
    not show it); a lost connection is an OperationalError, as SQLAlchemy would raise, and
    the pool drops it at its next checkout (`check_liveness`).
    """
    sql, names = _COMPILED.get(statement) or _compile(statement, connection.dialect)
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None, "the connection is checked out"
    try:
        record = await driver.fetchrow(sql, *(parameters[name] for name in names))
    except _UNAVAILABLE as error:
        raise OperationalError(sql, dict(parameters), error) from error
    return None if record is None else dict(record)


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
