"""Day 2: change an entity's fields in a living project with `python -m crudgen.change_fields`
(what the generated `make field` runs): validated like a bake plus what rows need, nothing
written when it refuses; an append-only migration that keeps every row and leaves the
database as a bake with the new spec creates it; the team's edits merged three-way."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from crudgen.change_fields import Request, edited_fields, nullable, with_fields
from crudgen.entities import Entity, declared_entities
from tests.conftest import (
    BIN,
    POSTGRES,
    TEMPLATE,
    assert_refused_unchanged,
    bake,
    crudgen_command,
    run,
    sql,
    tree,
)

BOOK = "title:str(200):unique, author:str(120):index, pages:int?, published_on:date?"
ANSWERS = {"database": "postgresql", "soft_delete": False, "id_type": "uuid"}
ISBN = "isbn:str(13)?:unique"
TEAM_DOC = '"""Ours: the book rules live in custom.py. '
TEAM_HELPER = (
    '\n\ndef shelf_label(title: str) -> str:\n    """Our own helper."""\n    return title[:3]\n'
)


def change(project: Path, *args: str, template: Path = TEMPLATE) -> tuple[int, str]:
    """Run the command in project as `make field` does; (exit code, stdout + stderr)."""
    return crudgen_command(project, "change_fields", *args, template=template)


def recorded(project: Path) -> dict[str, object]:
    return dict(json.loads((project / ".cookiecutter.json").read_text())["cookiecutter"])


