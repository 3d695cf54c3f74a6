"""Day 2: add an entity to a living project with `python -m crudgen.add_entity` (what the
generated `make entity` runs): validated like a bake, nothing written when it refuses, and
on PostgreSQL a migration on top of the head that keeps every row."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crudgen.add_entity import Refused, alembic_head, registry_text, schemathesis_text
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

REVIEW = "Review: stars:int, body:text?, book:ref(Book):cascade"
# Files rendered from the answers as a whole: the README lists every entity, and these three
# hold the description.
DESCRIBED = ("README.md", "pyproject.toml", "src/book_service/__init__.py")
TEAM_NOTE = "\n## On call\n\nPage the book team; runbook in the wiki.\n"


def add(project: Path, spec: str) -> tuple[int, str]:
    """Run the command in project as `make entity` does; (exit code, stdout + stderr)."""
    return crudgen_command(project, "add_entity", spec)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A freshly baked default project (Book)."""
    return bake(tmp_path, {})


# --- the pieces ------------------------------------------------------------------------


def write_revision(versions: Path, revision: str, down: str | None) -> None:
    down_text = f'"{down}"' if down else "None"
    text = f'revision: str = "{revision}"\ndown_revision: str | None = {down_text}\n'
    (versions / f"{revision}_x.py").write_text(text)


def test_the_head_is_the_revision_nothing_revises(tmp_path: Path) -> None:
    write_revision(tmp_path, "aaa", None)
    write_revision(tmp_path, "bbb", "aaa")
    assert alembic_head(tmp_path) == "bbb"
    write_revision(tmp_path, "ccc", "aaa")
    with pytest.raises(Refused, match=r"2 heads \(bbb, ccc\).*alembic merge heads"):
        alembic_head(tmp_path)
    (tmp_path / "merge_x.py").write_text('revision = "ddd"\ndown_revision = ("bbb", "ccc")\n')
    assert alembic_head(tmp_path) == "ddd"


def test_the_registry_gets_the_import_and_the_router() -> None:
    text = (
        '"""Doc."""\n\nfrom fastapi import APIRouter\n\n'
        "from shop.items.router import router as items\n\n"
        "ROUTERS: tuple[APIRouter, ...] = (items,)\n"
    )
    assert registry_text(text, "shop", "carts") == (
        '"""Doc."""\n\nfrom fastapi import APIRouter\n\n'
        "from shop.carts.router import router as carts\n"
        "from shop.items.router import router as items\n\n"
        "ROUTERS: tuple[APIRouter, ...] = (items, carts)\n"
    )


def test_writes_of_a_child_may_answer_422_in_the_fuzz_config() -> None:
    base = '[checks.positive_data_acceptance]\nexpected-statuses = ["2xx"]\n'
    first = schemathesis_text(base, "reviews")
    assert 'include-path-regex = "^/(reviews)(/bulk|/[^/]+)?$"' in first
    second = schemathesis_text(first, "blog-posts")
    assert 'include-path-regex = "^/(reviews|blog-posts)(/bulk|/[^/]+)?$"' in second
    assert second.count("[[operations]]") == 1


# --- the command on a baked project ----------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("Book: isbn:str(13)", "entity 'Book' is declared twice"),
        ("Review: book:ref(Bok)", "refers to 'Bok', which is not declared (did you mean 'Book'?)"),
        ("Review", "give one entity as Name: fields or Name(plural): fields"),
        ("Review: stars:integer", "unknown type 'integer' (did you mean 'int'?)"),
        ("Review: book:ref(Book):set_null", "set_null needs a nullable reference"),
    ],
)
def test_a_refused_entity_changes_nothing(project: Path, spec: str, error: str) -> None:
    before = tree(project)
    code, output = add(project, spec)
    assert_refused_unchanged(project, before, code, output, error)


def test_every_error_is_reported_at_once(project: Path) -> None:
    code, output = add(project, "None: x:nope, book:ref(Bok)")
    assert code == 1
    assert len([line for line in output.splitlines() if line.startswith("error: ")]) >= 2


