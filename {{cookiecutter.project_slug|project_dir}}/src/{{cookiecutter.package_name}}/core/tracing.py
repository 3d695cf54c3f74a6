"""OpenTelemetry traces, off unless the standard OTEL_* variables configure an exporter.

Set `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and every
request becomes a span named by its route template (`GET /books/{book_id}`), continuing
the caller's trace (W3C `traceparent`), with a child span for each database statement.
Spans go out in batches over OTLP/HTTP (protobuf); the SDK reads the other variables
itself: `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` and its
`_ARG`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*`. Unset, nothing is set up: no
middleware, no statement hooks, no exporter thread.

One layer makes the statement spans: SQLAlchemy's cursor events, plus one span in the
PostgreSQL `fetch_one`, which sends its statement to asyncpg past SQLAlchemy. Driver
instrumentation would see SQLAlchemy's statements a second time.
"""

import os
from typing import Any
from weakref import WeakKeyDictionary

from opentelemetry import propagate
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect, ExceptionContext, ExecutionContext
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.types import ASGIApp, Receive, Scope, Send

from {{ cookiecutter.package_name }}.core.metrics import ResponseStatus, route_template

DEFAULT_SERVICE_NAME = "{{ cookiecutter.project_slug }}"
DB_SYSTEM = "{{ cookiecutter.database }}"
_ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# By dialect: an engine's own, which its copies with other options (`execution_options()`)
# share and `dispose()` keeps (it replaces the pool).
_TRACERS: "WeakKeyDictionary[Dialect, Tracer]" = WeakKeyDictionary()
_SPAN = "_otel_statement_span"  # the statement's span, on its execution context


def tracing_configured() -> bool:
    """Whether the environment asks for traces: an OTLP endpoint, and the SDK not disabled."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return any(os.environ.get(name, "").strip() for name in _ENDPOINTS)


def tracer_provider() -> TracerProvider | None:
    """A provider that exports over OTLP/HTTP in batches, or None when tracing is off.

    The application keeps its own (app.state.tracer_provider) and shuts it down with its
    lifespan; the global provider is left alone, so two apps in one process (the tests)
    never share spans."""
    if not tracing_configured():
        return None
    resource = Resource.create()  # OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    provider = TracerProvider(resource=resource)  # the sampler: OTEL_TRACES_SAMPLER
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


class TracingMiddleware:
    """One server span per HTTP request, a child of the caller's `traceparent`, named and
    tagged by the route template once the router has matched it."""

    def __init__(self, app: ASGIApp, tracer: Tracer) -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request inside its span."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
        }
        method = scope["method"]
        attributes = {"http.request.method": method, "url.path": scope["path"]}
        status = ResponseStatus(send)
        with self.tracer.start_as_current_span(
            method, context=propagate.extract(carrier), kind=SpanKind.SERVER, attributes=attributes
        ) as span:
            try:
                await self.app(scope, receive, status.send)
            finally:
                route = route_template(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status.code)
                if status.code >= 500:
                    span.set_status(Status(StatusCode.ERROR))


def trace_statements(engine: AsyncEngine, tracer: Tracer) -> None:
    """A client span around each statement the engine sends, child of the current span."""
    sync_engine = engine.sync_engine
    _TRACERS[sync_engine.dialect] = tracer
    namespace = sync_engine.url.database

    def before(
        _conn: Connection, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if context is not None:
            setattr(context, _SPAN, start_statement_span(tracer, statement, namespace))

    def after(
        _conn: Connection, _cursor: Any, _sql: str, _params: Any, context: Any, _many: bool
    ) -> None:
        span: Span | None = getattr(context, _SPAN, None)
        if span is not None:
            setattr(context, _SPAN, None)  # ended once, even if handle_error follows
            span.end()

    def failed(error: ExceptionContext) -> None:
        context: ExecutionContext | None = error.execution_context
        span: Span | None = getattr(context, _SPAN, None)
        if span is not None:
            setattr(context, _SPAN, None)
            span.record_exception(error.original_exception)
            span.set_status(Status(StatusCode.ERROR, type(error.original_exception).__name__))
            span.end()

    event.listen(sync_engine, "before_cursor_execute", before)
    event.listen(sync_engine, "after_cursor_execute", after)
    event.listen(sync_engine, "handle_error", failed)


def start_statement_span(tracer: Tracer, statement: str, namespace: str | None) -> Span:
    """A started client span for one statement: its text, never its parameters."""
    operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else DB_SYSTEM
    attributes = {"db.system.name": DB_SYSTEM, "db.query.text": statement}
    if namespace:
        attributes["db.namespace"] = namespace
    return tracer.start_span(operation, kind=SpanKind.CLIENT, attributes=attributes)


def statement_tracer(connection: AsyncConnection) -> Tracer | None:
    """The tracer of the connection's engine when its statements are traced, else None."""
    return _TRACERS.get(connection.dialect) if _TRACERS else None