def team_edits(project: Path) -> Path:
    """The team's own edits to books/service.py: its docstring and a helper at the end."""
    service = project / "src" / "book_service" / "books" / "service.py"
    text = service.read_text(encoding="utf-8").replace('"""', TEAM_DOC, 1) + TEAM_HELPER
    service.write_text(text, encoding="utf-8")
    return service


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A freshly baked default project (Book)."""
    return bake(tmp_path, {})


# --- the pieces ------------------------------------------------------------------------


def fields_after(request: Request, fields: str = BOOK) -> tuple[str, list[str]]:
    new, _, errors = edited_fields(Entity("Book", fields), ANSWERS, request)
    return new, errors


def test_drops_go_first_alterations_in_place_additions_last() -> None:
    request = Request("Book", add=[ISBN], drop=["published_on"], alter=["title:str(300):unique"])
    assert fields_after(request) == (
        f"title:str(300):unique, author:str(120):index, pages:int?, {ISBN}",
        [],
    )


def test_an_entity_of_more_entities_keeps_its_name_plural_and_place() -> None:
    answers = {
        "entity_name": "Author",
        "fields": "name:str(80)",
        "more_entities": "Category(categories): name:str(80)\nBook: title:str(9); Tag: x:int",
    }
    updated = with_fields(answers, 2, "title:str(9), isbn:str(13)?")
    assert updated["more_entities"] == (
        "Category(categories): name:str(80)\nBook: title:str(9), isbn:str(13)?; Tag: x:int"
    )
    assert [e.plural for e in declared_entities(updated)] == [
        "authors",
        "categories",
        "books",
        "tags",
    ]
    assert with_fields(answers, 0, "name:str(90)")["fields"] == "name:str(90)"


def test_nullable_puts_the_mark_after_the_type() -> None:
    assert nullable("isbn:str(13):unique") == "isbn:str(13)?:unique"
    assert nullable("rank:int") == "rank:int?"


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (
            Request("Book", add=["isbn:str(13)"]),
            "ADD: 'isbn:str(13)' — a column added to a table with rows needs '?' or a default "
            "for them; e.g. 'isbn:str(13)?'",
        ),
        (
            Request("Book", add=["isbn:str(13)?:unique=x"]),
            "a unique column with a default would give every row the same value; "
            "e.g. 'isbn:str(13)?:unique'",
        ),
        (
            Request("Book", add=["title:str(9)"]),
            "has a field 'title' already; change it with ALTER",
        ),
        (Request("Book", add=["isbn:strr(13)?"]), "unknown type 'strr' (did you mean 'str'?)"),
        (Request("Book", drop=["pags"]), "DROP: 'pags' — Book has no field 'pags' (did you mean"),
        (
            Request("Book", alter=["title:str(100):unique"]),
            "narrowing str(200) to str(100) could cut stored values; widen it or keep it; "
            "e.g. 'title:str(200):unique'",
        ),
        (Request("Book", alter=["pages:text?"]), "changing the type (int to text) could lose data"),
        (
            Request("Book", alter=["pages:int"]),
            "NOT NULL needs a default to fill them; e.g. 'pages:int=0'",
        ),
        (Request("Book", alter=["pages:int?"]), "the field is like that already"),
        (Request("Book", add=["shelf:ref(Book)?"]), "many fields and claims are not changed"),
    ],
)
def test_a_change_rows_would_not_survive_is_one_line_naming_input_value_and_example(
    request_: Request, error: str
) -> None:
    _, errors = fields_after(request_)
    assert len(errors) == 1, errors
    assert error in errors[0]
    assert "\n" not in errors[0]
    assert "; e.g. " in errors[0]


# --- the command on a baked project ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["Bok", "--add", ISBN], "ENTITY: 'Bok' — no such entity (did you mean 'Book'?)"),
        (["Book"], "give ADD, DROP or ALTER"),
        (
            ["Book", "--drop", "title, author, pages, published_on"],
            "an entity keeps at least one field",
        ),
        (["Book", "--add", "isbn:str(13)", "--drop", "pags", "--alter", "title:str(9)"], "pags"),
    ],
)
def test_a_refused_change_changes_nothing(project: Path, args: list[str], error: str) -> None:
    before = tree(project)
    code, output = change(project, *args)
    assert_refused_unchanged(project, before, code, output, error)


def test_every_error_is_reported_at_once(project: Path) -> None:
    args = ["--add", "isbn:str(13)", "--drop", "pags", "--alter", "title:str(9):unique"]
    code, output = change(project, "Book", *args)
    assert code == 1
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert [e.split(":")[1].strip() for e in errors] == ["DROP", "ALTER", "ADD"], errors


def test_an_added_field_is_rendered_recorded_and_migrated_on_top(project: Path) -> None:
    service = team_edits(project)
    code, output = change(project, "Book", "--add", ISBN)
    assert code == 0, output
    assert f"Changed Book: add {ISBN}." in output
    package = project / "src" / "book_service" / "books"
    assert (
        "isbn: Mapped[str | None] = mapped_column(sa.String(13), unique=True)"
        in (package / "models.py").read_text()
    )
    text = service.read_text()
    assert text.startswith(TEAM_DOC)
    assert text.endswith(TEAM_HELPER)
    assert '("isbn_contains", "isbn", "contains"),' in text
    assert recorded(project)["fields"] == f"{BOOK}, {ISBN}"
    assert "| `isbn` | `str(13)` | yes | yes | no |" in (project / "README.md").read_text()
    (migration,) = (project / "migrations" / "versions").glob("*_add_book_isbn.py")
    text = migration.read_text()
    assert 'batch.add_column(sa.Column("isbn", sa.String(13), nullable=True))' in text
    assert 'batch.create_unique_constraint(op.f("uq_book_isbn"), ["isbn"])' in text
    assert 'down_revision: str | None = "15bacdc359bc"' in text
    # the generated files are as a bake with the spec writes them (the migration aside)
    baked = bake(project.parent.parent / "baked", {"fields": f"{BOOK}, {ISBN}"})
    for relative in ("books/models.py", "books/schemas.py", "books/router.py"):
        expected = (baked / "src" / "book_service" / relative).read_text()
        assert (package.parent / relative).read_text() == expected, relative
    for command in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
        done = run([str(BIN / command[0]), *command[1:]], cwd=project)
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_second_change_goes_on_top_of_the_first(project: Path) -> None:
    assert change(project, "Book", "--add", ISBN)[0] == 0
    code, output = change(project, "Book", "--drop", "isbn")
    assert code == 0, output
    assert recorded(project)["fields"] == BOOK
    versions = sorted((project / "migrations" / "versions").glob("*.py"))
    assert len(versions) == 3
    heads = run([str(BIN / "alembic"), "heads"], cwd=project)
    assert heads.stdout.count("(head)") == 1, heads.stdout + heads.stderr


def test_a_team_edit_to_the_lines_the_change_rewrites_is_a_conflict(project: Path) -> None:
    service = project / "src" / "book_service" / "books" / "service.py"
    line = '    ("pages_lte", "pages", "lte"),\n'
    service.write_text(service.read_text().replace(line, line.replace("),", "),  # ours")))
    before = tree(project)
    code, output = change(project, "Book", "--drop", "pages")
    assert code == 1, output
    assert f"error: {service}: the lines this change rewrites differ" in output
    assert tree(project) == before


def test_a_field_of_a_declared_entity_in_more_entities(tmp_path: Path) -> None:
    project = bake(tmp_path, {"more_entities": "Review: stars:int, book:ref(Book):cascade"})
    code, output = change(project, "reviews", "--add", "body:text?", "--alter", "stars:int=5")
    assert code == 0, output
    assert recorded(project)["more_entities"] == (
        "Review: stars:int=5, book:ref(Book):cascade, body:text?"
    )
    models = (project / "src" / "book_service" / "reviews" / "models.py").read_text()
    assert "body: Mapped[str | None]" in models
    code, output = change(project, "Review", "--drop", "book")
    assert code == 1
    assert "references, many fields and claims are not changed" in output


# --- end to end: rows, the generated suite, a template update ---------------------------


async def _catalog(url: str, table: str) -> list[tuple[object, ...]]:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        queries = (
            "SELECT column_name, data_type, character_maximum_length, is_nullable, "
            "column_default FROM information_schema.columns WHERE table_name = $1",
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1",
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = $1::regclass",
        )
        rows = [tuple(row) for query in queries for row in await connection.fetch(query, table)]
        return sorted(rows, key=repr)
    finally:
        await connection.close()


def sqlite_catalog(path: Path, table: str) -> list[tuple[object, ...]]:
    """Columns, indexes (their columns, uniqueness, origin) and named constraints."""
    with sqlite3.connect(path) as connection:
        columns = [tuple(row[1:]) for row in connection.execute(f"PRAGMA table_info({table})")]
        indexes = []
        for _, name, unique, origin, partial in connection.execute(f"PRAGMA index_list({table})"):
            info = connection.execute(f"PRAGMA index_info({name})").fetchall()
            shown = name if origin == "c" else origin
            indexes.append((shown, unique, partial, tuple(row[2] for row in info)))
        (ddl,) = connection.execute(
            "SELECT sql FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
    constraints = [tuple(found) for found in re.findall(r"CONSTRAINT (\w+) (\w+)", ddl)]
    return sorted([*columns, *indexes, *constraints], key=repr)


def migrate(project: Path, url: str) -> None:
    done = run([str(BIN / "alembic"), "upgrade", "head"], cwd=project, env={"DATABASE_URL": url})
    assert done.returncode == 0, done.stderr


def checked(project: Path, url: str) -> None:
    """One head; ruff, format and mypy clean; the whole generated suite passes."""
    heads = run([str(BIN / "alembic"), "heads"], cwd=project, env={"DATABASE_URL": url})
    assert heads.stdout.count("(head)") == 1, heads.stdout
    for command in (["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]):
        done = run([str(BIN / command[0]), *command[1:]], cwd=project)
        assert done.returncode == 0, done.stdout + done.stderr
    suite = run(
        [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env={"DATABASE_URL": url, "FUZZ_EXAMPLES": "5"},
    )
    assert suite.returncode == 0, suite.stdout[-5000:]
    assert "failed" not in suite.stdout


@pytest.fixture
def databases() -> Iterator[list[str]]:
    """PostgreSQL databases a test creates (by name), each with its _test twins dropped."""
    names: list[str] = []
    yield names
    for name in names:
        for database in (name, f"{name}_test", f"{name}_test_live", f"{name}_test_migrations"):
            sql(f"{POSTGRES}/postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def fresh(name: str, databases: list[str]) -> str:
    admin = f"{POSTGRES}/postgres"
    sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    sql(admin, f'CREATE DATABASE "{name}"')
    databases.append(name)
    return f"{POSTGRES}/{name}"


@pytest.mark.slow
def test_postgresql_add_a_field_to_a_table_with_rows_and_edits(
    tmp_path: Path, databases: list[str]
) -> None:
    project = bake(tmp_path / "project")
    url = fresh("template_field_add", databases)
    migrate(project, url)
    for i in range(3):
        sql(url, f"INSERT INTO book (id, title, author) VALUES (gen_random_uuid(), 't{i}', 'a')")
    team_edits(project)
    alter = "title:str(300):unique"
    code, output = change(project, "Book", "--add", ISBN, "--add", "rank:int=3", "--alter", alter)
    assert code == 0, output
    migrate(project, url)
    assert sql(url, "SELECT count(*) FROM book WHERE rank = 3 AND isbn IS NULL") == 3
    # the migrated table is the table a bake with the new spec creates
    spec = BOOK.replace("title:str(200)", "title:str(300)") + f", {ISBN}, rank:int=3"
    assert recorded(project)["fields"] == spec
    baked = bake(tmp_path / "baked", {"fields": spec})
    fresh_url = fresh("template_field_baked", databases)
    migrate(baked, fresh_url)
    assert asyncio.run(_catalog(url, "book")) == asyncio.run(_catalog(fresh_url, "book"))
    checked(project, url)


@pytest.mark.slow
def test_sqlite_drop_a_field_from_a_table_with_rows(tmp_path: Path) -> None:
    fields = "title:str(200):unique, status:enum(draft|done)=draft, pages:int?:index"
    project = bake(tmp_path / "project", {"database": "sqlite", "fields": fields})
    database = project / "app.db"
    url = f"sqlite+aiosqlite:///{database}"
    migrate(project, url)
    with sqlite3.connect(database) as connection:
        for i in range(3):
            connection.execute(
                "INSERT INTO book (id, title, pages) VALUES (?, ?, ?)",
                (uuid.uuid4().hex, f"t{i}", i),
            )
    team_edits(project)
    code, output = change(project, "Book", "--drop", "pages", "--alter", "title:str(250):unique")
    assert code == 0, output
    migrate(project, url)
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT title, status FROM book ORDER BY title").fetchall()
    assert rows == [("t0", "draft"), ("t1", "draft"), ("t2", "draft")]
    spec = "title:str(250):unique, status:enum(draft|done)=draft"
    baked = bake(tmp_path / "baked", {"database": "sqlite", "fields": spec})
    migrate(baked, f"sqlite+aiosqlite:///{baked / 'app.db'}")
    assert sqlite_catalog(database, "book") == sqlite_catalog(baked / "app.db", "book")
    service = (project / "src" / "book_service" / "books" / "service.py").read_text()
    assert '"pages"' not in service  # its filters and sorts are gone with it
    checked(project, url)


def git(*args: str, cwd: Path) -> str:
    """Run git with a fixed identity; fail the test on a non-zero exit."""
    identity = ["-c", "user.name=Template Tests", "-c", "user.email=tests@example.com"]
    done = run(["git", *identity, *args], cwd=cwd)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_a_cruft_update_after_a_field_change_keeps_everything(
    tmp_path: Path, databases: list[str]
) -> None:
    """The template is this checkout as it is (commit A); the project adds isbn and edits
    books/service.py; commit B changes the Makefile and the entity's models.py template.
    The update brings B, keeps the field, the edits and the rows, and adds no migration."""
    template = tmp_path / "template"
    skip = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".*_cache", "bench")
    shutil.copytree(TEMPLATE, template, ignore=skip)
    git("init", "-q", cwd=template)
    git("add", "--all", cwd=template)
    git("commit", "-qm", "A", cwd=template)
    cruft = str(BIN / "cruft")
    out = tmp_path / "out"
    created = run(
        [cruft, "create", "--no-input", "--output-dir", str(out), str(template)], tmp_path
    )
    assert created.returncode == 0, created.stdout + created.stderr
    (project,) = out.iterdir()
    url = fresh("template_field_cruft", databases)
    migrate(project, url)
    sql(url, "INSERT INTO book (id, title, author) VALUES (gen_random_uuid(), 'Kept', 'Ann')")
    service = team_edits(project)
    code, output = change(project, "Book", "--add", ISBN, template=template)
    assert code == 0, output
    state = json.loads((project / ".cruft.json").read_text())
    assert state["context"]["cookiecutter"]["fields"] == f"{BOOK}, {ISBN}"
    migrate(project, url)
    git("init", "-q", cwd=project)
    git("add", "--all", cwd=project)
    git("commit", "-qm", "ours: isbn and our edits", cwd=project)
    migrations = sorted(p.name for p in (project / "migrations" / "versions").glob("*.py"))

    makefile = template / "{{cookiecutter.project_slug|project_dir}}" / "Makefile"
    makefile.write_text("# Template revision B\n" + makefile.read_text())
    models = next((template / "entity").rglob("models.py"))
    models.write_text(models.read_text().replace('"""The ', '"""Revision B: the ', 1))
    git("commit", "-qam", "B", cwd=template)
    update = run([cruft, "update", "--skip-apply-ask", "--allow-untracked-files"], cwd=project)
    assert update.returncode == 0, update.stdout + update.stderr
    assert [*project.rglob("*.rej")] == []
    assert (project / "Makefile").read_text().startswith("# Template revision B")
    model = (project / "src" / "book_service" / "books" / "models.py").read_text()
    assert model.startswith('"""Revision B: the book table.')
    assert "isbn: Mapped[str | None]" in model
    text = service.read_text()
    assert text.startswith(TEAM_DOC)
    assert text.endswith(TEAM_HELPER)
    assert '("isbn", "isbn", "eq"),' in text
    assert sorted(p.name for p in (project / "migrations" / "versions").glob("*.py")) == migrations
    assert run([cruft, "check"], cwd=project).returncode == 0
    migrate(project, url)
    assert sql(url, "SELECT title FROM book") == "Kept"
    checked(project, url)


@pytest.mark.network
def test_make_field_runs_as_the_readme_writes_it(project: Path) -> None:
    """The generated Makefile's target, as a user types it (uv fetches cookiecutter)."""
    env = {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    args = ["make", "field", f"TEMPLATE={TEMPLATE}", "ENTITY=Book", f"ADD={ISBN}", "DROP=pages"]
    done = run(args, cwd=project, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Changed Book: drop pages; add {ISBN}." in done.stdout
    refused = run([*args[:2], "TEMPLATE=/nowhere", *args[3:]], cwd=project, env=env)
    assert refused.returncode != 0
    assert "TEMPLATE must be a checkout of the template" in refused.stdout
