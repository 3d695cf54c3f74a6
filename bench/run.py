"""Benchmark the generated service against a raw asyncpg reference, in one run.

    .venv/bin/python bench/run.py            # from the template repo root

Bakes the default project with the cookiecutter API into a temporary directory, creates
a fresh `bench_service` database (drop + create), migrates it with the project's Alembic
migrations and seeds it; starts the generated service, `bench/raw_app.py` (bare ASGI on an
asyncpg pool) and `bench/naive_app.py` (the seeds' ORM pattern), each under uvicorn with
one worker on its own loopback port; loads each with wrk (GET one by id, GET list, POST
create) and prints requests/s, p50/p99 latency and the ratio to the raw reference. Every
process it started is stopped and the database dropped at the end, Ctrl-C included.
See bench/README.md.
"""
# ruff: noqa: T201 -- a command-line report: print is its output

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, Final, TextIO
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import asyncpg
from cookiecutter.main import cookiecutter

REPO: Final = Path(__file__).resolve().parents[1]
BENCH: Final = REPO / "bench"
DB_NAME: Final = "bench_service"
DEFAULT_ADMIN_URL: Final = "postgresql://postgres@127.0.0.1:5432/postgres"
INSTALL_WRK: Final = "apt-get install -y wrk  # as root, or with sudo (Debian/Ubuntu)"
SERVER_CPU: Final = "1"  # with --pin: the server on CPU 1, wrk on CPU 0, PostgreSQL floats
LOADGEN_CPU: Final = "0"
POST_PREFIX: Final = "bench-post"

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
LUA_GET_ONE: Final = """
local ids = {%s}
local n = 0
request = function()
  n = n %% #ids + 1
  return wrk.format("GET", "/books/" .. ids[n])
end
"""
LUA_GET_LIST: Final = """
request = function()
  return wrk.format("GET", "/books?limit=20")
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
local prefix = "bench"
local counter = 0
function init(args)
  prefix = args[1] or prefix
end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"title":"%s-%d-%d","author":"Bench Author","pages":321,"published_on":"2020-02-02"}',
    prefix, tid or 0, counter)
  return wrk.format("POST", "/books", {["Content-Type"] = "application/json"}, body)
end
"""


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    lua: str


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


@dataclass
class Result:
    requests: int
    duration_us: int
    p50_us: float
    p99_us: float
    errors: dict[str, int] = field(default_factory=dict)
    server_cpu: float | None = None  # share of one core used by the server process

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
    parser.add_argument("--rows", type=int, default=1000, help="rows seeded (1000)")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_URL", DEFAULT_ADMIN_URL),
        help=f"a PostgreSQL URL with rights to create databases ({DEFAULT_ADMIN_URL})",
    )
    parser.add_argument("--no-naive", action="store_true", help="skip the seeds' ORM app")
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin server and wrk to separate CPUs"
    )
    args = parser.parse_args(argv)
    for name in ("duration", "connections", "threads", "rows"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must be 0 or more")
    return args


# --- database ---------------------------------------------------------------------------


def service_dsn(admin_url: str) -> str:
    """The admin URL pointed at the benchmark database."""
    parts = urlsplit(admin_url)
    return parts._replace(path=f"/{DB_NAME}").geturl()


async def _admin(admin_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(admin_url, timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def recreate_database(admin_url: str) -> None:
    asyncio.run(
        _admin(
            admin_url,
            f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)',
            f'CREATE DATABASE "{DB_NAME}"',
        )
    )


def drop_database(admin_url: str) -> None:
    asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))


async def _seed(dsn: str, rows: int) -> list[UUID]:
    ids = [uuid4() for _ in range(rows)]
    first_day, now = date(2000, 1, 1), datetime.now(UTC)
    records = []
    for i, book_id in enumerate(ids):
        # Distinct created_at values, one second apart, for the list's ORDER BY.
        created_at = now - timedelta(seconds=rows - i)
        published_on = first_day + timedelta(days=i)
        title, author, pages = f"Seed book {i:06d}", f"Author {i % 97}", 100 + i % 900
        records.append((book_id, title, author, pages, published_on, created_at, created_at))
    columns = ["id", "title", "author", "pages", "published_on", "created_at", "updated_at"]
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        await connection.copy_records_to_table("book", records=records, columns=columns)
        await connection.execute("VACUUM ANALYZE book")
    finally:
        await connection.close()
    return ids


