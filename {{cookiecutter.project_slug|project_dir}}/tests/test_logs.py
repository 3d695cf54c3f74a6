"""Log lines: the JSON formatter, and uvicorn run with logging.json as `make run` runs it."""

import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from {{ cookiecutter.package_name }}.core.logs import REQUEST_ID, JsonFormatter

ROOT = Path(__file__).resolve().parents[1]
APP = "{{ cookiecutter.package_name }}.main:create_app"
STARTED = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


def access_record() -> logging.LogRecord:
    """A record made as uvicorn makes its access log lines."""
    args = ("127.0.0.1:50000", "GET", "/health/live?probe=1", "1.1", 200)
    message = '%s - "%s %s HTTP/%s" %d'
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, message, args, None)


def test_access_line_is_json_with_the_request_and_its_id() -> None:
    token = REQUEST_ID.set("abc-123")
    try:
        entry = json.loads(JsonFormatter().format(access_record()))
    finally:
        REQUEST_ID.reset(token)
    assert entry == {
        "time": entry["time"],
        "level": "INFO",
        "logger": "uvicorn.access",
        "message": '127.0.0.1:50000 - "GET /health/live?probe=1 HTTP/1.1" 200',
        "request_id": "abc-123",
        "client": "127.0.0.1:50000",
        "method": "GET",
        "path": "/health/live?probe=1",
        "http_version": "1.1",
        "status": 200,
    }


def wait_for_port(server: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> int:
    """The port uvicorn announces in its log once it is serving."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = STARTED.search(log.read_text(encoding="utf-8"))
        if started:
            return int(started.group(1))
        assert server.poll() is None, f"uvicorn exited:\n{log.read_text(encoding='utf-8')}"
        time.sleep(0.1)
    raise AssertionError(f"uvicorn did not start:\n{log.read_text(encoding='utf-8')}")


@pytest.mark.slow  # starts a real uvicorn process: about 2 s
def test_uvicorn_with_logging_json_writes_only_json_lines(tmp_path: Path) -> None:
    log = tmp_path / "stderr.log"
    paths = [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    command = [sys.executable, "-m", "uvicorn", APP, "--factory", "--log-config", "logging.json"]
    command += ["--host", "127.0.0.1", "--port", "0"]  # port 0: any free one, read from the log
    with log.open("wb") as stderr:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stderr, stderr=stderr)
    try:
        port = wait_for_port(server, log)
        url = f"http://127.0.0.1:{port}/health/live"
        response = httpx.get(url, headers={"X-Request-ID": "logs-test-1"}, trust_env=False)
        assert response.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=15)

    lines = log.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert entries, "uvicorn wrote nothing"
    assert all(entry.keys() >= {"time", "level", "logger", "message"} for entry in entries)
    access = [entry for entry in entries if entry["logger"] == "uvicorn.access"]
    assert [(e["request_id"], e["method"], e["path"], e["status"]) for e in access] == [
        ("logs-test-1", "GET", "/health/live", 200)
    ]
