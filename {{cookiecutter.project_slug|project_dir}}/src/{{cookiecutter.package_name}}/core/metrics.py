"""Prometheus metrics at /metrics: requests by route template, requests in flight, the
connection pool, and database faults by kind.

Worker processes (WEB_CONCURRENCY > 1) share one port, so each scrape reaches one of them
at random and would see that worker's counts only. With `PROMETHEUS_MULTIPROC_DIR` set to
an empty directory, prometheus-client's multiprocess mode keeps every worker's values in
files there and /metrics adds them up. Unset, the values are the process's own: exact for
one worker per container, scaled out by replicas (deploy/kubernetes runs it that way).
"""

import os
import time
from typing import cast

from fastapi import APIRouter, FastAPI
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METRICS_PATH = "/metrics"
UNMATCHED = "<unmatched>"  # the route of a request no route serves, not its raw path
LABELS = ("method", "route", "status")
REQUESTS = Counter("http_requests", "Requests answered", LABELS)
DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer",
    LABELS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
IN_FLIGHT = Gauge("http_requests_in_flight", "Requests being answered", multiprocess_mode="livesum")
POOL_SIZE = Gauge(
    "db_pool_size", "Connections the pool may hold (size + overflow)", multiprocess_mode="livesum"
)
POOL_IN_USE = Gauge(
    "db_pool_connections_in_use", "Connections checked out of the pool", multiprocess_mode="livesum"
)
POOL_WAITING = Gauge(
    "db_pool_requests_waiting", "Requests in line for a connection", multiprocess_mode="livesum"
)
DATABASE_ERRORS = Counter("db_errors", "Database faults answered 503, by kind", ["kind"])
for kind in ("unavailable", "locked", "timeout"):  # listed at 0 before the first fault
    DATABASE_ERRORS.labels(kind)

router = APIRouter()


@router.get(METRICS_PATH, include_in_schema=False)
async def metrics() -> Response:
    """Every metric in Prometheus' text format, added up over the workers in multiprocess
    mode."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def route_template(scope: Scope) -> str:
    """The path template of the route that served the request (`/books/{book_id}`), so a
    label has one value per route, never one per id; the router records it in the scope,
    and a request answered before routing (a 401) is matched here."""
    route = scope.get("route")
    if route is None:
        app: FastAPI = scope["app"]
        route = next((r for r in app.routes if r.matches(scope)[0] is not Match.NONE), None)
    return str(getattr(route, "path_format", UNMATCHED))


class ResponseStatus:
    """Wraps an ASGI send to note the status of the response it starts: 500 until one
    starts (an error escaping to the server)."""

    def __init__(self, send: Send) -> None:
        self.code = 500
        self._send = send

    async def send(self, message: Message) -> None:
        """Note the status of a response's start, then send the message on."""
        if message["type"] == "http.response.start":
            self.code = message["status"]
        await self._send(message)


class MetricsMiddleware:
    """Counts and times every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = ResponseStatus(send)
        started = time.perf_counter()
        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, status.send)
        finally:
            IN_FLIGHT.dec()
            labels = (scope["method"], route_template(scope), str(status.code))
            REQUESTS.labels(*labels).inc()
            DURATION.labels(*labels).observe(time.perf_counter() - started)


def watch_pool(engine: AsyncEngine, slots: int) -> None:
    """Keep the pool gauges: its size, and the connections checked out of it.

    The count is read from the pool at each checkout and checkin, not added up from the
    events: a checkout that finds a dead connection and replaces it sends a checkin with
    no checkout, so a running sum drifts below zero after a database restart."""
    POOL_SIZE.set(slots)
    pool = cast(QueuePool, engine.sync_engine.pool)
    event.listen(pool, "checkout", lambda *_: POOL_IN_USE.set(pool.checkedout()))
    # The checkin event comes before the connection is back in the pool.
    event.listen(pool, "checkin", lambda *_: POOL_IN_USE.set(pool.checkedout() - 1))
