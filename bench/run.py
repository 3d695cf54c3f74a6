"""Benchmark the generated service against bare and raw asyncpg references at table scale.

    .venv/bin/python bench/run.py            # from the template repo root

Bakes the default project with the cookiecutter API into a temporary directory (and one
with auth=none), creates a fresh `bench_service` database (drop + create), migrates it with
the project's Alembic migrations and seeds it (1,000,000 rows by default, created_at spread
over two years); runs, one at a time, each under uvicorn with one worker on its own
loopback port: the generated service (auth=oidc, auth=none, metrics off, traces to a tiny
OTLP sink of its own), `bench/raw_app.py` (the same HTTP contract by hand, bare ASGI on an
asyncpg pool), `bench/bare_app.py` (the least that answers: ASGI, asyncpg, orjson) and
`bench/naive_app.py` (the seeds' ORM pattern); loads each with wrk (GET one by id, GET
list page 1, GET list at a deep keyset page, POST create) and prints requests/s, p50/p99
latency, the new PostgreSQL connections per second (pg_stat_database.sessions), the ratios
to bare and raw, the cost of metrics, tracing and authentication, and of the deep page
against page 1. Every process it started is stopped and the database dropped at the end,
Ctrl-C included. See bench/README.md.
"""
# ruff: noqa: T201 -- a command-line report: print is its output

import argparse
import asyncio
import base64
import importlib.util
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any, Final, TextIO
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import asyncpg
import jwt
from cookiecutter.main import cookiecutter
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

REPO: Final = Path(__file__).resolve().parents[1]
BENCH: Final = REPO / "bench"
DEFAULT_DB_NAME: Final = "bench_service"
DEFAULT_ADMIN_URL: Final = "postgresql://postgres@127.0.0.1:5432/postgres"
INSTALL_WRK: Final = "apt-get install -y wrk  # as root, or with sudo (Debian/Ubuntu)"
SERVER_CPU: Final = "1"  # with --pin: the server on CPU 1, wrk on CPU 0, PostgreSQL floats
LOADGEN_CPU: Final = "0"
POST_PREFIX: Final = "bench-post"
DEFAULT_ROWS: Final = 1_000_000
MIN_ROWS: Final = 100
# GET one cycles through a random sample of ids: a Lua function holds at most 65,536
# constants, so the whole id list of a large table cannot go into the script.
ID_SAMPLE: Final = 10_000
SEED_SPAN: Final = timedelta(days=730)  # created_at spread over two years ...
SEED_END_AGO: Final = timedelta(hours=1)  # ... ending an hour before the run
SEED_TIMEOUT: Final = 1800.0  # seconds for one seeding statement (index builds included)
SORT: Final = "created_at"  # the generated list's default sort, ascending
PAGE_LIMIT: Final = 20
DEEP_TARGET: Final = 0.10  # the deep page may cost at most 10% more than page 1
IDLE_TIMEOUT: Final = 60.0  # seconds to wait for the database to drain between runs
COLUMNS: Final = "id, title, author, pages, published_on, version, created_at, updated_at"

# Server-side generation: no rows travel through Python. Titles are unique (the table has
# a unique constraint on title); created_at grows with i, one random instant inside each
# step of the span, so the default sort has distinct, evenly spread keys. Every fifth row
# was "edited" later (version 2, a later updated_at, never after the seed's end).
SEED_INSERT: Final = """
INSERT INTO book (id, title, author, pages, published_on, version, created_at, updated_at)
SELECT gen_random_uuid(),
       'Seed book ' || lpad(i::text, $5, '0'),
       'Author ' || (i % 97),
       CASE WHEN i % 10 = 0 THEN NULL ELSE 100 + i % 900 END,
       DATE '2000-01-01' + i % 9000,
       CASE WHEN i % 5 = 0 THEN 2 ELSE 1 END,
       created_at,
       CASE WHEN i % 5 = 0
            THEN LEAST(created_at + random() * interval '30 days', $2::timestamptz)
            ELSE created_at END
FROM (
    SELECT i, $3::timestamptz + (i - 1 + random()) * $4::interval AS created_at
    FROM generate_series(1, $1::int) AS i
) AS seeded
"""
# The table's indexes, with the constraint each one backs (primary key, unique), if any.
TABLE_INDEXES: Final = """
SELECT index.relname AS name, pg_get_indexdef(index.oid) AS definition,
       con.conname AS constraint_name, pg_get_constraintdef(con.oid) AS constraint_definition
FROM pg_index AS i
JOIN pg_class AS index ON index.oid = i.indexrelid
LEFT JOIN pg_constraint AS con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
WHERE i.indrelid = 'book'::regclass
ORDER BY index.relname
"""
DEEP_QUERY: Final = (
    f"SELECT {COLUMNS} FROM book WHERE ({SORT}, id) > ($1, $2) "
    f"ORDER BY {SORT}, id LIMIT {PAGE_LIMIT + 1}"
)

