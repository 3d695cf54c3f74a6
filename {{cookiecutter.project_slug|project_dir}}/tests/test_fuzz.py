"""Property-based API tests: schemathesis drives the app's own OpenAPI over real HTTP.

Fixed seed, bounded examples. The service runs under uvicorn in a thread, on the live
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
from hypothesis import HealthCheck, given, settings, strategies
from pydantic import SecretStr
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app
from tests.conftest import ROOT, empty_tables

# Addresses at special-use domains (.test, .local ...) are refused by the service, as they
# cannot receive mail; JSON Schema's "email" format cannot say so, so generate real-looking ones.
schemathesis.openapi.format("email", strategies.emails(domains=strategies.just("example.com")))
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


@pytest.fixture(scope="module")
def base_url(live_url: str) -> Iterator[str]:
    """The service on the live database, served by uvicorn on loopback."""
    app = create_app(Settings(database_url=SecretStr(live_url)))
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
    asyncio.run(empty_tables(live_url))


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


def test_create_read_update_delete_chains_conform(api_schema: BaseSchema, live_url: str) -> None:
    class Workflows(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            asyncio.run(empty_tables(live_url))

    Workflows.run(settings=settings(FUZZ, max_examples=30, stateful_step_count=6))
