"""Template updates with cruft, as a team lives them: create from the template's own git
repository (relative path, absolute path, git URL), then take a template change with
`cruft update` on a project that has edits of its own.

The template is a temporary git clone of this checkout (commit A); commit B changes shared
files there. cruft clones the template itself, so only committed files take part.
"""

import json
import subprocess
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from tests.conftest import BIN, POSTGRES, TEMPLATE, run, sql

pytestmark = pytest.mark.slow
CRUFT = str(BIN / "cruft")
TEAM_LINE = "# our own target, kept across template updates\n"


def git(*args: str, cwd: Path) -> str:
    """Run git with a fixed identity; fail the test on a non-zero exit."""
    identity = ["-c", "user.name=Template Tests", "-c", "user.email=tests@example.com"]
    done = run(["git", *identity, *args], cwd=cwd)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A git clone of this checkout's committed template (commit A)."""
    clone = tmp_path / "template"
    subprocess.run(["git", "clone", "-q", str(TEMPLATE), str(clone)], check=True)
    return clone


def create(source: str, cwd: Path, output: Path) -> Path:
    """`cruft create --no-input source` into output; returns the project directory."""
    done = run([CRUFT, "create", "--no-input", "--output-dir", str(output), source], cwd=cwd)
    assert done.returncode == 0, done.stdout + done.stderr
    (project,) = output.iterdir()
    return project