# wrk's done() runs in its own Lua state; it prints one machine-readable line per run.
LUA_DONE: Final = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT {\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%.0f,"
    .. "\\"p99_us\\":%.0f,\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,"
    .. "\\"status\\":%d,\\"timeout\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""
# A token (args[2], where the target needs one) goes in every request's Authorization header.
LUA_AUTH: Final = """
local authorization = nil
function init(args)
  prefix = args[1] or prefix
  if args[2] and args[2] ~= "" then
    authorization = "Bearer " .. args[2]
    wrk.headers["Authorization"] = authorization
  end
end
"""
LUA_GET_ONE: Final = """
local ids = {%s}
local n = 0
request = function()
  n = n %% #ids + 1
  return wrk.format("GET", "/books/" .. ids[n])
end
"""
LUA_GET_PATH: Final = """
local path = "%s"
request = function()
  return wrk.format("GET", path)
end
"""
# Unique titles: the prefix (per target and run) from the command line, the thread
# number from setup(), a counter per thread.
LUA_POST: Final = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
prefix = "bench"
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format(
    '{"title":"%s-%d-%d","author":"Bench Author","pages":321,"published_on":"2020-02-02"}',
    prefix, tid or 0, counter)
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = authorization}
  return wrk.format("POST", "/books", headers, body)
end
"""


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    lua: str
    # The naive app's own request where it has no equivalent (no cursors), and why.
    naive_lua: str | None = None
    naive_note: str | None = None

    def script(self, directory: Path, target_key: str) -> Path:
        if target_key == "naive" and self.naive_lua is not None:
            return directory / f"{self.key}-naive.lua"
        return directory / f"{self.key}.lua"


@dataclass(frozen=True)
class Seeded:
    """What the seed left in the table and what the scenarios need from it."""

    rows: int
    seconds: float
    sample_ids: list[UUID]  # GET one cycles through these
    middle_position: int  # 0-based position of the deep page's cursor row, created_at order
    middle: tuple[datetime, UUID]  # (created_at, id) of that row
    cutoff: datetime  # the newest seeded created_at: rows created after it are the POSTs'
    deep_plan: str  # PostgreSQL's plan for the deep page's statement


@dataclass
class Target:
    key: str
    title: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    token: str = ""  # a bearer token for every request, where the app needs one
    deep: bool = True  # serves the deep (keyset) page; the bare app does not

    def runs(self, scenario: Scenario) -> bool:
        return self.deep or scenario.key != "get_deep"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass
class Result:
    requests: int
    duration_us: int
    p50_us: float
    p99_us: float
    errors: dict[str, int] = field(default_factory=dict)
    server_cpu: float | None = None  # share of one core used by the server process
    new_connections: float | None = None  # PostgreSQL sessions opened per second

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1e6) if self.duration_us else 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per run (2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk -t (1)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of every run, interleaved; the median is reported (1)",
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=DEFAULT_ROWS,
        help=f"rows seeded ({DEFAULT_ROWS:,}; at least {MIN_ROWS})",
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_URL", DEFAULT_ADMIN_URL),
        help=f"a PostgreSQL URL with rights to create databases ({DEFAULT_ADMIN_URL})",
    )
    parser.add_argument(
        "--db-name",
        default=DEFAULT_DB_NAME,
        help=f"the database created, loaded and dropped ({DEFAULT_DB_NAME})",
    )
    parser.add_argument("--no-naive", action="store_true", help="skip the seeds' ORM app")
    parser.add_argument("--no-es256", action="store_true", help="skip the ES256-token arm")
    parser.add_argument("--no-deep", action="store_true", help="skip the deep page scenario")
    parser.add_argument(
        "--no-variants",
        action="store_true",
        help="skip the metrics-off and tracing-on arms of the auth=none service",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for every arm of the generated service (repeatable), "
        "e.g. --env DB_POOL_SIZE=15 --env DB_MAX_OVERFLOW=0",
    )
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin server and wrk to separate CPUs"
    )
    args = parser.parse_args(argv)
    for name in ("duration", "connections", "threads", "repeat"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.rows < MIN_ROWS:
        parser.error(f"--rows must be at least {MIN_ROWS} (the deep page needs a table)")
    if args.rows >= 2**31 - 1:
        parser.error("--rows must fit a 32-bit integer")
    if args.warmup < 0:
        parser.error("--warmup must be 0 or more")
    if not args.db_name.replace("_", "").isalnum() or not args.db_name[0].isalpha():
        parser.error("--db-name: letters, digits and underscores, starting with a letter")
    if bad := [item for item in args.env if "=" not in item or item.startswith("=")]:
        parser.error(f"--env wants NAME=VALUE, got {bad}")
    return args


# --- loopback servers of the bench's own -------------------------------------------------


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing (the report is the output)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LoopbackServer:
    """An HTTP server of the bench's own on a free loopback port, serving in a thread."""

    def __init__(self) -> None:
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


# --- identity ---------------------------------------------------------------------------


class IdentityProvider(LoopbackServer):
    """The OpenID provider of the auth=oidc targets: its configuration and key set (an RSA
    and a P-256 key) served over HTTP on loopback, and a token per key with every scope."""

    AUDIENCE: Final = "bench"

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {
            "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ec": ec.generate_private_key(ec.SECP256R1()),
        }
        super().__init__()

    @property
    def issuer(self) -> str:
        return self.url

    def algorithm(self, kid: str) -> str:
        return "RS256" if kid == "rsa" else "ES256"

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.keys.items():
            codec = RSAAlgorithm if kid == "rsa" else ECAlgorithm
            jwk = codec.to_jwk(key.public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "alg": self.algorithm(kid), "use": "sig"})
        return {"keys": keys}

    def token(self, kid: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.AUDIENCE,
            "sub": "bench",
            "iat": now,
            "exp": now + 6 * 3600,
            "scope": "books:read books:write",
        }
        return jwt.encode(
            claims, self.keys[kid], algorithm=self.algorithm(kid), headers={"kid": kid}
        )

    def settings(self) -> dict[str, str]:
        """The service's environment for trusting this provider, as in production."""
        return {
            "ENVIRONMENT": "production",
            "AUTH_ISSUER": self.issuer,
            "AUTH_AUDIENCE": self.AUDIENCE,
        }

    def start(self) -> None:
        provider = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": provider.issuer, "jwks_uri": f"{provider.issuer}/jwks"}
                else:
                    body = provider.jwks()
                content = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

        self.serve(Handler)


