"""No checkout needed on day 2: a bake records where the template came from and at which
commit (`_template_source` in .cookiecutter.json; cruft's .cruft.json too), and the
project's `make entity` and `make field` get that commit again through
tools/template_checkout.py (a clone per commit in ~/.cache), unless TEMPLATE= overrides.

The template is a git snapshot of this checkout as it is (commit A); commit B then marks
the entity's models.py, so a render from B is told from one from A.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from crudgen import template_source
from tests.conftest import BIN, TEMPLATE, run

SCRIPT = TEMPLATE / "{{cookiecutter.project_slug|project_dir}}" / "tools" / "template_checkout.py"
CRUFT = str(BIN / "cruft")
MARK = '"""Revision B: the '


def load_script() -> ModuleType:
    """The project's tools/template_checkout.py (plain Python: no Jinja in it)."""
    spec = importlib.util.spec_from_file_location("template_checkout", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


checkout: Any = load_script()


def git(*args: str, cwd: Path) -> str:
    """Run git with a fixed identity; fail the test on a non-zero exit."""
    identity = ["-c", "user.name=Template Tests", "-c", "user.email=tests@example.com"]
    done = run(["git", *identity, *args], cwd=cwd)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def snapshot(target: Path) -> str:
    """This checkout's files as they are (tracked or new, not ignored) committed in a new
    repository at target; returns the commit (A)."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], TEMPLATE)
    for name in filter(None, listed.stdout.split("\0")):
        source = TEMPLATE / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git("init", "-q", cwd=target)
    git("add", "--all", cwd=target)
    git("commit", "-qm", "A", cwd=target)
    return git("rev-parse", "HEAD", cwd=target).strip()


def commit_b(template: Path) -> str:
    """Commit B: the entity's models.py docstring says so; returns the commit."""
    models = next((template / "entity").rglob("models.py"))
    models.write_text(models.read_text(encoding="utf-8").replace('"""The ', MARK, 1))
    git("commit", "-qam", "B: a marked models.py", cwd=template)
    return git("rev-parse", "HEAD", cwd=template).strip()


@pytest.fixture(scope="module")
def snapshot_a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One snapshot per module; tests clone it, and change only their clones."""
    target = tmp_path_factory.mktemp("snapshot") / "template"
    snapshot(target)
    return target


@pytest.fixture
def template(snapshot_a: Path, tmp_path: Path) -> Path:
    """A clone of the snapshot (commit A) of this test's own."""
    clone = tmp_path / "template"
    subprocess.run(["git", "clone", "-q", str(snapshot_a), str(clone)], check=True)
    return clone


def bake_from(template: Path, output: Path) -> Path:
    """`cookiecutter <template>` (its absolute path), as a user bakes from a checkout: in a
    process of its own, as this one has imported crudgen from this checkout already."""
    command = [str(BIN / "cookiecutter"), "--no-input", "--output-dir", str(output), str(template)]
    done = run(command, cwd=output.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    (project,) = output.iterdir()
    return project


def models_of(project: Path, plural: str) -> str:
    return (project / "src" / "book_service" / plural / "models.py").read_text(encoding="utf-8")


def source_of(project: Path) -> dict[str, str]:
    recorded: dict[str, str] = json.loads((project / ".cookiecutter.json").read_text())[
        template_source.KEY
    ]
    return recorded


def cache_env(tmp_path: Path) -> dict[str, str]:
    """An empty checkout cache of the test's own (uv keeps its usual cache)."""
    uv_cache = os.environ.get("UV_CACHE_DIR") or run(["uv", "cache", "dir"], tmp_path).stdout
    return {
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "UV_CACHE_DIR": uv_cache.strip(),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }


def cached(tmp_path: Path) -> list[str]:
    """The commits checked out in the test's cache."""
    root = tmp_path / "cache" / checkout.CACHE_NAME
    return (
        sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
        if root.is_dir()
        else []
    )


def clean(project: Path) -> None:
    """The project's own lint and format checks pass."""
    for command in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
        done = run([str(BIN / command[0]), *command[1:]], cwd=project)
        assert done.returncode == 0, done.stdout + done.stderr


# --- what the hook records -------------------------------------------------------------


def fake_git(answers: Mapping[str, str | None]) -> template_source.Git:
    """git as a table: the first argument -> stdout (None: git fails)."""
    return lambda directory, args: answers.get(args[0])


HEAD = "/src/tpl\n\n" + "a" * 40 + "\n"


def test_a_clean_checkout_records_its_directory_commit_and_origin() -> None:
    git_table = {"rev-parse": HEAD, "status": "", "config": "git@example.com:org/tpl.git\n"}
    source = template_source.recorded(
        {"_template": "../tpl"}, "/src/tpl", fake_git(git_table), lambda typed: False
    )
    assert source == {
        "url": "/src/tpl",
        "commit": "a" * 40,
        "remote": "git@example.com:org/tpl.git",
    }


def test_a_template_in_a_subdirectory_records_the_repository_and_the_directory() -> None:
    table = {"rev-parse": "/src/mono\ntemplates/crud/\n" + "b" * 40 + "\n", "status": ""}
    source = template_source.recorded(
        {"_template": "/src/mono/templates/crud"},
        "/src/mono/templates/crud",
        fake_git(table),
        lambda typed: False,
    )
    assert source == {"url": "/src/mono", "commit": "b" * 40, "directory": "templates/crud"}


def test_a_git_url_bake_records_the_url_not_cookiecutters_clone() -> None:
    table = {"rev-parse": HEAD, "status": "", "config": "https://github.com/org/tpl.git\n"}
    source = template_source.recorded(
        {"_template": "gh:org/tpl"}, "/home/u/.cookiecutters/tpl", fake_git(table)
    )
    assert source == {"url": "https://github.com/org/tpl.git", "commit": "a" * 40}


@pytest.mark.parametrize(
    "table",
    [
        {"rev-parse": None},  # no git work tree (or no git)
        {"rev-parse": HEAD, "status": " M crudgen/fields.py\n"},  # changes not committed
        {"rev-parse": HEAD, "status": None},
    ],
)
def test_no_commit_is_recorded_without_a_clean_work_tree(table: dict[str, str | None]) -> None:
    source = template_source.recorded({"_template": "."}, "/src/tpl", fake_git(table))
    assert source == {"url": "/src/tpl"}


def test_a_cruft_render_records_what_cruft_records_and_runs_no_git() -> None:
    def no_git(directory: str, args: list[str]) -> str | None:
        raise AssertionError("cruft's clone is temporary: no git")

    context = {"_template": "https://example.com/tpl.git", "_commit": "c" * 40}
    source = template_source.recorded(context, "/tmp/tmpx/repo", no_git)
    assert source == {"url": "https://example.com/tpl.git", "commit": "c" * 40}


@pytest.mark.parametrize(
    ("typed", "remote"),
    [
        ("gh:org/tpl", True),
        ("https://github.com/org/tpl", True),
        ("git@github.com:org/tpl.git", True),
        ("file:///src/tpl", True),
        ("../cookiecutter-fastapi-crud", False),
        ("/src/tpl", False),
        (".", False),
    ],
)
def test_a_typed_template_is_remote_when_cookiecutter_clones_it(typed: str, remote: bool) -> None:
    assert template_source.is_remote(typed) is remote


# --- what the project reads ------------------------------------------------------------


def test_cruft_state_comes_first_with_the_bake_record_as_fallback() -> None:
    answers = {"_template_source": {"url": "/src/tpl", "commit": "a" * 40, "remote": "git@h:t"}}
    cruft = {"template": "https://h/t.git", "commit": "b" * 40, "directory": None}
    assert checkout.recorded(cruft, answers) == checkout.Source(
        ("https://h/t.git", "/src/tpl", "git@h:t"), "b" * 40, ""
    )
    assert checkout.recorded({}, answers) == checkout.Source(("/src/tpl", "git@h:t"), "a" * 40, "")
    assert checkout.recorded({}, {"_template_source": {"url": "/src/tpl"}}) == (
        checkout.Source(("/src/tpl",), "", "")
    )
    assert checkout.recorded({}, {"cookiecutter": {"_template": "."}}) is None
    same = {"template": "/src/tpl", "commit": "b" * 40, "directory": "sub"}
    assert checkout.recorded(same, answers).urls == ("/src/tpl", "git@h:t")
    assert checkout.recorded(same, answers).directory == "sub"


def test_the_cache_follows_xdg_then_home() -> None:
    assert checkout.cache_root({"XDG_CACHE_HOME": "/x", "HOME": "/h"}) == Path(
        "/x/cookiecutter-fastapi-crud"
    )
    assert checkout.cache_root({"HOME": "/h"}) == Path("/h/.cache/cookiecutter-fastapi-crud")


def write_project(project: Path, source: dict[str, str] | None) -> Path:
    project.mkdir(parents=True, exist_ok=True)
    recorded: dict[str, Any] = {"cookiecutter": {"_template": "."}}
    if source is not None:
        recorded["_template_source"] = source
    (project / ".cookiecutter.json").write_text(json.dumps(recorded), encoding="utf-8")
    return project


def fails(project: Path, command: str, template: str, environ: dict[str, str]) -> str:
    with pytest.raises(checkout.Missing) as raised:
        checkout.locate(project, command, template, environ)
    message: str = raised.value.args[0]
    assert "\n" not in message
    return message


def test_the_override_must_be_a_checkout(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", None)
    assert fails(project, "add_entity", str(tmp_path), {}) == checkout.NOT_A_CHECKOUT
    assert checkout.locate(project, "add_entity", str(TEMPLATE), {}) == TEMPLATE


def test_nothing_recorded_names_the_override(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", None)
    message = fails(project, "add_entity", "", {"HOME": str(tmp_path)})
    assert message == (
        "no template recorded in .cruft.json or .cookiecutter.json: "
        'make entity TEMPLATE=../cookiecutter-fastapi-crud SPEC="Review: stars:int"'
    )
    assert "make field TEMPLATE=" in fails(project, "change_fields", "", {})


def test_with_no_commit_the_directory_is_used_while_it_holds_the_template(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"url": str(TEMPLATE)})
    assert checkout.locate(project, "add_entity", "", {}) == TEMPLATE
    gone = write_project(tmp_path / "q", {"url": str(tmp_path / "moved")})
    message = fails(gone, "add_entity", "", {})
    assert message.startswith(f"{tmp_path / 'moved' / 'crudgen' / 'add_entity.py'} is missing")
    assert message.endswith(
        'make entity TEMPLATE=../cookiecutter-fastapi-crud SPEC="Review: stars:int"'
    )


def tiny_template(root: Path) -> tuple[str, str]:
    """A repository whose commit 1 has crudgen/add_entity.py only and commit 2 adds
    crudgen/change_fields.py; returns both commits."""
    (root / "crudgen").mkdir(parents=True)
    (root / "crudgen" / "add_entity.py").write_text("VERSION = 1\n")
    git("init", "-q", cwd=root)
    git("add", "--all", cwd=root)
    git("commit", "-qm", "1", cwd=root)
    first = git("rev-parse", "HEAD", cwd=root).strip()
    (root / "crudgen" / "add_entity.py").write_text("VERSION = 2\n")
    (root / "crudgen" / "change_fields.py").write_text("")
    git("add", "--all", cwd=root)
    git("commit", "-qm", "2", cwd=root)
    return first, git("rev-parse", "HEAD", cwd=root).strip()


def test_a_commit_is_cloned_once_per_commit_and_reused(tmp_path: Path) -> None:
    first, second = tiny_template(tmp_path / "tpl")
    environ = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    gone = str(tmp_path / "gone")  # tried first, fails: the next place is used
    project = write_project(
        tmp_path / "p", {"url": gone, "remote": str(tmp_path / "tpl"), "commit": first}
    )
    where = checkout.locate(project, "add_entity", "", environ)
    assert where == tmp_path / "cache" / checkout.CACHE_NAME / first
    assert (where / "crudgen" / "add_entity.py").read_text() == "VERSION = 1\n"
    assert sorted(p.name for p in where.parent.iterdir()) == [first]  # no scratch left
    shutil.rmtree(tmp_path / "tpl")  # reused: no clone again
    assert checkout.locate(project, "add_entity", "", environ) == where
    message = fails(project, "change_fields", "", environ)  # commit 1 predates the command
    assert message.startswith(f"the template at {first[:12]} has no crudgen/change_fields.py")
    assert "cruft update, or make field TEMPLATE=" in message
    assert second not in message


def test_a_commit_found_nowhere_names_it_and_the_override(tmp_path: Path) -> None:
    tiny_template(tmp_path / "tpl")
    project = write_project(tmp_path / "p", {"url": str(tmp_path / "tpl"), "commit": "f" * 40})
    message = fails(project, "add_entity", "", {"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert message.startswith(
        f"cannot check out the template's commit {'f' * 40}: {tmp_path / 'tpl'}: "
    )
    assert message.endswith(
        '; or make entity TEMPLATE=../cookiecutter-fastapi-crud SPEC="Review: stars:int"'
    )
    assert [p.name for p in (tmp_path / "cache" / checkout.CACHE_NAME).iterdir()] == []


def test_the_script_prints_the_directory_or_one_error_line(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"url": str(TEMPLATE)})
    done = run([sys.executable, str(SCRIPT), "add_entity", ""], cwd=project)
    assert (done.returncode, done.stdout) == (0, f"{TEMPLATE}\n")
    refused = run([sys.executable, str(SCRIPT), "add_entity", "/nowhere"], cwd=project)
    assert (refused.returncode, refused.stdout) == (2, f"error: {checkout.NOT_A_CHECKOUT}\n")


# --- a bake, then a template change: the project stays on its commit --------------------


def test_a_bake_records_its_commit_and_the_command_renders_from_it(
    snapshot_a: Path, template: Path, tmp_path: Path
) -> None:
    """No network: the script finds commit A after B, and crudgen.add_entity runs from it."""
    first = git("rev-parse", "HEAD", cwd=template).strip()
    project = bake_from(template, tmp_path / "out")
    expected = {"url": str(template.resolve()), "commit": first, "remote": str(snapshot_a)}
    assert source_of(project) == expected
    commit_b(template)
    env = cache_env(tmp_path)
    found = run([str(BIN / "python"), "tools/template_checkout.py", "add_entity", ""], project, env)
    assert found.returncode == 0, found.stdout + found.stderr
    assert found.stdout.strip() == str(tmp_path / "cache" / checkout.CACHE_NAME / first)
    added = run(
        [str(BIN / "python"), "-m", "crudgen.add_entity", "Review: stars:int"],
        project,
        {**env, "PYTHONPATH": found.stdout.strip()},
    )
    assert added.returncode == 0, added.stdout + added.stderr
    assert models_of(project, "reviews").startswith('"""The review table.')
    assert source_of(project)["commit"] == first, "the command keeps the record"


def test_a_dirty_template_records_no_commit_and_is_used_in_place(
    template: Path, tmp_path: Path
) -> None:
    (template / "scratch.txt").write_text("not committed\n")
    project = bake_from(template, tmp_path / "out")
    assert source_of(project) == {"url": str(template.resolve())}
    found = run([str(BIN / "python"), "tools/template_checkout.py", "add_entity", ""], project)
    assert found.stdout == f"{template.resolve()}\n"


def cruft_create(template: Path, output: Path) -> Path:
    """`cruft create` from the template's absolute path; the project, committed in git."""
    command = [CRUFT, "create", "--no-input", "--output-dir", str(output), str(template)]
    done = run(command, cwd=output.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    (project,) = output.iterdir()
    commit_all(project, "baked")
    return project


def commit_all(project: Path, message: str) -> None:
    if not (project / ".git").exists():
        git("init", "-q", cwd=project)
    git("add", "--all", cwd=project)
    git("commit", "-qm", message, cwd=project)


def cruft_update(project: Path) -> None:
    update = run([CRUFT, "update", "--skip-apply-ask", "--allow-untracked-files"], cwd=project)
    assert update.returncode == 0, update.stdout + update.stderr
    assert [*project.rglob("*.rej")] == []


@pytest.mark.slow
def test_cruft_keeps_the_record_unchanged_by_diff_and_moved_by_update(
    template: Path, tmp_path: Path
) -> None:
    first = git("rev-parse", "HEAD", cwd=template).strip()
    project = cruft_create(template, tmp_path / "out")
    assert source_of(project) == {"url": str(template), "commit": first}
    diff = run([CRUFT, "diff", "--exit-code"], cwd=project)
    assert diff.returncode == 0, diff.stdout + diff.stderr  # cruft's render records the same
    second = commit_b(template)
    cruft_update(project)
    assert json.loads((project / ".cruft.json").read_text())["commit"] == second
    assert source_of(project) == {"url": str(template), "commit": second}
    env = cache_env(tmp_path)
    found = run([str(BIN / "python"), "tools/template_checkout.py", "add_entity", ""], project, env)
    assert found.stdout == f"{tmp_path / 'cache' / checkout.CACHE_NAME / second}\n"


# --- make entity and make field as a user types them (uv fetches cookiecutter) ----------


def make(project: Path, env: dict[str, str], *args: str) -> str:
    """`make <args>` in project; its stdout (the test fails on a non-zero exit)."""
    done = run(["make", *args], cwd=project, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
@pytest.mark.network
def test_make_entity_and_field_render_from_the_baked_commit_without_template(
    template: Path, tmp_path: Path
) -> None:
    first = git("rev-parse", "HEAD", cwd=template).strip()
    project = bake_from(template, tmp_path / "out")
    commit_b(template)
    env = cache_env(tmp_path)

    assert "Added Review:" in make(project, env, "entity", "SPEC=Review: stars:int")
    assert models_of(project, "reviews").startswith('"""The review table.'), "from A, not B"
    assert cached(tmp_path) == [first]
    clean(project)

    changed = make(project, env, "field", "ENTITY=Book", "ADD=isbn:str(13)?")
    assert "Changed Book: add isbn:str(13)?." in changed
    books = models_of(project, "books")
    assert "isbn: Mapped[str | None]" in books
    assert books.startswith('"""The book table.'), "re-rendered from A too"
    assert cached(tmp_path) == [first], "the checkout of A is reused"

    # TEMPLATE= still overrides: the clone's work tree, at B
    override = make(
        project, env, "entity", f"TEMPLATE={template}", "SPEC=Reply(replies): text:text"
    )
    assert "Added Reply:" in override
    assert models_of(project, "replies").startswith(MARK + "reply table.")
    clean(project)


@pytest.mark.slow
@pytest.mark.network
def test_after_a_cruft_update_make_entity_uses_the_new_commit(
    template: Path, tmp_path: Path
) -> None:
    first = git("rev-parse", "HEAD", cwd=template).strip()
    project = cruft_create(template, tmp_path / "out")
    second = commit_b(template)
    env = cache_env(tmp_path)

    make(project, env, "entity", "SPEC=Review: stars:int")
    assert MARK not in models_of(project, "reviews"), "the project is on A"
    clean(project)
    commit_all(project, "the Review entity")

    cruft_update(project)
    assert models_of(project, "reviews").startswith(MARK), "cruft update renders B"
    commit_all(project, "updated to B")
    assert "Added Note:" in make(project, env, "entity", "SPEC=Note: body:text")
    assert models_of(project, "notes").startswith(MARK + "note table.")
    assert cached(tmp_path) == sorted([first, second])
    clean(project)
    assert run([CRUFT, "check"], cwd=project).returncode == 0
