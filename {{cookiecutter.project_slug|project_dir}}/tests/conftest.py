"""Fixtures: a freshly migrated test database, one rolled-back transaction per test, and a
"live" scratch database where requests really commit (concurrency and fuzz tests)."""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from httpx import AsyncClient
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
from {{ cookiecutter.package_name }}.core.database import Database
from {{ cookiecutter.package_name }}.core.{{ cookiecutter.database }} import (
    create_database,
    create_engine,
    drop_database,
    twin_url,
)
from {{ cookiecutter.package_name }}.core.tables import Base
from {{ cookiecutter.package_name }}.main import create_app

from .callers import client_for, settings_for

ROOT = Path(__file__).resolve().parents[1]


def test_database_url() -> str:
    """TEST_DATABASE_URL, else the "_test" twin of the configured database."""
    configured = get_settings().database_url.get_secret_value()
    return os.environ.get("TEST_DATABASE_URL") or twin_url(configured)


def alembic_config(url: str) -> Config:
    """The project's Alembic configuration, pointed at url."""
    config = Config(ROOT / "alembic.ini")
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False  # the tests' logging stays as it is
    return config


@pytest.fixture(scope="session")
def database_url() -> str:
    """A new test database, migrated to head once for the whole session."""
    url = test_database_url()
    asyncio.run(drop_database(url))
    asyncio.run(create_database(url))
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    """Settings of the app under test."""
    return settings_for(database_url, bulk_max_items=5)


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The engine the tests' transactions run on."""
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The application, built once; its engine is disposed at the end."""
    app = create_app(settings)
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions whose commits become savepoints of the test's transaction."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session for calling service functions directly."""
    async with sessionmaker() as session:
        yield session


class RolledBackDatabase(Database):
    """The app's Database inside the test's transaction: reads run on the test's connection
    and every write transaction is a savepoint of it."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        yield self.connection

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self.connection.begin_nested():
            yield self.connection

    autocommit = transaction


@pytest.fixture
async def client(
    app: FastAPI, connection: AsyncConnection, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[AsyncClient]:
    """An HTTP client whose requests run inside the test's transaction."""
    original = app.state.database, app.state.sessionmaker
    app.state.database, app.state.sessionmaker = RolledBackDatabase(connection), sessionmaker
    async with client_for(app) as client:
        yield client
    app.state.database, app.state.sessionmaker = original


async def empty_tables(url: str) -> None:
    """Delete every row of every table."""
    engine = create_engine(Settings(database_url=SecretStr(url)))
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())
    await engine.dispose()


@pytest.fixture(scope="session")
def live_url(database_url: str) -> Iterator[str]:
    """A migrated database beside the test database, for requests that really commit."""
    url = twin_url(database_url, "_live")
    asyncio.run(drop_database(url))
    asyncio.run(create_database(url))
    command.upgrade(alembic_config(url), "head")
    yield url
    asyncio.run(drop_database(url))


@pytest.fixture
async def live_client(live_url: str) -> AsyncIterator[AsyncClient]:
    """A client of an app on the live database; the tables are emptied afterwards."""
    app = create_app(settings_for(live_url))
    async with client_for(app) as client:
        yield client
    await app.state.engine.dispose()
    await empty_tables(live_url)
