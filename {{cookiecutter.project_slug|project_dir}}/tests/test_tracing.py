"""Traces as a collector receives them: an OTLP/HTTP receiver of the tests' own on loopback
decodes what the service exports (protobuf), and the spans must arrive linked: the
request's span continues the caller's traceparent and each statement is its child."""

import asyncio
import gzip
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.logs import JsonFormatter
from {{ cookiecutter.package_name }}.core.tracing import TracingMiddleware
from {{ cookiecutter.package_name }}.main import create_app

from .callers import client_for

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"
ROUTE = "/{{ cookiecutter.__plural_path }}/{{ '{' ~ cookiecutter.__entity ~ '_id}' }}"
MISSING = "/{{ cookiecutter.__plural_path }}/{{ '00000000-0000-4000-8000-000000000000' if cookiecutter.id_type == 'uuid' else '9007199254740991' }}"
TABLE = "{{ cookiecutter.__table }}"
LOG_ROUTE = "/tests/tracing/log"
# Under the service's logger, so its handlers (and the JSON formatter) write the line.
LOGGER = logging.getLogger("{{ cookiecutter.package_name }}.tests")
OTEL_VARIABLES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_EXPORTER",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_EXPORTER_OTLP_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
)


class Receiver:
    """An OTLP/HTTP trace receiver: POST /v1/traces with an ExportTraceServiceRequest in
    protobuf, as a collector takes it; it keeps every span with its service name."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, Span]] = []
        self.content_types: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def received(self) -> list[tuple[str, Span]]:
        """The spans received so far, with their service's name."""
        with self._lock:
            return list(self.spans)

    def keep(self, content_type: str, request: ExportTraceServiceRequest) -> None:
        """Keep one export's spans."""
        with self._lock:
            self.content_types.append(content_type)
            for resource_spans in request.resource_spans:
                service = attributes(resource_spans.resource.attributes).get("service.name")
                for scope_spans in resource_spans.scope_spans:
                    self.spans += [(str(service), span) for span in scope_spans.spans]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_error(404)
                    return
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                receiver.keep(self.headers.get("Content-Type", ""), request)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests read what matters."""

        return Handler


def attributes(pairs: Any) -> dict[str, Any]:
    """OTLP key-values as a dict of plain values."""
    found: dict[str, Any] = {}
    for pair in pairs:
        assert isinstance(pair, KeyValue)
        kind = pair.value.WhichOneof("value")
        found[pair.key] = getattr(pair.value, kind) if kind else None
    return found


class Lines(logging.Handler):
    """The service's log lines as its JSON formatter writes them."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.entries: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.entries.append(json.loads(self.format(record)))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver of the test's own."""
    receiver = Receiver()
    yield receiver
    receiver.stop()


@contextmanager
def captured_lines() -> Iterator[Lines]:
    """The JSON lines the service's loggers write meanwhile (after create_app, which sets
    their handlers)."""
    handler = Lines()
    logger = logging.getLogger("{{ cookiecutter.package_name }}")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def with_log_route(app: FastAPI) -> FastAPI:
    """A route of the test's own that writes one log line inside its request."""

    async def log_something() -> dict[str, str]:
        LOGGER.warning("inside a request")
        return {}

    app.add_api_route(LOG_ROUTE, log_something)
    return app


@pytest.fixture
async def traced_app(
    settings: Settings, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    """An app whose traces go to the receiver; its own provider, shut down afterwards."""
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "tracing-test")
    app = with_log_route(create_app(settings))
    yield app
    app.state.tracer_provider.shutdown()
    await app.state.engine.dispose()


def flushed(app: FastAPI, receiver: Receiver, trace_id: str) -> list[Span]:
    """The trace's spans, once the app's provider has sent everything it holds."""
    assert app.state.tracer_provider.force_flush(timeout_millis=10_000)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        spans = [span for _, span in receiver.received() if span.trace_id.hex() == trace_id]
        if spans:
            return spans
        time.sleep(0.05)
    raise AssertionError(f"no span of trace {trace_id} arrived: {receiver.received()}")


