"""Slow tier: each baked project's migrations and own test suite, on real PostgreSQL."""

import asyncio
import json
import re
import shutil
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import BIN, CASES, POSTGRES, run

pytestmark = pytest.mark.slow


async def _admin(*statements: str) -> None:
    url = POSTGRES.replace("postgresql+asyncpg://", "postgresql://") + "/postgres"
    connection = await asyncpg.connect(url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def fresh_database(name: str) -> str:
    """Create an empty database and return its asyncpg URL."""
    asyncio.run(
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    )
    return f"{POSTGRES}/{name}"


def drop_database(name: str) -> None:
    """Drop a database made by fresh_database."""
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.parametrize("case", CASES)
def test_generated_migrations_upgrade_check_downgrade(baked: dict[str, Path], case: str) -> None:
    name = f"template_{case}_cli"
    env = {"DATABASE_URL": fresh_database(name)}
    try:
        for step in (["upgrade", "head"], ["check"], ["downgrade", "base"], ["upgrade", "head"]):
            result = run([str(BIN / "alembic"), *step], cwd=baked[case], env=env)
            assert result.returncode == 0, f"alembic {' '.join(step)}:\n{result.stderr}"
        heads = run([str(BIN / "alembic"), "heads"], cwd=baked[case], env=env)
        assert heads.stdout.count("(head)") == 1
    finally:
        drop_database(name)


@pytest.mark.parametrize("case", CASES)
def test_generated_test_suite_passes(baked: dict[str, Path], case: str) -> None:
    env = {"DATABASE_URL": f"{POSTGRES}/template_{case}"}
    result = run(
        [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=baked[case],
        env=env,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    assert " passed" in result.stdout
    assert "failed" not in result.stdout
    drop_database(f"template_{case}_test")


def test_generated_fault_tier_passes(baked: dict[str, Path]) -> None:
    """The default project's slower tier: killed connections, exhausted pool, outage, and a
    private PostgreSQL cluster stopped, refusing and read-only under load. The template's CI
    has initdb and pg_ctl, so the cluster test must run there, not skip; its figures (status
    counts, recovery times) are printed: `pytest -n0 -s -k fault_tier tests/test_generated.py`."""
    env = {"DATABASE_URL": f"{POSTGRES}/template_faults"}
    command = [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "faults"]
    result = run([*command, "-rA"], cwd=baked["book"], env=env)  # -rA: passes' output too
    assert result.returncode == 0, result.stdout[-5000:]
    assert re.search(r"\b8 passed", result.stdout), result.stdout[-2000:]
    assert "skipped" not in result.stdout, result.stdout[-2000:]
    assert "PASSED tests/test_cluster_faults.py::" in result.stdout, result.stdout[-2000:]
    found = re.search(r"^cluster faults: (\{.*\})$", result.stdout, re.MULTILINE)
    assert found, result.stdout[-2000:]
    figures = json.loads(found[1])
    print(f"cluster faults: {json.dumps(figures, indent=2)}")  # noqa: T201
    assert figures["lost_writes"] == 0
    assert figures["statuses"].keys() <= {"200", "201", "503"}
    drop_database("template_faults_test")


def test_newest_releases_pass_the_generated_suite(baked: dict[str, Path], tmp_path: Path) -> None:
    """As a user would, and against drift: `uv sync` from the generated pyproject alone,
    resolving the newest release of every dependency (no lock), then its own checks."""
    uv = shutil.which("uv", path=str(BIN)) or shutil.which("uv")
    assert uv, "uv is a dev dependency of the template; run `uv sync` first"
    project = shutil.copytree(baked["book"], tmp_path / "book-service")
    env = {"DATABASE_URL": f"{POSTGRES}/template_fresh_venv", "VIRTUAL_ENV": ""}
    sync = run(
        [uv, "sync", "--python", "3.11", "--upgrade", "--resolution", "highest"], project, env
    )
    assert sync.returncode == 0, sync.stderr[-3000:]
    versions = run([uv, "pip", "list", "--format", "freeze"], cwd=project, env=env).stdout
    for command in (["ruff", "check", "."], ["mypy"], ["pytest", "-q", "-p", "no:cacheprovider"]):
        result = run([uv, "run", "--no-sync", *command], cwd=project, env=env)
        output = f"{result.stdout[-3000:]}{result.stderr[-2000:]}"
        assert result.returncode == 0, f"{command} with the newest releases:\n{versions}\n{output}"
    drop_database("template_fresh_venv_test")