@pytest.mark.parametrize("form", ["relative", "absolute", "git URL"])
def test_cruft_creates_and_checks_from_every_path_form(
    template: Path, tmp_path: Path, form: str
) -> None:
    source, cwd = {
        "relative": (".", template),
        "absolute": (str(template), tmp_path),
        "git URL": (f"file://{template}", tmp_path),
    }[form]
    project = create(source, cwd, tmp_path / "out")
    recorded = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert recorded["commit"] == git("rev-parse", "HEAD", cwd=template).strip()
    check = run([CRUFT, "check"], cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    if form != "relative":  # diff and update re-read the recorded path from the project
        diff = run([CRUFT, "diff", "--exit-code"], cwd=project)
        assert diff.returncode == 0, diff.stdout + diff.stderr  # nothing edited yet


@pytest.mark.parametrize("form", ["absolute", "git URL"])
def test_cruft_update_merges_a_template_change_into_an_edited_project(
    template: Path, tmp_path: Path, form: str
) -> None:
    source = str(template) if form == "absolute" else f"file://{template}"
    project = create(source, tmp_path, tmp_path / "out")
    git("init", "-q", cwd=project)
    git("add", "--all", cwd=project)
    git("commit", "-qm", "baked", cwd=project)
    migrations = sorted(p.name for p in (project / "migrations" / "versions").iterdir())
    # The team's own edit to a shared file.
    makefile = project / "Makefile"
    makefile.write_text(makefile.read_text(encoding="utf-8") + TEAM_LINE, encoding="utf-8")
    git("commit", "-qam", "our target", cwd=project)
    # Commit B: the template changes a shared file far from the team's edit.
    shared = template / "{{cookiecutter.project_slug|project_dir}}" / "Makefile"
    shared.write_text("# Template revision B\n" + shared.read_text(encoding="utf-8"))
    git("commit", "-qam", "B: Makefile header", cwd=template)

    assert run([CRUFT, "check"], cwd=project).returncode != 0, "B must make the project stale"
    update = run([CRUFT, "update", "--skip-apply-ask", "--allow-untracked-files"], cwd=project)
    assert update.returncode == 0, update.stdout + update.stderr

    text = makefile.read_text(encoding="utf-8")
    assert text.startswith("# Template revision B\n")
    assert text.endswith(TEAM_LINE)
    after = sorted(p.name for p in (project / "migrations" / "versions").iterdir())
    assert after == migrations, "the same answers render the same migration, never a second"
    assert run([CRUFT, "check"], cwd=project).returncode == 0
    leftovers = [*project.rglob("*.rej"), *project.rglob("*.orig")]
    assert leftovers == []


# --- what a bake prints, and what an update does not ---------------------------------

NEXT_STEPS = "Generated book-service. Next:"


def commit_all(project: Path, message: str) -> None:
    """git init (once) and commit everything in the project."""
    if not (project / ".git").exists():
        git("init", "-q", cwd=project)
    git("add", "--all", cwd=project)
    git("commit", "-qm", message, cwd=project)


def test_cruft_create_prints_the_next_steps_once_and_update_not_at_all(
    template: Path, tmp_path: Path
) -> None:
    """cruft update renders the template twice in temporary directories (old and new
    commit): the post-generation hook must not print their next steps, twice."""
    output = tmp_path / "out"
    command = [CRUFT, "create", "--no-input", "--output-dir", str(output), str(template)]
    created = run(command, cwd=tmp_path)
    assert created.returncode == 0, created.stdout + created.stderr
    assert created.stdout.count(NEXT_STEPS) == 1
    (project,) = output.iterdir()
    commit_all(project, "baked")
    shared = template / "{{cookiecutter.project_slug|project_dir}}" / "Makefile"
    shared.write_text("# Template revision B\n" + shared.read_text(encoding="utf-8"))
    git("commit", "-qam", "B: Makefile header", cwd=template)
    update = run([CRUFT, "update", "--skip-apply-ask", "--allow-untracked-files"], cwd=project)
    assert update.returncode == 0, update.stdout + update.stderr
    assert "has been updated" in update.stdout
    for line in (NEXT_STEPS, "cd book-service", "make install"):
        assert line not in update.stdout + update.stderr
    diff = run([CRUFT, "diff"], cwd=project)  # renders through the same path: quiet too
    assert diff.returncode == 0, diff.stderr
    assert NEXT_STEPS not in diff.stdout + diff.stderr


# --- the README of an added entity across an update ----------------------------------

REVIEW = "Review: stars:int, book:ref(Book)"
TEAM_NOTE = "\n## On call\n\nPage the book team; runbook in the wiki.\n"
README_B = "Template revision B: review migrations like code.\n\n"


def test_the_readme_keeps_an_added_entity_and_a_team_edit_across_an_update(
    template: Path, tmp_path: Path
) -> None:
    """make entity merges the entity into the README (cruft update cannot: it renders both
    sides with the new answers); a later update brings the template's README change and
    keeps both: the README is the bake of the entity at B plus the team's note."""
    project = create(str(template), tmp_path, tmp_path / "out")
    readme = project / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + TEAM_NOTE, encoding="utf-8")
    commit_all(project, "baked, our note")
    added = run(
        [str(BIN / "python"), "-m", "crudgen.add_entity", REVIEW],
        cwd=project,
        env={"PYTHONPATH": str(template)},
    )
    assert added.returncode == 0, added.stdout + added.stderr
    assert "### `/reviews` (Review)" in readme.read_text(encoding="utf-8")
    commit_all(project, "the Review entity")
    shared = template / "{{cookiecutter.project_slug|project_dir}}" / "README.md"
    text = shared.read_text(encoding="utf-8")
    shared.write_text(text.replace("## Migrations\n\n", "## Migrations\n\n" + README_B, 1))
    git("commit", "-qam", "B: a README line", cwd=template)

    update = run([CRUFT, "update", "--skip-apply-ask", "--allow-untracked-files"], cwd=project)
    assert update.returncode == 0, update.stdout + update.stderr
    assert [*project.rglob("*.rej")] == []
    baked = Path(
        cookiecutter(
            str(template),
            no_input=True,
            output_dir=str(tmp_path / "baked"),
            extra_context={"more_entities": REVIEW},
        )
    )
    expected = (baked / "README.md").read_text(encoding="utf-8") + TEAM_NOTE
    assert readme.read_text(encoding="utf-8") == expected
    assert README_B in expected
    assert "An async CRUD service for books and reviews.\n" in expected
    state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert state["context"]["cookiecutter"]["more_entities"] == REVIEW
    assert run([CRUFT, "check"], cwd=project).returncode == 0