async def test_request_and_statement_spans_arrive_linked(
    traced_app: FastAPI, receiver: Receiver
) -> None:
    async with client_for(traced_app) as client:
        assert (await client.get(MISSING)).status_code == 404  # first connection set up
        response = await client.get(MISSING, headers={"traceparent": TRACEPARENT})
    assert response.status_code == 404

    spans = flushed(traced_app, receiver, TRACE_ID)
    assert set(receiver.content_types) == {"application/x-protobuf"}
    assert {service for service, _ in receiver.received()} == {"tracing-test"}
    [request] = [span for span in spans if span.kind == Span.SPAN_KIND_SERVER]
    assert request.name == f"GET {ROUTE}"
    assert request.parent_span_id.hex() == PARENT_ID
    assert attributes(request.attributes) == {
        "http.request.method": "GET",
        "http.route": ROUTE,
        "http.response.status_code": 404,
        "url.path": MISSING,
    }
    statements = [span for span in spans if span.kind == Span.SPAN_KIND_CLIENT]
    assert len(spans) == 1 + len(statements)
    assert statements, "no statement span"
    for span in statements:
        assert span.parent_span_id == request.span_id
        assert request.start_time_unix_nano <= span.start_time_unix_nano
        assert span.end_time_unix_nano <= request.end_time_unix_nano
    texts = [str(attributes(span.attributes)["db.query.text"]) for span in statements]
    # The GET by id is one statement, and one span: never one from each of two layers.
    [select] = [text for text in texts if TABLE in text]
    assert select.lstrip().upper().startswith("SELECT")
    system = attributes(statements[texts.index(select)].attributes)["db.system.name"]
    assert system == "{{ cookiecutter.database }}"


async def test_log_lines_inside_a_request_carry_its_trace_and_span(
    traced_app: FastAPI, receiver: Receiver
) -> None:
    with captured_lines() as lines:
        async with client_for(traced_app) as client:
            response = await client.get(LOG_ROUTE, headers={"traceparent": TRACEPARENT})
    assert response.status_code == 200

    [request] = flushed(traced_app, receiver, TRACE_ID)
    assert request.name == f"GET {LOG_ROUTE}"
    [entry] = [entry for entry in lines.entries if entry["message"] == "inside a request"]
    assert entry["trace_id"] == TRACE_ID
    assert entry["span_id"] == request.span_id.hex()
    assert len(entry["span_id"]) == 16
    assert entry["request_id"]


async def test_statements_through_sqlalchemy_are_spans_and_a_failed_one_is_an_error(
    traced_app: FastAPI, receiver: Receiver
) -> None:
    tracer = traced_app.state.tracer_provider.get_tracer(__name__)
    with tracer.start_as_current_span("outer") as outer:
        async with traced_app.state.engine.connect() as connection:
            await connection.execute(text(f"SELECT count(*) FROM {TABLE}"))
            with pytest.raises(DBAPIError):
                await connection.execute(text(f"SELECT no_such_column FROM {TABLE}"))
            await connection.rollback()
    trace_id = format(outer.get_span_context().trace_id, "032x")

    spans = flushed(traced_app, receiver, trace_id)
    statements = {
        str(attributes(span.attributes)["db.query.text"]): span
        for span in spans
        if span.kind == Span.SPAN_KIND_CLIENT
    }
    assert len(spans) == 1 + len(statements), "one span per statement"
    counted = statements[f"SELECT count(*) FROM {TABLE}"]
    failed = statements[f"SELECT no_such_column FROM {TABLE}"]
    for span in statements.values():
        assert span.parent_span_id == outer.get_span_context().span_id.to_bytes(8, "big")
    assert counted.name == "SELECT"
    assert counted.status.code == Status.STATUS_CODE_UNSET
    assert failed.status.code == Status.STATUS_CODE_ERROR
    assert [event.name for event in failed.events] == ["exception"]


@pytest.mark.parametrize(
    "environment",
    [{}, {"OTEL_SDK_DISABLED": "true"}, {"OTEL_TRACES_EXPORTER": "none"}],
    ids=["unset", "sdk-disabled", "exporter-none"],
)
async def test_without_an_endpoint_nothing_is_traced(
    settings: Settings,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
) -> None:
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    if environment:  # an endpoint, but traces turned off
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    app = with_log_route(create_app(settings))
    try:
        assert app.state.tracer_provider is None
        classes: list[object] = [item.cls for item in app.user_middleware]
        assert TracingMiddleware not in classes
        with captured_lines() as lines:
            async with client_for(app) as client:
                response = await client.get(LOG_ROUTE, headers={"traceparent": TRACEPARENT})
        assert response.status_code == 200
    finally:
        await app.state.engine.dispose()

    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    [entry] = [entry for entry in lines.entries if entry["message"] == "inside a request"]
    assert "trace_id" not in entry
    assert "span_id" not in entry
    await asyncio.sleep(0.2)  # an exporter, had there been one, would have had time to start
    assert receiver.received() == []