def seed(dsn: str, rows: int) -> list[UUID]:
    return asyncio.run(_seed(dsn, rows))


def reset_posted_rows(dsn: str) -> int:
    """Delete what the POST runs inserted, so every target writes into the same table."""

    async def run() -> int:
        connection = await asyncpg.connect(dsn, timeout=10)
        try:
            status = await connection.execute("DELETE FROM book WHERE title NOT LIKE 'Seed %'")
            await connection.execute("VACUUM ANALYZE book")
            return int(status.split()[-1])
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


def bake(output_dir: Path) -> tuple[Path, dict[str, Any]]:
    """Generate the default project; return its directory and its answers."""
    project = Path(cookiecutter(str(REPO), no_input=True, output_dir=str(output_dir)))
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
    method: str, url: str, body: dict[str, Any] | None = None, timeout: float = 5
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def start(target: Target, logs: Path) -> None:
    target.log = logs / f"{target.key}.log"
    with target.log.open("wb") as log:
        # A session of its own: Ctrl-C reaches this script only, which stops the server.
        target.process = subprocess.Popen(
            target.command,
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
            if http("GET", url, timeout=2)[0] == 200:
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
    cpu_before, clock_before = cpu_seconds(target.process.pid), time.monotonic()
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    cpu = (cpu_seconds(target.process.pid) - cpu_before) / (time.monotonic() - clock_before)
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
    )


def write_scripts(directory: Path, ids: Sequence[UUID]) -> list[Scenario]:
    id_list = ",".join(f'"{book_id}"' for book_id in ids)
    scenarios = [
        Scenario("get_one", "GET one", LUA_GET_ONE % id_list),
        Scenario("get_list", "GET list", LUA_GET_LIST),
        Scenario("post", "POST create", LUA_POST),
    ]
    for scenario in scenarios:
        (directory / f"{scenario.key}.lua").write_text(scenario.lua + LUA_DONE)
    return scenarios


# --- checks and report ------------------------------------------------------------------


def check_same_answers(targets: Sequence[Target], book_id: UUID) -> None:
    """Every target answers the three calls; generated and raw answer with the same JSON."""
    bodies: dict[str, dict[str, Any]] = {}
    for target in targets:
        base = f"http://127.0.0.1:{target.port}"
        new = {"title": f"check-{target.key}", "author": "Check", "pages": 1}
        answers = {
            "get_one": http("GET", f"{base}/books/{book_id}"),
            "get_list": http("GET", f"{base}/books?limit=20"),
            "post": http("POST", f"{base}/books", new),
            "missing": http("GET", f"{base}/books/{uuid4()}"),
        }
        expected = {"get_one": 200, "get_list": 200, "post": 201, "missing": 404}
        for call, (status, body) in answers.items():
            if status != expected[call]:
                sys.exit(f"{target.title}: {call} answered {status}, not {expected[call]}:\n{body}")
        bodies[target.key] = {call: body for call, (_, body) in answers.items()}
    generated, raw = bodies["generated"], bodies["raw"]
    for call in ("get_one", "get_list"):
        if generated[call] != raw[call]:
            sys.exit(f"{call}: raw and generated bodies differ:\n{generated[call]}\n{raw[call]}")
    post_keys = {key: sorted(body["post"]) for key, body in bodies.items()}
    if len({tuple(keys) for keys in post_keys.values()}) != 1:
        sys.exit(f"POST bodies have different fields: {post_keys}")


def fmt_ms(microseconds: float) -> str:
    return f"{microseconds / 1000:.1f} ms"


