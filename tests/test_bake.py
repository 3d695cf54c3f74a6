"""Fast tier: every case bakes into a clean, lint-clean, type-clean project."""

import compileall
import re
from pathlib import Path

import pytest

from crudgen.entities import split_declarations
from tests.conftest import BIN, CASES, run

JINJA_LEFTOVER = re.compile(r"\{\{|\{%|\{#")
# What running a baked project leaves beside the rendered files (the slow tier runs them).
RUN_ARTEFACTS = frozenset(
    {"__pycache__", ".hypothesis", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".venv"}
)


def rendered_files(project: Path) -> list[Path]:
    """The files the template rendered: every file but caches and local databases."""
    return [
        path
        for path in project.rglob("*")
        if path.is_file()
        and not RUN_ARTEFACTS.intersection(path.relative_to(project).parts)
        and not path.name.endswith((".db", ".db-wal", ".db-shm"))
    ]


def package_dir(project: Path) -> Path:
    """src/<package> of a baked project."""
    (package,) = [p for p in (project / "src").iterdir() if p.is_dir()]
    return package


@pytest.mark.parametrize("case", CASES)
def test_bake_has_the_expected_layout(baked: dict[str, Path], case: str) -> None:
    project = baked[case]
    package = package_dir(project)
    entity_packages = [p for p in package.iterdir() if (p / "router.py").exists()]
    expected = 1 + len(split_declarations(CASES[case].get("more_entities", "")))
    assert len(entity_packages) == expected
    for entity in entity_packages:
        for module in ("models", "schemas", "service", "dependencies", "router"):
            assert (entity / f"{module}.py").is_file()
        assert (project / "tests" / entity.name / "test_create.py").is_file()
        registry = (package / "registry.py").read_text(encoding="utf-8")
        assert f"router as {entity.name}" in registry
    for module in ("config", "database", "errors", "pagination", "logs", "health", "models"):
        assert (package / "core" / f"{module}.py").is_file()
    migrations = list((project / "migrations" / "versions").glob("*_create_*.py"))
    assert len(migrations) == expected
    for name in (".env", ".env.example", ".gitignore", "Makefile", "README.md", "alembic.ini"):
        assert (project / name).is_file(), name


@pytest.mark.parametrize("case", CASES)
def test_bake_leaves_no_template_syntax(baked: dict[str, Path], case: str) -> None:
    leftovers = [
        str(path)
        for path in rendered_files(baked[case])
        if JINJA_LEFTOVER.search(path.read_text(encoding="utf-8"))
    ]
    assert leftovers == []


@pytest.mark.parametrize("case", CASES)
def test_bake_compiles(baked: dict[str, Path], case: str) -> None:
    assert compileall.compile_dir(baked[case], quiet=1, force=True)


@pytest.mark.parametrize("case", CASES)
def test_bake_is_ruff_clean(baked: dict[str, Path], case: str) -> None:
    check = run([str(BIN / "ruff"), "check", "--no-cache", "."], cwd=baked[case])
    assert check.returncode == 0, check.stdout
    fmt = run(
        [str(BIN / "ruff"), "format", "--check", "--diff", "--no-cache", "."], cwd=baked[case]
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.parametrize("case", CASES)
def test_bake_is_mypy_strict_clean(baked: dict[str, Path], case: str) -> None:
    result = run([str(BIN / "mypy"), "--no-incremental"], cwd=baked[case])
    assert result.returncode == 0, result.stdout
