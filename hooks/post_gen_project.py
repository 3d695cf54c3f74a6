"""Wire the generated project: drop unneeded files, write .env and the answers, optionally
make the first commit, print the next steps (on a bake; not on cruft's internal renders).

Pure functions decide (`paths_to_remove`, `answers`, `git_commands`, `next_steps`); the
steps in `main` act on them. No network, no installs: generation stays fast and offline.
"""

import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# option -> {value: paths to delete when the option has that value}; {core} is the
# package's core/ directory. deploy/ (Kubernetes) needs both PostgreSQL and the image.
OPTIONAL: dict[str, dict[object, tuple[str, ...]]] = {
    "database": {
        "postgresql": ("{core}/sqlite.py",),
        "sqlite": ("{core}/postgresql.py", "deploy"),
    },
    "pagination": {"cursor": ("{core}/offset.py",), "offset": ("{core}/keyset.py",)},
    "auth": {"none": ("{core}/oidc.py",)},
    "docker": {False: ("Dockerfile", "compose.yaml", ".dockerignore", "deploy")},
    "ci": {
        "github": (".gitlab-ci.yml",),
        "gitlab": (".github",),
        "none": (".github", ".gitlab-ci.yml"),
    },
}


def paths_to_remove(context: Mapping[str, object]) -> list[str]:
    """Relative paths that the chosen options do not need."""
    core = f"src/{context['package_name']}/core"
    return sorted(
        {
            path.format(core=core)
            for option, by_value in OPTIONAL.items()
            for path in by_value.get(context.get(option), ())
        }
    )


def remove(project: Path, paths: list[str]) -> None:
    """Delete files or directories under project."""
    for relative in paths:
        target = project / relative
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def dev_key_line(context: Mapping[str, object]) -> str:
    """The .env line of the development signing key (auth=oidc): a random Ed25519 seed,
    base64url, from which the service derives the key pair. Never in .env.example (which is
    committed): each bake gets its own, and production refuses it."""
    if context.get("auth") != "oidc":
        return ""
    seed = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    note = "# Development only: `make token` signs with it; production refuses it."
    return f"{note}\nAUTH_DEV_KEY={seed}\n"


def write_env(project: Path, context: Mapping[str, object]) -> None:
    """Create .env from .env.example, with a development key of its own, unless the user
    already has one."""
    env = project / ".env"
    if not env.exists():
        example = (project / ".env.example").read_text(encoding="utf-8")
        env.write_text(example + dev_key_line(context), encoding="utf-8")


def answers(context: Mapping[str, object]) -> dict[str, object]:
    """The answers worth keeping with the project (for a replay or cruft update)."""
    kept = {key: value for key, value in context.items() if not key.startswith("_")}
    kept["_template"] = context.get("_template")
    return {"cookiecutter": kept}


def write_answers(
    project: Path, context: Mapping[str, object], source: Mapping[str, str] | None = None
) -> None:
    """Record the answers in .cookiecutter.json, sorted, so regeneration diffs stay small;
    with the template's origin (crudgen/template_source.py) for make entity and make field."""
    recorded = {**answers(context), **({"_template_source": dict(source)} if source else {})}
    text = json.dumps(recorded, indent=2, sort_keys=True) + "\n"
    (project / ".cookiecutter.json").write_text(text, encoding="utf-8")


def git_commands(context: Mapping[str, object], has_identity: bool) -> list[list[str]]:
    """The git commands that make the first commit (the author answers stand in for a
    missing git identity)."""
    identity = []
    if not has_identity:
        identity = ["-c", f"user.name={context['author_name']}"]
        identity += ["-c", f"user.email={context['author_email']}"]
    message = "Initial commit from cookiecutter-fastapi-crud"
    return [
        ["git", "init", "--quiet"],
        ["git", "add", "--all"],
        ["git", *identity, "commit", "--quiet", "--no-verify", "-m", message],
    ]


def init_git(project: Path, context: Mapping[str, object]) -> str:
    """git init and a first commit when asked; returns a note for the user."""
    if context.get("init_git") is not True:
        return ""
    if shutil.which("git") is None:
        return "git is not installed: skipped git init (run it yourself later)."
    probe = subprocess.run(["git", "config", "user.email"], cwd=project, capture_output=True)
    for command in git_commands(context, has_identity=bool(probe.stdout.strip())):
        done = subprocess.run(command, cwd=project, capture_output=True, text=True)
        if done.returncode != 0:
            return f"git failed, so the project is not committed: {done.stderr.strip()}"
    return "Initialised a git repository with a first commit."


def path_from(shell: str | None, project: Path) -> str:
    """How to reach the project from the shell's directory ($PWD: the hook runs in the
    project, the user's shell did not move): `book-service`, or `../book-service` after
    `cookiecutter -o ..`; its absolute path when that is shorter to read."""
    if not shell:
        return project.name
    relative = os.path.relpath(project, shell)
    return str(project) if relative.startswith(os.pardir + os.sep + os.pardir) else relative


def next_steps(context: Mapping[str, object], where: str | None = None) -> str:
    """The commands to run next, for the project just generated (at `where`, as the
    user's shell reaches it)."""
    slug = context["project_slug"]
    return "\n".join(
        [
            f"Generated {slug}. Next:",
            f"  cd {where or slug}",
            "  make install     # uv sync: the service and its dev tools in .venv",
            "  make migrate     # create the database if missing, alembic upgrade head",
            "  make run         # http://127.0.0.1:8000/docs",
            "  make test        # pytest against the <database>_test twin",
        ]
    )


def main(context: Mapping[str, object], template_root: str, *, quiet: bool = False) -> int:
    """Run every post-generation step in the new project directory; print the next steps
    unless quiet (cruft's own renders for an update or a diff, which nobody sees)."""
    sys.path.insert(0, template_root)
    from crudgen.entities import render_service
    from crudgen.template_source import recorded

    project = Path.cwd()
    render_service(project, context)
    remove(project, paths_to_remove(context))
    write_env(project, context)
    write_answers(project, context, recorded(context, template_root))
    note = init_git(project, context)
    if not quiet:
        where = path_from(os.environ.get("PWD"), project)
        print(next_steps(context, where) + (f"\n{note}" if note else ""))
    return 0


if __name__ == "__main__":
    # As in pre_gen_project.py: the extension hands over the template's absolute path.
    root = json.loads(r'''{{ template_root()|tojson }}''')  # fmt: skip
    quiet = json.loads(r'''{{ cruft_internal_render()|tojson }}''')  # fmt: skip
    sys.exit(main(json.loads(r"""{{ cookiecutter|tojson }}"""), root, quiet=quiet))
