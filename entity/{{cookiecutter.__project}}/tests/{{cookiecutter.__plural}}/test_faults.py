"""Database faults on the live database: killed connections, an exhausted pool, an outage
through a TCP proxy that is cut and restored, a database that refuses connections and one
that turned read-only (as a standby does after a failover).

Slower than the rest, so they form their own tier: `make test-faults` (pytest -m faults).
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI
from httpx import Response
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection

from {{ cookiecutter.package_name }}.core.postgresql import create_engine
from {{ cookiecutter.package_name }}.main import create_app

from ..callers import client_for, settings_for
from ..conftest import empty_tables
from .factories import CREATE, DELETE, LIST, PROBLEM_JSON, READ, create, path, payload

pytestmark = pytest.mark.faults
TERMINATE = text(  # each waits up to 5 s for the backend to exit
    "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
    "WHERE datname = :name AND pid <> pg_backend_pid()"
)


class TcpProxy:
    """Forwards a loopback port to the database; cut() drops and refuses every connection."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        """Listen (again) on the proxy's port."""
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stop listening and abort every forwarded connection."""
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()


@pytest.fixture(autouse=True)
async def _empty_live_tables(live_url: str) -> AsyncIterator[None]:
    """These tests commit through their own apps: start each one from empty tables."""
    yield
    await empty_tables(live_url)


@asynccontextmanager
async def administrator(url: str) -> AsyncIterator[AsyncConnection]:
    """A connection in autocommit to the server's maintenance database, `postgres`: the
    database at url cannot refuse connections while one of them is the caller's own."""
    maintenance = make_url(url).set(database="postgres")
    engine = create_engine(settings_for(maintenance.render_as_string(hide_password=False)))
    try:
        async with engine.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")
    finally:
        await engine.dispose()


def database_name(url: str) -> str:
    """The name of the database at url."""
    return str(make_url(url).database)


def quoted(name: str) -> str:
    """A name quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


def assert_retry_later(response: Response) -> None:
    """A 503 problem that tells the client when to retry, with nothing internal in it."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["retry-after"]
    assert "Traceback" not in response.text


