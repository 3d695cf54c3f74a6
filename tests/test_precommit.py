"""pre-commit: baked projects (and this repository) pass the hooks they ship, unchanged.

The slow tests run pre-commit from this .venv in a fresh git repository. The hygiene hooks
are installed from PyPI into one PRE_COMMIT_HOME for the session (pre-commit locks it, so
xdist workers share it); ruff and mypy run through `uv run --no-sync` on this .venv
(UV_PROJECT_ENVIRONMENT), which holds everything a baked project needs.
"""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BIN, CASES, TEMPLATE, bake, run
from tests.test_options import answers

PROJECT_CONFIG = TEMPLATE / "{{cookiecutter.project_slug|project_dir}}" / ".pre-commit-config.yaml"
REPO_CONFIG = TEMPLATE / ".pre-commit-config.yaml"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}
# Both databases and every Python version (pairwise rows 0-2), and every field type.
PROJECTS: dict[str, dict[str, Any]] = {
    **{f"pairwise_{index}": answers(index) for index in range(3)},
    "all_types": CASES["all_types"],
}


def load(path: Path) -> dict[str, Any]:
    """A pre-commit configuration file."""
    config: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return config


def test_hooks_are_local_and_the_same_for_the_repo_and_baked_projects() -> None:
    project, repo = load(PROJECT_CONFIG), load(REPO_CONFIG)
    assert repo["repos"] == project["repos"]
    assert [entry["repo"] for entry in project["repos"]] == ["local"]
    hooks = {hook["id"]: hook for hook in project["repos"][0]["hooks"]}
    assert {"ruff-check", "ruff-format", "trailing-whitespace", "check-yaml"} <= hooks.keys()
    assert hooks["mypy"]["stages"] == ["manual"]
    assert "exclude" not in project
    # both templates (project and entity) are Jinja: baked projects are checked instead
    assert repo["exclude"] == r"^(\{\{cookiecutter\.project_slug\|project_dir\}\}|entity)/"


@pytest.fixture(scope="session")
def hook_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for pre-commit: one hook store, this .venv for ruff and mypy, uv on PATH."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run
    home = root / "pre-commit-home"
    home.mkdir(exist_ok=True)
    return {
        **GIT_IDENTITY,
        "PRE_COMMIT_HOME": str(home),
        "UV_PROJECT_ENVIRONMENT": str(BIN.parent),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def commit_everything(repo: Path, env: dict[str, str]) -> None:
    """git init and commit every file that is not ignored."""
    commit = ["-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-m", "all"]
    for args in (["init", "--quiet"], ["add", "--all"], commit):
        result = run(["git", *args], cwd=repo, env=env)
        assert result.returncode == 0, f"git {args[0]}: {result.stderr}"


def pre_commit(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """pre-commit run over every file of repo."""
    command = [str(BIN / "pre-commit"), "run", "--all-files", "--color=never", *args]
    return run([*command, "--show-diff-on-failure"], cwd=repo, env=env)


def assert_passes_unchanged(repo: Path, env: dict[str, str], *args: str) -> None:
    """The hooks pass and leave the working tree as committed."""
    result = pre_commit(repo, env, *args)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    status = run(["git", "status", "--porcelain"], cwd=repo, env=env)
    assert status.stdout == "", status.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", PROJECTS)
def test_baked_project_passes_its_hooks(
    hook_env: dict[str, str], tmp_path: Path, name: str
) -> None:
    project = bake(tmp_path, PROJECTS[name])
    commit_everything(project, hook_env)
    assert_passes_unchanged(project, hook_env)


@pytest.mark.slow
def test_baked_project_passes_the_manual_mypy_hook(
    hook_env: dict[str, str], tmp_path: Path
) -> None:
    project = bake(tmp_path)
    commit_everything(project, hook_env)
    assert_passes_unchanged(project, hook_env, "mypy", "--hook-stage", "manual")


@pytest.mark.slow
def test_template_repo_passes_its_hooks(hook_env: dict[str, str], tmp_path: Path) -> None:
    """On a copy of the working tree (tracked and new files), so no hook edits the repo."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], TEMPLATE)
    if listed.returncode != 0:
        pytest.skip("the template is not a git checkout")
    copy = tmp_path / "template"
    for relative in filter(None, listed.stdout.split("\0")):
        source = TEMPLATE / relative
        if source.is_file():  # deleted but not yet staged: not part of the tree
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / relative)
    commit_everything(copy, hook_env)
    assert_passes_unchanged(copy, hook_env)