class TraceSink(LoopbackServer):
    """A tiny OTLP/HTTP receiver on loopback: 200 and an empty ExportTraceServiceResponse to
    every POST (/v1/traces), counting the exports and their bytes. The traced arm's
    OTEL_EXPORTER_OTLP_ENDPOINT points here, so its spans are built, encoded and sent."""

    def __init__(self) -> None:
        super().__init__()
        self.exports = 0
        self.bytes = 0
        self._lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return self.url

    def start(self) -> None:
        sink = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the exporter's session expects

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(size)
                with sink._lock:
                    sink.exports += 1
                    sink.bytes += size
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.serve(Handler)


# --- database ---------------------------------------------------------------------------


def service_dsn(admin_url: str, name: str) -> str:
    """The admin URL pointed at the benchmark database."""
    parts = urlsplit(admin_url)
    return parts._replace(path=f"/{name}").geturl()


async def _admin(admin_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(admin_url, timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def recreate_database(admin_url: str, name: str) -> None:
    asyncio.run(
        _admin(
            admin_url,
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}"',
        )
    )


def drop_database(admin_url: str, name: str) -> None:
    asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def database_sessions(admin_url: str, name: str) -> int:
    """Sessions ever opened on the database: `pg_stat_database.sessions` (PostgreSQL 14+),
    read over a connection to the admin database, so the reading opens none on it."""

    async def run() -> int:
        connection = await asyncpg.connect(admin_url, timeout=10)
        try:
            count = await connection.fetchval(
                "SELECT sessions FROM pg_stat_database WHERE datname = $1", name
            )
            return int(count or 0)
        finally:
            await connection.close()

    return asyncio.run(run())


def _iso(value: datetime) -> str:
    """A datetime as pydantic writes it in JSON: ISO 8601, UTC as Z."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def encode_cursor(sort: str, value: datetime, row_id: UUID) -> str:
    """The generated service's cursor (`core/keyset.py`: encode_cursor): base64url without
    padding of the compact JSON `[sort, value, id]`."""
    raw = json.dumps([sort, _iso(value), str(row_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _plan_summary(plan_json: str) -> str:
    """`Limit -> Index Scan using ix_...`: the node chain of an EXPLAIN (FORMAT JSON)."""
    node: dict[str, Any] = json.loads(plan_json)[0]["Plan"]
    steps = []
    for _ in range(20):  # bounded: a deep page's plan has two or three nodes
        step = str(node["Node Type"])
        if index := node.get("Index Name"):
            step += f" using {index}"
        steps.append(step)
        children = node.get("Plans") or []
        if not children:
            break
        node = children[0]
    return " -> ".join(steps)


async def _load_rows(connection: asyncpg.Connection, rows: int) -> None:
    """Insert the rows with the table's indexes dropped, then rebuild them as they were.

    One transaction: the migration's indexes and constraints (names and definitions read
    from the catalog) are dropped, the rows inserted by one INSERT ... SELECT
    generate_series, and every index and constraint recreated from its own definition.
    Building an index once over a million rows is several times faster than growing it
    row by row. The definitions are compared afterwards: the table ends up with exactly
    the indexes the migrations created.
    """
    before = [tuple(record) for record in await connection.fetch(TABLE_INDEXES)]
    end = await connection.fetchval("SELECT now() - $1::interval", SEED_END_AGO)
    start, step = end - SEED_SPAN, SEED_SPAN / rows
    async with connection.transaction():
        for name, _, constraint, _ in before:
            if constraint is None:
                await connection.execute(f'DROP INDEX "{name}"')
            else:
                await connection.execute(f'ALTER TABLE book DROP CONSTRAINT "{constraint}"')
        width = max(7, len(str(rows)))
        await connection.execute(SEED_INSERT, rows, end, start, step, width, timeout=SEED_TIMEOUT)
        for _, definition, constraint, constraint_definition in before:
            if constraint is None:
                await connection.execute(definition, timeout=SEED_TIMEOUT)
            else:
                await connection.execute(
                    f'ALTER TABLE book ADD CONSTRAINT "{constraint}" {constraint_definition}',
                    timeout=SEED_TIMEOUT,
                )
    after = [tuple(record) for record in await connection.fetch(TABLE_INDEXES)]
    if after != before:
        sys.exit(f"seed: the indexes changed:\nbefore {before}\nafter  {after}")


async def _seed(dsn: str, rows: int) -> Seeded:
    started = time.monotonic()
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        await _load_rows(connection, rows)
        await connection.execute("VACUUM ANALYZE book", timeout=SEED_TIMEOUT)
        seconds = time.monotonic() - started
        sample = await connection.fetch(
            "SELECT id FROM book ORDER BY random() LIMIT $1", ID_SAMPLE, timeout=SEED_TIMEOUT
        )
        position = rows // 2
        middle = await connection.fetchrow(
            f"SELECT {SORT}, id FROM book ORDER BY {SORT}, id OFFSET $1 LIMIT 1",
            position,
            timeout=SEED_TIMEOUT,
        )
        assert middle is not None
        cutoff = await connection.fetchval(f"SELECT max({SORT}) FROM book")
        plan = await connection.fetchval(
            f"EXPLAIN (FORMAT JSON) {DEEP_QUERY}", middle[SORT], middle["id"]
        )
    finally:
        await connection.close()
    return Seeded(
        rows=rows,
        seconds=seconds,
        sample_ids=[record["id"] for record in sample],
        middle_position=position,
        middle=(middle[SORT], middle["id"]),
        cutoff=cutoff,
        deep_plan=_plan_summary(plan),
    )


def seed(dsn: str, rows: int) -> Seeded:
    return asyncio.run(_seed(dsn, rows))


def reset_posted_rows(dsn: str, cutoff: datetime) -> int:
    """Delete what the POST runs inserted (created after the seed's newest row, found by the
    created_at index), so every target writes into, and reads from, the same table."""

    async def run() -> int:
        connection = await asyncpg.connect(dsn, timeout=10)
        try:
            status = await connection.execute(f"DELETE FROM book WHERE {SORT} > $1", cutoff)
            await connection.execute("VACUUM ANALYZE book", timeout=SEED_TIMEOUT)
            return int(status.split()[-1])
        finally:
            await connection.close()

    return asyncio.run(run())


def wait_database_idle(dsn: str, timeout: float = IDLE_TIMEOUT) -> float | None:
    """Wait until no query of the benchmark database is running (three polls in a row).

    A server can still hold requests wrk gave up on (a slow scenario, a full pool); they
    would load PostgreSQL during the next app's run. Returns the seconds waited, or None if
    the database was still busy after `timeout`.
    """

    async def run() -> float | None:
        connection = await asyncpg.connect(dsn, timeout=10)
        started = time.monotonic()
        quiet = 0
        try:
            for _ in range(int(timeout / 0.1) + 1):
                busy = await connection.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND state <> 'idle' "
                    "AND pid <> pg_backend_pid()"
                )
                quiet = quiet + 1 if busy == 0 else 0
                if quiet >= 3:
                    return time.monotonic() - started
                if time.monotonic() - started > timeout:
                    break
                await asyncio.sleep(0.1)
            return None
        finally:
            await connection.close()

    return asyncio.run(run())


def server_version(dsn: str) -> str:
    async def run() -> str:
        connection = await asyncpg.connect(dsn, timeout=10)
        try:
            return str(await connection.fetchval("SHOW server_version"))
        finally:
            await connection.close()

    return asyncio.run(run())


# --- project and servers ----------------------------------------------------------------


def bake(output_dir: Path, **choices: str) -> tuple[Path, dict[str, Any]]:
    """Generate the default project (with these answers); return its directory and its
    answers. Its .env goes: the services run as in production, configured by the
    environment alone (no development key)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    baked = cookiecutter(
        str(REPO), no_input=True, output_dir=str(output_dir), extra_context=choices
    )
    project = Path(baked)
    (project / ".env").unlink(missing_ok=True)
    replay = json.loads((project / ".cookiecutter.json").read_text())
    answers: dict[str, Any] = replay.get("cookiecutter", replay)
    return project, answers


