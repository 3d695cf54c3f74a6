"""README.md's set-up commands, run as a user would; parsed from the README, never copied.

- Command 1 runs verbatim (``bash -c``) in a fresh ``git clone`` of this repository (the
  committed files: what a user gets), in a shell whose ``python``/``pip`` are a new
  ``python3 -m venv`` holding neither uv nor cookiecutter, with the template's .venv off
  ``PATH`` and ``VIRTUAL_ENV`` unset: its ``pip install uv`` brings uv, ``uvx`` brings
  cookiecutter, ``make install migrate run`` serves the generated project on the address the
  README names. The test polls it, stops the whole process group and checks the port is free.
- The same cookiecutter step generates from three forms of the template path, each in such a
  cookiecutter-only shell: relative ``.`` (run in the clone), absolute, and ``git+file://``
  (cookiecutter treats ``git+<url>`` as a git repository and clones it); each project must
  compile.
- Command 2 (``make test``) is this very suite, so it is not run here: ``.ci/run`` must end
  with exactly that command, and ``make -n`` must know its target.

Network: ``test_readme_command_1_generates_and_serves`` and
``test_generation_from_template_path_forms`` need PyPI (``pip install uv``, ``uvx``,
``uv sync``); they are marked ``slow`` and ``network``. The other tests need neither.
Only the serving test uses the README's port (8000); a busy port fails it, naming the port.
"""

import contextlib
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
SETUP_HEADING = "## Set-up (two commands)"
SERVE_DEADLINE = 240.0  # command 1 up to a live server: pip, uvx and uv sync fetch from PyPI
STEP_TIMEOUT = 180.0  # any other single command (clone, venv, pip install, uvx cookiecutter)
STOP_DEADLINE = 15.0  # SIGTERM to a quiet group; then SIGKILL gets as long again
# What a user's fresh shell would not have: this venv, uv run's markers, the suite's settings.
DROPPED_ENV = frozenset(
    {
        "VIRTUAL_ENV",
        "VIRTUAL_ENV_PROMPT",
        "CONDA_PREFIX",
        "PYTHONPATH",
        "PYTHONHOME",
        "UV",
        "UV_PROJECT_ENVIRONMENT",
        "UV_RUN_RECURSION_DEPTH",
        "UV_PYTHON",
        "DATABASE_URL",
        "TEST_DATABASE_URL",
        "TEMPLATE_POSTGRES_URL",
        "MAKEFLAGS",
        "MAKELEVEL",
        "MFLAGS",
        "COOKIECUTTER_CONFIG",
    }
)
TOOLS = ("uv", "uvx", "cookiecutter")  # a PATH entry holding any of these is left out


# --- the README ---------------------------------------------------------------------------