def test_two_heads_are_refused_with_nothing_written(project: Path) -> None:
    versions = project / "migrations" / "versions"
    write_revision(versions, "feedfacecafe", None)
    before = tree(project)
    code, output = add(project, REVIEW)
    assert code == 1
    assert "2 heads" in output
    assert tree(project) == before


def test_an_added_entity_is_clean_registered_recorded_and_chained(project: Path) -> None:
    head = alembic_head(project / "migrations" / "versions")
    code, output = add(project, REVIEW)
    assert code == 0, output
    assert "Added Review:" in output
    package = project / "src" / "book_service"
    assert (package / "reviews" / "router.py").is_file()
    assert (project / "tests" / "reviews" / "test_references.py").is_file()
    assert "router as reviews" in (package / "registry.py").read_text()
    answers = json.loads((project / ".cookiecutter.json").read_text())["cookiecutter"]
    assert answers["more_entities"] == REVIEW
    review = next((project / "migrations" / "versions").glob("*_create_review.py")).read_text()
    assert f'down_revision: str | None = "{head}"' in review
    # a second one goes on top of the first, and may reference it
    code, output = add(project, "Reply(replies): text:text, review:ref(Review)")
    assert code == 0, output
    assert alembic_head(project / "migrations" / "versions") != head
    for command in (["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]):
        done = run([str(BIN / command[0]), *command[1:]], cwd=project)
        assert done.returncode == 0, done.stdout + done.stderr
    # the same entity again is refused: it exists now
    code, output = add(project, REVIEW)
    assert code == 1
    assert "declared twice" in output


def test_the_readme_names_an_added_entity_everywhere_a_bake_does(tmp_path: Path) -> None:
    """After the command the README, the description and the answers are those of a bake
    that declared the entity (entity table, field table, scopes, layout, description),
    and a team edit elsewhere in the README is kept."""
    project = bake(tmp_path / "added")
    readme = project / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + TEAM_NOTE, encoding="utf-8")
    code, output = add(project, REVIEW)
    assert code == 0, output
    assert "  README.md\n" in output
    baked = bake(tmp_path / "baked", {"more_entities": REVIEW})
    for relative in DESCRIBED:
        expected = (baked / relative).read_text(encoding="utf-8")
        expected += TEAM_NOTE if relative == "README.md" else ""
        assert (project / relative).read_text(encoding="utf-8") == expected, relative
    text = readme.read_text(encoding="utf-8")
    for line in ("### `/reviews` (Review)", "`reviews:write`", "  reviews/ ", "`Book`, `Review`"):
        assert line in text
    assert "An async CRUD service for books and reviews.\n" in text
    recorded = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert recorded == json.loads((baked / ".cookiecutter.json").read_text(encoding="utf-8"))


def test_a_description_the_team_typed_stays(tmp_path: Path) -> None:
    typed = "Our catalogue of books."
    project = bake(tmp_path, {"description": typed})
    code, output = add(project, REVIEW)
    assert code == 0, output
    assert "  pyproject.toml\n" not in output
    answers = json.loads((project / ".cookiecutter.json").read_text())["cookiecutter"]
    assert answers["description"] == typed
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert f"\n{typed}\n" in readme
    assert "### `/reviews` (Review)" in readme
    assert f'description = "{typed}"' in (project / "pyproject.toml").read_text()


def test_a_second_entity_is_named_in_the_description_too(project: Path) -> None:
    for spec in (REVIEW, "Reply(replies): text:text, review:ref(Review)"):
        code, output = add(project, spec)
        assert code == 0, output
    sentence = "An async CRUD service for books, reviews and replies."
    answers = json.loads((project / ".cookiecutter.json").read_text())["cookiecutter"]
    assert answers["description"] == sentence
    assert f'description = "{sentence}"' in (project / "pyproject.toml").read_text()
    assert "### `/replies` (Reply)" in (project / "README.md").read_text(encoding="utf-8")


def test_a_team_edit_to_the_lines_the_entity_changes_is_refused(project: Path) -> None:
    readme = project / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("for `Book`:", "for `Book` (ours):"), encoding="utf-8")
    before = tree(project)
    code, output = add(project, REVIEW)
    assert code == 1, output
    assert output.splitlines() == [
        f"error: {readme}: the lines this change rewrites differ from the template's render "
        "(your edits, or an older template: cruft update first); merge them by hand",
        "Nothing was changed.",
    ]
    assert tree(project) == before


