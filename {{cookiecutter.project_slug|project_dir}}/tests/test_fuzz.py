"""Property-based API tests: schemathesis drives the app's own OpenAPI over real HTTP.

Fixed seed, bounded examples. The service runs under uvicorn in a thread, on a scratch
database (these requests commit), so the rest of the suite keeps its clean transactions.
"""

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from alembic import command
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.{{ cookiecutter.database }} import (
    create_database,
    create_engine,
    drop_database,
    twin_url,
)
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.models import Base
from tests.conftest import ROOT, alembic_config

FUZZ = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def empty_tables(url: str) -> None:
    """Delete every row, so each generated workflow starts from the same state."""
    engine = create_engine(Settings(database_url=SecretStr(url)))
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())
    await engine.dispose()


@pytest.fixture(scope="module")
def scratch_url(database_url: str) -> Iterator[str]:
    """A migrated database beside the test database, dropped afterwards."""
    scratch = twin_url(database_url, "_fuzz")
    asyncio.run(drop_database(scratch))
    asyncio.run(create_database(scratch))
    command.upgrade(alembic_config(scratch), "head")
    yield scratch
    asyncio.run(drop_database(scratch))


@pytest.fixture(scope="module")
def base_url(scratch_url: str) -> Iterator[str]:
    """The service on the scratch database, served by uvicorn on loopback."""
    app = create_app(Settings(database_url=SecretStr(scratch_url)))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def api_schema(base_url: str) -> BaseSchema:
    """The OpenAPI document the running service publishes."""
    config = SchemathesisConfig.from_path(str(ROOT / "schemathesis.toml"))
    return schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config)


def test_every_operation_conforms_to_its_schema(api_schema: BaseSchema) -> None:
    @given(case=api_schema.as_strategy())
    @FUZZ
    def check(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate()

    check()


def test_create_read_update_delete_chains_conform(api_schema: BaseSchema, scratch_url: str) -> None:
    class Workflows(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            asyncio.run(empty_tables(scratch_url))

    Workflows.run(settings=settings(FUZZ, max_examples=30, stateful_step_count=6))
