"""Slow tier: everyday entity names that were once refused bake clean and pass their suite.

Each name is an entity of one service per database, with references between some of them
(nested lists such as /sessions/{session_id}/statuses) and the field types whose imports
a model class of the same name would hide (Any: json, Decimal: decimal, Base: the
declarative base), so every alias and qualified import the templates write is exercised.
"""

from pathlib import Path

import pytest

from tests.conftest import BIN, POSTGRES, bake, run, sql

pytestmark = pytest.mark.slow

FORMERLY_REFUSED = (
    "Session", "Setting", "Status", "Type", "Request", "Response", "Query", "Path", "Body",
    "Config", "Model", "Field", "Schema", "Health", "Date", "Range", "Filter", "List", "Dict",
    "Any", "Annotated", "Database", "Router", "App", "Test", "Error", "Problem", "Base",
)  # fmt: skip
FIELDS = {
    "Session": "name:str(20):unique, started_at:datetime?",
    "Status": "name:str(20), session:ref(Session)?:set_null",
    "Type": "name:str(20):unique, kind:enum(a|b)=a",
    "Date": "on:date, note:text?",
    "Any": "payload:json?, name:str(20)",
    "Base": "name:str(20), state:enum(draft|done)=draft, price:decimal(10,2)?",
    "Model": "name:str(20), base:ref(Base)?",
    "Filter": "name:str(20):index, value:int?",
    "Decimal": "amount:decimal(10,2)=0, model:ref(Model)?:cascade",
}
NAMES = (*FORMERLY_REFUSED, "Decimal")
SERVICE = "everyday"
FAST_TIER = ("-m", "not slow and not faults", "--ignore=tests/test_fuzz.py")  # make test-fast


def answers(database: str) -> dict[str, str]:
    """One service declaring every name, parents before the entities that reference them."""
    fields = [FIELDS.get(name, "name:str(20), note:text?") for name in NAMES]
    return {
        "project_name": "Everyday Names",
        "database": database,
        "entity_name": NAMES[0],
        "fields": fields[0],
        "more_entities": "; ".join(
            f"{name}: {spec}" for name, spec in zip(NAMES[1:], fields[1:], strict=True)
        ),
    }


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_formerly_refused_names_bake_clean_and_green(tmp_path: Path, database: str) -> None:
    """ruff, ruff format, mypy (the project's config) and the project's own fast tier pass."""
    project = bake(tmp_path, answers(database))
    env = {"DATABASE_URL": f"{POSTGRES}/{SERVICE}"} if database == "postgresql" else {}
    commands = (
        [str(BIN / "ruff"), "check", "."],
        [str(BIN / "ruff"), "format", "--check", "."],
        [str(BIN / "mypy")],
        # The project's fast tier (its `make test-fast`): every entity's HTTP contract,
        # references, settings and migrations. The slow and fault tiers (fuzzing,
        # concurrency, proxies) run on the named cases; 29 entities here would take minutes.
        [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", *FAST_TIER],
    )
    try:
        for command in commands:
            result = run(command, cwd=project, env=env)
            output = f"{result.stdout[-4000:]}{result.stderr[-2000:]}"
            assert result.returncode == 0, f"{command[-1]} on {database}:\n{output}"
    finally:
        if database == "postgresql":
            sql(f"{POSTGRES}/postgres", f'DROP DATABASE IF EXISTS "{SERVICE}_test" WITH (FORCE)')
