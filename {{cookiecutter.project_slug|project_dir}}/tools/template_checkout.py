"""Print the directory of the template this project came from, for `make entity` and
`make field`, which run the template's own commands (its crudgen package) on this project.

    python tools/template_checkout.py add_entity|change_fields [TEMPLATE]

TEMPLATE, a checkout of the template, wins when given. Otherwise the template recorded at
bake time, at the commit the project is on: `.cruft.json` (`cruft update` moves its commit
along), else `_template_source` in `.cookiecutter.json`. That commit is cloned once into
$XDG_CACHE_HOME/cookiecutter-fastapi-crud/<commit> (~/.cache when unset) and reused, so an
added entity is rendered by the same template as the rest. A template baked from a
directory with no commit (no git, or changes not committed) is used where it was, if it
is still there. An error is one line on stdout, with exit code 2.

Python's standard library and git only: this runs before the template is at hand.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE_NAME = "cookiecutter-fastapi-crud"
EXAMPLE = "TEMPLATE=../cookiecutter-fastapi-crud"
USAGE = {
    "add_entity": f'make entity {EXAMPLE} SPEC="Review: stars:int"',
    "change_fields": f'make field {EXAMPLE} ENTITY=Book ADD="isbn:str(13)?"',
}
NOT_A_CHECKOUT = (
    f"TEMPLATE must be a checkout of the template this project came from, e.g. {EXAMPLE}"
)


class Missing(Exception):
    """The template is not at hand; args[0] is the one-line error."""


@dataclass(frozen=True)
class Source:
    """Where the template was recorded: places to clone from (or its directory, with no
    commit), the commit, and the template's directory inside the repository."""

    urls: tuple[str, ...]
    commit: str
    directory: str = ""


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from path; {} when the file is missing or is not one."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def recorded(cruft: dict[str, Any], answers: dict[str, Any]) -> Source | None:
    """The template's source from .cruft.json (cruft) and .cookiecutter.json (answers):
    cruft's template and commit first, as `cruft update` keeps them current."""
    own = answers.get("_template_source")
    own = own if isinstance(own, dict) else {}
    places = [str(own.get(key) or "") for key in ("url", "remote")]
    if cruft.get("template") and cruft.get("commit"):
        urls = [str(cruft["template"]), *places]
        commit, directory = str(cruft["commit"]), str(cruft.get("directory") or "")
    elif own.get("url"):
        urls = places
        commit, directory = str(own.get("commit") or ""), str(own.get("directory") or "")
    else:
        return None
    return Source(tuple(dict.fromkeys(url for url in urls if url)), commit, directory)


def cache_root(environ: Mapping[str, str]) -> Path:
    """Where the checkouts are kept, one directory per commit."""
    base = environ.get("XDG_CACHE_HOME") or os.path.join(environ.get("HOME") or "~", ".cache")
    return Path(base).expanduser() / CACHE_NAME


def git(*args: str) -> subprocess.CompletedProcess[str]:
    """Run git quietly; the completed process (never raises on a failure of git's)."""
    return subprocess.run(["git", *args], capture_output=True, text=True, check=False)


def clone(source: Source, cache: Path) -> Path:
    """The template at source's commit: cache/<commit>, cloned from the first place that
    has the commit unless an earlier run did (a finished clone is renamed into place)."""
    target = cache / source.commit
    if target.is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    failures = []
    with tempfile.TemporaryDirectory(prefix=".clone-", dir=cache) as scratch:
        work = Path(scratch) / "template"
        for url in source.urls:
            sys.stderr.write(f"Cloning the template at {source.commit[:12]} from {url}\n")
            done = git("clone", "--quiet", "--no-checkout", url, str(work))
            if done.returncode == 0:
                done = git("-C", str(work), "checkout", "--quiet", source.commit)
            if done.returncode == 0:
                with contextlib.suppress(OSError):  # another run finished first: use its
                    work.rename(target)
                return target
            lines = done.stderr.strip().splitlines()
            failures.append(f"{url}: {lines[-1] if lines else 'git failed'}")
            shutil.rmtree(work, ignore_errors=True)
    raise Missing("; ".join(failures) or "no place to clone it from was recorded")


def locate(project: Path, command: str, template: str, environ: Mapping[str, str]) -> Path:
    """The directory to put on PYTHONPATH for crudgen.<command>."""
    module = Path("crudgen") / f"{command}.py"
    if template:
        if not (Path(template) / module).is_file():
            raise Missing(NOT_A_CHECKOUT)
        return Path(template).resolve()
    usage = USAGE.get(command, f"make ... {EXAMPLE}")
    cruft = read_json(project / ".cruft.json")
    source = recorded(cruft, read_json(project / ".cookiecutter.json"))
    if source is None:
        raise Missing(f"no template recorded in .cruft.json or .cookiecutter.json: {usage}")
    if not source.commit:  # baked from a directory with no commit: use it as it is
        where = Path(source.urls[0]) / source.directory
        if not (where / module).is_file():
            missing = f"{where / module} is missing (the template baked from, no commit recorded)"
            raise Missing(f"{missing}: {usage}")
        return where
    try:
        where = clone(source, cache_root(environ)) / source.directory
    except Missing as error:
        message = f"cannot check out the template's commit {source.commit}: {error.args[0]}"
        raise Missing(f"{message}; or {usage}") from None
    if not (where / module).is_file():
        older = f"the template at {source.commit[:12]} has no {module} (older than this command)"
        raise Missing(f"{older}: cruft update, or {usage}")
    return where


def main(argv: list[str]) -> int:
    """Print the template's directory; on an error, the error."""
    command, template = argv[0], (argv[1] if len(argv) > 1 else "").strip()
    try:
        where = locate(Path.cwd(), command, template, os.environ)
    except Missing as error:
        sys.stdout.write(f"error: {error.args[0]}\n")
        return 2
    sys.stdout.write(f"{where}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