@pytest.fixture
async def proxy(live_url: str) -> AsyncIterator[TcpProxy]:
    """A proxy in front of the live database's server."""
    url = make_url(live_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.cut()


# 1.0: the pool sees the closed sockets for free; 0.0: it pings every connection it hands out.
@pytest.mark.parametrize("ping_idle_seconds", [1.0, 0.0])
async def test_killed_connections_are_replaced(
    live_url: str, app: FastAPI, ping_idle_seconds: float
) -> None:
    settings = settings_for(live_url, db_ping_idle_seconds=ping_idle_seconds)
    live = create_app(settings)
    async with client_for(live, raise_app_exceptions=False) as client:
        item = await create(client, app)
        reads = [path(app, LIST), path(app, READ, item["id"])]  # via Core; straight to asyncpg
        async with administrator(live_url) as admin:
            killed = await admin.scalar(TERMINATE, {"name": database_name(live_url)})
        assert killed
        statuses = [(await client.get(reads[i % 2])).status_code for i in range(20)]
    await live.state.engine.dispose()
    assert statuses == [200] * 20


async def test_exhausted_pool_answers_503_within_the_timeout(live_url: str, app: FastAPI) -> None:
    settings = settings_for(live_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.5)
    live = create_app(settings)
    async with client_for(live, raise_app_exceptions=False) as client:
        held = await live.state.engine.connect()
        started = time.monotonic()
        response = await client.get(path(app, LIST))
        elapsed = time.monotonic() - started
        await held.close()
        after = await client.get(path(app, LIST))
    await live.state.engine.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    assert elapsed < 2
    assert after.status_code == 200


async def test_outage_is_503_then_recovers_with_every_acknowledged_write(
    live_url: str, app: FastAPI, proxy: TcpProxy
) -> None:
    via_proxy = make_url(live_url).set(host="127.0.0.1", port=proxy.port)
    url = via_proxy.render_as_string(hide_password=False)
    settings = settings_for(url, db_connect_timeout=1, db_pool_timeout=2)
    live = create_app(settings)
    async with client_for(live, raise_app_exceptions=False) as client:
        acknowledged = await create(client, app)
        await proxy.cut()
        down = [
            await client.get("/health/ready"),
            await client.get(path(app, LIST)),
            await client.get(path(app, READ, acknowledged["id"])),
            await client.post(path(app, CREATE), json={}),
        ]
        await proxy.start()
        ready = 0
        for _ in range(50):  # at most ~10 s
            ready = (await client.get("/health/ready")).status_code
            if ready == 200:
                break
            await asyncio.sleep(0.2)
        again = await client.get(path(app, READ, acknowledged["id"]))
    await live.state.engine.dispose()
    assert [r.status_code for r in down[:3]] == [503, 503, 503]
    assert down[3].status_code in (422, 503)  # an invalid body may be refused before the DB
    for response in down:
        assert response.headers["content-type"] == "application/problem+json"
        assert "Traceback" not in response.text
    assert ready == 200
    assert again.json() == acknowledged


async def test_pgbouncer_mode_serves_requests(live_url: str, app: FastAPI) -> None:
    settings = settings_for(live_url, db_statement_cache_size=0)
    live = create_app(settings)
    async with client_for(live, raise_app_exceptions=False) as client:
        created = await create(client, app)
        url = path(app, READ, created["id"])
        statuses = [(await client.get(url)).status_code for _ in range(5)]
    await live.state.engine.dispose()
    assert statuses == [200] * 5


async def test_refused_connections_are_503_until_allowed_again(live_url: str, app: FastAPI) -> None:
    settings = settings_for(live_url, db_connect_timeout=2, db_pool_timeout=2)
    live = create_app(settings)
    name = database_name(live_url)
    async with client_for(live, raise_app_exceptions=False) as client:
        acknowledged = await create(client, app)
        async with administrator(live_url) as admin:
            await admin.execute(text(f"ALTER DATABASE {quoted(name)} ALLOW_CONNECTIONS false"))
            try:
                await admin.execute(TERMINATE, {"name": name})  # as a database shutting down would
                down = [
                    await client.get("/health/ready"),
                    await client.get(path(app, LIST)),
                    await client.get(path(app, READ, acknowledged["id"])),
                    await client.post(path(app, CREATE), json=payload(1)),
                ]
            finally:
                await admin.execute(text(f"ALTER DATABASE {quoted(name)} ALLOW_CONNECTIONS true"))
        ready = await client.get("/health/ready")
        again = await client.get(path(app, READ, acknowledged["id"]))
    await live.state.engine.dispose()
    for response in down:
        assert_retry_later(response)
    assert ready.status_code == 200
    assert again.json() == acknowledged


async def test_a_read_only_database_serves_reads_and_refuses_writes_with_503(
    live_url: str, app: FastAPI
) -> None:
    live = create_app(settings_for(live_url))
    name = database_name(live_url)
    async with client_for(live, raise_app_exceptions=False) as client:
        kept = await create(client, app)
        async with administrator(live_url) as admin:
            # A standby, or a primary demoted by a failover: sessions start read-only.
            await admin.execute(
                text(f"ALTER DATABASE {quoted(name)} SET default_transaction_read_only = on")
            )
            try:
                await admin.execute(TERMINATE, {"name": name})
                reads = [
                    await client.get("/health/ready"),
                    await client.get(path(app, LIST)),
                    await client.get(path(app, READ, kept["id"])),
                ]
                writes = [
                    await client.post(path(app, CREATE), json=payload(1)),
                    await client.delete(path(app, DELETE, kept["id"])),
                ]
            finally:
                await admin.execute(
                    text(f"ALTER DATABASE {quoted(name)} RESET default_transaction_read_only")
                )
                await admin.execute(TERMINATE, {"name": name})
        after = await client.post(path(app, CREATE), json=payload(2))
        still = await client.get(path(app, READ, kept["id"]))
    await live.state.engine.dispose()
    assert [response.status_code for response in reads] == [200, 200, 200]
    for response in writes:
        assert_retry_later(response)
    assert after.status_code == 201, after.text
    assert still.json() == kept
