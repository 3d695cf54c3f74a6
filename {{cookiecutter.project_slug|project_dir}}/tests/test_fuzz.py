"""Property-based API tests: schemathesis drives the app's own OpenAPI over real HTTP in all
of its phases, with all of its checks.

Examples and coverage (boundary and invalid values, and the methods a path does not serve:
405 with Allow) run before fuzzing (valid and invalid requests drawn at random), one test per
operation; the stateful phase chains creates, reads, updates and deletes through the links
schemathesis infers. Fixed seed, bounded examples. The service runs under uvicorn in a
thread, on the live database (these requests commit), so the rest of the suite keeps its
clean transactions.
"""

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings, strategies
from schemathesis.config import SchemathesisConfig

from {{ cookiecutter.package_name }}.main import create_app

from . import conftest
from .callers import {{ "full_access, " if cookiecutter.auth == "oidc" }}settings_for
from .conftest import ROOT, empty_tables

pytestmark = pytest.mark.slow

# Addresses at special-use domains (.test, .local ...) are refused by the service, as they
# cannot receive mail; JSON Schema's "email" format cannot say so, so generate real-looking ones.
schemathesis.openapi.format("email", strategies.emails(domains=strategies.just("example.com")))
# Examples per operation and phase: FUZZ_EXAMPLES=5 for a quick run, more for a deep one.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES") or 20),
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# The app's own document, so that pytest knows the operations when it collects the tests;
# the requests go to the server of the base_url fixture.
APP = create_app(settings_for(conftest.test_database_url()))
schema = schemathesis.openapi.from_dict(
    APP.openapi(),
    config=SchemathesisConfig.from_path(str(ROOT / "schemathesis.toml")),
)

{%- if cookiecutter.auth == "oidc" %}


@schema.auth()
class BearerToken:
    """Every request carries a token with every scope, as the provider would sign it, so
    schemathesis knows the Authorization header is set for it (and leaves it alone)."""

    def get(self, case: schemathesis.Case[Any], context: schemathesis.AuthContext) -> str:
        """A fresh token (schemathesis keeps it for a while)."""
        return full_access(APP)["Authorization"]

    def set(
        self, case: schemathesis.Case[Any], data: str, context: schemathesis.AuthContext
    ) -> None:
        """Put the token in the case's Authorization header."""
        case.headers["Authorization"] = data
{%- endif %}


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(live_url: str) -> Iterator[str]:
    """The service on the live database, served by uvicorn on loopback."""
    app = create_app(settings_for(live_url))
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


@schema.parametrize()
@FUZZ
def test_every_operation_conforms_to_its_schema(
    case: schemathesis.Case[Any], base_url: str
) -> None:
    case.call_and_validate(base_url=base_url)


def test_create_read_update_delete_chains_conform(base_url: str, live_url: str) -> None:
    class Workflows(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            asyncio.run(empty_tables(live_url))

        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {"base_url": base_url}

    Workflows.run(settings=settings(FUZZ, max_examples=30, stateful_step_count=6))
{%- if cookiecutter.auth == "oidc" %}


# Every path but the public probes, in every method (served or not) and phase.
@schema.exclude(path_regex="^/health/").parametrize()
@settings(FUZZ, max_examples=5)
def test_every_operation_without_a_token_is_401(
    case: schemathesis.Case[Any], base_url: str
) -> None:
    response = case.call(base_url=base_url, headers={"Authorization": ""})
    assert response.status_code == 401, response.text
    headers = {name.lower(): values for name, values in response.headers.items()}
    assert headers["www-authenticate"][0].startswith("Bearer")
{%- endif %}
