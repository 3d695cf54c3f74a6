"""/metrics as Prometheus reads it (prometheus-client's own parser): requests by route
template, the pool, database faults; and one sum over several worker processes."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app

from .callers import client_for, settings_for
from .test_health import UNREACHABLE

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of a scrape, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value; 0 if the scrape has none."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(app: FastAPI) -> Samples:
    """GET /metrics without a token, as Prometheus scrapes it."""
    async with client_for(app) as client:
        response = await client.get("/metrics", headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


async def test_requests_are_counted_by_route_template_never_by_raw_path(app: FastAPI) -> None:
    before = await scrape(app)
    async with client_for(app) as client:
        for _ in range(3):
            await client.get("/health/live")
        await client.get("/no/such/path/4711")
    after = await scrape(app)
    live = {"method": "GET", "route": "/health/live", "status": "200"}
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    for name in ("http_requests_total", "http_request_duration_seconds_count"):
        assert value(after, name, **live) - value(before, name, **live) == 3
        assert value(after, name, **unmatched) - value(before, name, **unmatched) == 1
    routes = {dict(labels).get("route") for _, labels in after}
    assert not any(route and "4711" in route for route in routes)
    assert value(after, "http_requests_in_flight") == 1  # the scrape itself


async def test_the_pool_is_measured(app: FastAPI, settings: Settings) -> None:
    async with client_for(app) as client:
        assert (await client.get("/health/ready")).status_code == 200
    samples = await scrape(app)
    slots = settings.db_pool_size + settings.db_max_overflow
    assert value(samples, "db_pool_size") == slots
    assert value(samples, "db_pool_connections_in_use") == 0
    assert value(samples, "db_pool_requests_waiting") == 0


async def test_database_faults_are_counted_by_kind() -> None:
    app = create_app(settings_for(UNREACHABLE, db_connect_timeout=2))
    before = await scrape(app)
    async with client_for(app) as client:
        assert (await client.get("/health/ready")).status_code == 503
    after = await scrape(app)
    await app.state.engine.dispose()
    kinds = ("unavailable", "locked", "timeout")
    assert all(("db_errors_total", frozenset({("kind", kind)})) in before for kind in kinds)
    grown = value(after, "db_errors_total", kind="unavailable")
    assert grown == value(before, "db_errors_total", kind="unavailable") + 1


async def test_metrics_can_be_turned_off(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics_enabled": False}))
    async with client_for(app) as client:
        response = await client.get("/metrics")
    await app.state.engine.dispose()
    assert response.status_code in {401, 404}  # not served, so not public either


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_several_workers_report_one_sum(tmp_path: Path, database_url: str) -> None:
    """uvicorn with two workers and PROMETHEUS_MULTIPROC_DIR: whichever worker answers a
    scrape, the count is every worker's requests added up."""
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "uvicorn", "{{ cookiecutter.package_name }}.main:create_app",
        "--factory", "--workers", "2", "--host", "127.0.0.1", "--port", str(port),
        "--app-dir", str(Path(__file__).parents[1] / "src"),
    ]  # fmt: skip
    log = tmp_path / "uvicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    live = {"method": "GET", "route": "/health/live", "status": "200"}

    def count(text: str) -> float:
        return value(parse(text), "http_requests_total", **live)

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "uvicorn did not answer within 30 s"
            time.sleep(0.2)
        requests = 40
        with httpx.Client(base_url=base, timeout=5) as client:
            for _ in range(requests):  # each on a new connection, so both workers serve some
                assert httpx.get(f"{base}/health/live", timeout=5).status_code == 200
            expected = requests + 1  # and the readiness wait's first probe
            # A request is counted once its response is sent, so the client may read the
            # last response a moment before its worker counts it: wait for the count first.
            settle = time.monotonic() + 5
            while count(client.get("/metrics").text) < expected:
                assert time.monotonic() < settle, "the count never reached every request"
                time.sleep(0.05)
            scrapes = [client.get("/metrics").text for _ in range(6)]
        counts = {count(text) for text in scrapes}
        assert counts == {expected}, counts
    finally:
        server.terminate()
        server.wait(timeout=30)
