"""SQLite through aiosqlite: URLs, WAL and foreign keys, exact decimals, aware datetimes."""

import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import now

if TYPE_CHECKING:
    from {{ cookiecutter.package_name }}.core.config import Settings

DATABASE_NAME = "{{ cookiecutter.package_name }}"
DEFAULT_URL = f"sqlite+aiosqlite:///./{DATABASE_NAME}.db"
URL_EXAMPLE = f"sqlite+aiosqlite:///./{DATABASE_NAME}.db"
_SCHEMES = ("sqlite", "sqlite+aiosqlite")


def normalise_url(url: str) -> str:
    """Accept sqlite:// URLs too, and use the aiosqlite driver."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in _SCHEMES:
        msg = f"must be a SQLite URL, e.g. {URL_EXAMPLE}"
        raise ValueError(msg)
    return f"sqlite+aiosqlite://{rest}"


async def fetch_one(
    connection: AsyncConnection, statement: sa.Select[Any], parameters: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The one row of a fixed statement, keyed by column name, or None. Through SQLAlchemy:
    its result types turn SQLite's stored text back into dates, times, decimals and ids."""
    row = (await connection.execute(statement, parameters)).mappings().one_or_none()
    return None if row is None else dict(row)


def _path(url: str) -> Path | None:
    database = make_url(url).database
    return None if database in (None, "", ":memory:") else Path(str(database))


def twin_url(url: str, suffix: str = "_test") -> str:
    """A twin of the database for tests: the same file name with suffix before its extension."""
    path = _path(url)
    if path is None:
        return url
    return str(make_url(url).set(database=str(path.with_stem(f"{path.stem}{suffix}"))))


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (see _on_begin), so SAVEPOINTs and rollbacks work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _on_begin(connection: Connection) -> None:
    """Take the write lock when the transaction begins, waiting for it up to the busy
    timeout. A plain BEGIN takes it at the first write instead, and when two transactions
    that have both read then write, SQLite refuses one at once, without waiting: concurrent
    deletes that cascade answered 503. In autocommit (Database.read and .autocommit) each
    statement is its own transaction and waits its turn by itself."""
    if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# SQLite's primary result codes for a database that cannot serve a sound statement now.
_FAULT_CODES = {
    sqlite3.SQLITE_BUSY: "locked",
    sqlite3.SQLITE_LOCKED: "locked",
    sqlite3.SQLITE_CANTOPEN: "unavailable",
    sqlite3.SQLITE_IOERR: "unavailable",
    sqlite3.SQLITE_READONLY: "unavailable",
    sqlite3.SQLITE_FULL: "unavailable",
    sqlite3.SQLITE_NOMEM: "unavailable",
    sqlite3.SQLITE_PROTOCOL: "unavailable",
}


# What aiosqlite raises itself (SQLAlchemy wraps these: every statement goes through it).
DRIVER_ERRORS = (sqlite3.Error,)


def driver_fault(error: BaseException) -> str | None:
    """The kind of fault ("unavailable", "locked" or "timeout") when SQLite's error says
    the database could not serve the statement now (the file is locked, unreadable or
    full); None when the statement itself is at fault."""
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return None if code is None else _FAULT_CODES.get(code & 0xFF)
    if isinstance(error, OSError):
        return "unavailable"
    return "timeout" if isinstance(error, TimeoutError) else None


def create_engine(settings: "Settings") -> AsyncEngine:
    """Build the engine: WAL journal, foreign keys on, a busy timeout from the settings. No
    pre-ping: no server can close a connection to a file."""
    engine = create_async_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size + settings.db_max_overflow,  # all slots stay pooled
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout,
        echo=settings.db_echo,
        connect_args={"timeout": settings.db_connect_timeout},
    )
    event.listen(engine.sync_engine, "connect", _on_connect)
    event.listen(engine.sync_engine, "begin", _on_begin)
    return engine


@compiles(now, "sqlite")
def _now_in_storage_format(element: Any, compiler: Any, **kw: Any) -> str:
    """now() in the text format DateTime stores (microseconds included), so server-made
    and client-sent timestamps compare correctly."""
    return "strftime('%Y-%m-%d %H:%M:%f000', 'now')"


class AwareDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware datetimes on SQLite: stored in UTC, read back with tzinfo=UTC."""

    impl = sa.DateTime
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        """Values are datetimes (list pages compare and decode by it)."""
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to naive UTC for storage."""
        return None if value is None else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to the stored value."""
        return None if value is None else value.replace(tzinfo=UTC)


class ScaledDecimal(sa.TypeDecorator[Decimal]):
    """Exact decimals on SQLite: stored as an integer count of 10**-scale units."""

    impl = sa.BigInteger
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__()
        self.precision, self.scale = precision, scale

    @property
    def python_type(self) -> type[Decimal]:
        """Values are Decimals (list pages compare and decode by it)."""
        return Decimal

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        """Decimal("12.34") with scale 2 is stored as 1234."""
        return None if value is None else int(Decimal(value).scaleb(self.scale))

    def process_result_value(self, value: Any | None, dialect: Dialect) -> Decimal | None:
        """1234 with scale 2 reads back as Decimal("12.34")."""
        return None if value is None else Decimal(value).scaleb(-self.scale)


async def drop_database(url: str) -> None:
    """Delete the database file and its WAL companions (tests use this)."""
    path = _path(url)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


async def create_database(url: str) -> bool:
    """Create an empty database file unless it exists; True if it was created."""
    path = _path(url)
    if path is None or path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return True
