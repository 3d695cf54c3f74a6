"""PostgreSQL through asyncpg: URLs, engine options, creating the database."""

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import asyncpg
from opentelemetry.trace import use_span
from sqlalchemy import Select, event, make_url, text
from sqlalchemy.engine import Dialect, ExceptionContext
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler

from {{ cookiecutter.package_name }}.core import tracing

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
    so the service recovers by itself after a database restart.

    Every one of the `Database` slots (pool size + overflow) keeps its connection once
    opened: SQLAlchemy's overflow connections are closed whenever one comes back while the
    pool holds `pool_size` idle ones, which a steady load does all the time. With 10 + 5,
    32 clients had the service open 10 to 60 new PostgreSQL connections a second (a
    backend fork and a login each, bench/run.py); with one pool of 15, none."""
    engine = create_async_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size + settings.db_max_overflow,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout,
        echo=settings.db_echo,
        connect_args=connect_args(settings),
    )
    check_liveness(engine, settings.db_ping_idle_seconds)
    event.listen(engine.sync_engine, "handle_error", _invalidate_broken)
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


# SQLSTATEs, and their classes, of a database that cannot serve a sound request now: it is
# starting, shutting down or failing over, out of connections or read-only (a standby, or a
# demoted primary), or it cancelled the statement (statement_timeout) or gave up waiting
# for a lock. The same request may succeed a moment later: a 503, never a 500.
_FAULT_STATES = {
    "08": "unavailable",  # connection exception
    "53": "unavailable",  # insufficient resources: too many clients, disk full
    "57P": "unavailable",  # admin or crash shutdown, cannot connect now (starting up)
    "25006": "unavailable",  # read-only transaction
    "57014": "timeout",  # query canceled
    "55P03": "locked",  # lock not available
    "40001": "locked",  # serialization failure
    "40P01": "locked",  # deadlock detected
}
# 55000 is object_not_in_prerequisite_state; at connect it means ALLOW_CONNECTIONS false.
_NOT_ACCEPTING = "not currently accepting connections"
# Errors after which the connection itself cannot be trusted with another statement: the
# socket is gone, or asyncpg lost track of the protocol ("cannot switch to state 12").
_BROKEN = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
)
# What asyncpg raises itself, when a statement bypasses SQLAlchemy (fetch_one).
DRIVER_ERRORS = (
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)


def driver_fault(error: BaseException) -> str | None:
    """The kind of fault ("unavailable", "locked" or "timeout") when asyncpg's error says
    the database could not serve the statement now; None when the statement is at fault."""
    if isinstance(error, asyncpg.PostgresError):
        state = error.sqlstate or ""
        for prefix in (state, state[:3], state[:2]):
            if prefix in _FAULT_STATES:
                return _FAULT_STATES[prefix]
        return "unavailable" if state == "55000" and _NOT_ACCEPTING in str(error) else None
    if isinstance(error, _BROKEN):
        return "unavailable"
    return "timeout" if isinstance(error, TimeoutError) else None


def _invalidate_broken(context: ExceptionContext) -> None:
    """Drop a connection asyncpg can no longer use, even when its socket looks open: the
    pool would hand it out again, and its next request would fail too."""
    if isinstance(context.original_exception, _BROKEN):
        context.is_disconnect = True


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
    not show it); a database fault is an OperationalError, as SQLAlchemy would raise, and a
    connection it broke is dropped from the pool.
    """
    sql, names = _COMPILED.get(statement) or _compile(statement, connection.dialect)
    tracer = tracing.statement_tracer(connection)  # None unless OTEL_* turned traces on
    if tracer is None:
        return await _fetch_row(connection, sql, names, parameters)
    span = tracing.start_statement_span(tracer, sql, connection.sync_engine.url.database)
    with use_span(span, end_on_exit=True):  # SQLAlchemy's events never see this statement
        return await _fetch_row(connection, sql, names, parameters)


async def _fetch_row(
    connection: AsyncConnection, sql: str, names: tuple[str, ...], parameters: Mapping[str, Any]
) -> dict[str, Any] | None:
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None, "the connection is checked out"
    try:
        record = await driver.fetchrow(sql, *(parameters[name] for name in names))
    except DRIVER_ERRORS as error:
        if driver_fault(error) is None:
            raise
        broken = isinstance(error, _BROKEN)
        if broken:
            await connection.invalidate(error)
        raise OperationalError(sql, {}, error, connection_invalidated=broken) from error
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
