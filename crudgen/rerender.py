"""Re-render a project file for changed answers, keeping the team's edits to it.

`cruft update` renders the old and the new template with the same (recorded) answers, so a
command that changes the answers themselves (`make entity` adds an entity, and with it a
README section and maybe a new description) must carry that change into the files rendered
from them: it renders the file from this template with the old answers and with the new
ones, and merges that difference into the project's copy three-way, as cruft does for a
template change. The team's edits elsewhere in the file stay; an edit to the very lines
the answers change is a conflict, refused with nothing written.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cookiecutter.environment import StrictEnvironment
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config
from jinja2 import FileSystemLoader

TEMPLATE = Path(__file__).resolve().parents[1]
CONFIG = TEMPLATE / "cookiecutter.json"
PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project_slug|project_dir}}"


class MergeConflict(Exception):
    """The answers' change touches lines the team edited; args[0] is a one-line error."""


def bake_context(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The context a bake with these answers renders with, derived and private values
    included, computed as cookiecutter and cruft compute it (so the render is the bake's)."""
    public = {key: value for key, value in answers.items() if not key.startswith("_")}
    context: dict[str, Any] = generate_context(context_file=str(CONFIG), extra_context=public)
    context["cookiecutter"] = prompt_for_config(context, no_input=True)
    return context


def _environment() -> StrictEnvironment:
    """cookiecutter's own environment: the template's extensions (recorded answers do not
    name them), strict about undefined names, trailing newlines kept."""
    extensions = json.loads(CONFIG.read_text(encoding="utf-8"))["_extensions"]
    return StrictEnvironment(
        context={"cookiecutter": {"_extensions": extensions}},
        keep_trailing_newline=True,
        loader=FileSystemLoader(str(PROJECT_TEMPLATE)),
    )


def default_answer(key: str, answers: Mapping[str, Any]) -> str:
    """The template's default for one answer, rendered with the other answers as a bake
    renders it: lets a command tell a derived answer from one the team typed."""
    raw = json.loads(CONFIG.read_text(encoding="utf-8"))[key]
    return str(_environment().from_string(str(raw)).render(cookiecutter=dict(answers)))


def render_file(template_path: str, answers: Mapping[str, Any]) -> tuple[str, str]:
    """(path in the project, text) of one file of the project template, as baked."""
    context = bake_context(answers)
    environment = _environment()
    relative = environment.from_string(template_path).render(**context)
    return relative, environment.get_template(template_path).render(**context)


def merge(current: str, base: str, other: str, name: str) -> str:
    """current with the change from base to other applied (`git merge-file`); raises
    MergeConflict naming the file when that change overlaps an edit of current's."""
    if current == base:
        return other
    if base == other or current == other:
        return current
    with tempfile.TemporaryDirectory() as scratch:
        paths = [Path(scratch) / part for part in ("current", "base", "other")]
        for path, text in zip(paths, (current, base, other), strict=True):
            path.write_bytes(text.encode("utf-8"))
        try:
            done = subprocess.run(
                ["git", "merge-file", "-p", *map(str, paths)], capture_output=True, check=False
            )
        except FileNotFoundError:
            raise MergeConflict(f"{name}: git is needed to merge the change into it") from None
    if done.returncode != 0:
        raise MergeConflict(
            f"{name}: the lines this change rewrites differ from the template's render "
            "(your edits, or an older template: cruft update first); merge them by hand"
        )
    return done.stdout.decode("utf-8")


def rerender(
    project: Path, template_path: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> tuple[Path, str] | None:
    """The project's file (path, merged text) with what the answers' change changes in its
    render; None when the team removed the file or the change leaves it as it is."""
    relative, base = render_file(template_path, old)
    target = project / relative
    if not target.is_file():
        return None
    _, other = render_file(template_path, new)
    current = target.read_bytes().decode("utf-8")
    merged = merge(current, base, other, str(target))
    return None if merged == current else (target, merged)
