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

from tests.conftest import BIN, TEMPLATE, run

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


def test_cruft_update_merges_a_template_change_into_an_edited_project(
    template: Path, tmp_path: Path
) -> None:
    project = create(str(template), tmp_path, tmp_path / "out")
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
