"""Migrations: one head, upgrade, check (models in sync), downgrade, on a scratch database."""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from {{ cookiecutter.package_name }}.core.{{ cookiecutter.database }} import (
    create_database,
    drop_database,
    twin_url,
)

from .conftest import alembic_config


@pytest.fixture
def scratch_url(database_url: str) -> Iterator[str]:
    """An empty database beside the test database, dropped afterwards."""
    scratch = twin_url(database_url, "_migrations")
    asyncio.run(drop_database(scratch))
    asyncio.run(create_database(scratch))
    yield scratch
    asyncio.run(drop_database(scratch))


def test_migrations_have_a_single_head(database_url: str) -> None:
    heads = ScriptDirectory.from_config(alembic_config(database_url)).get_heads()
    assert len(heads) == 1


def test_migrations_round_trip_and_match_models(scratch_url: str) -> None:
    config = alembic_config(scratch_url)
    command.upgrade(config, "head")
    command.check(config)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    command.check(config)


def test_the_command_line_shows_each_revision_it_applies(scratch_url: str) -> None:
    """`make migrate` runs `alembic upgrade head`: alembic.ini's logging shows its work."""
    root = Path(__file__).parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=root,
        env={**os.environ, "DATABASE_URL": scratch_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    heads = ScriptDirectory.from_config(alembic_config(scratch_url)).get_heads()
    assert "Running upgrade " in result.stderr, result.stderr
    assert f"-> {heads[0]}, " in result.stderr, result.stderr  # down to the newest revision
