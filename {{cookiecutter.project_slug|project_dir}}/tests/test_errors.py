"""What a database fault and an unexpected error look like to a client and in the log."""
{%- if cookiecutter.database == "postgresql" %}

import logging
import re

import asyncpg
import pytest
from asyncpg import exceptions
from fastapi import FastAPI
from sqlalchemy import literal_column, select, text
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import database_fault, describe
from {{ cookiecutter.package_name }}.core.postgresql import fetch_one
from {{ cookiecutter.package_name }}.main import create_app
{%- else %}

import logging
import re
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import database_fault, describe
from {{ cookiecutter.package_name }}.main import create_app
{%- endif %}

from .callers import client_for, settings_for
from .test_health import UNREACHABLE


async def test_an_unexpected_error_is_a_500_with_one_request_id(settings: Settings) -> None:
    app = create_app(settings)

    async def fail() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/fails", fail)
    async with client_for(app, raise_app_exceptions=False) as client:
        response = await client.get("/fails", headers={"X-Request-ID": "req-1"})
    await app.state.engine.dispose()
    assert response.status_code == 500
    assert response.headers.get_list("x-request-id") == ["req-1"]
    assert "a bug" not in response.text


async def test_the_log_names_the_drivers_error_class_and_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    app = create_app(settings_for(UNREACHABLE, db_connect_timeout=2))
    logger = logging.getLogger(database_fault.__module__)  # the app's logs do not propagate
    logger.addHandler(caplog.handler)
    try:
        async with client_for(app) as client:
            response = await client.get("/health/ready")
    finally:
        logger.removeHandler(caplog.handler)
    await app.state.engine.dispose()
    assert response.status_code == 503
    lines = [record.getMessage() for record in caplog.records]
    # "database unavailable: ConnectionRefusedError: [Errno 111] ...", never a bare
    # "OperationalError" that cannot tell a locked database from one that is down.
    faults = [line for line in lines if line.startswith("database unavailable: ")]
    assert faults, lines
    assert re.fullmatch(r"database unavailable: \w+: \S.*", faults[0]), faults[0]
{%- if cookiecutter.database == "postgresql" %}


NOT_ACCEPTING = 'database "books" is not currently accepting connections'
# (error class, message, kind of fault): what a client meets while PostgreSQL fails over,
# shuts down, refuses connections or turns read-only; None where the statement is at fault.
FAULTS = [
    (exceptions.CannotConnectNowError, "the database system is starting up", "unavailable"),
    (exceptions.AdminShutdownError, "terminating connection", "unavailable"),
    (exceptions.TooManyConnectionsError, "sorry, too many clients already", "unavailable"),
    (exceptions.ReadOnlySQLTransactionError, "cannot execute INSERT", "unavailable"),
    (exceptions.ObjectNotInPrerequisiteStateError, NOT_ACCEPTING, "unavailable"),
    (exceptions.QueryCanceledError, "canceling statement due to statement timeout", "timeout"),
    (exceptions.LockNotAvailableError, "could not obtain lock", "locked"),
    (exceptions.DeadlockDetectedError, "deadlock detected", "locked"),
    (asyncpg.InternalClientError, "cannot switch to state 12", "unavailable"),
    (exceptions.UniqueViolationError, "duplicate key value", None),
    (exceptions.ObjectNotInPrerequisiteStateError, "some other state", None),
]


@pytest.mark.parametrize(("error_class", "message", "kind"), FAULTS)
def test_database_faults_are_classified_by_the_drivers_words(
    error_class: type[Exception], message: str, kind: str | None
) -> None:
    error = error_class(message)
    wrapped = OperationalError("SELECT 1", {}, error)
    found = database_fault(wrapped)
    assert (found and found[0]) == kind
    if found:
        assert describe(found[1]).startswith(type(error).__name__ + ": ")


async def test_a_connection_that_lost_protocol_state_is_dropped_not_reused(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """asyncpg's "cannot switch to state" means the connection is unusable, though its socket
    looks open: the request gets a 503 and the pool never hands that connection out again."""
    engine = app.state.engine
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None

        async def broken(*_: object) -> None:
            raise asyncpg.InternalClientError("cannot switch to state 12")

        with monkeypatch.context() as patched:
            patched.setattr(asyncpg.Connection, "fetchrow", broken)
            with pytest.raises(OperationalError) as raised:
                await fetch_one(connection, select(literal_column("1").label("one")), {})
        assert raised.value.connection_invalidated
        assert database_fault(raised.value) is not None
    async with engine.connect() as connection:
        fresh = (await connection.get_raw_connection()).driver_connection
        assert fresh is not driver
        assert await connection.scalar(text("SELECT 1")) == 1
{%- else %}


def test_a_locked_database_is_a_locked_fault_and_a_missing_one_unavailable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")  # holds the write lock
    writer = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as locked:
        writer.execute("INSERT INTO t VALUES (1)")
    holder.execute("ROLLBACK")
    holder.close()
    writer.close()
    with pytest.raises(sqlite3.OperationalError) as missing:
        sqlite3.connect(tmp_path / "no-such-directory" / "x.db")
    assert database_fault(OperationalError("INSERT", {}, locked.value)) == ("locked", locked.value)
    found = database_fault(OperationalError("SELECT", {}, missing.value))
    assert found == ("unavailable", missing.value)
    assert describe(locked.value) == "OperationalError: database is locked"
    integrity = sqlite3.IntegrityError("UNIQUE constraint failed: t.x")
    assert database_fault(OperationalError("INSERT", {}, integrity)) is None
{%- endif %}