def run_checked(command: list[str], *, env: dict[str, str], cwd: Path, what: str) -> None:
    completed = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    if completed.returncode != 0:
        sys.exit(f"{what} failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def uvicorn_command(app: str, port: int, *extra: str, pin: bool) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        *extra,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return ["taskset", "-c", SERVER_CPU, *command] if pin else command


def http(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    timeout: float = 5,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def start(target: Target, logs: Path, *, pin: bool) -> None:
    target.port = free_port()
    app, *extra = target.command
    command = uvicorn_command(app, target.port, *extra, pin=pin)
    target.log = logs / f"{target.key}.log"
    with target.log.open("ab") as log:
        # A session of its own: Ctrl-C reaches this script only, which stops the server.
        target.process = subprocess.Popen(
            command,
            env=target.env,
            cwd=target.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_ready(target: Target, timeout: float = 20) -> None:
    assert target.process is not None
    url = f"http://127.0.0.1:{target.port}/books?limit=1"
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / 0.1) + 1):
        if target.process.poll() is not None:
            break
        with suppress(OSError):
            if http("GET", url, timeout=2, headers=target.headers)[0] == 200:
                return
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    log = target.log.read_text(errors="replace")[-3000:] if target.log else ""
    sys.exit(f"{target.title} did not become ready on port {target.port}:\n{log}")


def stop(target: Target) -> None:
    process = target.process
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown (lifespan closes pools)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def running(target: Target, logs: Path, *, pin: bool) -> Iterator[Target]:
    """The app started and ready, stopped after the block.

    One app at a time: each pool keeps up to 15 connections, and eight apps at once would
    outgrow PostgreSQL's default max_connections (100); nor does an idle app share the
    CPUs of the measured one."""
    start(target, logs, pin=pin)
    try:
        wait_ready(target)
        yield target
    finally:
        stop(target)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- load -------------------------------------------------------------------------------


def wrk_version() -> str:
    completed = subprocess.run(
        ["wrk", "-v"], capture_output=True, text=True, timeout=10, check=False
    )
    return (completed.stdout + completed.stderr).splitlines()[0].strip()


def run_wrk(
    args: argparse.Namespace,
    script: Path,
    target: Target,
    seconds: int,
    lua_args: Sequence[str] = (),
    *,
    pin: bool,
) -> Result:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        f"http://127.0.0.1:{target.port}",
    ]
    if lua_args:
        command += ["--", *lua_args]
    if pin:
        command = ["taskset", "-c", LOADGEN_CPU, *command]
    assert target.process is not None
    sessions_before = database_sessions(args.admin_url, args.db_name)
    cpu_before, clock_before = cpu_seconds(target.process.pid), time.monotonic()
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    elapsed = time.monotonic() - clock_before
    cpu = (cpu_seconds(target.process.pid) - cpu_before) / elapsed
    # Backends report their session when they first go idle or exit: a moment's lag at
    # both ends of the window, which cancels out.
    opened = database_sessions(args.admin_url, args.db_name) - sessions_before
    line = next(
        (row for row in completed.stdout.splitlines() if row.startswith("BENCH_RESULT ")), None
    )
    if completed.returncode != 0 or line is None:
        sys.exit(f"wrk failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    errors = {name: data[name] for name in ("connect", "read", "write", "status", "timeout")}
    return Result(
        requests=data["requests"],
        duration_us=data["duration_us"],
        p50_us=data["p50_us"],
        p99_us=data["p99_us"],
        errors={name: count for name, count in errors.items() if count},
        server_cpu=cpu,
        new_connections=opened / elapsed,
    )


def median_run(measured: Sequence[Result]) -> Result:
    """The run of median throughput (the lower middle of an even count), with the errors
    of every run and the mean of their new connections per second: one slow round
    (another process on the machine) moves the median less than the mean."""
    chosen = sorted(measured, key=lambda result: result.rps)[(len(measured) - 1) // 2]
    errors: dict[str, int] = {}
    for result in measured:
        for name, count in result.errors.items():
            errors[name] = errors.get(name, 0) + count
    rates = [result.new_connections for result in measured if result.new_connections is not None]
    churn = sum(rates) / len(rates) if len(rates) == len(measured) else None
    return replace(chosen, errors=errors, new_connections=churn)


def list_path(cursor: str | None = None) -> str:
    return f"/books?limit={PAGE_LIMIT}" + ("" if cursor is None else f"&cursor={cursor}")


def naive_deep_path(seeded: Seeded) -> str:
    """The naive app has no cursors: its way to the same depth is an offset."""
    return f"/books?limit={PAGE_LIMIT}&offset={seeded.middle_position + 1}"


def write_scripts(directory: Path, seeded: Seeded) -> list[Scenario]:
    id_list = ",".join(f'"{book_id}"' for book_id in seeded.sample_ids)
    created_at, middle_id = seeded.middle
    deep = list_path(encode_cursor(SORT, created_at, middle_id))
    naive_deep = naive_deep_path(seeded)
    scenarios = [
        Scenario("get_one", "GET one", LUA_GET_ONE % id_list),
        Scenario("get_list", "GET page 1", LUA_GET_PATH % list_path()),
        Scenario(
            "get_deep",
            "GET deep page",
            LUA_GET_PATH % deep,
            naive_lua=LUA_GET_PATH % naive_deep,
            naive_note=(
                f"naive has no cursors: its deep page is GET {naive_deep} (OFFSET with no "
                "ORDER BY, the seeds' pattern), not the same query"
            ),
        ),
        Scenario("post", "POST create", LUA_POST),
    ]
    for scenario in scenarios:
        (directory / f"{scenario.key}.lua").write_text(LUA_AUTH + scenario.lua + LUA_DONE)
        if scenario.naive_lua is not None:
            naive = LUA_AUTH + scenario.naive_lua + LUA_DONE
            scenario.script(directory, "naive").write_text(naive)
    return scenarios


# --- checks and report ------------------------------------------------------------------


def _answers(target: Target, seeded: Seeded, deep: str) -> dict[str, Any]:
    """The running app's bodies for each call; the run stops at an unexpected status."""
    base = f"http://127.0.0.1:{target.port}"
    book_id = seeded.sample_ids[0]
    new = {"title": f"check-{target.key}", "author": "Check", "pages": 1}
    deep_path = naive_deep_path(seeded) if target.key == "naive" else deep
    auth = target.headers
    answers = {
        "get_one": http("GET", f"{base}/books/{book_id}", headers=auth),
        "get_list": http("GET", f"{base}{list_path()}", headers=auth),
        "get_deep": (
            http("GET", f"{base}{deep_path}", timeout=30, headers=auth)
            if target.deep
            else (200, None)
        ),
        "post": http("POST", f"{base}/books", new, headers=auth),
        "missing": http("GET", f"{base}/books/{uuid4()}", headers=auth),
    }
    expected = {"get_one": 200, "get_list": 200, "get_deep": 200, "post": 201, "missing": 404}
    for call, (status, body) in answers.items():
        if status != expected[call]:
            sys.exit(f"{target.title}: {call} answered {status}, not {expected[call]}:\n{body}")
    return {call: body for call, (_, body) in answers.items()}


def check_same_answers(targets: Sequence[Target], seeded: Seeded, logs: Path, *, pin: bool) -> None:
    """Every target answers the calls (the bare app: all but the deep page); raw and bare
    answer GET one and page 1 with the generated service's JSON, raw the deep page too
    (which checks the cursor the bench built); every POST answers with the same fields."""
    created_at, middle_id = seeded.middle
    deep = list_path(encode_cursor(SORT, created_at, middle_id))
    bodies: dict[str, dict[str, Any]] = {}
    for target in targets:
        with running(target, logs, pin=pin):
            bodies[target.key] = _answers(target, seeded, deep)
    generated = bodies["generated"]
    for reference in ("raw", "bare"):
        calls = (
            ("get_one", "get_list", "get_deep") if reference == "raw" else ("get_one", "get_list")
        )
        for call in calls:
            if reference in bodies and generated[call] != bodies[reference][call]:
                sys.exit(
                    f"{call}: {reference} and generated bodies differ:\n"
                    f"{generated[call]}\n{bodies[reference][call]}"
                )
    items = generated["get_deep"]["items"]
    first = datetime.fromisoformat(items[0][SORT]) if items else None
    if len(items) != PAGE_LIMIT or first is None or first < created_at:
        sys.exit(f"the deep page does not start after the middle row {seeded.middle}: {items[:1]}")
    post_keys = {key: sorted(body["post"]) for key, body in bodies.items()}
    if len({tuple(keys) for keys in post_keys.values()}) != 1:
        sys.exit(f"POST bodies have different fields: {post_keys}")


# The arms of the generated service measured against the bare and raw apps, and the least
# share of the bare app's throughput each should reach (None: no goal).
ARMS: Final = (
    ("open", "auth=none, metrics on", 0.30),
    ("generated", "auth=oidc RS256, metrics on", 0.25),
    ("es256", "auth=oidc ES256, metrics on", 0.25),
    ("no-metrics", "auth=none, metrics off", None),
    ("traced", "auth=none, metrics on, traced", None),
)
METRICS_TARGET: Final = 0.05  # metrics may cost at most 5% of the throughput
CHURN_TARGET: Final = 0.5  # "about 0" new PostgreSQL connections per second


def fmt_ms(microseconds: float) -> str:
    return f"{microseconds / 1000:.1f} ms"


def _share(result: Result, reference: Result | None) -> str:
    return f"{result.rps / reference.rps:.0%}" if reference and reference.rps else "-"


def _cost(on: Result, off: Result) -> str:
    """Throughput lost with a feature on, and the time it adds per request (closed loop)."""
    lost = 1 - on.rps / off.rps
    added_us = (1 / on.rps - 1 / off.rps) * 1e6
    return (
        f"{off.rps:>7,.0f} -> {on.rps:>7,.0f} req/s: {lost:>6.1%} throughput, {added_us:+5.0f} us"
    )


def report(
    scenarios: Sequence[Scenario],
    targets: Sequence[Target],
    results: dict[tuple[str, str], Result],
    seeded: Seeded,
    sink: TraceSink | None = None,
) -> None:
    width = max(len(scenario.title) for scenario in scenarios)
    header = (
        f"{'scenario':<{width}} {'app':<10} {'req/s':>9} {'p50':>9} {'p99':>9} "
        f"{'server CPU':>10} {'new conn/s':>10} {'errors':>7} {'vs bare':>7} {'vs raw':>7}"
    )
    notes: list[str] = []
    print()
    print(header)
    print("-" * len(header))
    for scenario in scenarios:
        raw = results.get((scenario.key, "raw"))
        bare = results.get((scenario.key, "bare"))
        for target in targets:
            if (result := results.get((scenario.key, target.key))) is None:
                continue
            cpu = "-" if result.server_cpu is None else f"{result.server_cpu:.0%}"
            churn = "-" if result.new_connections is None else f"{result.new_connections:.1f}"
            app = target.key
            if target.key == "naive" and scenario.naive_note is not None:
                notes.append(scenario.naive_note)
                app += "*" * len(notes)
            print(
                f"{scenario.title:<{width}} {app:<10} {result.rps:>9,.0f} "
                f"{fmt_ms(result.p50_us):>9} {fmt_ms(result.p99_us):>9} {cpu:>10} "
                f"{churn:>10} {result.failed:>7} {_share(result, bare):>7} "
                f"{_share(result, raw):>7}"
            )
    for number, note in enumerate(notes, 1):
        print(f"{'*' * number} {note}")

    print()
    print(
        "The generated service against bare (ASGI + asyncpg + orjson, nothing checked) and raw "
        "(the same HTTP contract by hand):"
    )
    for scenario in scenarios:
        bare = results.get((scenario.key, "bare"))
        raw = results.get((scenario.key, "raw"))
        if bare is None or raw is None:
            continue
        print(f"  {scenario.title}: bare {bare.rps:,.0f} req/s, raw {raw.rps:,.0f} req/s")
        for key, name, goal in ARMS:
            if (result := results.get((scenario.key, key))) is None:
                continue
            line = (
                f"    {name:<30} {result.rps:>7,.0f} req/s = x{result.rps / bare.rps:.2f} bare, "
                f"x{result.rps / raw.rps:.2f} raw"
            )
            if goal is not None:
                verdict = "met" if result.rps / bare.rps >= goal else "MISSED"
                line += f"   (goal >= x{goal:.2f} bare: {verdict})"
            print(line)

    if sink is not None:  # the metrics-off and traced arms ran
        print()
        print(
            f"Cost of metrics: auth=none, METRICS_ENABLED=false -> true "
            f"(goal: at most {METRICS_TARGET:.0%} of the throughput):"
        )
        for scenario in scenarios:
            off = results.get((scenario.key, "no-metrics"))
            on = results.get((scenario.key, "open"))
            if off is None or on is None:
                continue
            verdict = "met" if 1 - on.rps / off.rps <= METRICS_TARGET else "MISSED"
            print(f"  {scenario.title + ':':<{width + 1}} {_cost(on, off)} ({verdict})")
        print()
        print(
            "Cost of tracing: auth=none with metrics, OTEL_EXPORTER_OTLP_ENDPOINT unset -> set "
            "(the default sampler: every request):"
        )
        for scenario in scenarios:
            on = results.get((scenario.key, "traced"))
            off = results.get((scenario.key, "open"))
            if off is None or on is None:
                continue
            print(f"  {scenario.title + ':':<{width + 1}} {_cost(on, off)}")
        print(f"  the bench's OTLP sink received {sink.exports:,} exports, {sink.bytes:,} bytes")

    print()
    print(
        "New PostgreSQL connections per second over the measured runs (pg_stat_database."
        f"sessions; goal for the generated service: about 0, at most {CHURN_TARGET}/s):"
    )
    arms = {key for key, _, _ in ARMS}
    for scenario in scenarios:
        rates = {
            target.key: result.new_connections
            for target in targets
            if (result := results.get((scenario.key, target.key))) is not None
            and result.new_connections is not None
        }
        generated = [rate for key, rate in rates.items() if key in arms]
        verdict = "met" if generated and max(generated) <= CHURN_TARGET else "MISSED"
        listed = ", ".join(f"{key} {rate:.1f}" for key, rate in rates.items())
        print(f"  {scenario.title + ':':<{width + 1}} {listed} ({verdict})")

    if ("get_one", "open") in results and ("get_one", "generated") in results:
        print()
        print("Cost of authentication per request: auth=oidc (RS256, ES256) against auth=none:")
        for scenario in scenarios:
            open_result = results[(scenario.key, "open")]
            costs = []
            for key, name in (("generated", "RS256"), ("es256", "ES256")):
                if (oidc := results.get((scenario.key, key))) is None:
                    continue
                cost_us = (1 / oidc.rps - 1 / open_result.rps) * 1e6  # closed loop
                costs.append(
                    f"{name} {oidc.rps:>7,.0f} req/s = {oidc.rps / open_result.rps:>4.0%}, "
                    f"{cost_us:+5.0f} us"
                )
            print(
                f"  {scenario.title + ':':<{width + 1}} none {open_result.rps:>7,.0f} req/s; "
                + "; ".join(costs)
            )
    if any(scenario.key == "get_deep" for scenario in scenarios):
        print()
        print(
            f"Deep page (after row {seeded.middle_position + 1:,} of {seeded.rows:,} in {SORT} "
            f"order) against page 1, same app:"
        )
        for target in targets:
            page1 = results.get(("get_list", target.key))
            deep = results.get(("get_deep", target.key))
            if page1 is None or deep is None or not deep.rps:
                continue
            cost = page1.rps / deep.rps - 1  # time per request, closed loop
            line = (
                f"  {target.key + ('*' if target.key == 'naive' else '') + ':':<11} "
                f"req/s {deep.rps / page1.rps:>5.0%} of page 1, "
                f"p50 x{deep.p50_us / page1.p50_us:.2f}, "
                f"p99 x{deep.p99_us / page1.p99_us:.2f}: {cost:+.0%} per request"
            )
            if target.key == "generated":
                verdict = "met" if cost <= DEEP_TARGET else "MISSED"
                line += f" (target: within {DEEP_TARGET:.0%}: {verdict})"
            print(line)
        print(f"  PostgreSQL's plan for the deep page: {seeded.deep_plan}")
    if any(result.failed for result in results.values()):
        print("\nWARNING: some runs had errors (non-2xx answers or socket errors), see the table.")


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def say(message: str, stream: TextIO = sys.stdout) -> None:
    print(message, file=stream, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        say(f"wrk is not installed; install it with:\n    {INSTALL_WRK}", sys.stderr)
        return 2
    if importlib.util.find_spec("orjson") is None:
        say(
            "orjson is not importable from this venv, and bench/bare_app.py needs it: add it "
            "to the template's dev dependencies (pyproject.toml, then `uv lock`), or for one "
            "run: uv pip install --python .venv/bin/python orjson",
            sys.stderr,
        )
        return 2
    cpus = len(os.sched_getaffinity(0))
    pin = not args.no_pin and cpus >= 2 and shutil.which("taskset") is not None
    dsn = service_dsn(args.admin_url, args.db_name)
    targets: list[Target] = []
    with sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        database_created = False
        provider: IdentityProvider | None = None
        sink: TraceSink | None = None
        try:
            say("Baking the default project, and one with auth=none ...")
            project, answers = bake(work / "oidc")
            open_project, _ = bake(work / "open", auth="none")
            provider = IdentityProvider()
            provider.start()
            package = answers["package_name"]
            if answers.get("entity_plural", "").lower() != "books" or answers["database"] != (
                "postgresql"
            ):
                say(f"bench expects the default Book/postgresql project, got {answers}")
                return 2
            say(f"Recreating database {args.db_name} and migrating ...")
            recreate_database(args.admin_url, args.db_name)
            database_created = True
            async_url = "postgresql+asyncpg://" + dsn.split("://", 1)[1]
            base_env = {
                **{
                    name: value
                    for name, value in os.environ.items()
                    if not name.startswith("OTEL_")
                },
                "DATABASE_URL": async_url,
                "LOG_LEVEL": "WARNING",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
            project_env = {**base_env, "PYTHONPATH": str(project / "src")}
            migrate = [sys.executable, "-m", "alembic", "upgrade", "head"]
            run_checked(migrate, env=project_env, cwd=project, what="alembic upgrade head")
            say(f"Seeding {args.rows:,} rows ...")
            seeded = seed(dsn, args.rows)
            say(f"Seeded {seeded.rows:,} rows in {seeded.seconds:.0f} s (indexes and ANALYZE).")
            scenarios = write_scripts(work, seeded)
            if args.no_deep:
                scenarios = [scenario for scenario in scenarios if scenario.key != "get_deep"]

            bench_app = ["--app-dir", str(BENCH)]
            if not args.no_naive:
                naive = ["naive_app:app", *bench_app]
                targets.append(
                    Target("naive", "naive (bench/naive_app.py)", naive, base_env, BENCH)
                )
            generated = [f"{package}.main:create_app", "--factory"]
            settings = dict(item.split("=", 1) for item in args.env)
            service_env = {"METRICS_ENABLED": "true", **settings}
            oidc_env = {**project_env, **provider.settings(), **service_env}
            for key, kid in (("generated", "rsa"), ("es256", "ec")):
                if key == "es256" and args.no_es256:
                    continue
                title = f"{package}, auth=oidc, {provider.algorithm(kid)} tokens"
                target = Target(key, title, generated, oidc_env, project)
                target.token = provider.token(kid)
                targets.append(target)
            open_env = {**base_env, "PYTHONPATH": str(open_project / "src"), **service_env}
            targets.append(
                Target("open", f"{package}, auth=none", generated, open_env, open_project)
            )
            if not args.no_variants:
                sink = TraceSink()
                sink.start()
                title = f"{package}, auth=none, METRICS_ENABLED=false"
                no_metrics_env = {**open_env, "METRICS_ENABLED": "false"}
                targets.append(Target("no-metrics", title, generated, no_metrics_env, open_project))
                title = f"{package}, auth=none, traces to the bench's OTLP sink"
                traced_env = {**open_env, "OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint}
                targets.append(Target("traced", title, generated, traced_env, open_project))
            raw = ["raw_app:app", *bench_app]
            targets.append(Target("raw", "raw (bench/raw_app.py)", raw, base_env, BENCH))
            bare = ["bare_app:app", *bench_app]
            targets.append(
                Target("bare", "bare (bench/bare_app.py)", bare, base_env, BENCH, deep=False)
            )
            check_same_answers(targets, seeded, work, pin=pin)
            reset_posted_rows(dsn, seeded.cutoff)

            say(
                f"\n{wrk_version()}; {cpus} CPUs; PostgreSQL {server_version(dsn)}; "
                f"Python {platform.python_version()}"
            )
            placement = (
                f"server pinned to CPU {SERVER_CPU}, wrk to CPU {LOADGEN_CPU}, PostgreSQL unpinned"
                if pin
                else "no CPU pinning"
            )
            say(
                f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s after a "
                f"{args.warmup}s warm-up, per app and scenario; {placement}; "
                f"{seeded.rows:,} seeded rows"
                + (f"; service settings {' '.join(args.env)}" if args.env else "")
            )
            runs: dict[tuple[str, str], list[Result]] = {}
            for scenario in scenarios:
                for round_number in range(1, args.repeat + 1):
                    for target in targets:
                        if not target.runs(scenario):
                            continue
                        script = scenario.script(work, target.key)
                        run_id = uuid4().hex[:8]
                        round_note = f" (round {round_number})" if args.repeat > 1 else ""
                        say(f"  {scenario.title:<13} {target.key:<10} ...{round_note}")
                        with running(target, work, pin=pin):
                            if args.warmup:
                                warm_args = [f"{POST_PREFIX}-warm-{run_id}", target.token]
                                run_wrk(args, script, target, args.warmup, warm_args, pin=pin)
                            lua_args = [f"{POST_PREFIX}-{run_id}", target.token]
                            result = run_wrk(args, script, target, args.duration, lua_args, pin=pin)
                        runs.setdefault((scenario.key, target.key), []).append(result)
                        if wait_database_idle(dsn) is None:
                            busy = f"the database was still busy {IDLE_TIMEOUT:.0f} s after the run"
                            say(f"    {busy}")
                        if scenario.key == "post":
                            reset_posted_rows(dsn, seeded.cutoff)
            results = {key: median_run(measured) for key, measured in runs.items()}
            report(scenarios, targets, results, seeded, sink)
            return 0
        except KeyboardInterrupt:
            say("\nInterrupted; cleaning up.", sys.stderr)
            return 130
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C: finish cleaning up
            for target in targets:
                stop(target)
            if provider is not None:
                provider.stop()
            if sink is not None:
                sink.stop()
            if database_created:
                with suppress(Exception):
                    drop_database(args.admin_url, args.db_name)


if __name__ == "__main__":
    sys.exit(main())