def setup_block(readme: str) -> str:
    """The body of the first ```bash fence in the README's set-up section."""
    heading = re.search(rf"^{re.escape(SETUP_HEADING)}$", readme, flags=re.MULTILINE)
    assert heading, f"README.md has no {SETUP_HEADING!r} heading"
    section = re.split(r"^## ", readme[heading.end() :], maxsplit=1, flags=re.MULTILINE)[0]
    fence = re.search(r"^```bash\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)
    assert fence, f"no ```bash block under {SETUP_HEADING!r}"
    return fence.group(1)


def shell_commands(block: str) -> list[str]:
    """The commands of a shell block: continuations joined, comments and blank lines dropped."""
    lines = re.sub(r"\\\n\s*", " ", block).splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def served_url(block: str) -> str:
    """The address the set-up block says the service is served on (its comment)."""
    match = re.search(r"https?://[^\s/]+/\S*", block)
    assert match, "the set-up block names no URL for the served service"
    return match.group(0)


def steps(command: str) -> list[list[str]]:
    """The ``&&``-separated steps of a command, each as argv."""
    return [shlex.split(step) for step in command.split("&&")]


def cookiecutter_step(command: str) -> list[str]:
    """The one step of a command that runs cookiecutter, as argv."""
    found = [argv for argv in steps(command) if "cookiecutter" in argv]
    assert len(found) == 1, f"expected one cookiecutter step in {command!r}"
    return found[0]


def project_dir_name(command: str) -> str:
    """The directory that the command's ``cd`` enters: the generated project."""
    found = [argv[1] for argv in steps(command) if argv[:1] == ["cd"] and len(argv) == 2]
    assert len(found) == 1, f"expected one `cd <project>` step in {command!r}"
    return found[0]


@pytest.fixture(scope="module")
def block() -> str:
    """The README's set-up block."""
    return setup_block((REPO / "README.md").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def commands(block: str) -> list[str]:
    """The README's two set-up commands, in order."""
    found = shell_commands(block)
    assert len(found) == 2, f"{SETUP_HEADING!r} should hold two commands, found {found}"
    return found


# --- processes and environments -----------------------------------------------------------


def check_run(
    argv: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command with a bounded time; assert it succeeds, showing its output if not."""
    result = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"`{shlex.join(argv)}` in {cwd} exited {result.returncode}:\n"
        f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result


def holds_tools(directory: str) -> bool:
    """Whether a PATH entry offers uv, uvx or cookiecutter (so a fresh shell must not see it)."""
    return any((Path(directory) / tool).exists() for tool in TOOLS)


def bare_env(root: Path) -> dict[str, str]:
    """A shell as a user starts with: ``python``/``pip`` from a fresh venv, no uv, no
    cookiecutter, no template .venv; cookiecutter's clones and replays kept under ``root``.

    The uv cache stays the default one, shared, so a warm machine does not download again.
    """
    venv = root / "venv"
    base_python = Path(sys.base_prefix) / "bin" / "python3"
    check_run([str(base_python), "-m", "venv", str(venv)], cwd=root)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in DROPPED_ENV and not key.startswith("PYTEST_")
    }
    kept = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not holds_tools(d)]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *kept])
    config = root / "cookiecutter.yaml"
    config.write_text(
        f"cookiecutters_dir: {json.dumps(str(root / 'cookiecutters'))}\n"
        f"replay_dir: {json.dumps(str(root / 'replay'))}\n",
        encoding="utf-8",
    )
    env["COOKIECUTTER_CONFIG"] = str(config)
    assert shutil.which("python", path=env["PATH"]) == str(venv / "bin" / "python")
    for tool in TOOLS:
        assert shutil.which(tool, path=env["PATH"]) is None, f"{tool} is already on PATH"
    return env


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group, read from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def signal_group(pgid: int, signum: signal.Signals) -> None:
    """Send a signal to a process group that may already be gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def wait_until(predicate: Callable[[], bool], seconds: float, every: float = 0.2) -> bool:
    """Poll a predicate until it holds or the time is up; whether it held."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """End a process and its whole group: SIGTERM, then SIGKILL for whatever outlives it."""
    pgid = process.pid  # started with start_new_session: it leads its own group
    signal_group(pgid, signal.SIGTERM)
    if not wait_until(lambda: not group_members(pgid), STOP_DEADLINE):
        signal_group(pgid, signal.SIGKILL)
        wait_until(lambda: not group_members(pgid), STOP_DEADLINE)
    try:
        process.wait(timeout=STOP_DEADLINE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_DEADLINE)


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (SO_REUSEADDR, as uvicorn binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes] | None:
    """GET with a short timeout: status and body, or None while nothing answers."""
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=2) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (OSError, http.client.HTTPException):
        return None


def tail(path: Path, lines: int = 60) -> str:
    """The last lines of a log file, for failure messages."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of this repository: its committed files, as a user gets them."""
    target = tmp_path_factory.mktemp("readme") / "cookiecutter-fastapi-crud"
    check_run(["git", "clone", "--quiet", str(REPO), str(target)], cwd=target.parent)
    return target


@pytest.fixture(scope="module")
def uv_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh shell whose own pip installed uv, as command 1 does; uvx brings cookiecutter."""
    root = tmp_path_factory.mktemp("uv-env")
    env = bare_env(root)
    check_run(["pip", "install", "--quiet", "uv"], cwd=root, env=env)
    assert shutil.which("uvx", path=env["PATH"]) == str(root / "venv" / "bin" / "uvx")
    return env


# --- the tests ----------------------------------------------------------------------------


def test_readme_setup_block_parses(block: str, commands: list[str]) -> None:
    """Command 1 generates with cookiecutter from ``.``, enters the project and serves it."""
    first = commands[0]
    assert "." in cookiecutter_step(first), "command 1 should generate from the clone (`.`)"
    assert project_dir_name(first)
    assert steps(first)[-1][:1] == ["make"], "command 1 should end with a make step"
    assert "run" in steps(first)[-1], "command 1 should serve the project (`make ... run`)"
    assert urlsplit(served_url(block)).port, "the served URL should name its port"


def test_readme_command_2_is_what_ci_runs(commands: list[str]) -> None:
    """``.ci/run`` ends by running exactly command 2, and make knows that target."""
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    last = shell_commands(script)[-1]
    assert last == commands[1], f".ci/run ends with {last!r}, README says {commands[1]!r}"
    argv = shlex.split(commands[1])
    assert argv[0] == "make", f"command 2 should be a make target: {commands[1]!r}"
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in argv[1:]:
        assert re.search(rf"^{re.escape(target)}:", makefile, flags=re.MULTILINE), target
    dry_run = check_run(["make", "--dry-run", *argv[1:]], cwd=REPO)
    assert "pytest" in dry_run.stdout, dry_run.stdout


@pytest.mark.parametrize("form", ["relative", "absolute", "git"])
@pytest.mark.slow
@pytest.mark.network
@pytest.mark.xdist_group("readme")
def test_generation_from_template_path_forms(
    form: str, commands: list[str], clone: Path, uv_env: dict[str, str], tmp_path: Path
) -> None:
    """Command 1's cookiecutter step works from ``.``, an absolute path and ``git+file://``."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    template, cwd = {
        "relative": (".", clone),
        "absolute": (str(clone), elsewhere),
        "git": (f"git+file://{clone}", elsewhere),
    }[form]
    argv = cookiecutter_step(commands[0])
    argv[argv.index(".")] = template
    output = tmp_path / "out"
    check_run([*argv, "--output-dir", str(output)], cwd=cwd, env=uv_env)
    project = output / Path(project_dir_name(commands[0])).name  # --output-dir replaces -o
    assert (project / "pyproject.toml").is_file(), sorted(p.name for p in output.iterdir())
    assert "sqlite" in (project / ".env").read_text(encoding="utf-8")
    compiled = check_run(["python", "-m", "compileall", "-q", str(project)], cwd=cwd, env=uv_env)
    assert not compiled.stdout.strip(), compiled.stdout


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.xdist_group("readme")
def test_readme_command_1_generates_and_serves(
    block: str, commands: list[str], clone: Path, tmp_path: Path
) -> None:
    """Command 1, verbatim, from a fresh clone and a shell with nothing but a new venv."""
    url = urlsplit(served_url(block))
    host, port = url.hostname or "127.0.0.1", url.port or 80
    base = f"{url.scheme}://{url.netloc}"
    assert port_free(host, port), (
        f"{host}:{port} is in use, but the README's command 1 serves there (`make run`): "
        f"stop whatever listens on it (`ss -ltnp 'sport = :{port}'`) and run again"
    )
    env = bare_env(tmp_path)
    log = tmp_path / "command-1.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["bash", "-c", commands[0]],
            cwd=clone,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        live = wait_until(
            lambda: process.poll() is not None or http_get(f"{base}/health/live") is not None,
            SERVE_DEADLINE,
            every=0.5,
        )
        assert process.poll() is None, f"command 1 exited {process.returncode}:\n{tail(log)}"
        assert live, f"nothing answered {base}/health/live in {SERVE_DEADLINE:.0f} s:\n{tail(log)}"
        # The bake's next steps name the directory as the README's command enters it.
        assert f"  cd {project_dir_name(commands[0])}\n" in log.read_text(), tail(log)
        anonymous = http_get(base + "/books")
        assert anonymous is not None, "GET /books: no answer"
        assert anonymous[0] == 401, f"GET /books without a token: {anonymous}"
        # The README's next step: a development token from the generated project.
        project = (clone / project_dir_name(commands[0])).resolve()
        assert project.parent != clone, "command 1 generated inside the template's checkout"
        minted = check_run(["make", "-s", "token"], cwd=project, env=env)
        token = minted.stdout.strip().splitlines()[-1]
        for path in ("/health/live", "/books"):
            answer = http_get(base + path, {"Authorization": f"Bearer {token}"})
            assert answer is not None, f"GET {path}: no answer\n{tail(log)}"
            assert answer[0] == 200, f"GET {path}: {answer}\n{tail(log)}"
            assert isinstance(json.loads(answer[1]), dict), f"GET {path}: {answer}"
        docs = http_get(url.geturl())
        assert docs is not None, f"GET {url.geturl()}: no answer"
        assert docs[0] == 200, f"GET {url.geturl()}: {docs}"
    finally:
        stop_group(process)
    assert not group_members(process.pid), "processes of command 1 outlived SIGKILL"
    untracked = check_run(["git", "status", "--porcelain"], cwd=clone).stdout
    assert not untracked, f"command 1 left files in the template's checkout:\n{untracked}"
    assert wait_until(lambda: port_free(host, port), STOP_DEADLINE), f"{port} still taken"
