"""Slow tier: the schemathesis CLI, as a user would run it, against the real service.

The LIBRARY answers (several entities: references that restrict, cascade and set null,
claim-scoped rows) are baked for each database, migrated with the project's own alembic, and
served by uvicorn on a free loopback port. Then `st run --checks all`, every phase (examples,
coverage, fuzzing, stateful), 2 workers, fixed seed, bounded examples, with a development
token holding every scope and the claims that scope rows, must exit 0.

The run reads the project's own schemathesis.toml (`--config-file`), as `st run` does from
the project directory: it is the generated service's documented contract (412/413 for a
valid request, 422 for a reference naming no row, an undecodable cursor), shared with its
tests/test_fuzz.py. Nothing else is configured or excluded here.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BIN, LIBRARY, bake, run
from tests.test_generated import drop_database, fresh_database

pytestmark = pytest.mark.slow

SEED = 20240611
# Per operation and phase. About 90 s of schemathesis per database on a loaded 2-core machine.
MAX_EXAMPLES = 25
STARTUP_DEADLINE = 60.0  # seconds for uvicorn to answer /health/live
STOP_DEADLINE = 10.0
RUN_DEADLINE = 420.0  # seconds for the whole `st run`: a hung run fails, never blocks
PHASES = "examples,coverage,fuzzing,stateful"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str) -> bool:
    """Whether anything answers a GET on url (any status)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def tail(text: str, lines: int = 120) -> str:
    """The last lines of some output, for failure messages."""
    return "\n".join(text.splitlines()[-lines:])


def stop(process: "subprocess.Popen[bytes]") -> None:
    """End the server's process group: SIGTERM, then SIGKILL if it outlives the deadline."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_DEADLINE)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_DEADLINE)


@contextlib.contextmanager
def served(project: Path, package: str, env: dict[str, str], log: Path) -> Iterator[str]:
    """The project's app under uvicorn on a free loopback port; its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        str(BIN / "python"),
        "-m",
        "uvicorn",
        f"{package}.main:create_app",
        "--factory",
        "--app-dir",
        "src",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=project,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE
        while process.poll() is None and not answers(f"{base}/health/live"):
            assert time.monotonic() < deadline, f"uvicorn did not answer:\n{tail(log.read_text())}"
            time.sleep(0.2)
        assert process.poll() is None, f"uvicorn exited:\n{tail(log.read_text())}"
        yield base
    finally:
        stop(process)


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_st_run_every_check_and_phase_is_green(tmp_path: Path, database: str) -> None:
    project = bake(tmp_path, {**LIBRARY, "database": database})
    answered = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    package = answered["cookiecutter"]["package_name"]
    name = f"template_st_cli_{package}"
    if database == "postgresql":
        url = fresh_database(name)
    else:
        url = f"sqlite+aiosqlite:///{project / package}.db"
    # .env (written by the bake) has ENVIRONMENT=development and the development key.
    env = {"DATABASE_URL": url, "PYTHONPATH": str(project / "src")}
    try:
        migrate = run([str(BIN / "python"), "-m", "alembic", "upgrade", "head"], project, env)
        assert migrate.returncode == 0, f"alembic upgrade head:\n{migrate.stderr[-3000:]}"
        # What `make -s token` runs: every scope, and every row-scoping claim (org_id) set.
        minted = run(
            [str(BIN / "python"), "-m", f"{package}.core.oidc", "--sub", "developer"], project, env
        )
        assert minted.returncode == 0, minted.stderr[-3000:]
        token = minted.stdout.strip().splitlines()[-1]
        log = tmp_path / "uvicorn.log"
        with served(project, package, env, log) as base:
            command = [
                str(BIN / "st"),
                "--config-file",
                str(project / "schemathesis.toml"),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "all",
                "--phases",
                PHASES,
                "--workers",
                "2",
                "--seed",
                str(SEED),
                "--max-examples",
                str(MAX_EXAMPLES),
                "--header",
                f"Authorization: Bearer {token}",
                "--request-timeout",
                "30",
                "--generation-database",
                "none",
                "--no-color",
            ]
            started = time.monotonic()
            try:
                result = subprocess.run(
                    command,
                    cwd=project,
                    env={**os.environ, **env},
                    capture_output=True,
                    text=True,
                    timeout=RUN_DEADLINE,
                    check=False,
                )
            except subprocess.TimeoutExpired as error:
                partial = error.stdout or ""  # bytes on some Pythons, despite text=True
                output = partial.decode(errors="replace") if isinstance(partial, bytes) else partial
                pytest.fail(f"st run took over {RUN_DEADLINE:.0f} s:\n{tail(output)}")
            elapsed = time.monotonic() - started
        output = f"{result.stdout}\n{result.stderr}"
        assert result.returncode == 0, (
            f"st run on {database} exited {result.returncode} after {elapsed:.0f} s:\n"
            f"{tail(output, 200)}\n--- uvicorn ---\n{tail(log.read_text(errors='replace'), 40)}"
        )
    finally:
        if database == "postgresql":
            drop_database(name)