# --- the whole day-2 round trip --------------------------------------------------------

CUSTOM_ROUTE = '''

@router.get("/stats/ping", dependencies=[Security(authorized, scopes=["stats:read"])])
async def ping() -> dict[str, str]:
    """Our own endpoint."""
    return {"pong": "ours"}


def normalise_title(title: str) -> str:
    """Our business rule: titles are stored without surrounding spaces."""
    return title.strip()
'''
CREATE_LINE = "    values = [{**data.model_dump(by_alias=True), **owned(_TABLE, scope)}]\n"
RULE_CALL = CREATE_LINE + '    values[0]["title"] = custom.normalise_title(data.title)\n'
NOTE_MIGRATION = '''"""Add book.note: a template update to an existing table, as a new revision.

Revision ID: b0b0b0b0b0b0
Revises: {{ entities_head(cookiecutter) }}
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b0b0b0b0b0b0"
down_revision: str | None = "{{ entities_head(cookiecutter) }}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column."""
    with op.batch_alter_table("book") as batch:
        batch.add_column(sa.Column("note", sa.String(50), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("book") as batch:
        batch.drop_column("note")
'''


def template_b(template: Path) -> None:
    """Commit B: shared files change (Makefile, core/errors.py) and the book table gains a
    column through a new migration, on top of the entities' migrations."""
    root = template / "{{cookiecutter.project_slug|project_dir}}"
    makefile = root / "Makefile"
    makefile.write_text("# Template revision B\n" + makefile.read_text(encoding="utf-8"))
    errors = root / "src" / "{{cookiecutter.package_name}}" / "core" / "errors.py"
    text = errors.read_text(encoding="utf-8")
    errors.write_text(text.replace('RETRY_AFTER_SECONDS = "5"', 'RETRY_AFTER_SECONDS = "7"'))
    (root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
    (root / "migrations" / "versions" / "b0b0b0b0b0b0_add_book_note.py").write_text(NOTE_MIGRATION)
    models = (
        template / "entity" / "{{cookiecutter.__project}}" / "src"
        / "{{cookiecutter.package_name}}" / "{{cookiecutter.__plural}}" / "models.py"
    )  # fmt: skip
    text = models.read_text(encoding="utf-8")
    anchor = "    version: Mapped[int] = mapped_column("
    note = (
        '{%- if cookiecutter.__table == "book" %}\n'
        "    note: Mapped[str | None] = mapped_column(sa.String(50))\n"
        "{%- endif %}\n"
    )
    models.write_text(text.replace(anchor, note + anchor, 1))
    git("add", "--all", cwd=template)
    git("commit", "-qm", "B: Makefile, errors.py, book.note", cwd=template)


def test_day_two_edits_an_added_entity_and_rows_survive_a_template_update(
    template: Path, tmp_path: Path
) -> None:
    # 1. Bake at commit A from a git repository of the template.
    project = create(str(template), tmp_path, tmp_path / "out")
    git("init", "-q", cwd=project)
    git("add", "--all", cwd=project)
    git("commit", "-qm", "baked", cwd=project)
    package = project / "src" / "book_service"
    name = "template_day2_cruft"
    url = f"{POSTGRES}/{name}"
    admin = f"{POSTGRES}/postgres"
    sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    sql(admin, f'CREATE DATABASE "{name}"')
    env = {"DATABASE_URL": url}
    try:
        # 2. As a team: a custom route and a business rule where the docs say, a setting,
        # rows, and a second entity referencing the first with the add command.
        custom = package / "custom.py"
        imports = "from fastapi import APIRouter, Security\n\nfrom .core.auth import authorized\n"
        own = custom.read_text(encoding="utf-8").replace("from fastapi import APIRouter\n", imports)
        custom.write_text(own + CUSTOM_ROUTE, encoding="utf-8")
        service = package / "books" / "service.py"
        text = service.read_text(encoding="utf-8")
        assert CREATE_LINE in text
        text = text.replace(CREATE_LINE, RULE_CALL, 1)
        text = text.replace("from ..core", "from .. import custom\nfrom ..core", 1)
        service.write_text(text, encoding="utf-8")
        (project / ".env").write_text(
            (project / ".env").read_text(encoding="utf-8") + "BULK_MAX_ITEMS=7\n"
        )
        added = run(
            [str(BIN / "python"), "-m", "crudgen.add_entity", "Review: stars:int, book:ref(Book)"],
            cwd=project,
            env={"PYTHONPATH": str(template)},
        )
        assert added.returncode == 0, added.stdout + added.stderr
        assert run([str(BIN / "alembic"), "upgrade", "head"], cwd=project, env=env).returncode == 0
        book = "gen_random_uuid()"
        sql(url, f"INSERT INTO book (id, title, author) VALUES ({book}, 'Kept', 'Ann')")
        sql(
            url, "INSERT INTO review (id, stars, book_id) SELECT gen_random_uuid(), 5, id FROM book"
        )
        git("add", "--all", cwd=project)
        git("commit", "-qm", "our route, rule, setting and the Review entity", cwd=project)

        # 3. Commit B in the template.
        template_b(template)

        # 4. cruft update merges; the team's edits are kept, one head, rows kept, suite green.
        update = run([CRUFT, "update", "--skip-apply-ask", "--allow-untracked-files"], cwd=project)
        assert update.returncode == 0, update.stdout + update.stderr
        assert [*project.rglob("*.rej")] == []
        diff = run([CRUFT, "diff"], cwd=project)  # the team's own changes, against B
        assert diff.returncode == 0, diff.stderr
        assert "normalise_title" in diff.stdout
        assert run([CRUFT, "check"], cwd=project).returncode == 0
        assert (
            (project / "Makefile").read_text(encoding="utf-8").startswith("# Template revision B")
        )
        assert 'RETRY_AFTER_SECONDS = "7"' in (package / "core" / "errors.py").read_text()
        assert "custom.normalise_title(data.title)" in service.read_text(encoding="utf-8")
        assert "note: Mapped[str | None]" in (package / "books" / "models.py").read_text()
        assert "def ping()" in custom.read_text(encoding="utf-8")
        assert (package / "reviews" / "router.py").is_file(), "the added entity survives"
        assert "router as reviews" in (package / "registry.py").read_text(encoding="utf-8")
        heads = run([str(BIN / "alembic"), "heads"], cwd=project, env=env)
        assert heads.stdout.count("(head)") == 1, heads.stdout
        assert "b0b0b0b0b0b0" in heads.stdout
        assert run([str(BIN / "alembic"), "upgrade", "head"], cwd=project, env=env).returncode == 0
        assert sql(url, "SELECT count(*) FROM review JOIN book ON book.id = review.book_id") == 1
        assert sql(url, "SELECT title FROM book") == "Kept"
        suite = run(
            [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=project,
            env={**env, "FUZZ_EXAMPLES": "5"},
        )
        assert suite.returncode == 0, suite.stdout[-5000:]
        assert "failed" not in suite.stdout

        # 5. A change to the very lines the team changed is a conflict, never dropped.
        git("add", "--all", cwd=project)
        git("commit", "-qm", "updated to B", cwd=project)
        shared = template / "{{cookiecutter.project_slug|project_dir}}" / "src"
        shared = shared / "{{cookiecutter.package_name}}" / "custom.py"
        shared.write_text(shared.read_text(encoding="utf-8") + CUSTOM_ROUTE.replace("ours", "C"))
        git("commit", "-qam", "C: a route in custom.py", cwd=template)
        update = run([CRUFT, "update", "--skip-apply-ask", "--allow-untracked-files"], cwd=project)
        merged = custom.read_text(encoding="utf-8")
        conflicted = [*project.rglob("*.rej")] or "<<<<<<<" in merged
        assert conflicted or update.returncode != 0, "a conflict must be reported"
        assert '"ours"' in merged or [*project.rglob("custom.py.rej")], "our route is kept"
    finally:
        for database in (name, f"{name}_test", f"{name}_test_live"):
            sql(admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