@pytest.mark.slow
def test_an_entity_added_to_a_project_with_edits_and_rows_migrates(
    project: Path,
) -> None:
    name = "template_day2"
    admin = f"{POSTGRES}/postgres"
    sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    sql(admin, f'CREATE DATABASE "{name}"')
    url = f"{POSTGRES}/{name}"
    env = {"DATABASE_URL": url}
    try:
        assert run([str(BIN / "alembic"), "upgrade", "head"], cwd=project, env=env).returncode == 0
        for i in range(3):
            sql(
                url,
                f"INSERT INTO book (id, title, author) VALUES (gen_random_uuid(), 't{i}', 'a')",
            )
        # a local edit the team made
        main = project / "src" / "book_service" / "main.py"
        main.write_text(main.read_text().replace('"""Application factory', '"""Our app factory'))
        code, output = add(project, REVIEW)
        assert code == 0, output
        heads = run([str(BIN / "alembic"), "heads"], cwd=project, env=env)
        assert heads.stdout.count("(head)") == 1, heads.stdout
        upgrade = run([str(BIN / "alembic"), "upgrade", "head"], cwd=project, env=env)
        assert upgrade.returncode == 0, upgrade.stderr
        assert sql(url, "SELECT count(*) FROM book") == 3
        assert sql(url, "SELECT count(*) FROM review") == 0
        assert main.read_text().startswith('"""Our app factory')
        # the whole suite with the added entity: test_cruft's day-two round trip runs it
    finally:
        sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        sql(admin, f'DROP DATABASE IF EXISTS "{name}_test" WITH (FORCE)')
        sql(admin, f'DROP DATABASE IF EXISTS "{name}_test_live" WITH (FORCE)')


def test_an_entity_added_with_a_many_field_links_to_the_rows_there(project: Path) -> None:
    """make entity with `books:many(Book)`: the join table comes with the new entity's
    migration, in step with the models, and its generated link tests pass."""
    code, output = add(project, "Shelf(shelves): label:str(40), books:many(Book)")
    assert code == 0, output
    assert (project / "tests" / "shelves" / "test_links.py").is_file()
    for command in (["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]):
        done = run([str(BIN / command[0]), *command[1:]], cwd=project)
        assert done.returncode == 0, done.stdout + done.stderr
    name = "template_day2_links"
    admin = f"{POSTGRES}/postgres"
    sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    sql(admin, f'CREATE DATABASE "{name}"')
    env = {"DATABASE_URL": f"{POSTGRES}/{name}"}
    try:
        for step in (["upgrade", "head"], ["check"]):
            done = run([str(BIN / "alembic"), *step], cwd=project, env=env)
            assert done.returncode == 0, done.stdout + done.stderr
        command = [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        done = run([*command, "tests/shelves"], cwd=project, env=env)
        assert done.returncode == 0, done.stdout[-5000:]
        assert " passed" in done.stdout
    finally:
        sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        sql(admin, f'DROP DATABASE IF EXISTS "{name}_test" WITH (FORCE)')


@pytest.mark.network
def test_make_entity_runs_as_the_readme_writes_it(project: Path) -> None:
    """The generated Makefile's target, as a user types it (uv fetches cookiecutter)."""
    spec = "SPEC=Review: stars:int, book:ref(Book):cascade"
    env = {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = run(["make", "entity", f"TEMPLATE={TEMPLATE}", spec], cwd=project, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Added Review: 25 files" in done.stdout
    refused = run(["make", "entity", "TEMPLATE=/nowhere", spec], cwd=project, env=env)
    assert refused.returncode != 0
    assert "TEMPLATE must be a checkout of the template" in refused.stdout