def report(
    scenarios: Sequence[Scenario], targets: Sequence[Target], results: dict[tuple[str, str], Result]
) -> None:
    header = (
        f"{'scenario':<12} {'app':<10} {'req/s':>9} {'p50':>9} {'p99':>9} "
        f"{'server CPU':>10} {'errors':>7} {'vs raw':>7}"
    )
    print()
    print(header)
    print("-" * len(header))
    for scenario in scenarios:
        raw = results[(scenario.key, "raw")]
        for target in targets:
            result = results[(scenario.key, target.key)]
            cpu = "-" if result.server_cpu is None else f"{result.server_cpu:.0%}"
            print(
                f"{scenario.title:<12} {target.key:<10} {result.rps:>9,.0f} "
                f"{fmt_ms(result.p50_us):>9} {fmt_ms(result.p99_us):>9} {cpu:>10} "
                f"{result.failed:>7} {result.rps / raw.rps:>7.0%}"
            )
    print()
    print("Throughput of the generated service as a share of the raw asyncpg reference:")
    for scenario in scenarios:
        generated = results[(scenario.key, "generated")]
        raw = results[(scenario.key, "raw")]
        line = (
            f"  {scenario.title + ':':<13} {generated.rps:,.0f} req/s vs {raw.rps:,.0f} req/s"
            f" = {generated.rps / raw.rps:.0%}"
        )
        if (naive := results.get((scenario.key, "naive"))) is not None:
            line += f"   (naive seeds pattern: {naive.rps:,.0f} req/s = {naive.rps / raw.rps:.0%})"
        print(line)
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
    cpus = len(os.sched_getaffinity(0))
    pin = not args.no_pin and cpus >= 2 and shutil.which("taskset") is not None
    dsn = service_dsn(args.admin_url)
    targets: list[Target] = []
    with sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        database_created = False
        try:
            say("Baking the default project ...")
            project, answers = bake(work)
            package = answers["package_name"]
            if answers.get("entity_plural", "").lower() != "books" or answers["database"] != (
                "postgresql"
            ):
                say(f"bench expects the default Book/postgresql project, got {answers}")
                return 2
            say(f"Recreating database {DB_NAME} and migrating ...")
            recreate_database(args.admin_url)
            database_created = True
            async_url = "postgresql+asyncpg://" + dsn.split("://", 1)[1]
            base_env = {
                **os.environ,
                "DATABASE_URL": async_url,
                "LOG_LEVEL": "WARNING",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
            project_env = {**base_env, "PYTHONPATH": str(project / "src")}
            migrate = [sys.executable, "-m", "alembic", "upgrade", "head"]
            run_checked(migrate, env=project_env, cwd=project, what="alembic upgrade head")
            ids = seed(dsn, args.rows)
            say(f"Seeded {len(ids):,} rows.")
            scenarios = write_scripts(work, ids)

            bench_app = ["--app-dir", str(BENCH)]
            if not args.no_naive:
                naive = ["naive_app:app", *bench_app]
                targets.append(
                    Target("naive", "naive (bench/naive_app.py)", naive, base_env, BENCH)
                )
            generated = [f"{package}.main:create_app", "--factory"]
            targets.append(Target("generated", package, generated, project_env, project))
            raw = ["raw_app:app", *bench_app]
            targets.append(Target("raw", "raw (bench/raw_app.py)", raw, base_env, BENCH))
            for target in targets:
                target.port = free_port()
                app, *extra = target.command
                target.command = uvicorn_command(app, target.port, *extra, pin=pin)
                start(target, work)
            for target in targets:
                wait_ready(target)
            check_same_answers(targets, ids[0])
            reset_posted_rows(dsn)

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
                f"{args.rows:,} seeded rows"
            )
            results: dict[tuple[str, str], Result] = {}
            for scenario in scenarios:
                script = work / f"{scenario.key}.lua"
                for target in targets:
                    run_id = uuid4().hex[:8]
                    say(f"  {scenario.title:<12} {target.key:<10} ...")
                    if args.warmup:
                        warm_args = [f"{POST_PREFIX}-warm-{run_id}"]
                        run_wrk(args, script, target, args.warmup, warm_args, pin=pin)
                    lua_args = [f"{POST_PREFIX}-{run_id}"]
                    result = run_wrk(args, script, target, args.duration, lua_args, pin=pin)
                    results[(scenario.key, target.key)] = result
                    if scenario.key == "post":
                        reset_posted_rows(dsn)
            report(scenarios, targets, results)
            return 0
        except KeyboardInterrupt:
            say("\nInterrupted; cleaning up.", sys.stderr)
            return 130
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C: finish cleaning up
            for target in targets:
                stop(target)
            if database_created:
                with suppress(Exception):
                    drop_database(args.admin_url)


if __name__ == "__main__":
    sys.exit(main())
